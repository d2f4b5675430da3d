//! The SQL of each operation per backend, forwards and backwards.
//!
//! Backwards is forwards of the inverse operation, with the states swapped: one code path per change.
//! SQLite cannot alter most of a table in place, so there the table is rebuilt (new table, copy, drop,
//! rename, indexes), which keeps every row; the executor turns foreign key enforcement off around it, as
//! SQLite's documentation prescribes, and checks every key before committing.

use super::operation::{
    Operation, StateError, missing_constraint, missing_field, missing_index, missing_model,
};
use super::state::ProjectState;
use crate::ddl;
use crate::dialect::Backend;
use crate::schema::{
    ColumnType, ConstraintSchema, FieldSchema, Literal, ModelSchema, check_name, foreign_key_name,
    unique_key_name,
};

/// The statements that apply `operation` of `app`, taking `before` to `after`.
pub fn forwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    let q = |name: &str| backend.quote_identifier(name);
    // Models and fields are read from the states, not from the operation: there, foreign keys point at
    // their targets' tables as they are at this point of the history.
    let sql = match operation {
        Operation::CreateModel { model: created } => {
            ddl::create_model(model(after, app, &created.name)?, backend)
        }
        Operation::DeleteModel { name } => {
            vec![format!("DROP TABLE {}", q(&model(before, app, name)?.table))]
        }
        Operation::RenameModel { old_name, new_name } => {
            rename_table(model(before, app, old_name)?, model(after, app, new_name)?, backend)
        }
        Operation::RenameField { model: name, old_name, new_name } => {
            let (old, new) = (model(before, app, name)?, model(after, app, name)?);
            alter_field(old, new, field_of(old, old_name)?, field_of(new, new_name)?, None, backend)?
        }
        Operation::AlterModelTable { name, .. } => {
            rename_table(model(before, app, name)?, model(after, app, name)?, backend)
        }
        Operation::AlterModelComment { name, comment } => {
            let table = q(&model(after, app, name)?.table);
            match backend {
                // SQLite keeps no comments.
                Backend::Sqlite => Vec::new(),
                Backend::Postgres => {
                    let comment =
                        comment.as_deref().map_or("NULL".to_owned(), |text| backend.quote_literal(text));
                    vec![format!("COMMENT ON TABLE {table} IS {comment}")]
                }
                Backend::Mysql => {
                    let comment = backend.quote_literal(comment.as_deref().unwrap_or(""));
                    vec![format!("ALTER TABLE {table} COMMENT = {comment}")]
                }
            }
        }
        Operation::AddField { model: name, field, backfill } => {
            let new = model(after, app, name)?;
            add_field(model(before, app, name)?, new, field_of(new, &field.name)?, backfill.as_ref(), backend)
        }
        Operation::RemoveField { model: name, name: field } => {
            let old = model(before, app, name)?;
            let field = old.field(field).ok_or_else(|| missing_field(app, name, field))?;
            remove_field(old, model(after, app, name)?, field, backend)
        }
        Operation::AlterField { model: name, field, backfill } => {
            let (old, new) = (model(before, app, name)?, model(after, app, name)?);
            let (old_field, new_field) = (field_of(old, &field.name)?, field_of(new, &field.name)?);
            alter_field(old, new, old_field, new_field, backfill.as_ref(), backend)?
        }
        Operation::AddIndex { model: name, index } => {
            vec![ddl::create_index(
                &model(after, app, name)?.table,
                &index.name,
                &index.columns,
                false,
                backend,
            )]
        }
        Operation::RemoveIndex { model: name, name: index } => {
            let old = model(before, app, name)?;
            let columns =
                old.indexes.iter().find(|existing| existing.name == *index).map(|found| &found.columns);
            drop_index_under_key(old, index, columns.map_or(&[][..], Vec::as_slice), backend)
        }
        Operation::AddConstraint { model: name, constraint } => {
            add_constraint(model(before, app, name)?, model(after, app, name)?, constraint, backend)
        }
        Operation::RemoveConstraint { model: name, name: constraint } => {
            let old = model(before, app, name)?;
            let removed = old.constraints.iter().find(|c| c.name() == constraint);
            let removed = removed.ok_or_else(|| missing_constraint(app, name, constraint))?;
            remove_constraint(old, model(after, app, name)?, removed, backend)
        }
        Operation::RunSql { forward, .. } => {
            forward.for_backend(backend).map(str::to_owned).into_iter().collect()
        }
    };
    Ok(sql)
}

/// The statements that undo `operation`: forwards of its inverse, from `after` back to `before`.
pub fn backwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    forwards(&inverse(operation, app, before)?, app, after, before, backend)
}

/// The operation that takes the state after `operation` back to `before`.
pub fn inverse(operation: &Operation, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
    Ok(match operation {
        Operation::CreateModel { model } => Operation::DeleteModel { name: model.name.clone() },
        Operation::DeleteModel { name } => {
            Operation::CreateModel { model: model(before, app, name)?.clone() }
        }
        Operation::RenameModel { old_name, new_name } => {
            Operation::RenameModel { old_name: new_name.clone(), new_name: old_name.clone() }
        }
        Operation::AlterModelTable { name, .. } => {
            Operation::AlterModelTable { name: name.clone(), table: model(before, app, name)?.table.clone() }
        }
        Operation::AlterModelComment { name, .. } => Operation::AlterModelComment {
            name: name.clone(),
            comment: model(before, app, name)?.db_comment.clone(),
        },
        Operation::AddField { model, field, .. } => {
            Operation::RemoveField { model: model.clone(), name: field.name.clone() }
        }
        Operation::RemoveField { model: name, name: field } => {
            let field = field_of(model(before, app, name)?, field)?.clone();
            // Rows that exist when a NOT NULL column comes back need a value: the type's empty one, as Django.
            let backfill =
                (!field.nullable && field.default.is_none()).then(|| empty_value(field.column_type));
            Operation::AddField { model: name.clone(), field, backfill }
        }
        Operation::AlterField { model: name, field, .. } => {
            let restored = field_of(model(before, app, name)?, &field.name)?.clone();
            // Rows written while the field was nullable may hold NULL: going back to NOT NULL, they get
            // its default, else the type's empty value, as a field removed and restored does.
            let backfill = (field.nullable && !restored.nullable && restored.default.is_none())
                .then(|| empty_value(restored.column_type));
            Operation::AlterField { model: name.clone(), field: restored, backfill }
        }
        Operation::RenameField { model, old_name, new_name } => Operation::RenameField {
            model: model.clone(),
            old_name: new_name.clone(),
            new_name: old_name.clone(),
        },
        Operation::AddIndex { model, index } => {
            Operation::RemoveIndex { model: model.clone(), name: index.name.clone() }
        }
        Operation::RemoveIndex { model: name, name: index } => {
            let found = model(before, app, name)?.indexes.iter().find(|existing| existing.name == *index);
            let found = found.ok_or_else(|| missing_index(app, name, index))?;
            Operation::AddIndex { model: name.clone(), index: found.clone() }
        }
        Operation::AddConstraint { model, constraint } => {
            Operation::RemoveConstraint { model: model.clone(), name: constraint.name().to_owned() }
        }
        Operation::RemoveConstraint { model: name, name: constraint } => {
            let found =
                model(before, app, name)?.constraints.iter().find(|existing| existing.name() == constraint);
            let found = found.ok_or_else(|| missing_constraint(app, name, constraint))?;
            Operation::AddConstraint { model: name.clone(), constraint: found.clone() }
        }
        Operation::RunSql { forward, backward } => match backward {
            Some(backward) => {
                Operation::RunSql { forward: backward.clone(), backward: Some(forward.clone()) }
            }
            None => {
                return Err(StateError::Irreversible);
            }
        },
    })
}

/// The value a NOT NULL column of this type gets in rows that existed before it.
fn empty_value(column_type: ColumnType) -> Literal {
    match column_type {
        ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => Literal::Integer(0),
        ColumnType::Float | ColumnType::Double => Literal::Float(0.0),
        ColumnType::Boolean => Literal::Bool(false),
        ColumnType::String { .. } | ColumnType::Text | ColumnType::Binary => Literal::Text(String::new()),
        ColumnType::Date => Literal::Text("1970-01-01".to_owned()),
        ColumnType::Time => Literal::Text("00:00:00".to_owned()),
        ColumnType::DateTime | ColumnType::TimestampTz => Literal::Text("1970-01-01 00:00:00".to_owned()),
        ColumnType::Uuid => Literal::Text(uuid::Uuid::nil().hyphenated().to_string()),
        ColumnType::Json => Literal::Json(serde_json::json!({})),
    }
}

fn model<'a>(state: &'a ProjectState, app: &str, name: &str) -> Result<&'a ModelSchema, StateError> {
    state.model(app, name).ok_or_else(|| missing_model(app, name))
}

fn field_of<'a>(model: &'a ModelSchema, name: &str) -> Result<&'a FieldSchema, StateError> {
    model.field(name).ok_or_else(|| missing_field(&model.app, &model.name, name))
}

fn add_field(
    old: &ModelSchema,
    new: &ModelSchema,
    field: &FieldSchema,
    backfill: Option<&Literal>,
    backend: Backend,
) -> Vec<String> {
    let table = &new.table;
    if backend == Backend::Sqlite {
        // ADD COLUMN cannot add a key, a unique column or a NOT NULL column without a default.
        let simple = (field.nullable || field.default.is_some())
            && !field.unique
            && !field.primary_key
            && field.foreign_key.is_none()
            && field.choices.is_none();
        if !simple {
            return rebuild(old, new, backfill.map(|value| (field.name.as_str(), value)).as_slice());
        }
    }
    let mut sql = Vec::new();
    match backfill.filter(|_| field.default.is_none()) {
        // Existing rows get the one-off value; the schema keeps no default.
        Some(value) => {
            let with_default = FieldSchema { default: Some(value.clone()), ..field.clone() };
            sql.push(ddl::add_column(table, &with_default, backend));
            let (t, c) = (backend.quote_identifier(table), backend.quote_identifier(&field.column));
            sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
        }
        None => sql.push(ddl::add_column(table, field, backend)),
    }
    if backend != Backend::Sqlite {
        sql.extend(ddl::add_unique_key(table, field, backend));
        sql.extend(ddl::add_foreign_key(table, field, backend));
        sql.extend(choices_check(table, field, backend));
    }
    if field.index {
        sql.push(ddl::create_index(
            table,
            &ddl::field_index_name(table, field),
            std::slice::from_ref(&field.column),
            false,
            backend,
        ));
    }
    sql
}

/// Renames the table and what is named after it, in place where the backend can: single-column indexes,
/// composite indexes and unique sets whose names derive from the table, foreign keys, the CHECKs of choice
/// columns, and PostgreSQL's primary and unique keys.
fn rename_table(old: &ModelSchema, new: &ModelSchema, backend: Backend) -> Vec<String> {
    if old.table == new.table {
        return Vec::new();
    }
    let q = |name: &str| backend.quote_identifier(name);
    let t = q(&new.table);
    let mut sql = vec![format!("ALTER TABLE {} RENAME TO {t}", q(&old.table))];
    if backend == Backend::Postgres && old.primary_key().is_some() {
        let (from, to) = (format!("{}_pkey", old.table), format!("{}_pkey", new.table));
        sql.push(format!("ALTER TABLE {t} RENAME CONSTRAINT {} TO {}", q(&from), q(&to)));
    }
    for (old_field, new_field) in old.fields.iter().zip(&new.fields) {
        sql.extend(rename_field_names(old, new, old_field, new_field, backend));
    }
    sql.extend(rename_indexes(old, new, backend));
    sql.extend(sqlite_rename_checks(old, new, backend));
    sql
}

/// SQLite cannot rename a constraint: where a choice column's CHECK is named after a table or column that
/// was just renamed, the renamed table is rebuilt, which creates the CHECK under its new name.
fn sqlite_rename_checks(old: &ModelSchema, new: &ModelSchema, backend: Backend) -> Vec<String> {
    let renamed = old.fields.iter().zip(&new.fields).any(|(before, after)| {
        after.choices.is_some()
            && check_name(&old.table, &before.column) != check_name(&new.table, &after.column)
    });
    if backend == Backend::Sqlite && renamed { rebuild(new, new, &[]) } else { Vec::new() }
}

/// Renames the indexes and constraints named after a field's table and column, after either changed;
/// the field's definition is otherwise the same. SQLite addresses only indexes by name (a rebuild replaces
/// its keys and checks), and MySQL cannot rename a foreign key or a CHECK, so it drops and adds them.
fn rename_field_names(
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
    backend: Backend,
) -> Vec<String> {
    let q = |name: &str| backend.quote_identifier(name);
    let t = q(&new_model.table);
    let (old_table, new_table) = (&old_model.table, &new_model.table);
    let mut sql = Vec::new();
    let rename_constraint = |from: String, to: String, sql: &mut Vec<String>| {
        if from != to {
            sql.push(format!("ALTER TABLE {t} RENAME CONSTRAINT {} TO {}", q(&from), q(&to)));
        }
    };
    if new.index {
        let (from, to) = (ddl::field_index_name(old_table, old), ddl::field_index_name(new_table, new));
        if from != to {
            sql.extend(rename_index(
                &new_model.table,
                &from,
                &to,
                std::slice::from_ref(&new.column),
                false,
                backend,
            ));
        }
    }
    if backend == Backend::Sqlite {
        return sql;
    }
    if new.foreign_key.is_some() {
        let (from, to) = (foreign_key_name(old_table, &old.column), foreign_key_name(new_table, &new.column));
        match backend {
            Backend::Mysql if from != to => {
                sql.push(format!("ALTER TABLE {t} DROP FOREIGN KEY {}", q(&from)));
                sql.extend(ddl::add_foreign_key(new_table, new, backend));
            }
            _ => rename_constraint(from, to, &mut sql),
        }
    }
    if new.choices.is_some() {
        let (from, to) = (check_name(old_table, &old.column), check_name(new_table, &new.column));
        match backend {
            Backend::Mysql if from != to => {
                sql.push(format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(&from)));
                sql.extend(choices_check(new_table, new, backend));
            }
            _ => rename_constraint(from, to, &mut sql),
        }
    }
    if new.unique {
        match backend {
            // MySQL names a column's unique index after the column.
            Backend::Mysql if old.column != new.column => {
                sql.push(format!("ALTER TABLE {t} RENAME INDEX {} TO {}", q(&old.column), q(&new.column)));
            }
            Backend::Postgres => rename_constraint(
                unique_key_name(old_table, &old.column),
                unique_key_name(new_table, &new.column),
                &mut sql,
            ),
            _ => {}
        }
    }
    sql
}

/// Renames the composite indexes and unique sets whose names changed between two versions of a model
/// (a table or column rename renames the names derived from them, position by position).
fn rename_indexes(old: &ModelSchema, new: &ModelSchema, backend: Backend) -> Vec<String> {
    let mut sql = Vec::new();
    for (before, after) in old.indexes.iter().zip(&new.indexes) {
        if before.name != after.name {
            sql.extend(rename_index(&new.table, &before.name, &after.name, &after.columns, false, backend));
        }
    }
    let unique_sets = |model: &ModelSchema| -> Vec<(String, Vec<String>)> {
        model
            .constraints
            .iter()
            .filter_map(|constraint| match constraint {
                ConstraintSchema::Unique { name, columns } => Some((name.clone(), columns.clone())),
                ConstraintSchema::Check { .. } => None,
            })
            .collect()
    };
    for ((from, _), (to, columns)) in unique_sets(old).into_iter().zip(unique_sets(new)) {
        if from != to {
            sql.extend(rename_index(&new.table, &from, &to, &columns, true, backend));
        }
    }
    sql
}

/// One index renamed in place; SQLite has no `ALTER INDEX`, so there it is dropped and created again.
fn rename_index(
    table: &str,
    from: &str,
    to: &str,
    columns: &[String],
    unique: bool,
    backend: Backend,
) -> Vec<String> {
    let q = |name: &str| backend.quote_identifier(name);
    match backend {
        Backend::Postgres => vec![format!("ALTER INDEX {} RENAME TO {}", q(from), q(to))],
        Backend::Mysql => vec![format!("ALTER TABLE {} RENAME INDEX {} TO {}", q(table), q(from), q(to))],
        Backend::Sqlite => {
            vec![
                ddl::drop_index(table, from, backend),
                ddl::create_index(table, to, columns, unique, backend),
            ]
        }
    }
}

fn remove_field(old: &ModelSchema, new: &ModelSchema, field: &FieldSchema, backend: Backend) -> Vec<String> {
    let table = backend.quote_identifier(&old.table);
    let column = backend.quote_identifier(&field.column);
    match backend {
        Backend::Sqlite => rebuild(old, new, &[]),
        Backend::Postgres => vec![format!("ALTER TABLE {table} DROP COLUMN {column}")],
        // MySQL refuses to drop a column a foreign key still uses.
        Backend::Mysql => ddl::drop_foreign_key(&old.table, field, backend)
            .into_iter()
            .chain(std::iter::once(format!("ALTER TABLE {table} DROP COLUMN {column}")))
            .collect(),
    }
}

fn alter_field(
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
    backfill: Option<&Literal>,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    if old.primary_key != new.primary_key || old.auto_increment != new.auto_increment {
        return Err(StateError::PrimaryKeyChange { model: new_model.name.clone() });
    }
    let table = &new_model.table;
    let (t, q) = (backend.quote_identifier(table), |name: &str| backend.quote_identifier(name));
    let renamed = old.column != new.column;
    let only_renamed =
        FieldSchema { name: new.name.clone(), column: new.column.clone(), ..old.clone() } == *new;
    let mut sql = Vec::new();
    if renamed && backend == Backend::Mysql && old.column_type == ColumnType::Json {
        // MariaDB's JSON is text with a CHECK named after the column: RENAME COLUMN keeps the old name,
        // CHANGE COLUMN with the definition names it after the new column, as a fresh table does.
        let definition =
            ddl::mysql_column_definition(&FieldSchema { column: new.column.clone(), ..old.clone() });
        sql.push(format!("ALTER TABLE {t} CHANGE COLUMN {} {definition}", q(&old.column)));
    } else if renamed {
        sql.push(format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", q(&old.column), q(&new.column)));
    }
    if only_renamed {
        // The column and what is named after it are renamed in place: nothing is rebuilt.
        sql.extend(rename_field_names(old_model, new_model, old, new, backend));
        sql.extend(rename_indexes(old_model, new_model, backend));
        sql.extend(sqlite_rename_checks(old_model, new_model, backend));
        return Ok(sql);
    }
    // Rows holding NULL get the one-off value, else the new default, before the column becomes NOT NULL.
    let fill = (old.nullable && !new.nullable).then(|| backfill.or(new.default.as_ref())).flatten();
    if backend == Backend::Sqlite {
        let fills: Vec<(&str, &Literal)> = fill.map(|value| (new.name.as_str(), value)).into_iter().collect();
        return Ok(rebuild(old_model, new_model, &fills));
    }
    let fill_nulls = |value: &Literal| {
        let c = q(&new.column);
        format!("UPDATE {t} SET {c} = {} WHERE {c} IS NULL", ddl::render_literal(value, backend))
    };
    // Constraints and indexes named after the old column go first, and come back under the new one.
    // MySQL refuses to drop the index a foreign key uses (error 1553): the key goes first and comes back
    // after, with an index of MySQL's own making.
    let key_loses_index = backend == Backend::Mysql && old.foreign_key.is_some() && old.index && !new.index;
    let foreign_key_changed = old.foreign_key != new.foreign_key || renamed || key_loses_index;
    if foreign_key_changed {
        sql.extend(ddl::drop_foreign_key(&old_model.table, old, backend));
    }
    let choices_changed = old.choices != new.choices || renamed;
    if choices_changed && old.choices.is_some() {
        sql.push(format!(
            "ALTER TABLE {t} DROP CONSTRAINT {}",
            q(&check_name(&old_model.table, &old.column))
        ));
    }
    if old.index && (!new.index || renamed) {
        sql.push(ddl::drop_index(table, &ddl::field_index_name(&old_model.table, old), backend));
    }
    if old.unique && (!new.unique || renamed) {
        sql.push(match backend {
            Backend::Mysql => format!("ALTER TABLE {t} DROP INDEX {}", q(&old.column)),
            _ => format!(
                "ALTER TABLE {t} DROP CONSTRAINT {}",
                q(&unique_key_name(&old_model.table, &old.column))
            ),
        });
    }
    let c = q(&new.column);
    match backend {
        Backend::Mysql => {
            sql.extend(fill.map(fill_nulls));
            sql.push(format!("ALTER TABLE {t} MODIFY COLUMN {}", ddl::mysql_column_definition(new)))
        }
        _ => {
            if old.column_type != new.column_type {
                let type_name = ddl::type_name(new.column_type, backend);
                sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {type_name} USING {c}::{type_name}"));
            }
            if old.default != new.default {
                sql.push(match &new.default {
                    Some(default) => {
                        format!(
                            "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                            ddl::render_literal(default, backend)
                        )
                    }
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                });
            }
            if old.nullable != new.nullable {
                sql.extend(fill.map(fill_nulls));
                let change = if new.nullable { "DROP NOT NULL" } else { "SET NOT NULL" };
                sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} {change}"));
            }
            if old.db_comment != new.db_comment {
                let comment = new
                    .db_comment
                    .as_deref()
                    .map_or_else(|| "NULL".to_owned(), |text| backend.quote_literal(text));
                sql.push(format!("COMMENT ON COLUMN {t}.{c} IS {comment}"));
            }
        }
    }
    if new.unique && (!old.unique || renamed) {
        match backend {
            Backend::Mysql => sql.push(format!("ALTER TABLE {t} ADD UNIQUE ({c})")),
            _ => sql.extend(ddl::add_unique_key(table, new, backend)),
        }
    }
    if new.index && (!old.index || renamed) {
        sql.push(ddl::create_index(
            table,
            &ddl::field_index_name(table, new),
            std::slice::from_ref(&new.column),
            false,
            backend,
        ));
    }
    if choices_changed {
        sql.extend(choices_check(table, new, backend));
    }
    if foreign_key_changed {
        sql.extend(ddl::add_foreign_key(table, new, backend));
    }
    Ok(sql)
}

fn choices_check(table: &str, field: &FieldSchema, backend: Backend) -> Option<String> {
    let check = ddl::choices_check_sql(field, backend)?;
    let name = backend.quote_identifier(&check_name(table, &field.column));
    Some(format!("ALTER TABLE {} ADD CONSTRAINT {name} CHECK ({check})", backend.quote_identifier(table)))
}

fn add_constraint(
    old: &ModelSchema,
    new: &ModelSchema,
    constraint: &ConstraintSchema,
    backend: Backend,
) -> Vec<String> {
    match (constraint, backend) {
        (ConstraintSchema::Unique { name, columns }, _) => {
            vec![ddl::create_index(&new.table, name, columns, true, backend)]
        }
        (ConstraintSchema::Check { .. }, Backend::Sqlite) => rebuild(old, new, &[]),
        (ConstraintSchema::Check { name, expr }, _) => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({expr})",
            backend.quote_identifier(&new.table),
            backend.quote_identifier(name)
        )],
    }
}

/// `DROP INDEX`. On MySQL, an index that leads with a foreign key's column may be the one the key uses
/// (MySQL drops its own index for a key once another can serve), and MySQL refuses to drop it (error 1553):
/// such keys go first and come back after, with an index of MySQL's own making, as a fresh table has.
fn drop_index_under_key(
    model: &ModelSchema,
    index: &str,
    columns: &[String],
    backend: Backend,
) -> Vec<String> {
    let drop = ddl::drop_index(&model.table, index, backend);
    if backend != Backend::Mysql {
        return vec![drop];
    }
    let keys: Vec<&FieldSchema> = model
        .fields
        .iter()
        .filter(|field| field.foreign_key.is_some() && !field.index && columns.first() == Some(&field.column))
        .collect();
    let mut sql: Vec<String> =
        keys.iter().filter_map(|field| ddl::drop_foreign_key(&model.table, field, backend)).collect();
    sql.push(drop);
    sql.extend(keys.iter().filter_map(|field| ddl::add_foreign_key(&model.table, field, backend)));
    sql
}

fn remove_constraint(
    old: &ModelSchema,
    new: &ModelSchema,
    constraint: &ConstraintSchema,
    backend: Backend,
) -> Vec<String> {
    match (constraint, backend) {
        (ConstraintSchema::Unique { name, columns }, _) => drop_index_under_key(old, name, columns, backend),
        (ConstraintSchema::Check { .. }, Backend::Sqlite) => rebuild(old, new, &[]),
        (ConstraintSchema::Check { name, .. }, _) => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            backend.quote_identifier(&new.table),
            backend.quote_identifier(name)
        )],
    }
}

/// SQLite's table rebuild: the new table under a temporary name, every row copied, the old table dropped,
/// the new one renamed into place and its indexes created. Fields are matched by name. A new field takes
/// its value from `fills`, else its default, else NULL; an existing field made NOT NULL takes its value
/// from `fills`, else its default, where it held NULL.
pub fn rebuild(old: &ModelSchema, new: &ModelSchema, fills: &[(&str, &Literal)]) -> Vec<String> {
    let backend = Backend::Sqlite;
    let q = |name: &str| backend.quote_identifier(name);
    let temporary = format!("new__{}", new.table);
    fn fill_of<'a>(fills: &[(&str, &'a Literal)], field: &'a FieldSchema) -> Option<&'a Literal> {
        fills.iter().find(|(name, _)| *name == field.name).map(|(_, value)| *value).or(field.default.as_ref())
    }
    let mut columns = Vec::new();
    let mut sources = Vec::new();
    for field in &new.fields {
        let source = match old.field(&field.name) {
            Some(existing) if existing.nullable && !field.nullable => match fill_of(fills, field) {
                Some(value) => {
                    format!("COALESCE({}, {})", q(&existing.column), ddl::render_literal(value, backend))
                }
                None => q(&existing.column),
            },
            Some(existing) => q(&existing.column),
            None => match fill_of(fills, field) {
                Some(value) => ddl::render_literal(value, backend),
                None => continue,
            },
        };
        columns.push(q(&field.column));
        sources.push(source);
    }
    let mut sql = vec![
        ddl::create_table_named(new, backend, &temporary),
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temporary),
            columns.join(", "),
            sources.join(", "),
            q(&old.table)
        ),
        format!("DROP TABLE {}", q(&old.table)),
        format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(&new.table)),
    ];
    sql.extend(ddl::index_statements(new, backend));
    sql
}

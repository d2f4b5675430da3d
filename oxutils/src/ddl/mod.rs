//! DDL for each backend, built with sea-query from the schema model.

mod column;

// Re-exported until the callers outside the crate name `oxutils::dialect::Backend`.
pub use crate::dialect::Backend;

use crate::schema::{
    ConstraintSchema, FieldSchema, ModelSchema, check_name, foreign_key_name, unique_key_name,
};

pub(crate) use column::type_name;
use sea_query::{
    Alias, Expr, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, MysqlQueryBuilder,
    PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder, Table, TableCreateStatement,
};

/// The statements that create a model's table with its indexes, constraints and comments, in order.
pub fn create_model(model: &ModelSchema, backend: Backend) -> Vec<String> {
    let mut statements = vec![create_table_named(model, backend, &model.table)];
    statements.extend(index_statements(model, backend));
    if backend == Backend::Postgres {
        statements.extend(postgres_comments(model));
    }
    statements
}

/// `CREATE TABLE` for the model under another name: the first step of a SQLite table rebuild.
pub(crate) fn create_table_named(model: &ModelSchema, backend: Backend, table: &str) -> String {
    let mut statement = create_table(model, backend);
    statement.table(Alias::new(table));
    backend.schema_sql(&statement)
}

/// The `CREATE INDEX` statements of the model's indexed fields, composite indexes and unique sets.
pub(crate) fn index_statements(model: &ModelSchema, backend: Backend) -> Vec<String> {
    create_indexes(model).iter().map(|index| backend.schema_sql(index)).collect()
}

/// `CREATE [UNIQUE] INDEX name ON table (columns)`.
pub(crate) fn create_index(
    table: &str,
    name: &str,
    columns: &[String],
    unique: bool,
    backend: Backend,
) -> String {
    backend.schema_sql(&index_on(table, name, columns, unique))
}

/// `DROP INDEX`, which MySQL scopes to its table.
pub(crate) fn drop_index(table: &str, name: &str, backend: Backend) -> String {
    let name = backend.quote_identifier(name);
    match backend {
        Backend::Mysql => format!("DROP INDEX {name} ON {}", backend.quote_identifier(table)),
        Backend::Sqlite | Backend::Postgres => format!("DROP INDEX {name}"),
    }
}

/// `ALTER TABLE ... ADD COLUMN` with the field's full definition.
pub fn add_column(table: &str, field: &FieldSchema, backend: Backend) -> String {
    let statement =
        Table::alter().table(Alias::new(table)).add_column(column::column_def(field, backend)).to_owned();
    backend.schema_sql(&statement)
}

/// PostgreSQL's named unique key of a unique field added to a table (its column definition carries no
/// `UNIQUE` there, so that the key's name is ours); `None` elsewhere, where the column definition has it.
pub(crate) fn add_unique_key(table: &str, field: &FieldSchema, backend: Backend) -> Option<String> {
    (backend == Backend::Postgres && field.unique && !field.primary_key).then(|| {
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
            backend.quote_identifier(table),
            backend.quote_identifier(&unique_key_name(table, &field.column)),
            backend.quote_identifier(&field.column)
        )
    })
}

/// The column definition MySQL's `MODIFY COLUMN` takes: type, nullability, default, comment.
pub(crate) fn mysql_column_definition(field: &FieldSchema) -> String {
    let backend = Backend::Mysql;
    let mut definition = format!(
        "{} {}",
        backend.quote_identifier(&field.column),
        column::type_name(field.column_type, backend)
    );
    definition.push_str(if field.nullable { " NULL" } else { " NOT NULL" });
    if let Some(default) = &field.default {
        definition.push_str(&format!(" DEFAULT {}", render_literal(default, backend)));
    }
    if let Some(comment) = &field.db_comment {
        definition.push_str(&format!(" COMMENT {}", backend.quote_literal(comment)));
    }
    definition
}

/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` for a field that references another model.
pub fn add_foreign_key(table: &str, field: &FieldSchema, backend: Backend) -> Option<String> {
    let target = field.foreign_key.as_ref()?;
    let statement = ForeignKey::create()
        .name(foreign_key_name(table, &field.column))
        .from(Alias::new(table), Alias::new(&field.column))
        .to(Alias::new(&target.to_table), Alias::new(&target.to_column))
        .on_delete(referential_action(target.on_delete))
        .to_owned();
    Some(backend.schema_sql(&statement))
}

/// Drops a field's foreign key constraint (PostgreSQL and MySQL name it; SQLite rebuilds instead).
pub(crate) fn drop_foreign_key(table: &str, field: &FieldSchema, backend: Backend) -> Option<String> {
    field.foreign_key.as_ref()?;
    let name = backend.quote_identifier(&foreign_key_name(table, &field.column));
    let table = backend.quote_identifier(table);
    Some(match backend {
        Backend::Mysql => format!("ALTER TABLE {table} DROP FOREIGN KEY {name}"),
        Backend::Sqlite | Backend::Postgres => format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
    })
}

/// The name of the single-column index of a field with `index`.
pub(crate) fn field_index_name(table: &str, field: &FieldSchema) -> String {
    crate::schema::index_name(table, &[field.column.as_str()], false)
}

/// A literal in this backend's SQL, for defaults and backfills.
pub(crate) fn render_literal(literal: &crate::schema::Literal, backend: Backend) -> String {
    if *literal == crate::schema::Literal::Null {
        return "NULL".to_owned();
    }
    let value = literal.to_value();
    match backend {
        Backend::Sqlite => SqliteQueryBuilder.value_to_string(&value),
        Backend::Postgres => PostgresQueryBuilder.value_to_string(&value),
        Backend::Mysql => MysqlQueryBuilder.value_to_string(&value),
    }
}

/// The CHECK that keeps a choice column to its values, as an expression.
pub(crate) fn choices_check_sql(field: &FieldSchema, backend: Backend) -> Option<String> {
    let choices = field.choices.as_ref()?;
    let values: Vec<String> = choices.iter().map(|choice| backend.quote_literal(choice)).collect();
    let column = backend.quote_identifier(&field.column);
    // MySQL compares text without regard to case by default: compare bytes, so `Pending` is not `pending`.
    let column = if backend == Backend::Mysql { format!("CAST({column} AS BINARY)") } else { column };
    Some(format!("{column} IN ({})", values.join(", ")))
}

/// The statement that drops a model's table, with its indexes.
pub fn drop_model(model: &ModelSchema, backend: Backend) -> String {
    let statement = Table::drop().table(Alias::new(&model.table)).to_owned();
    backend.schema_sql(&statement)
}

fn create_table(model: &ModelSchema, backend: Backend) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(&model.table));
    for field in &model.fields {
        table.col(column::column_def(field, backend));
    }
    for field in &model.fields {
        let Some(target) = &field.foreign_key else { continue };
        table.foreign_key(
            ForeignKey::create()
                .name(foreign_key_name(&model.table, &field.column))
                .from_col(Alias::new(&field.column))
                .to(Alias::new(&target.to_table), Alias::new(&target.to_column))
                .on_delete(referential_action(target.on_delete)),
        );
    }
    if backend == Backend::Postgres {
        for field in model.fields.iter().filter(|field| field.unique && !field.primary_key) {
            table.index(
                Index::create()
                    .unique()
                    .name(unique_key_name(&model.table, &field.column))
                    .col(Alias::new(&field.column)),
            );
        }
    }
    // Table-level, not column-level: MariaDB rejects a named CHECK inside a column definition.
    for field in &model.fields {
        let Some(check) = choices_check_sql(field, backend) else { continue };
        table.check((Alias::new(check_name(&model.table, &field.column)), Expr::cust(check)));
    }
    for constraint in &model.constraints {
        if let ConstraintSchema::Check { name, expr } = constraint {
            table.check((Alias::new(name), Expr::cust(expr.clone())));
        }
    }
    if backend == Backend::Mysql
        && let Some(comment) = &model.db_comment
    {
        table.comment(comment);
    }
    table
}

/// Single-column indexes of fields, then composite indexes, then unique-together constraints, which are
/// unique indexes on every backend so that one statement form creates and drops them everywhere.
fn create_indexes(model: &ModelSchema) -> Vec<IndexCreateStatement> {
    let single = model.fields.iter().filter(|field| field.index).map(|field| {
        index_on(
            &model.table,
            &field_index_name(&model.table, field),
            std::slice::from_ref(&field.column),
            false,
        )
    });
    let composite =
        model.indexes.iter().map(|index| index_on(&model.table, &index.name, &index.columns, false));
    let unique = model.constraints.iter().filter_map(|constraint| match constraint {
        ConstraintSchema::Unique { name, columns } => Some(index_on(&model.table, name, columns, true)),
        ConstraintSchema::Check { .. } => None,
    });
    single.chain(composite).chain(unique).collect()
}

fn index_on(table: &str, name: &str, columns: &[String], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(column));
    }
    if unique {
        index.unique();
    }
    index
}

fn postgres_comments(model: &ModelSchema) -> Vec<String> {
    let backend = Backend::Postgres;
    let table = backend.quote_identifier(&model.table);
    let on_table = model
        .db_comment
        .as_ref()
        .map(|comment| format!("COMMENT ON TABLE {table} IS {}", backend.quote_literal(comment)));
    let on_columns = model.fields.iter().filter_map(|field| {
        let comment = field.db_comment.as_ref()?;
        let column = backend.quote_identifier(&field.column);
        Some(format!("COMMENT ON COLUMN {table}.{column} IS {}", backend.quote_literal(comment)))
    });
    on_table.into_iter().chain(on_columns).collect()
}

fn referential_action(on_delete: crate::schema::OnDelete) -> ForeignKeyAction {
    use crate::schema::OnDelete;
    match on_delete {
        OnDelete::Cascade => ForeignKeyAction::Cascade,
        OnDelete::Restrict => ForeignKeyAction::Restrict,
        OnDelete::SetNull => ForeignKeyAction::SetNull,
        OnDelete::SetDefault => ForeignKeyAction::SetDefault,
        OnDelete::NoAction => ForeignKeyAction::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the differential test: a binary default of `00ec00ff` was stored as the eight characters.
    #[test]
    fn bytes_render_as_the_bytes_they_spell() {
        let bytes = crate::schema::Literal::Bytes("00ff".into());
        assert_eq!(bytes.to_value(), sea_query::Value::Bytes(Some(vec![0x00, 0xff])));
        assert_eq!(render_literal(&bytes, Backend::Sqlite), "x'00FF'");
        assert_eq!(render_literal(&bytes, Backend::Postgres), "'\\x00FF'");
        assert_eq!(render_literal(&bytes, Backend::Mysql), "x'00FF'");
    }
}

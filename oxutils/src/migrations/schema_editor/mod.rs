//! The schema editor: how one backend carries out each change to a schema, as SQL statements.
//!
//! Operations say *what* changes (`operation/`); the editor of a backend says *how* that backend does it
//! (`sqlite.rs`, `postgres.rs`, `mysql.rs`), as Django's `BaseDatabaseSchemaEditor` and its subclasses do.
//! What every backend does the same way is here, written once over the editor's primitives (a column
//! renamed, a unique key dropped); each backend file holds only what differs, with the reason.
//!
//! Models and fields come from the project states before and after the operation, never from the operation
//! itself: there, foreign keys point at their targets' tables as they are at this point of the history.

mod mysql;
pub(crate) mod postgres;
mod sqlite;

use crate::db::{Connection, DbError};
use crate::ddl;
use crate::dialect::Backend;
use crate::schema::{ConstraintSchema, FieldSchema, IndexSchema, Literal, ModelSchema, check_name};

/// How one backend changes a schema. Each method returns the statements of one change, in order.
pub(crate) trait SchemaEditor: Sync {
    fn backend(&self) -> Backend;

    /// An identifier in this backend's quotes.
    fn quote(&self, name: &str) -> String {
        self.backend().quote_identifier(name)
    }

    /// A model's table with its indexes, constraints and comments.
    fn create_model(&self, model: &ModelSchema) -> Vec<String> {
        ddl::create_model(model, self.backend())
    }

    fn delete_model(&self, model: &ModelSchema) -> Vec<String> {
        vec![format!("DROP TABLE {}", self.quote(&model.table))]
    }

    /// The table renamed, and what is named after it (see [`rename_table`]).
    fn rename_table(&self, old: &ModelSchema, new: &ModelSchema) -> Vec<String> {
        rename_table(self, old, new, Vec::new())
    }

    fn alter_table_comment(&self, model: &ModelSchema, comment: Option<&str>) -> Vec<String>;

    /// A column added with its unique key, foreign key and choices CHECK; existing rows get `backfill`
    /// when the field has no default.
    fn add_field(
        &self,
        old: &ModelSchema,
        new: &ModelSchema,
        field: &FieldSchema,
        backfill: Option<&Literal>,
    ) -> Vec<String> {
        let _ = old;
        let (table, backend) = (&new.table, self.backend());
        let constraints = ddl::add_unique_key(table, field, backend)
            .into_iter()
            .chain(ddl::add_foreign_key(table, field, backend))
            .chain(choices_check(table, field, backend));
        add_column(self, table, field, backfill, constraints)
    }

    fn remove_field(&self, old: &ModelSchema, new: &ModelSchema, field: &FieldSchema) -> Vec<String>;

    /// A field changed in any way but its primary key: renamed, retyped, made (not) nullable, indexed...
    /// Rows holding NULL get `backfill` (else the new default) when the column becomes NOT NULL.
    fn alter_field(
        &self,
        old_model: &ModelSchema,
        new_model: &ModelSchema,
        old: &FieldSchema,
        new: &FieldSchema,
        backfill: Option<&Literal>,
    ) -> Vec<String>;

    fn add_index(&self, model: &ModelSchema, index: &IndexSchema) -> Vec<String> {
        vec![ddl::create_index(&model.table, &index.name, &index.columns, false, self.backend())]
    }

    /// `DROP INDEX` of the index `name` on `columns`.
    fn remove_index(&self, model: &ModelSchema, name: &str, columns: &[String]) -> Vec<String> {
        let _ = columns;
        vec![ddl::drop_index(&model.table, name, self.backend())]
    }

    fn add_constraint(
        &self,
        old: &ModelSchema,
        new: &ModelSchema,
        constraint: &ConstraintSchema,
    ) -> Vec<String> {
        match constraint {
            ConstraintSchema::Unique { name, columns } => {
                vec![ddl::create_index(&new.table, name, columns, true, self.backend())]
            }
            ConstraintSchema::Check { name, expr } => self.add_check(old, new, name, expr),
        }
    }

    fn remove_constraint(
        &self,
        old: &ModelSchema,
        new: &ModelSchema,
        constraint: &ConstraintSchema,
    ) -> Vec<String> {
        match constraint {
            ConstraintSchema::Unique { name, columns } => self.remove_index(old, name, columns),
            ConstraintSchema::Check { name, .. } => self.drop_check(old, new, name),
        }
    }

    /// A CHECK constraint added to the table, `old` before it and `new` after.
    fn add_check(&self, old: &ModelSchema, new: &ModelSchema, name: &str, expr: &str) -> Vec<String> {
        let _ = old;
        vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({expr})",
            self.quote(&new.table),
            self.quote(name)
        )]
    }

    /// The CHECK constraint `name` dropped, `old` before and `new` after.
    fn drop_check(&self, old: &ModelSchema, new: &ModelSchema, name: &str) -> Vec<String> {
        let _ = old;
        vec![format!("ALTER TABLE {} DROP CONSTRAINT {}", self.quote(&new.table), self.quote(name))]
    }

    /// Takes the lock that keeps two `migrate` runs apart, waiting for another run to finish.
    fn lock_migrations(&self, connection: &mut Connection) -> Result<(), DbError> {
        let _ = connection;
        Ok(())
    }

    fn unlock_migrations(&self, connection: &mut Connection) -> Result<(), DbError> {
        let _ = connection;
        Ok(())
    }

    /// Whether a query of a table that is not there fails with an error `DbError::is_missing_table`
    /// recognises, and harmlessly outside a transaction: then a table of the engine's own, there on every
    /// run but the first, is read at once rather than looked up first.
    fn reads_before_looking(&self) -> bool {
        false
    }

    /// Whether `table` is a table (or view) of the connection's schema.
    fn table_exists(&self, connection: &mut Connection, table: &str) -> Result<bool, DbError> {
        Ok(crate::migrations::introspect::table_columns(connection, table)?.is_some())
    }

    /// Whether DDL runs inside a transaction, so that a migration is all or nothing. Where it does not
    /// (MySQL), the executor records each statement done, so that a rerun after a failure resumes.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Before the transaction of a migration's statements.
    fn before_atomic_migration(&self, connection: &mut Connection) -> Result<(), DbError> {
        let _ = connection;
        Ok(())
    }

    /// Inside the transaction, after the statements and before the commit: a failure rolls it back.
    fn check_before_commit(&self, transaction: &mut Connection) -> Result<(), DbError> {
        let _ = transaction;
        Ok(())
    }

    /// After the transaction, committed or not.
    fn after_atomic_migration(&self, connection: &mut Connection) -> Result<(), DbError> {
        let _ = connection;
        Ok(())
    }

    // The primitives the shared steps below are written over.

    /// `RENAME COLUMN`.
    fn rename_column(&self, table: &str, old: &FieldSchema, new: &FieldSchema) -> String {
        let t = self.quote(table);
        format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", self.quote(&old.column), self.quote(&new.column))
    }

    /// One index renamed in place.
    fn rename_index(
        &self,
        table: &str,
        from: &str,
        to: &str,
        columns: &[String],
        unique: bool,
    ) -> Vec<String>;

    /// The constraints named after a field's table and column renamed, after either changed (its index is
    /// renamed by [`rename_field_names`], the same on every backend).
    fn rename_field_constraints(
        &self,
        old_model: &ModelSchema,
        new_model: &ModelSchema,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Vec<String>;
}

/// The schema editor of `backend`.
pub(crate) fn editor(backend: Backend) -> &'static dyn SchemaEditor {
    match backend {
        Backend::Sqlite => &sqlite::SqliteEditor,
        Backend::Postgres => &postgres::PostgresEditor,
        Backend::Mysql => &mysql::MysqlEditor,
    }
}

/// Renames the table and what is named after it, in place where the backend can: single-column indexes,
/// composite indexes and unique sets whose names derive from the table, foreign keys and the CHECKs of
/// choice columns. `after_rename` comes right after the `RENAME` (PostgreSQL's primary key).
fn rename_table<E: SchemaEditor + ?Sized>(
    editor: &E,
    old: &ModelSchema,
    new: &ModelSchema,
    after_rename: Vec<String>,
) -> Vec<String> {
    if old.table == new.table {
        return Vec::new();
    }
    let mut sql =
        vec![format!("ALTER TABLE {} RENAME TO {}", editor.quote(&old.table), editor.quote(&new.table))];
    sql.extend(after_rename);
    for (old_field, new_field) in old.fields.iter().zip(&new.fields) {
        sql.extend(rename_field_names(editor, old, new, old_field, new_field));
    }
    sql.extend(rename_indexes(editor, old, new));
    sql
}

/// Renames the index and constraints named after a field's table and column, after either changed; the
/// field's definition is otherwise the same.
fn rename_field_names<E: SchemaEditor + ?Sized>(
    editor: &E,
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
) -> Vec<String> {
    let mut sql = Vec::new();
    if new.index {
        let (from, to) =
            (ddl::field_index_name(&old_model.table, old), ddl::field_index_name(&new_model.table, new));
        if from != to {
            sql.extend(editor.rename_index(
                &new_model.table,
                &from,
                &to,
                std::slice::from_ref(&new.column),
                false,
            ));
        }
    }
    sql.extend(editor.rename_field_constraints(old_model, new_model, old, new));
    sql
}

/// Renames the composite indexes and unique sets whose names changed between two versions of a model
/// (a table or column rename renames the names derived from them, position by position).
fn rename_indexes<E: SchemaEditor + ?Sized>(editor: &E, old: &ModelSchema, new: &ModelSchema) -> Vec<String> {
    let mut sql = Vec::new();
    for (before, after) in old.indexes.iter().zip(&new.indexes) {
        if before.name != after.name {
            sql.extend(editor.rename_index(&new.table, &before.name, &after.name, &after.columns, false));
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
            sql.extend(editor.rename_index(&new.table, &from, &to, &columns, true));
        }
    }
    sql
}

/// A field whose only change is its name or column: the column and what is named after it are renamed in
/// place, nothing rebuilt.
fn rename_field_in_place<E: SchemaEditor + ?Sized>(
    editor: &E,
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
) -> Vec<String> {
    let mut sql = Vec::new();
    if old.column != new.column {
        sql.push(editor.rename_column(&new_model.table, old, new));
    }
    sql.extend(rename_field_names(editor, old_model, new_model, old, new));
    sql.extend(rename_indexes(editor, old_model, new_model));
    sql
}

/// Whether a field changed only its name or column: then it is renamed in place, nothing rebuilt.
fn only_renamed(old: &FieldSchema, new: &FieldSchema) -> bool {
    FieldSchema { name: new.name.clone(), column: new.column.clone(), ..old.clone() } == *new
}

/// The value rows holding NULL get when a column becomes NOT NULL: the one-off value, else the new default.
fn not_null_fill<'a>(
    old: &FieldSchema,
    new: &'a FieldSchema,
    backfill: Option<&'a Literal>,
) -> Option<&'a Literal> {
    (old.nullable && !new.nullable).then(|| backfill.or(new.default.as_ref())).flatten()
}

/// `ADD COLUMN`, with `backfill` as a default that is dropped again when the field has none of its own
/// (existing rows get the one-off value; the schema keeps no default), and the column's index.
/// `constraints` are the statements that add its keys and checks, between the two.
fn add_column<E: SchemaEditor + ?Sized>(
    editor: &E,
    table: &str,
    field: &FieldSchema,
    backfill: Option<&Literal>,
    constraints: impl IntoIterator<Item = String>,
) -> Vec<String> {
    let backend = editor.backend();
    let mut sql = Vec::new();
    match backfill.filter(|_| field.default.is_none()) {
        Some(value) => {
            let with_default = FieldSchema { default: Some(value.clone()), ..field.clone() };
            sql.push(ddl::add_column(table, &with_default, backend));
            let (t, c) = (editor.quote(table), editor.quote(&field.column));
            sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
        }
        None => sql.push(ddl::add_column(table, field, backend)),
    }
    sql.extend(constraints);
    if field.index {
        sql.push(field_index(table, field, backend));
    }
    sql
}

/// `CREATE INDEX` of a field's own index (`#[ox(index)]`).
fn field_index(table: &str, field: &FieldSchema, backend: Backend) -> String {
    ddl::create_index(
        table,
        &ddl::field_index_name(table, field),
        std::slice::from_ref(&field.column),
        false,
        backend,
    )
}

/// A choice column's CHECK, added to an existing table.
fn choices_check(table: &str, field: &FieldSchema, backend: Backend) -> Option<String> {
    let check = ddl::choices_check_sql(field, backend)?;
    let name = backend.quote_identifier(&check_name(table, &field.column));
    Some(format!("ALTER TABLE {} ADD CONSTRAINT {name} CHECK ({check})", backend.quote_identifier(table)))
}

/// How a server that alters a column in place (PostgreSQL, MySQL) changes it: what is named after the old
/// column goes first, then the column changes, then the indexes, checks and keys come back.
trait AlterInPlace: SchemaEditor {
    /// Whether a foreign key must be dropped and added again when its column loses its own index.
    fn key_needs_its_index(&self) -> bool {
        false
    }

    fn drop_unique(&self, old_table: &str, table: &str, old: &FieldSchema) -> String;

    fn add_unique(&self, table: &str, new: &FieldSchema) -> Vec<String>;

    /// The column's definition changed: type, default, nullability (rows holding NULL set to `fill`
    /// first), comment.
    fn change_column(
        &self,
        table: &str,
        old: &FieldSchema,
        new: &FieldSchema,
        fill: Option<&Literal>,
    ) -> Vec<String>;

    /// `UPDATE` of the rows holding NULL in `field`, to `value`.
    fn fill_nulls(&self, table: &str, field: &FieldSchema, value: &Literal) -> String {
        let (t, c) = (self.quote(table), self.quote(&field.column));
        format!("UPDATE {t} SET {c} = {} WHERE {c} IS NULL", ddl::render_literal(value, self.backend()))
    }
}

/// `AlterField` on a server that alters columns in place.
fn alter_in_place<E: AlterInPlace + ?Sized>(
    editor: &E,
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
    backfill: Option<&Literal>,
) -> Vec<String> {
    let backend = editor.backend();
    let table = &new_model.table;
    let t = editor.quote(table);
    if only_renamed(old, new) {
        return rename_field_in_place(editor, old_model, new_model, old, new);
    }
    let renamed = old.column != new.column;
    let mut sql = Vec::new();
    if renamed {
        sql.push(editor.rename_column(table, old, new));
    }
    let fill = not_null_fill(old, new, backfill);
    // Constraints and indexes named after the old column go first, and come back under the new one.
    let key_loses_index =
        editor.key_needs_its_index() && old.foreign_key.is_some() && old.index && !new.index;
    let foreign_key_changed = old.foreign_key != new.foreign_key || renamed || key_loses_index;
    if foreign_key_changed {
        sql.extend(ddl::drop_foreign_key(&old_model.table, old, backend));
    }
    let choices_changed = old.choices != new.choices || renamed;
    if choices_changed && old.choices.is_some() {
        sql.push(format!(
            "ALTER TABLE {t} DROP CONSTRAINT {}",
            editor.quote(&check_name(&old_model.table, &old.column))
        ));
    }
    if old.index && (!new.index || renamed) {
        sql.push(ddl::drop_index(table, &ddl::field_index_name(&old_model.table, old), backend));
    }
    if old.unique && (!new.unique || renamed) {
        sql.push(editor.drop_unique(&old_model.table, table, old));
    }
    sql.extend(editor.change_column(table, old, new, fill));
    if new.unique && (!old.unique || renamed) {
        sql.extend(editor.add_unique(table, new));
    }
    if new.index && (!old.index || renamed) {
        sql.push(field_index(table, new, backend));
    }
    if choices_changed {
        sql.extend(choices_check(table, new, backend));
    }
    if foreign_key_changed {
        sql.extend(ddl::add_foreign_key(table, new, backend));
    }
    sql
}

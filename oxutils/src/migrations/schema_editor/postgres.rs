//! PostgreSQL: alters tables in place, renames every constraint, and keeps comments.

use super::{AlterInPlace, SchemaEditor, alter_in_place, rename_table};
use crate::db::{Connection, DbError};
use crate::ddl;
use crate::dialect::Backend;
use crate::schema::{
    FieldSchema, Literal, ModelSchema, check_name, foreign_key_name, postgres_primary_key_name,
    unique_key_name,
};

pub(super) struct PostgresEditor;

/// The advisory lock of `migrate`: `pg_advisory_lock` takes a number, "oxmi" in ASCII.
const LOCK_KEY: i64 = 0x6f78_6d69;

impl SchemaEditor for PostgresEditor {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    /// The primary key is a constraint PostgreSQL names `<table>_pkey`, renamed with its table.
    fn rename_table(&self, old: &ModelSchema, new: &ModelSchema) -> Vec<String> {
        let mut primary_key = Vec::new();
        let (from, to) = (postgres_primary_key_name(&old.table), postgres_primary_key_name(&new.table));
        // Two long tables may share the name's first 58 bytes, and so the name.
        if old.primary_key().is_some() && from != to {
            primary_key.push(format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                self.quote(&new.table),
                self.quote(&from),
                self.quote(&to)
            ));
        }
        rename_table(self, old, new, primary_key)
    }

    fn lock_migrations(&self, connection: &mut Connection) -> Result<(), DbError> {
        connection.batch(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
    }

    fn unlock_migrations(&self, connection: &mut Connection) -> Result<(), DbError> {
        connection.batch(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
    }

    /// `migrate` reads its record first thing on a new connection: looking the table up first took a
    /// round trip and 0.7 ms of the server's time to parse on a new server process (whose catalog caches
    /// are cold), more than the read itself. Reading at once fails only on a database never migrated, with
    /// `undefined_table`, which the server logs as an error.
    fn reads_before_looking(&self) -> bool {
        true
    }

    /// By name in the current schema, through `to_regclass` rather than a join of the catalog tables:
    /// `migrate` asks first thing on a new connection, whose server process has not yet loaded
    /// `pg_attribute` and its indexes, and planning that join took 2 ms of the server's time there (half of
    /// a small migration's); the lookup by name is a cache probe. Like the join, it looks in the current
    /// schema only; unlike it, it also finds an index or a sequence of that name, which a table of the
    /// engine's own could not then be created beside anyway.
    fn table_exists(&self, connection: &mut Connection, table: &str) -> Result<bool, DbError> {
        let sql = "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) IS NOT NULL";
        let rows = connection.query(sql, &[sea_query::Value::String(Some(table.to_owned()))])?;
        Ok(matches!(rows.first().and_then(|row| row.first()), Some(sea_query::Value::Bool(Some(true)))))
    }

    fn alter_table_comment(&self, model: &ModelSchema, comment: Option<&str>) -> Vec<String> {
        let comment = comment.map_or("NULL".to_owned(), |text| self.backend().quote_literal(text));
        vec![format!("COMMENT ON TABLE {} IS {comment}", self.quote(&model.table))]
    }

    fn remove_field(&self, old: &ModelSchema, _new: &ModelSchema, field: &FieldSchema) -> Vec<String> {
        vec![format!("ALTER TABLE {} DROP COLUMN {}", self.quote(&old.table), self.quote(&field.column))]
    }

    fn alter_field(
        &self,
        old_model: &ModelSchema,
        new_model: &ModelSchema,
        old: &FieldSchema,
        new: &FieldSchema,
        backfill: Option<&Literal>,
    ) -> Vec<String> {
        alter_in_place(self, old_model, new_model, old, new, backfill)
    }

    fn rename_index(
        &self,
        _table: &str,
        from: &str,
        to: &str,
        _columns: &[String],
        _unique: bool,
    ) -> Vec<String> {
        vec![format!("ALTER INDEX {} RENAME TO {}", self.quote(from), self.quote(to))]
    }

    fn rename_field_constraints(
        &self,
        old_model: &ModelSchema,
        new_model: &ModelSchema,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Vec<String> {
        let (old_table, new_table) = (&old_model.table, &new_model.table);
        let t = self.quote(new_table);
        let mut sql = Vec::new();
        let mut rename = |from: String, to: String| {
            if from != to {
                sql.push(format!(
                    "ALTER TABLE {t} RENAME CONSTRAINT {} TO {}",
                    self.quote(&from),
                    self.quote(&to)
                ));
            }
        };
        if new.foreign_key.is_some() {
            rename(foreign_key_name(old_table, &old.column), foreign_key_name(new_table, &new.column));
        }
        if new.choices.is_some() {
            rename(check_name(old_table, &old.column), check_name(new_table, &new.column));
        }
        if new.unique {
            rename(unique_key_name(old_table, &old.column), unique_key_name(new_table, &new.column));
        }
        sql
    }
}

impl AlterInPlace for PostgresEditor {
    fn drop_unique(&self, old_table: &str, table: &str, old: &FieldSchema) -> String {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote(table),
            self.quote(&unique_key_name(old_table, &old.column))
        )
    }

    fn add_unique(&self, table: &str, new: &FieldSchema) -> Vec<String> {
        ddl::add_unique_key(table, new, Backend::Postgres).into_iter().collect()
    }

    fn change_column(
        &self,
        table: &str,
        old: &FieldSchema,
        new: &FieldSchema,
        fill: Option<&Literal>,
    ) -> Vec<String> {
        let backend = Backend::Postgres;
        let (t, c) = (self.quote(table), self.quote(&new.column));
        let mut sql = Vec::new();
        let type_changes = old.column_type != new.column_type;
        if type_changes {
            // PostgreSQL casts a column's default along with its type and keeps the cast in the
            // default's expression (`'v'::character varying` on a text column), or refuses the
            // type when the default has no cast: the default goes first and is set again after.
            if old.default.is_some() {
                sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
            }
            let type_name = ddl::type_name(new.column_type, backend);
            sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {type_name} USING {c}::{type_name}"));
        }
        // The default the column has now: none if it went for the type.
        let current = if type_changes { None } else { old.default.as_ref() };
        if current != new.default.as_ref() {
            sql.push(match &new.default {
                Some(default) => format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                    ddl::render_literal(default, backend)
                ),
                None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
            });
        }
        if old.nullable != new.nullable {
            sql.extend(fill.map(|value| self.fill_nulls(table, new, value)));
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
        sql
    }
}

/// A session holding a lock on a table, as `pg_locks` and `pg_stat_activity` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LockHolder {
    /// The server process of the session.
    pub pid: i64,
    /// The lock it holds (`AccessShareLock`, `AccessExclusiveLock`, ...).
    pub mode: String,
    /// Its `application_name`.
    pub application: String,
    /// `active`, `idle in transaction`, ...
    pub state: String,
    /// Seconds since its transaction began.
    pub seconds: f64,
    /// Its current or last statement.
    pub query: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let application = if self.application.is_empty() { "no application_name" } else { &self.application };
        let query: String = self.query.split_whitespace().collect::<Vec<_>>().join(" ");
        let query = if query.len() > 120 {
            format!("{}...", &query[..query.floor_char_boundary(117)])
        } else {
            query
        };
        write!(
            f,
            "pid {} ({application}, {} for {:.1}s, holding {}): {query}",
            self.pid, self.state, self.seconds, self.mode
        )
    }
}

/// The other sessions holding a lock on `table`: who a statement waiting for its lock waited behind.
pub(crate) fn lock_holders(connection: &mut Connection, table: &str) -> Result<Vec<LockHolder>, DbError> {
    use sea_query::Value;
    let rows = connection.query(
        "SELECT a.pid::bigint, l.mode, coalesce(a.application_name, ''), coalesce(a.state, ''), \
         coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8, coalesce(a.query, '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'relation' AND l.granted AND l.relation = to_regclass($1) \
         AND l.pid <> pg_backend_pid() ORDER BY a.xact_start",
        &[Value::String(Some(Backend::Postgres.quote_identifier(table)))],
    )?;
    let text = |value: &Value| match value {
        Value::String(Some(text)) => text.clone(),
        _ => String::new(),
    };
    Ok(rows
        .iter()
        .map(|row| LockHolder {
            pid: match row[0] {
                Value::BigInt(Some(pid)) => pid,
                _ => 0,
            },
            mode: text(&row[1]),
            application: text(&row[2]),
            state: text(&row[3]),
            seconds: match row[4] {
                Value::Double(Some(seconds)) => seconds,
                _ => 0.0,
            },
            query: text(&row[5]),
        })
        .collect())
}

/// Whether the index `name` exists and is valid: `None` when absent, `Some(false)` when a
/// `CREATE INDEX CONCURRENTLY` that failed or was killed left it invalid (it is kept up to date by writes
/// but never used, and must be dropped and built again).
pub(crate) fn index_validity(connection: &mut Connection, name: &str) -> Result<Option<bool>, DbError> {
    use sea_query::Value;
    let rows = connection.query(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname = $1 AND pg_table_is_visible(c.oid)",
        &[Value::String(Some(name.to_owned()))],
    )?;
    Ok(rows.first().map(|row| matches!(row[0], Value::Bool(Some(true)))))
}

/// The session's own `lock_timeout`, as `SET lock_timeout = …` takes it back.
pub(crate) fn session_lock_timeout(connection: &mut Connection) -> Result<String, DbError> {
    let sql = "SELECT current_setting('lock_timeout')";
    let rows = connection.query(sql, &[])?;
    match rows.first().and_then(|row| row.first()) {
        Some(sea_query::Value::String(Some(setting))) => {
            Ok(format!("lock_timeout = {}", Backend::Postgres.quote_literal(setting)))
        }
        _ => Err(DbError::query(sql, "no setting")),
    }
}

/// The setting `lock_timeout = …`, for a `SET` or a `SET LOCAL`: how long each statement waits for a lock
/// before it gives up; `None` waits as long as it takes.
pub(crate) fn lock_timeout_setting(timeout: Option<std::time::Duration>) -> String {
    let millis = timeout.map_or(0, |timeout| timeout.as_millis().max(1));
    format!("lock_timeout = '{millis}ms'")
}

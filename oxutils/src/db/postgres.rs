//! PostgreSQL through the `postgres` crate, with the connection's prepared statements kept.
//!
//! `Client::execute` with SQL text prepares it on every call: a round trip to the server before the one
//! that runs it. Each model's CRUD statement (text that lives as long as the program) and each query shape
//! is prepared once per connection instead, as hand-written code holds its `Statement`.

use super::{ConstraintKind, DbError, Row, SqlText};
use ::postgres::types::{FromSql, Kind, Type};
use ::postgres::{Client, NoTls, Statement};
use sea_query::Value;
use sea_query_postgres::{PostgresValue, PostgresValues};
use std::collections::HashMap;

/// Query shapes kept at most; past it the cache starts again, so that a program that builds unbounded
/// distinct queries does not grow the server's memory or its own.
const MAX_QUERY_SHAPES: usize = 256;

/// A client and the statements prepared on it.
pub struct PgConnection {
    client: Client,
    /// By the address and length of fixed text.
    fixed: HashMap<(usize, usize), Statement>,
    /// By the text of a query built again on each call.
    repeated: HashMap<String, Statement>,
}

pub fn open(url: &str) -> Result<PgConnection, DbError> {
    let client = Client::connect(url, NoTls).map_err(|error| DbError::connect_driver(url, error))?;
    Ok(PgConnection { client, fixed: HashMap::new(), repeated: HashMap::new() })
}

impl PgConnection {
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        if !leaves_schema_alone(sql) {
            self.forget_statements();
        }
        self.client.batch_execute(sql).map_err(|error| classify(sql, error))
    }

    /// Runs `sql`; `retry` says whether a statement whose plan went stale (a table another connection
    /// altered) may run once more, prepared again: only outside a transaction, which the error aborts.
    pub fn execute(&mut self, sql: SqlText<'_>, params: &[Value], retry: bool) -> Result<u64, DbError> {
        let values = PostgresValues(params.iter().cloned().map(PostgresValue).collect());
        let params = values.as_params();
        // Only text that runs unprepared needs its parameters' types: a prepared statement (every CRUD
        // call) has them from the server already.
        self.with_statement(sql, retry, |client, statement| match statement {
            Some(statement) => client.execute(statement, &params),
            None => match typed_params(&values) {
                Some(typed) => client.execute_typed(sql.text(), &typed),
                None => client.execute(sql.text(), &params),
            },
        })
    }

    pub fn query(&mut self, sql: SqlText<'_>, params: &[Value], retry: bool) -> Result<Vec<Row>, DbError> {
        let rows = self.driver_rows(sql, params, retry)?;
        rows.iter()
            .map(|row| (0..row.len()).map(|index| value_of(row, index)).collect::<Result<Row, _>>())
            .collect::<Result<_, _>>()
            .map_err(|error| classify(sql.text(), error))
    }

    /// Runs a query and hands each row's values to `keep`, converted as it reads them (no row of values
    /// is collected first), until it returns `false`.
    pub fn query_each(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        retry: bool,
        mut keep: impl FnMut(&mut dyn Iterator<Item = Value>) -> Result<bool, DbError>,
    ) -> Result<(), DbError> {
        let rows = self.driver_rows(sql, params, retry)?;
        for row in &rows {
            let mut failed = None;
            let mut values = (0..row.len()).map_while(|index| match value_of(row, index) {
                Ok(value) => Some(value),
                Err(error) => {
                    failed = Some(error);
                    None
                }
            });
            let more = keep(&mut values);
            if let Some(error) = failed {
                return Err(classify(sql.text(), error));
            }
            if !more? {
                break;
            }
        }
        Ok(())
    }

    /// Runs a query and hands each row to `read` as cells: text and JSON columns borrowed from the driver's
    /// row (JSON as the text the server sent), the rest converted to values.
    pub fn query_cells(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        retry: bool,
        mut read: impl FnMut(&[super::Cell<'_>]) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        use super::Cell;
        let rows = self.driver_rows(sql, params, retry)?;
        let Some(first) = rows.first() else { return Ok(()) };
        let borrowed: Vec<bool> =
            first.columns().iter().map(|column| BorrowedText::accepts(column.type_())).collect();
        let null = Value::String(None);
        let mut values = Vec::with_capacity(borrowed.len());
        for row in &rows {
            values.clear();
            for (index, &borrowed) in borrowed.iter().enumerate() {
                values.push(if borrowed {
                    Value::Bool(None)
                } else {
                    value_of(row, index).map_err(|error| classify(sql.text(), error))?
                });
            }
            let cell = |index: usize| -> Result<Cell<'_>, DbError> {
                if !borrowed[index] {
                    return Ok(Cell::Value(&values[index]));
                }
                let text = row.try_get::<_, Option<BorrowedText>>(index);
                Ok(match text.map_err(|error| classify(sql.text(), error))? {
                    Some(BorrowedText(text)) => Cell::Text(text),
                    None => Cell::Value(&null),
                })
            };
            super::read_row(borrowed.len(), cell, &mut read)?;
        }
        Ok(())
    }

    /// The rows of a query as the driver returns them.
    fn driver_rows(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        retry: bool,
    ) -> Result<Vec<::postgres::Row>, DbError> {
        let values = PostgresValues(params.iter().cloned().map(PostgresValue).collect());
        let params = values.as_params();
        // Only text that runs unprepared needs its parameters' types: a prepared statement (every CRUD
        // call) has them from the server already.
        self.with_statement(sql, retry, |client, statement| match statement {
            Some(statement) => client.query(statement, &params),
            None => match typed_params(&values) {
                Some(typed) => client.query_typed(sql.text(), &typed),
                None => client.query(sql.text(), &params),
            },
        })
    }

    /// Runs `run` with the statement prepared for `sql` (none for text built once, which runs unprepared,
    /// as the client does it: a schema change in it must not leave stale plans behind).
    fn with_statement<T>(
        &mut self,
        sql: SqlText<'_>,
        retry: bool,
        mut run: impl FnMut(&mut Client, Option<&Statement>) -> Result<T, ::postgres::Error>,
    ) -> Result<T, DbError> {
        let text = sql.text();
        let key = match sql {
            SqlText::Built(text) => {
                if !leaves_schema_alone(text) {
                    self.forget_statements();
                }
                return run(&mut self.client, None).map_err(|error| classify(text, error));
            }
            SqlText::Fixed(text) => Key::Fixed(text),
            SqlText::Repeated(text) => Key::Repeated(text),
        };
        let statement = self.prepared(&key)?;
        match run(&mut self.client, Some(&statement)) {
            Err(error) if is_stale_plan(&error) => {
                self.forget(&key);
                if !retry {
                    return Err(classify(text, error));
                }
                let statement = self.prepared(&key)?;
                run(&mut self.client, Some(&statement)).map_err(|error| classify(text, error))
            }
            result => result.map_err(|error| classify(text, error)),
        }
    }

    /// The statement for `key`, prepared now if it is not yet. (A `Statement` is a reference-counted
    /// handle: the clone is cheap.)
    fn prepared(&mut self, key: &Key<'_>) -> Result<Statement, DbError> {
        let held = match key {
            Key::Fixed(text) => self.fixed.get(&address(text)),
            Key::Repeated(text) => self.repeated.get(*text),
        };
        if let Some(statement) = held {
            return Ok(statement.clone());
        }
        let text = key.text();
        let statement = self.client.prepare(text).map_err(|error| classify(text, error))?;
        match key {
            Key::Fixed(text) => {
                self.fixed.insert(address(text), statement.clone());
            }
            Key::Repeated(text) => {
                if self.repeated.len() >= MAX_QUERY_SHAPES {
                    self.repeated.clear();
                }
                self.repeated.insert((*text).to_owned(), statement.clone());
            }
        }
        Ok(statement)
    }

    fn forget(&mut self, key: &Key<'_>) {
        match key {
            Key::Fixed(text) => self.fixed.remove(&address(text)),
            Key::Repeated(text) => self.repeated.remove(*text),
        };
    }

    /// Drops every prepared statement: the schema they were planned against may be changing.
    fn forget_statements(&mut self) {
        self.fixed.clear();
        self.repeated.clear();
    }
}

enum Key<'a> {
    Fixed(&'static str),
    Repeated(&'a str),
}

impl Key<'_> {
    fn text(&self) -> &str {
        match self {
            Key::Fixed(text) => text,
            Key::Repeated(text) => text,
        }
    }
}

/// The parameters of text that runs unprepared, each with the type it is sent as, when every one has a type
/// its value is encoded in exactly: the statement then runs in one round trip (the unnamed statement,
/// `query_typed`) instead of three (prepare, run, close), which is most of the engine's own queries (the
/// record, the catalog) on a server a millisecond away. A null is left to the server to type (its column may
/// be of any type), and so are the values without an exact type here: the statement is then prepared.
fn typed_params(values: &PostgresValues) -> Option<Vec<(&(dyn ::postgres::types::ToSql + Sync), Type)>> {
    values
        .0
        .iter()
        .map(|value| exact_type(&value.0).map(|ty| (value as &(dyn ::postgres::types::ToSql + Sync), ty)))
        .collect()
}

/// The type a non-null value is encoded as by `PostgresValue` (a timestamp with a time zone as
/// `timestamptz`, whose instant the server keeps whatever the session's time zone).
fn exact_type(value: &Value) -> Option<Type> {
    Some(match value {
        Value::Bool(Some(_)) => Type::BOOL,
        Value::SmallInt(Some(_)) => Type::INT2,
        Value::Int(Some(_)) => Type::INT4,
        Value::BigInt(Some(_)) => Type::INT8,
        Value::Float(Some(_)) => Type::FLOAT4,
        Value::Double(Some(_)) => Type::FLOAT8,
        Value::String(Some(_)) => Type::TEXT,
        Value::Bytes(Some(_)) => Type::BYTEA,
        Value::ChronoDate(Some(_)) => Type::DATE,
        Value::ChronoTime(Some(_)) => Type::TIME,
        Value::ChronoDateTime(Some(_)) => Type::TIMESTAMP,
        Value::ChronoDateTimeUtc(Some(_)) | Value::ChronoDateTimeWithTimeZone(Some(_)) => Type::TIMESTAMPTZ,
        Value::Uuid(Some(_)) => Type::UUID,
        Value::Decimal(Some(_)) => Type::NUMERIC,
        _ => return None,
    })
}

/// Fixed text is found by where it lives, as SQLite's held statements are: no hashing of the text.
fn address(text: &'static str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

/// Whether every statement of `sql` leaves tables as they are (a read, a write of rows, transaction
/// control, a setting), so that statements prepared against them stay valid. Unsure means no: a `;`
/// inside a literal only makes it drop prepared statements it could have kept.
fn leaves_schema_alone(sql: &str) -> bool {
    const ROWS_ONLY: [&str; 15] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "BEGIN",
        "START",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "SET",
        "RESET",
        "SHOW",
        "VALUES",
    ];
    sql.split(';').all(|statement| {
        let first = statement.split_whitespace().next();
        first.is_none_or(|word| ROWS_ONLY.iter().any(|keyword| word.eq_ignore_ascii_case(keyword)))
    })
}

/// "cached plan must not change result type": a prepared statement's table changed under it.
fn is_stale_plan(error: &::postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        *db.code() == ::postgres::error::SqlState::FEATURE_NOT_SUPPORTED
            && db.message().contains("cached plan")
    })
}

/// A typed constraint error where the server reports one, with its constraint and table.
fn classify(sql: &str, error: ::postgres::Error) -> DbError {
    use ::postgres::error::SqlState;
    let Some(db) = error.as_db_error() else { return DbError::driver(sql, describe(&error), error) };
    let kind = match *db.code() {
        SqlState::UNIQUE_VIOLATION => ConstraintKind::Unique,
        SqlState::FOREIGN_KEY_VIOLATION => ConstraintKind::ForeignKey,
        SqlState::CHECK_VIOLATION => ConstraintKind::Check,
        SqlState::NOT_NULL_VIOLATION => ConstraintKind::NotNull,
        _ => return DbError::driver(sql, describe(&error), error),
    };
    let constraint = db.constraint().map(str::to_owned).or_else(|| db.column().map(str::to_owned));
    DbError::Constraint { kind, constraint, table: db.table().map(str::to_owned), message: describe(&error) }
}

/// The server's own message (with its detail) rather than the client's generic "db error".
fn describe(error: &::postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => error.to_string(),
    }
}

/// A column as the value its PostgreSQL type maps to.
fn value_of(row: &::postgres::Row, index: usize) -> Result<Value, ::postgres::Error> {
    let column_type = row.columns()[index].type_().clone();
    Ok(match column_type {
        Type::BOOL => Value::Bool(row.try_get(index)?),
        Type::INT2 => Value::SmallInt(row.try_get(index)?),
        Type::INT4 => Value::Int(row.try_get(index)?),
        Type::INT8 => Value::BigInt(row.try_get(index)?),
        Type::FLOAT4 => Value::Float(row.try_get(index)?),
        Type::FLOAT8 => Value::Double(row.try_get(index)?),
        Type::BYTEA => Value::Bytes(row.try_get(index)?),
        Type::DATE => Value::ChronoDate(row.try_get(index)?),
        Type::TIME => Value::ChronoTime(row.try_get(index)?),
        Type::TIMESTAMP => Value::ChronoDateTime(row.try_get(index)?),
        Type::TIMESTAMPTZ => Value::ChronoDateTimeUtc(row.try_get(index)?),
        Type::UUID => Value::Uuid(row.try_get(index)?),
        Type::NUMERIC => Value::Decimal(row.try_get(index)?),
        Type::JSON | Type::JSONB => {
            Value::Json(row.try_get::<_, Option<serde_json::Value>>(index)?.map(Box::new))
        }
        _ if matches!(column_type.kind(), Kind::Enum(_)) => {
            Value::String(row.try_get::<_, Option<EnumLabel>>(index)?.map(|label| label.0))
        }
        _ => Value::String(row.try_get(index)?),
    })
}

/// A text or JSON column's text, borrowed from the row: `jsonb`'s binary form is a version byte (1) and the
/// JSON's text.
struct BorrowedText<'a>(&'a str);

impl<'a> FromSql<'a> for BorrowedText<'a> {
    fn from_sql(column_type: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let raw = match (column_type, raw) {
            (&Type::JSONB, [1, text @ ..]) => text,
            (&Type::JSONB, _) => return Err("jsonb of an unknown version".into()),
            _ => raw,
        };
        Ok(BorrowedText(std::str::from_utf8(raw)?))
    }

    fn accepts(column_type: &Type) -> bool {
        matches!(
            *column_type,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::JSONB
        )
    }
}

/// The label of a value of an enum type (`CREATE TYPE mood AS ENUM (...)`), which a custom `OxField`
/// reads as text: its binary form is the label's UTF-8, but the driver's `String` accepts text types only.
/// (Binding needs nothing: a string parameter is sent as its bytes whatever type the server expects.)
struct EnumLabel(String);

impl<'a> FromSql<'a> for EnumLabel {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(EnumLabel(std::str::from_utf8(raw)?.to_owned()))
    }

    fn accepts(column_type: &Type) -> bool {
        matches!(column_type.kind(), Kind::Enum(_))
    }
}

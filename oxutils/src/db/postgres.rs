//! PostgreSQL through the `postgres` crate.

use super::{ConstraintKind, DbError, Row};
use ::postgres::types::{FromSql, Kind, Type};
use ::postgres::{Client, NoTls};
use sea_query::Value;
use sea_query_postgres::{PostgresValue, PostgresValues};

pub fn open(url: &str) -> Result<Client, DbError> {
    Client::connect(url, NoTls).map_err(|error| DbError::connect_driver(url, error))
}

pub fn batch(client: &mut Client, sql: &str) -> Result<(), DbError> {
    client.batch_execute(sql).map_err(|error| classify(sql, error))
}

pub fn execute(client: &mut Client, sql: &str, params: &[Value]) -> Result<u64, DbError> {
    let values = PostgresValues(params.iter().cloned().map(PostgresValue).collect());
    client.execute(sql, &values.as_params()).map_err(|error| classify(sql, error))
}

pub fn query(client: &mut Client, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
    let values = PostgresValues(params.iter().cloned().map(PostgresValue).collect());
    let rows = client.query(sql, &values.as_params()).map_err(|error| classify(sql, error))?;
    rows.iter()
        .map(|row| (0..row.len()).map(|index| value_of(row, index)).collect::<Result<Row, _>>())
        .collect::<Result<_, _>>()
        .map_err(|error| classify(sql, error))
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

use serde::{Deserialize, Serialize};

/// The portable type of a column; `ddl` maps it to each backend's own type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnType {
    /// A 16-bit integer.
    SmallInteger,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInteger,
    /// A 32-bit float.
    Float,
    /// A 64-bit float.
    Double,
    /// A boolean.
    Boolean,
    /// Bounded text: `varchar(max_length)`.
    String {
        /// The most characters the column holds.
        max_length: u32,
    },
    /// Unbounded text.
    Text,
    /// Bytes.
    Binary,
    /// A date.
    Date,
    /// A time of day.
    Time,
    /// A date and time without a time zone.
    DateTime,
    /// An instant: a date and time stored in UTC.
    TimestampTz,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// An exact decimal number: `numeric(max_digits, decimal_places)`, read as `rust_decimal::Decimal`.
    Decimal {
        /// The most digits the column holds, before and after the point together.
        max_digits: u32,
        /// The digits after the point.
        decimal_places: u32,
    },
}

impl ColumnType {
    /// Whether this is one of the integer types.
    pub fn is_integer(self) -> bool {
        matches!(self, ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger)
    }

    /// A SQL NULL of this type: drivers that type their parameters (PostgreSQL) need to know it.
    pub fn null_value(self) -> sea_query::Value {
        use sea_query::Value;
        match self {
            ColumnType::SmallInteger => Value::SmallInt(None),
            ColumnType::Integer => Value::Int(None),
            ColumnType::BigInteger => Value::BigInt(None),
            ColumnType::Float => Value::Float(None),
            ColumnType::Double => Value::Double(None),
            ColumnType::Boolean => Value::Bool(None),
            ColumnType::String { .. } | ColumnType::Text => Value::String(None),
            ColumnType::Binary => Value::Bytes(None),
            ColumnType::Date => Value::ChronoDate(None),
            ColumnType::Time => Value::ChronoTime(None),
            ColumnType::DateTime => Value::ChronoDateTime(None),
            ColumnType::TimestampTz => Value::ChronoDateTimeUtc(None),
            ColumnType::Uuid => Value::Uuid(None),
            ColumnType::Json => Value::Json(None),
            ColumnType::Decimal { .. } => Value::Decimal(None),
        }
    }
}

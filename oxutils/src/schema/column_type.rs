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
    /// A type of the user's own, named per backend (`citext` on PostgreSQL, say), for an `OxField`
    /// whose column no portable type describes. Its values bind as the field's `to_value` gives them.
    Custom(CustomType),
}

/// The SQL type a user's `OxField` declares on each backend, as it is written in DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomType {
    /// On SQLite, e.g. `text COLLATE NOCASE`.
    pub sqlite: SqlTypeName,
    /// On PostgreSQL, e.g. `citext`.
    pub postgres: SqlTypeName,
    /// On MySQL and MariaDB, e.g. `varchar(254)`.
    pub mysql: SqlTypeName,
}

/// A SQL type's name as DDL writes it.
///
/// `&'static` so that [`ColumnType`] stays `Copy` throughout the engine: a type declared in code is
/// static already, and one read from a migration file is interned, once per distinct name, so the memory
/// it keeps is bounded by the names a project's files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlTypeName(pub &'static str);

impl SqlTypeName {
    /// The name as DDL writes it.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    fn interned(name: String) -> SqlTypeName {
        use std::collections::BTreeSet;
        use std::sync::Mutex;
        static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
        let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = names.get(name.as_str()) {
            return SqlTypeName(known);
        }
        let leaked: &'static str = Box::leak(name.into_boxed_str());
        names.insert(leaked);
        SqlTypeName(leaked)
    }
}

impl Serialize for SqlTypeName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for SqlTypeName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.trim().is_empty() {
            return Err(serde::de::Error::custom("a custom SQL type name cannot be empty"));
        }
        Ok(SqlTypeName::interned(name))
    }
}

impl ColumnType {
    /// A decimal whose field says no size: what `Decimal::column()` gives until `#[ox(max_digits,
    /// decimal_places)]` fills it in, and what the system checks report.
    pub const UNSIZED_DECIMAL: ColumnType = ColumnType::Decimal { max_digits: 0, decimal_places: 0 };

    /// A column of a type of your own, named per backend, for [`OxField::column`](crate::OxField::column):
    /// `ColumnType::custom("text COLLATE NOCASE", "citext", "varchar(254)")`.
    pub const fn custom(sqlite: &'static str, postgres: &'static str, mysql: &'static str) -> ColumnType {
        ColumnType::Custom(CustomType {
            sqlite: SqlTypeName(sqlite),
            postgres: SqlTypeName(postgres),
            mysql: SqlTypeName(mysql),
        })
    }

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
            // Text is what a driver sends untyped, which the server casts to the column's type.
            ColumnType::Custom(_) => Value::String(None),
        }
    }
}

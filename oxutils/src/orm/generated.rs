//! What a write fills into a row besides its fields: the key the database generates, and the
//! `auto_now`/`auto_now_add` timestamps; shared by single-row and bulk inserts.

use crate::model::Model;
use crate::model::statement_cache::Shape;
use crate::model::write_event::WriteAction;
use crate::schema::ColumnType;
use sea_query::Value;

/// How a model's rows are written: where the key is, whether the database generates it, whether any
/// timestamp is filled in. Worked out once per model.
pub(crate) fn shape<M: Model>() -> &'static Shape {
    M::statements().shape.get_or_init(|| {
        let fields = &M::schema().fields;
        let key_index = fields.iter().position(|field| field.primary_key);
        Shape {
            key_index,
            auto_increment: key_index.is_some_and(|index| fields[index].auto_increment),
            stamps: fields.iter().any(|field| field.auto_now || field.auto_now_add),
        }
    })
}

/// Fills `auto_now_add` on insert and `auto_now` on every write, with the current time in each field's type.
pub(crate) fn stamp<M: Model>(values: &mut [Value], action: WriteAction) {
    if !shape::<M>().stamps {
        return;
    }
    let fields = &M::schema().fields;
    // To the microsecond, which PostgreSQL and MySQL keep: the row `insert` returns is then the row stored.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    for (field, value) in fields.iter().zip(values.iter_mut()) {
        if field.auto_now || (field.auto_now_add && action == WriteAction::Insert) {
            *value = match field.column_type {
                ColumnType::Date => Value::ChronoDate(Some(now.date_naive())),
                ColumnType::DateTime => Value::ChronoDateTime(Some(now.naive_utc())),
                _ => Value::ChronoDateTimeUtc(Some(now)),
            };
        }
    }
}

/// An auto-increment key of 0 or NULL asks the database for one.
pub(crate) fn asks_for_a_key(value: &Value) -> bool {
    matches!(value, Value::BigInt(Some(0)) | Value::Int(Some(0)) | Value::SmallInt(Some(0)))
        || crate::field::is_null(value)
}

/// A generated key as the value of its column's type.
pub(crate) fn key_value(column_type: &ColumnType, id: i64) -> Value {
    match column_type {
        ColumnType::SmallInteger => Value::SmallInt(i16::try_from(id).ok()),
        ColumnType::Integer => Value::Int(i32::try_from(id).ok()),
        _ => Value::BigInt(Some(id)),
    }
}

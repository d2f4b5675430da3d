//! `Book`'s write hook: every insert, update and delete of a book records a `BookEvent` in the same
//! transaction. A book titled `REFUSED` is refused by the hook, which rolls its write back.

use crate::models::BookEvent;
use oxutils::db::{Connection, DbError};
use oxutils::{ModelExt, OxField, WriteAction, WriteEvent};

pub fn record_book_write(connection: &mut Connection, event: &WriteEvent<'_>) -> Result<(), DbError> {
    let row = event.after.or(event.before).unwrap_or_default();
    let value = |index: usize| row.get(index).cloned().unwrap_or(oxutils::Value::String(None));
    let book_id = i64::from_value(value(0)).map_err(|error| DbError::Hook(error.to_string()))?;
    let title = String::from_value(value(2)).map_err(|error| DbError::Hook(error.to_string()))?;
    if title == "REFUSED" {
        return Err(DbError::Hook("books titled REFUSED are not allowed".to_owned()));
    }
    let action = match event.action {
        WriteAction::Insert => "insert",
        WriteAction::Update => "update",
        WriteAction::Delete => "delete",
    };
    BookEvent { id: 0, book_id, action: action.to_owned(), title }.insert(connection)?;
    Ok(())
}

/// `Loan`'s write hook: a loan of more than 90 days is refused, which rolls back the write and its audit
/// entry.
pub fn refuse_long_loans(_: &mut Connection, event: &WriteEvent<'_>) -> Result<(), DbError> {
    let days = event.after.and_then(|row| row.get(3)).cloned().map(i32::from_value);
    match days {
        Some(Ok(days)) if days > 90 => Err(DbError::Hook(format!("a loan of {days} days is over 90"))),
        _ => Ok(()),
    }
}

//! Marker traits that let the derive check an attribute against its field's type.
//!
//! The derive sees only tokens, so it asserts `FieldType: Marker` next to the attribute and the compiler
//! answers with the message below, under the attribute, when the type is wrong.

use super::file::S3File;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Types `#[ox(auto_now)]` and `#[ox(auto_now_add)]` can fill with the current date or time.
#[diagnostic::on_unimplemented(
    message = "`auto_now` and `auto_now_add` need a date or date-time field, not `{Self}`",
    label = "not a date or date-time type",
    note = "use chrono's `DateTime<Utc>`, `NaiveDateTime` or `NaiveDate`, or an `Option` of one"
)]
pub trait AutoNowField {}

impl AutoNowField for DateTime<Utc> {}
impl AutoNowField for NaiveDateTime {}
impl AutoNowField for NaiveDate {}
impl<T: AutoNowField> AutoNowField for Option<T> {}

/// Types `#[s3_file]` can mark: their column holds an object key.
#[diagnostic::on_unimplemented(
    message = "`#[s3_file]` needs a field of type `S3File` or `Option<S3File>`, not `{Self}`",
    label = "not a file type"
)]
pub trait FileField {}

impl FileField for S3File {}
impl FileField for Option<S3File> {}

/// Types stored as bounded text, whose length `#[ox(max_length = N)]` sets.
#[diagnostic::on_unimplemented(
    message = "`max_length` applies to text fields, not `{Self}`",
    label = "not stored as text",
    note = "`max_length` applies to `String`, `S3File`, choice enums and an `Option` of them"
)]
pub trait LengthLimitedField {}

impl LengthLimitedField for String {}
impl LengthLimitedField for S3File {}
impl<T: LengthLimitedField> LengthLimitedField for Option<T> {}

/// Types stored as `numeric(max_digits, decimal_places)`, which `#[ox(max_digits = P, decimal_places = S)]`
/// sets.
#[diagnostic::on_unimplemented(
    message = "`max_digits` and `decimal_places` apply to decimal fields, not `{Self}`",
    label = "not stored as a decimal",
    note = "they apply to `rust_decimal::Decimal` and `Option<rust_decimal::Decimal>`"
)]
pub trait DecimalField {}

impl DecimalField for rust_decimal::Decimal {}
impl<T: DecimalField> DecimalField for Option<T> {}

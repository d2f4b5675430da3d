//! The keys of `#[ox(...)]` and `#[s3_file(...)]`, by where they may appear.

pub const OX: &str = "ox";
pub const S3_FILE: &str = "s3_file";

pub const APP: &str = "app";
pub const TABLE: &str = "table";
pub const DB_COMMENT: &str = "db_comment";
pub const INDEX: &str = "index";
pub const UNIQUE_TOGETHER: &str = "unique_together";
pub const CHECK: &str = "check";
pub const ON_WRITE: &str = "on_write";
pub const AUDITED: &str = "audited";
pub const MASK: &str = "mask";
pub const EXCLUDE: &str = "exclude";
pub const UNMASK: &str = "unmask";
pub const REPR: &str = "repr";
pub const NAME: &str = "name";
pub const EXPR: &str = "expr";

pub const PRIMARY_KEY: &str = "primary_key";
pub const COLUMN: &str = "column";
pub const UNIQUE: &str = "unique";
pub const MAX_LENGTH: &str = "max_length";
pub const MAX_DIGITS: &str = "max_digits";
pub const DECIMAL_PLACES: &str = "decimal_places";
pub const DEFAULT: &str = "default";
pub const AUTO_NOW: &str = "auto_now";
pub const AUTO_NOW_ADD: &str = "auto_now_add";
pub const ON_DELETE: &str = "on_delete";
pub const UPLOAD_TO: &str = "upload_to";

pub const RENAME_ALL: &str = "rename_all";
pub const RENAME: &str = "rename";

pub const MODEL_KEYS: &[&str] = &[APP, TABLE, DB_COMMENT, INDEX, UNIQUE_TOGETHER, CHECK, ON_WRITE, AUDITED];
pub const FIELD_KEYS: &[&str] = &[
    PRIMARY_KEY,
    COLUMN,
    UNIQUE,
    INDEX,
    MAX_LENGTH,
    MAX_DIGITS,
    DECIMAL_PLACES,
    DEFAULT,
    AUTO_NOW,
    AUTO_NOW_ADD,
    ON_DELETE,
    DB_COMMENT,
];
pub const FILE_KEYS: &[&str] = &[UPLOAD_TO];
pub const CHECK_KEYS: &[&str] = &[NAME, EXPR];
pub const AUDITED_KEYS: &[&str] = &[MASK, UNMASK, EXCLUDE, REPR];
pub const CHOICES_KEYS: &[&str] = &[RENAME_ALL];
pub const VARIANT_KEYS: &[&str] = &[RENAME];

/// `a`, `b` or `c`: the list an unknown-key error offers.
pub fn one_of(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

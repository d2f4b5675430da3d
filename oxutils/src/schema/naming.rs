//! Deterministic names for indexes and constraints.
//!
//! PostgreSQL truncates identifiers at 63 bytes and MySQL rejects names over 64, so a long name is cut
//! and suffixed with a hash of the whole name: two different long names never collide after the cut.

const MAX_IDENTIFIER_LEN: usize = 63;

/// `<table>_<col>_<col>_idx` (or `_uniq` for a unique index), shortened when too long.
pub fn index_name(table: &str, columns: &[&str], unique: bool) -> String {
    let suffix = if unique { "uniq" } else { "idx" };
    fit(format!("{table}_{}_{suffix}", columns.join("_")))
}

/// `<table>_<col>_check`, the name of the CHECK that keeps a choice column to its values.
pub fn check_name(table: &str, column: &str) -> String {
    fit(format!("{table}_{column}_check"))
}

/// `<table>_<column>_key`, PostgreSQL's own name for a column's `UNIQUE`, but cut to fit as the other names
/// are: PostgreSQL would cut a long one its own way, and a later DROP or RENAME by the long name would miss.
pub fn unique_key_name(table: &str, column: &str) -> String {
    fit(format!("{table}_{column}_key"))
}

/// `<table>_<column>_notnull`, the CHECK that PostgreSQL's safe `SET NOT NULL` validates first and drops
/// after.
pub fn not_null_check_name(table: &str, column: &str) -> String {
    fit(format!("{table}_{column}_notnull"))
}

/// `<table>_<column>_fk`. The target stays out of the name, so renaming the target's table leaves the
/// constraints that point at it as they are.
pub fn foreign_key_name(table: &str, column: &str) -> String {
    fit(format!("{table}_{column}_fk"))
}

/// `<table>_pkey`, the name PostgreSQL gives a table's primary key, cut its way (not ours: PostgreSQL makes
/// the name, so a rename must address it as PostgreSQL spelled it): the table part is cut, at a character
/// boundary, so that the whole fits in 63 bytes.
pub fn postgres_primary_key_name(table: &str) -> String {
    const SUFFIX: &str = "_pkey";
    let mut cut = table.len().min(MAX_IDENTIFIER_LEN - SUFFIX.len());
    while !table.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{SUFFIX}", &table[..cut])
}

/// The table of a model without `table = ...`: `<app>_<lowercased name>`, as Django names it.
pub fn default_table(app: &str, model: &str) -> String {
    format!("{app}_{}", model.to_lowercase())
}

/// The column of a field without `column = ...`: its name, or `<name>_id` for a foreign key.
pub fn default_column(field: &str, foreign_key: bool) -> String {
    if foreign_key { format!("{field}_id") } else { field.to_owned() }
}

fn fit(name: String) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN {
        return name;
    }
    let hash = format!("_{:08x}", fnv1a(name.as_bytes()));
    let mut cut = MAX_IDENTIFIER_LEN - hash.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{hash}", &name[..cut])
}

/// FNV-1a: tiny, and unlike `DefaultHasher` it is specified, so names never change between Rust releases.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept_whole() {
        assert_eq!(index_name("audit_logentry", &["timestamp"], false), "audit_logentry_timestamp_idx");
        assert_eq!(check_name("audit_logexportstate", "status"), "audit_logexportstate_status_check");
    }

    /// Found in review: renaming a table of 59 bytes or more addressed `<table>_pkey` in full, a name
    /// PostgreSQL had never made, so the rename failed.
    #[test]
    fn the_primary_key_is_named_as_postgres_names_it() {
        assert_eq!(postgres_primary_key_name("shop_order"), "shop_order_pkey");
        let long = "library_a_model_whose_name_is_long_enough_to_reach_the_limit_x";
        let name = postgres_primary_key_name(long);
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_pkey", &long[..58]));
        // A cut never splits a character: é is two bytes, at 57..59.
        let accented = format!("{}é{}", "a".repeat(57), "b".repeat(10));
        assert_eq!(postgres_primary_key_name(&accented), format!("{}_pkey", "a".repeat(57)));
    }

    #[test]
    fn long_names_are_cut_to_63_bytes_and_stay_distinct() {
        let table = "a_very_long_application_label_with_a_very_long_model_name";
        let first = index_name(table, &["first_column", "second_column"], false);
        let second = index_name(table, &["first_column", "third_column"], false);
        assert_eq!(first.len(), 63);
        assert_eq!(second.len(), 63);
        assert_ne!(first, second);
    }
}

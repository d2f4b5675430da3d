//! `inspectdb`: models written from an existing database's catalog, for a crate that starts from tables
//! made by hand, by Django, or by another tool (Django's `inspectdb`, `diesel print-schema`).
//!
//! The output is Rust source to review, not a schema to trust: every column whose type, default or
//! constraint has no faithful model attribute gets an `// inspectdb:` note saying what the database has and
//! what the model declares instead. What a model cannot be at all (a table without a primary key, or with
//! one of several columns) is left out with a note, since `makemigrations` would create something else.

use super::introspect::{CatalogDetails, DbColumnDef, DbSchema, DbTable};
use crate::dialect::Backend;
use crate::schema::OnDelete;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The source of a models module for the tables of `schema` (all of them when `only` is empty, except
/// the migration recorder's), each model in `app`, its fields in the columns' order, with the CHECK
/// constraints and comments of `details`.
pub(crate) fn models_source(
    schema: &DbSchema,
    details: &CatalogDetails,
    backend: Backend,
    app: &str,
    only: &[String],
) -> String {
    let tables: BTreeMap<&str, &DbTable> = schema
        .tables
        .iter()
        .filter(|(name, _)| if only.is_empty() { !is_bookkeeping(name) } else { only.contains(name) })
        .map(|(name, table)| (name.as_str(), table))
        .collect();
    let structs: BTreeMap<&str, String> =
        tables.keys().map(|table| (*table, struct_name(table, app))).collect();
    let mut out = String::new();
    out.push_str(
        "//! Models read from an existing database by `cargo oxutils inspectdb`. Review each `// inspectdb:`\n\
         //! note, then run `cargo oxutils makemigrations` and `cargo oxutils migrate --fake-initial`, which\n\
         //! records the first migration as applied since its tables exist.\n\n\
         use oxutils::prelude::*;\n",
    );
    for (name, table) in &tables {
        out.push('\n');
        let order = details
            .column_order
            .get(*name)
            .cloned()
            .unwrap_or_else(|| table.columns.keys().cloned().collect());
        let table_checks: BTreeMap<&str, &str> = details
            .checks
            .iter()
            .filter(|((of, _), _)| of == name)
            .map(|((_, check), expression)| (check.as_str(), expression.as_str()))
            .collect();
        let comments: BTreeMap<Option<&str>, &str> = details
            .comments
            .iter()
            .filter(|((of, _), _)| of == name)
            .map(|((_, column), comment)| (column.as_deref(), comment.as_str()))
            .collect();
        let inspected = Inspected { name, table, order: &order, checks: &table_checks, comments: &comments };
        out.push_str(&model_source(&inspected, backend, app, &structs));
    }
    out
}

/// The table oxutils keeps its own records in.
fn is_bookkeeping(table: &str) -> bool {
    use crate::model::Model;
    table == super::recorder::MigrationRecord::TABLE
}

/// One table as the catalog describes it.
struct Inspected<'a> {
    name: &'a str,
    table: &'a DbTable,
    /// Its columns in declaration order.
    order: &'a [String],
    /// Its CHECK expressions by constraint.
    checks: &'a BTreeMap<&'a str, &'a str>,
    /// Its comments by column, the table's own under `None`.
    comments: &'a BTreeMap<Option<&'a str>, &'a str>,
}

fn model_source(
    inspected: &Inspected<'_>,
    backend: Backend,
    app: &str,
    structs: &BTreeMap<&str, String>,
) -> String {
    let Inspected { name: table_name, table, order, checks, comments } = *inspected;
    let mut out = String::new();
    let struct_name = &structs[table_name];
    let [key] = table.primary_key.as_slice() else {
        let _ = writeln!(
            out,
            "// inspectdb: table `{table_name}` is left out: its primary key is {}; a model has one key column.",
            if table.primary_key.is_empty() {
                "missing".to_owned()
            } else {
                format!("({})", table.primary_key.join(", "))
            }
        );
        return out;
    };
    let fields: BTreeMap<&str, FieldName> =
        table.columns.keys().map(|column| (column.as_str(), field_name(column, table, structs))).collect();
    let field_list = |columns: &[String]| -> String {
        columns.iter().map(|column| fields[column.as_str()].ident.clone()).collect::<Vec<_>>().join(", ")
    };

    // Single-column unique and plain indexes go on their field; the rest on the model.
    let mut unique_columns = BTreeSet::new();
    let mut indexed_columns = BTreeSet::new();
    let mut model_attrs = vec![format!("app = {app:?}"), format!("table = {table_name:?}")];
    if let Some(comment) = comments.get(&None) {
        model_attrs.push(format!("db_comment = {comment:?}"));
    }
    for index in table.indexes.values() {
        match (index.columns.as_slice(), index.unique) {
            ([column], true) => {
                unique_columns.insert(column.as_str());
            }
            ([column], false) => {
                indexed_columns.insert(column.as_str());
            }
            (columns, true) => model_attrs.push(format!("unique_together({})", field_list(columns))),
            (columns, false) => model_attrs.push(format!("index({})", field_list(columns))),
        }
    }
    let _ = writeln!(out, "/// The table `{table_name}`.");
    for check in &table.checks {
        match checks.get(check.as_str()) {
            // MariaDB's own check that a JSON column holds JSON, named after the column.
            Some(expression) if table.columns.contains_key(check) && expression.starts_with("json_valid") => {
            }
            Some(expression) => model_attrs.push(format!("check(name = {check:?}, expr = {expression:?})")),
            None => {
                let _ = writeln!(
                    out,
                    "// inspectdb: check constraint `{check}` is not declared: its expression is not readable."
                );
            }
        }
    }
    let _ = writeln!(out, "#[derive(OxModel, Debug, Clone, PartialEq)]");
    let _ = writeln!(out, "#[ox({})]", model_attrs.join(", "));
    let _ = writeln!(out, "pub struct {struct_name} {{");
    for column in order {
        let Some(definition) = table.columns.get(column) else { continue };
        let name = &fields[column.as_str()];
        let mut attrs = Vec::new();
        let mut notes = Vec::new();
        let primary = column == key;
        let foreign_key = table.foreign_keys.values().find(|key| key.columns == [column.clone()]);
        let mut mapped = map_type(definition, backend, primary);
        if let Some(key) = foreign_key {
            match structs.get(key.to_table.as_str()) {
                Some(target) => {
                    mapped.ty = format!("ForeignKey<{target}>");
                    mapped.attrs.clear();
                    if key.on_delete != OnDelete::Restrict {
                        attrs.push(format!("on_delete = {:?}", on_delete_name(key.on_delete)));
                    }
                    if !indexed_columns.contains(column.as_str()) && !unique_columns.contains(column.as_str())
                    {
                        attrs.push("index = false".to_owned());
                    }
                }
                None => notes.push(format!(
                    "a foreign key to `{}` ({}), a table left out of these models",
                    key.to_table,
                    key.to_columns.join(", ")
                )),
            }
        }
        if primary && (name.ident != "id" || foreign_key.is_some()) {
            attrs.push("primary_key".to_owned());
        }
        if primary && mapped.is_integer() && !definition.auto_increment {
            notes.push("the table's key is not generated; an integer key of a model is".to_owned());
        }
        if name.column_attr {
            attrs.push(format!("column = {column:?}"));
        }
        if unique_columns.contains(column.as_str()) && !primary {
            attrs.push("unique".to_owned());
        }
        // A unique column is indexed already (PostgreSQL's extra `_like` index of Django's is one of these).
        let unique = unique_columns.contains(column.as_str());
        if indexed_columns.contains(column.as_str()) && foreign_key.is_none() && !primary && !unique {
            attrs.push("index".to_owned());
        }
        attrs.append(&mut mapped.attrs);
        notes.append(&mut mapped.notes);
        if let Some(comment) = comments.get(&Some(column.as_str())) {
            attrs.push(format!("db_comment = {comment:?}"));
        }
        if let Some(default) = &definition.default
            && !primary
        {
            match default_attr(default, &mapped) {
                Some(value) => attrs.push(format!("default = {value}")),
                None => notes.push(format!("the database default `{default}` is not declared")),
            }
        }
        for note in notes {
            let _ = writeln!(out, "    // inspectdb: {note}.");
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[ox({})]", attrs.join(", "));
        }
        let ty = if definition.nullable && !primary { format!("Option<{}>", mapped.ty) } else { mapped.ty };
        let _ = writeln!(out, "    pub {}: {ty},", name.ident);
    }
    out.push_str("}\n");
    out
}

/// A field's name for a column, and whether the column must be named beside it.
struct FieldName {
    ident: String,
    column_attr: bool,
}

fn field_name(column: &str, table: &DbTable, structs: &BTreeMap<&str, String>) -> FieldName {
    let is_key = table.primary_key == [column.to_owned()];
    let key_to_model = !is_key
        && table
            .foreign_keys
            .values()
            .any(|key| key.columns == [column.to_owned()] && structs.contains_key(key.to_table.as_str()));
    let snake = snake_case(column);
    // A foreign key `author` is stored in `author_id`: the field drops the suffix the derive adds back.
    let mut ident = match snake.strip_suffix("_id") {
        Some(stem) if key_to_model && !stem.is_empty() => stem.to_owned(),
        _ => snake.clone(),
    };
    if is_keyword(&ident) {
        ident.push_str("_field");
    }
    let implied = if key_to_model { format!("{ident}_id") } else { ident.clone() };
    FieldName { column_attr: implied != column, ident }
}

/// A column type as a Rust type, the attributes that size it, and what does not map.
struct Mapped {
    ty: String,
    attrs: Vec<String>,
    notes: Vec<String>,
}

impl Mapped {
    fn of(ty: &str) -> Mapped {
        Mapped { ty: ty.to_owned(), attrs: Vec::new(), notes: Vec::new() }
    }

    fn noted(mut self, note: String) -> Mapped {
        self.notes.push(note);
        self
    }

    fn is_integer(&self) -> bool {
        matches!(self.ty.as_str(), "i16" | "i32" | "i64")
    }
}

fn map_type(definition: &DbColumnDef, backend: Backend, primary: bool) -> Mapped {
    let spelled = definition.column_type.trim();
    let (base, arguments) = match spelled.split_once('(') {
        Some((base, rest)) => {
            let arguments = rest.split_once(')').map_or(rest, |(inside, _)| inside);
            let numbers: Vec<u32> =
                arguments.split(',').filter_map(|part| part.trim().parse().ok()).collect();
            (base.trim(), numbers)
        }
        None => (spelled, Vec::new()),
    };
    // MySQL's display width and `unsigned` say nothing a model keeps.
    let unsigned = spelled.contains("unsigned");
    let base = base.trim_end_matches(" unsigned");
    let mapped = match (base, backend) {
        ("tinyint", Backend::Mysql) if arguments == [1] => Mapped::of("bool"),
        ("bool" | "boolean", _) => Mapped::of("bool"),
        ("tinyint" | "smallint" | "int2", _) => Mapped::of("i16"),
        // SQLite's `integer` is 64 bits, and the rowid key is one; elsewhere it is Django's IntegerField.
        ("integer", Backend::Sqlite) if primary => Mapped::of("i64"),
        ("integer" | "int" | "int4" | "mediumint", _) => Mapped::of("i32"),
        ("bigint" | "int8", _) => Mapped::of("i64"),
        ("real", Backend::Sqlite) | ("double" | "double precision" | "float8", _) => Mapped::of("f64"),
        ("real" | "float" | "float4", _) => Mapped::of("f32"),
        ("varchar" | "character varying" | "nvarchar", _) => sized_text(&arguments, None),
        ("char" | "character" | "bpchar" | "nchar", _) => {
            sized_text(&arguments, Some(format!("`{spelled}` in the database; the model declares varchar")))
        }
        ("text" | "longtext" | "mediumtext" | "tinytext" | "clob", _) => Mapped::of("String"),
        ("blob" | "bytea" | "longblob" | "mediumblob" | "tinyblob" | "binary" | "varbinary", _) => {
            Mapped::of("Vec<u8>")
        }
        ("date", _) => Mapped::of("NaiveDate"),
        ("time" | "time without time zone", _) => Mapped::of("NaiveTime"),
        ("timestamp" | "timestamp without time zone", Backend::Postgres) => Mapped::of("NaiveDateTime"),
        ("datetime" | "timestamp" | "timestamp with time zone" | "timestamptz", _) => {
            Mapped::of("DateTime<Utc>")
        }
        ("uuid", _) => Mapped::of("uuid::Uuid"),
        ("json" | "jsonb", _) => Mapped::of("serde_json::Value"),
        ("numeric" | "decimal", _) => match arguments.as_slice() {
            [digits, places] if *digits <= 28 => {
                let mut mapped = Mapped::of("Decimal");
                mapped.attrs.push(format!("max_digits = {digits}, decimal_places = {places}"));
                mapped
            }
            [digits] if *digits <= 28 => {
                let mut mapped = Mapped::of("Decimal");
                mapped.attrs.push(format!("max_digits = {digits}, decimal_places = 0"));
                mapped
            }
            [] => {
                let mut mapped = Mapped::of("Decimal")
                    .noted(format!("`{spelled}` has no size (Django's on SQLite): set the model's real one"));
                mapped.attrs.push("max_digits = 28, decimal_places = 10".to_owned());
                mapped
            }
            _ => Mapped::of("String")
                .noted(format!("`{spelled}` holds more digits than `Decimal` (28): read as text")),
        },
        _ => Mapped::of("String").noted(format!(
            "`{spelled}` has no built-in mapping: read as text; an `OxField` of your own can declare it with \
             `ColumnType::custom`"
        )),
    };
    if unsigned && mapped.is_integer() {
        mapped.noted(format!("`{spelled}`: the model's integer is signed"))
    } else {
        mapped
    }
}

fn sized_text(arguments: &[u32], note: Option<String>) -> Mapped {
    let mut mapped = Mapped::of("String");
    if let [length, ..] = arguments {
        mapped.attrs.push(format!("max_length = {length}"));
    }
    mapped.notes.extend(note);
    mapped
}

/// A catalog's default as the Rust expression `#[ox(default = ...)]` takes, when it is a plain literal.
fn default_attr(default: &str, mapped: &Mapped) -> Option<String> {
    // PostgreSQL adds the type: `'draft'::character varying`; SQLite and MySQL may wrap it in parentheses.
    let mut literal = default.trim();
    if let Some((value, cast)) = literal.rsplit_once("::")
        && !cast.contains('\'')
    {
        literal = value.trim();
    }
    while let Some(inner) = literal.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')) {
        literal = inner.trim();
    }
    let quoted = literal
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
        .map(|inside| inside.replace("''", "'"));
    if mapped.ty == "String" {
        return quoted.map(|text| format!("{text:?}"));
    }
    let bare = quoted.as_deref().unwrap_or(literal);
    if mapped.ty == "bool" {
        return match bare.to_lowercase().as_str() {
            "true" | "1" | "t" => Some("true".to_owned()),
            "false" | "0" | "f" => Some("false".to_owned()),
            _ => None,
        };
    }
    if mapped.is_integer() {
        return bare.parse::<i64>().ok().map(|number| number.to_string());
    }
    if mapped.ty == "f32" || mapped.ty == "f64" {
        return bare
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .map(|number| format!("{number:?}"));
    }
    if mapped.ty == "Decimal" {
        return bare.parse::<rust_decimal::Decimal>().ok().and_then(|number| {
            let mantissa = i64::try_from(number.mantissa()).ok()?;
            Some(format!("Decimal::new({mantissa}, {})", number.scale()))
        });
    }
    None
}

fn on_delete_name(action: OnDelete) -> &'static str {
    OnDelete::NAMES.into_iter().find(|name| OnDelete::from_name(name) == Some(action)).unwrap_or("restrict")
}

/// `library_book` → `Book` in app `library`, `LegacyOrders` → `LegacyOrders`.
fn struct_name(table: &str, app: &str) -> String {
    let stem = table.strip_prefix(&format!("{app}_")).filter(|stem| !stem.is_empty()).unwrap_or(table);
    let mut name = String::new();
    for word in stem.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.push_str(chars.as_str());
        }
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Table");
    }
    name
}

/// `BookTitle` → `book_title`; anything not a letter or digit becomes `_`.
fn snake_case(column: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in column.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            previous_lower = false;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "field_");
    }
    out
}

fn is_keyword(ident: &str) -> bool {
    matches!(
        ident,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(column_type: &str) -> DbColumnDef {
        DbColumnDef { column_type: column_type.into(), nullable: false, default: None, auto_increment: false }
    }

    #[test]
    fn catalog_defaults_become_literals_as_each_backend_spells_them() {
        let text = map_type(&column("character varying(20)"), Backend::Postgres, false);
        assert_eq!(default_attr("'it''s'::character varying", &text).as_deref(), Some(r#""it's""#));
        let flag = map_type(&column("tinyint(1)"), Backend::Mysql, false);
        assert_eq!(flag.ty, "bool");
        assert_eq!(default_attr("1", &flag).as_deref(), Some("true"));
        let count = map_type(&column("int(11)"), Backend::Mysql, false);
        assert_eq!((count.ty.as_str(), default_attr("'7'", &count).as_deref()), ("i32", Some("7")));
        let money = map_type(&column("numeric(8,2)"), Backend::Postgres, false);
        assert_eq!(money.attrs, ["max_digits = 8, decimal_places = 2"]);
        assert_eq!(default_attr("1.50", &money).as_deref(), Some("Decimal::new(150, 2)"));
        let when = map_type(&column("timestamp with time zone"), Backend::Postgres, false);
        assert_eq!((when.ty.as_str(), default_attr("now()", &when)), ("DateTime<Utc>", None));
        let odd = map_type(&column("tsvector"), Backend::Postgres, false);
        assert_eq!(odd.ty, "String");
        assert!(odd.notes[0].contains("`tsvector` has no built-in mapping"), "{:?}", odd.notes);
    }

    #[test]
    fn names_follow_rust_conventions() {
        assert_eq!(struct_name("library_book_loan", "library"), "BookLoan");
        assert_eq!(struct_name("Orders", "shop"), "Orders");
        assert_eq!(snake_case("publishedAt"), "published_at");
        assert_eq!(snake_case("2fa code"), "field_2fa_code");
        assert!(is_keyword("type"));
    }
}

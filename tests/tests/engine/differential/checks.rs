//! What is held against what after each step: the catalog of a migrated database against the catalog the
//! models' own DDL makes, and the rows in it against the expectation. Catalog reading is the library's
//! (`introspect::database_schema`); this module only creates, reads and writes rows.

use super::generator::Generator;
use super::rows::{Expectation, Row};
use super::world::{GenModel, Kind, Val, World};
use oxutils::db::{Connection, DbError};
use oxutils::ddl::{self, Backend};
use oxutils::schema::{Literal, ModelSchema};
use oxutils::{OxField, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The catalog without the recorder's table, which the models do not declare.
pub use oxutils::migrations::drift::schema_of;

/// Creates every model's table with `ddl::create_model`, each after the tables its keys point at; a key
/// that closes a cycle is added once its target exists (SQLite checks no target when creating a table).
pub fn create_from_models(connection: &mut Connection, models: &[ModelSchema]) -> Result<(), DbError> {
    let backend = connection.backend();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<&ModelSchema> = models.iter().collect();
    let mut later = Vec::new();
    while !pending.is_empty() {
        let ready = |model: &&ModelSchema, created: &BTreeSet<String>| {
            backend == Backend::Sqlite
                || model
                    .fields
                    .iter()
                    .filter_map(|field| field.foreign_key.as_ref())
                    .all(|target| target.to_table == model.table || created.contains(&target.to_table))
        };
        let position = pending.iter().position(|model| ready(model, &created)).unwrap_or(0);
        let mut model = pending.remove(position).clone();
        for field in &mut model.fields {
            let waits = field.foreign_key.as_ref().is_some_and(|target| {
                backend != Backend::Sqlite
                    && target.to_table != model.table
                    && !created.contains(&target.to_table)
            });
            if waits {
                later.push((model.table.clone(), field.clone()));
                field.foreign_key = None;
            }
        }
        for statement in ddl::create_model(&model, backend) {
            connection.batch(&statement)?;
        }
        created.insert(model.table.clone());
    }
    for (table, field) in later {
        if let Some(statement) = ddl::add_foreign_key(&table, &field, backend) {
            connection.batch(&statement)?;
        }
    }
    Ok(())
}

/// Every row of every model, read back by field id.
pub fn read_rows(connection: &mut Connection, world: &World) -> Result<BTreeMap<u32, Vec<Row>>, String> {
    let backend = connection.backend();
    let q = |name: &str| backend.quote_identifier(name);
    let mut found = BTreeMap::new();
    for model in &world.models {
        let columns: Vec<String> = std::iter::once("id".to_owned())
            .chain(model.fields.iter().map(|field| q(&field.column())))
            .collect();
        let sql = format!("SELECT {} FROM {} ORDER BY id", columns.join(", "), q(&model.table()));
        let rows = connection.query(&sql, &[]).map_err(|error| format!("{sql}: {error}"))?;
        let mut read = Vec::new();
        for row in rows {
            let mut cells = row.into_iter();
            let id = match read_val(cells.next().unwrap_or(Value::BigInt(None)), Kind::Big) {
                Val::Int(id) => id,
                other => return Err(format!("{}: an id that is {other:?}", model.table())),
            };
            let values =
                model.fields.iter().zip(cells).map(|(field, cell)| (field.id, read_val(cell, field.kind)));
            read.push(Row { id, values: values.collect() });
        }
        found.insert(model.id, read);
    }
    Ok(found)
}

/// A value as each driver returns it (MySQL's text protocol returns text for everything).
fn read_val(value: Value, kind: Kind) -> Val {
    if oxutils::field::is_null(&value) {
        return Val::Null;
    }
    if kind == Kind::Binary {
        return match &value {
            Value::Bytes(Some(bytes)) => Val::Bytes(hex(bytes)),
            Value::String(Some(text)) => Val::Bytes(hex(text.as_bytes())),
            other => Val::Text(format!("{other:?}")),
        };
    }
    let text = match &value {
        Value::String(Some(text)) => Some(text.clone()),
        Value::Bytes(Some(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    };
    match kind {
        Kind::Small | Kind::Int | Kind::Big => match text {
            Some(text) => text.parse().map_or(Val::Text(text), Val::Int),
            None => i64::from_value(value.clone()).map_or_else(|_| Val::Text(format!("{value:?}")), Val::Int),
        },
        Kind::Bool => match text.as_deref() {
            Some("1" | "t" | "true") => Val::Bool(true),
            Some("0" | "f" | "false") => Val::Bool(false),
            Some(other) => Val::Text(other.to_owned()),
            None => {
                bool::from_value(value.clone()).map_or_else(|_| Val::Text(format!("{value:?}")), Val::Bool)
            }
        },
        Kind::Float | Kind::Double => {
            let number = match (&text, &value) {
                (Some(text), _) => text.parse::<f64>().ok(),
                (None, Value::Float(Some(number))) => Some(f64::from(*number)),
                (None, Value::Double(Some(number))) => Some(*number),
                (None, other) => i64::from_value(other.clone()).ok().map(|n| n as f64),
            };
            match number {
                Some(number) if (number * 4.0).fract() == 0.0 => Val::Quarters((number * 4.0) as i64),
                _ => Val::Text(format!("{value:?}")),
            }
        }
        Kind::Date | Kind::DateTime => {
            let text = text.unwrap_or_else(|| match Literal::from_value(&value) {
                Literal::Text(text) => text,
                other => format!("{other:?}"),
            });
            // SQLite keeps the text as written; PostgreSQL and MariaDB print their own form.
            let text = text.replace('T', " ");
            let text = match text.split_once('.') {
                Some((whole, fraction)) if fraction.chars().all(|c| c == '0') => whole.to_owned(),
                _ => text,
            };
            if kind == Kind::Date {
                // MariaDB's driver reads a date as a datetime at midnight.
                Val::Date(text.strip_suffix(" 00:00:00").map_or(text.clone(), str::to_owned))
            } else {
                Val::DateTime(text)
            }
        }
        Kind::Json => {
            let text = text.unwrap_or_else(|| match &value {
                Value::Json(Some(json)) => json.to_string(),
                other => format!("{other:?}"),
            });
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(json) => Val::Json(json.to_string()),
                Err(_) => Val::Text(text),
            }
        }
        Kind::Varchar(_) | Kind::Text | Kind::Binary => {
            Val::Text(text.unwrap_or_else(|| format!("{value:?}")))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The state the migration files replay to against the models, by app and model, each field, index and
/// constraint compared by name: what `makemigrations` never turned into an operation shows up here even
/// where the catalog cannot tell (comments on SQLite, a CHECK's text).
pub fn state_differences(files: &[oxutils::migrations::Migration], models: &[ModelSchema]) -> Vec<String> {
    let state = match oxutils::migrations::make::replay(files.to_vec()) {
        Ok((_, state)) => state,
        Err(error) => return vec![format!("the files do not replay: {error}")],
    };
    let normal = |model: &ModelSchema| {
        let mut model = model.clone();
        model.fields.sort_by(|a, b| a.name.cmp(&b.name));
        model.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        model.constraints.sort_by(|a, b| a.name().cmp(b.name()));
        model
    };
    let mut differences = Vec::new();
    for model in models {
        match state.model(&model.app, &model.name) {
            None => differences.push(format!("{}.{}: not in the replayed state", model.app, model.name)),
            Some(replayed) if normal(replayed) != normal(model) => differences.push(format!(
                "{}.{}: the files replay to\n    {:?}\n  the model is\n    {:?}",
                model.app,
                model.name,
                normal(replayed),
                normal(model)
            )),
            Some(_) => {}
        }
    }
    let extra = state.models().filter(|replayed| {
        !models.iter().any(|model| model.app == replayed.app && model.name == replayed.name)
    });
    differences
        .extend(extra.map(|model| format!("{}.{}: replayed, but no such model", model.app, model.name)));
    differences
}

/// The differences between the rows found and those expected, one line each.
pub fn row_differences(
    found: &BTreeMap<u32, Vec<Row>>,
    expected: &Expectation,
    world: &World,
) -> Vec<String> {
    let mut differences = Vec::new();
    for model in &world.models {
        let found = found.get(&model.id).map_or(&[][..], Vec::as_slice);
        let wanted = expected.rows(model.id);
        if found.len() != wanted.len() {
            differences.push(format!("{}: {} rows, expected {}", model.table(), found.len(), wanted.len()));
        }
        for (row, want) in found.iter().zip(wanted) {
            if row.id != want.id {
                differences.push(format!(
                    "{}: row id {} where {} was expected",
                    model.table(),
                    row.id,
                    want.id
                ));
                continue;
            }
            for field in &model.fields {
                let (got, expected) =
                    (row.values.get(&field.id), want.values.get(&field.id).unwrap_or(&Val::Null));
                if got != Some(expected) {
                    differences.push(format!(
                        "{}.{} of row {}: {got:?}, expected {expected:?}",
                        model.table(),
                        field.column(),
                        row.id
                    ));
                }
            }
        }
    }
    differences
}

/// Inserts one or two rows into every table: keys point at rows that existed before this seeding or are
/// NULL, fields with a default are sometimes left to it.
pub fn seed(
    connection: &mut Connection,
    generator: &mut Generator,
    expected: &mut Expectation,
) -> Result<(), String> {
    let backend = connection.backend();
    let before = expected.clone();
    let models: Vec<GenModel> = generator.world.models.clone();
    for model in &models {
        for _ in 0..1 + generator.rng.below(2) {
            let id = expected.next_id(model.id);
            let mut columns = vec!["id".to_owned()];
            let mut values = vec![id.to_string()];
            let mut row = Row { id, values: BTreeMap::new() };
            for field in &model.fields {
                let value = match (&field.target, &field.default) {
                    (Some(target), _) => {
                        let ids = before.ids(target.model);
                        match generator.rng.pick(&ids) {
                            Some(id) if !field.nullable || generator.rng.chance(70) => Val::Int(*id),
                            _ => Val::Null,
                        }
                    }
                    (None, Some(default))
                        if !field.unique && !in_unique_set(model, field.id) && generator.rng.chance(30) =>
                    {
                        row.values.insert(field.id, default.clone());
                        continue;
                    }
                    (None, _) if field.nullable && generator.rng.chance(25) => Val::Null,
                    (None, _) => generator.field_value(field),
                };
                columns.push(backend.quote_identifier(&field.column()));
                values.push(value.sql(backend));
                row.values.insert(field.id, value);
            }
            if clashes(model, &row, expected.rows(model.id)) {
                // Keys are picked among few rows, so a unique key or a unique set over keys can repeat
                // a row's (seed 1022); such a row is not seeded.
                continue;
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                backend.quote_identifier(&model.table()),
                columns.join(", "),
                values.join(", ")
            );
            connection.batch(&sql).map_err(|error| format!("seeding: {sql}: {error}"))?;
            expected.insert(model.id, row);
        }
    }
    Ok(())
}

/// Whether `row` repeats, in a unique field or a unique set with no NULL in it, what one of `rows` holds.
fn clashes(model: &GenModel, row: &Row, rows: &[Row]) -> bool {
    let value = |row: &Row, field: u32| row.values.get(&field).cloned().unwrap_or(Val::Null);
    let unique_fields = model.fields.iter().filter(|field| field.unique).map(|field| vec![field.id]);
    let sets = model.uniques.iter().map(|unique| unique.fields.clone());
    unique_fields.chain(sets).any(|fields| {
        let tuple: Vec<Val> = fields.iter().map(|field| value(row, *field)).collect();
        !tuple.contains(&Val::Null)
            && rows
                .iter()
                .any(|other| fields.iter().map(|field| value(other, *field)).eq(tuple.iter().cloned()))
    })
}

/// Empties every table of the models, keys or not.
pub fn delete_rows(connection: &mut Connection, world: &World) -> Result<(), DbError> {
    let backend = connection.backend();
    let tables: Vec<String> =
        world.models.iter().map(|model| backend.quote_identifier(&model.table())).collect();
    if tables.is_empty() {
        return Ok(());
    }
    match backend {
        Backend::Sqlite => {
            connection.batch("PRAGMA foreign_keys = OFF")?;
            for table in &tables {
                connection.batch(&format!("DELETE FROM {table}"))?;
            }
            connection.batch("PRAGMA foreign_keys = ON")
        }
        Backend::Postgres => connection.batch(&format!("TRUNCATE {} CASCADE", tables.join(", "))),
        Backend::Mysql => {
            connection.batch("SET FOREIGN_KEY_CHECKS = 0")?;
            for table in &tables {
                connection.batch(&format!("DELETE FROM {table}"))?;
            }
            connection.batch("SET FOREIGN_KEY_CHECKS = 1")
        }
    }
}

fn in_unique_set(model: &GenModel, field: u32) -> bool {
    model.uniques.iter().any(|unique| unique.fields.contains(&field))
}

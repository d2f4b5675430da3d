//! `migrate --fake-initial`: an app's initial migration whose tables exist already (created by the Django
//! application oxutils replaces, say) is recorded as applied instead of run, once every table it creates
//! is there with every column it declares. A partial or different schema is refused, naming each
//! difference, because recording it as applied would leave later migrations to fail on it.

use super::file::Migration;
use super::introspect::{DbColumn, table_columns};
use super::operation::{AddField, CreateModel, Operation};
use super::state::ProjectState;
use crate::db::{Connection, DbError};
use crate::schema::ModelSchema;

/// What `--fake-initial` does with one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeInitial {
    /// Not an initial migration, or none of its tables exist: run it.
    Apply,
    /// Every table and column it creates exists: record it without running it.
    Fake,
    /// Some of it exists and some does not, or differs: each difference, in words.
    Differs(Vec<String>),
}

/// Decides for `migration`, whose app's state after it is `after`.
pub fn decide(
    connection: &mut Connection,
    migration: &Migration,
    after: &ProjectState,
) -> Result<FakeInitial, DbError> {
    // Django's rule: a migration is initial when it depends on no other migration of its own app.
    if migration.dependencies.iter().any(|dependency| dependency.app == migration.app) {
        return Ok(FakeInitial::Apply);
    }
    let mut created = Vec::new();
    let mut added = Vec::new();
    for operation in &migration.operations {
        match operation {
            Operation::CreateModel(CreateModel { model }) => {
                created.extend(after.model(&migration.app, &model.name))
            }
            // A field added to a model this migration creates is checked with the rest of its table.
            Operation::AddField(AddField { model, field, .. }) if !creates(migration, model) => {
                added.extend(after.model(&migration.app, model).map(|model| (model, field.name.as_str())))
            }
            _ => {}
        }
    }
    if created.is_empty() && added.is_empty() {
        return Ok(FakeInitial::Apply);
    }
    let mut differences = Vec::new();
    let mut found_any = false;
    for model in created {
        match table_columns(connection, &model.table)? {
            None => differences.push(format!("table `{}` does not exist", model.table)),
            Some(columns) => {
                found_any = true;
                differences.extend(compare(model, &columns));
            }
        }
    }
    for (model, field_name) in added {
        let Some(field) = model.fields.iter().find(|field| field.name == field_name) else { continue };
        let columns = table_columns(connection, &model.table)?.unwrap_or_default();
        if columns.iter().any(|column| column.name == field.column) {
            found_any = true;
        } else {
            differences.push(format!("table `{}` has no column `{}`", model.table, field.column));
        }
    }
    Ok(match (found_any, differences.is_empty()) {
        (false, _) => FakeInitial::Apply,
        (true, true) => FakeInitial::Fake,
        (true, false) => FakeInitial::Differs(differences),
    })
}

fn creates(migration: &Migration, model_name: &str) -> bool {
    migration
        .operations
        .iter()
        .any(|operation| matches!(operation, Operation::CreateModel(CreateModel { model }) if model.name == model_name))
}

/// How an existing table differs from the model the migration creates: missing and unexpected columns,
/// and nullability (a key column's is left alone, since backends report it differently).
fn compare(model: &ModelSchema, columns: &[DbColumn]) -> Vec<String> {
    let table = &model.table;
    let mut differences = Vec::new();
    for field in &model.fields {
        match columns.iter().find(|column| column.name == field.column) {
            None => differences.push(format!("table `{table}` has no column `{}`", field.column)),
            Some(column) if !field.primary_key && column.nullable != field.nullable => {
                let (is, wanted) = if column.nullable { ("NULL", "NOT NULL") } else { ("NOT NULL", "NULL") };
                differences
                    .push(format!("column `{table}.{}` is {is}; the migration has it {wanted}", field.column))
            }
            Some(_) => {}
        }
    }
    for column in columns {
        if !model.fields.iter().any(|field| field.column == column.name) {
            differences.push(format!(
                "table `{table}` has a column `{}` the migration does not create",
                column.name
            ));
        }
    }
    differences
}

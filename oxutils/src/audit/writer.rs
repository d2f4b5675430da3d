//! Writes the `LogEntry` of one write of an audited model, from the write hook the derive generates for
//! `#[ox(audited)]`, inside the write's transaction.

use super::context::AuditContext;
use super::log_entry::{LogAction, LogEntry};
use super::value_json::value_to_json;
use crate::db::{Connection, DbError};
use crate::orm::crud::ModelExt as _;
use crate::orm::crud::{WriteAction, WriteEvent};
use sea_query::Value;
use serde_json::{Map, Value as Json};

/// Fields whose values an entry masks on every audited model; `audited(mask(...))` adds to them and
/// `audited(unmask(...))` is the explicit way to record one of them in clear.
pub const DEFAULT_MASKED_FIELDS: &[&str] = &["password", "api_key", "secret_token", "token"];

/// Fields an entry leaves out unless the model lists its own with `audited(exclude(...))`: they change on
/// every save and say nothing about what the user did.
pub const DEFAULT_EXCLUDED_FIELDS: &[&str] = &["created_at", "updated_at"];

/// What a masked value is recorded as.
pub const MASK: &str = "***";

/// The longest `object_repr`, in characters.
pub const OBJECT_REPR_MAX_CHARS: usize = 200;

/// How one audited model is recorded: what `#[ox(audited(...))]` says.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditOptions {
    /// Fields masked besides [`DEFAULT_MASKED_FIELDS`], by name.
    pub masked: Option<&'static [&'static str]>,
    /// Fields of [`DEFAULT_MASKED_FIELDS`] recorded in clear, by name.
    pub unmasked: Option<&'static [&'static str]>,
    /// Fields left out, by name; `None` is [`DEFAULT_EXCLUDED_FIELDS`].
    pub excluded: Option<&'static [&'static str]>,
    /// The object's text from its row's values; `None` (or a row it cannot read) names it `<Model> #<key>`.
    pub repr: Option<ObjectRepr>,
}

/// Names an object from its row's values, in field order; `None` when it cannot.
pub type ObjectRepr = fn(&[Value]) -> Option<String>;

/// Records `event` as a `LogEntry` on `connection`, unless it is an update that changed no recorded field.
pub fn write_audit_entry(
    connection: &mut Connection,
    event: &WriteEvent<'_>,
    options: &AuditOptions,
) -> Result<(), DbError> {
    let Some(changes) = changes(event, options) else { return Ok(()) };
    let Some(row) = event.after.or(event.before) else { return Ok(()) };
    let model = event.model;
    let object_pk = model
        .fields
        .iter()
        .position(|field| field.primary_key)
        .and_then(|index| row.get(index))
        .map(|key| match value_to_json(key) {
            Json::String(text) => text,
            other => other.to_string(),
        })
        .unwrap_or_default();
    let repr =
        options.repr.and_then(|repr| repr(row)).unwrap_or_else(|| format!("{} #{object_pk}", model.name));
    let context = AuditContext::current();
    let entry = LogEntry {
        id: 0,
        timestamp: chrono::Utc::now(),
        action: match event.action {
            WriteAction::Insert => LogAction::Create,
            WriteAction::Update => LogAction::Update,
            WriteAction::Delete => LogAction::Delete,
        },
        app_label: model.app.clone(),
        model: model.name.to_lowercase(),
        object_pk,
        object_repr: repr.chars().take(OBJECT_REPR_MAX_CHARS).collect(),
        changes: Json::Object(changes),
        actor_id: context.actor_id,
        actor_name: context.actor_name,
        remote_addr: context.remote_addr.map(|address| address.to_string()),
        correlation_id: context.correlation_id,
        additional_data: context.additional_data,
        export: None,
    };
    entry.insert(connection)?;
    Ok(())
}

/// `{field: [old, new]}` over the recorded fields, in field order; `None` for an update that changed none.
/// A create leaves out fields that are null, and a delete fields that were, as django-auditlog does:
/// `[null, null]` is no change.
fn changes(event: &WriteEvent<'_>, options: &AuditOptions) -> Option<Map<String, Json>> {
    let unmasked = options.unmasked.unwrap_or_default();
    let is_masked = |name: &str| {
        let listed =
            DEFAULT_MASKED_FIELDS.contains(&name) || options.masked.unwrap_or_default().contains(&name);
        listed && !unmasked.contains(&name)
    };
    let excluded = options.excluded.unwrap_or(DEFAULT_EXCLUDED_FIELDS);
    let value_at =
        |row: Option<&[Value]>, index: usize| row.and_then(|row| row.get(index)).map(value_to_json);
    let mut changes = Map::new();
    for (index, field) in event.model.fields.iter().enumerate() {
        if excluded.contains(&field.name.as_str()) {
            continue;
        }
        let old = value_at(event.before, index).unwrap_or(Json::Null);
        let new = value_at(event.after, index).unwrap_or(Json::Null);
        if old == new {
            continue;
        }
        let mask = |value: Json| if value.is_null() { value } else { Json::String(MASK.to_owned()) };
        let (old, new) = if is_masked(&field.name) { (mask(old), mask(new)) } else { (old, new) };
        changes.insert(field.name.clone(), Json::Array(vec![old, new]));
    }
    if changes.is_empty() && event.action == WriteAction::Update {
        return None;
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnType, FieldSchema, ModelSchema};
    use std::sync::OnceLock;

    fn person() -> &'static ModelSchema {
        static PERSON: OnceLock<ModelSchema> = OnceLock::new();
        PERSON.get_or_init(|| ModelSchema {
            app: "people".into(),
            name: "Person".into(),
            table: "people_person".into(),
            db_comment: None,
            fields: ["ssn", "password", "token", "name"]
                .into_iter()
                .map(|name| FieldSchema::new(name, ColumnType::Text, false))
                .collect(),
            indexes: Vec::new(),
            constraints: Vec::new(),
        })
    }

    fn recorded(options: AuditOptions) -> Json {
        let row: Vec<Value> =
            ["123", "hunter2", "t0k", "Ged"].map(|text| Value::String(Some(text.into()))).into();
        let event =
            WriteEvent { action: WriteAction::Insert, model: person(), before: None, after: Some(&row) };
        Json::Object(changes(&event, &options).unwrap())
    }

    #[test]
    fn a_model_s_own_masks_add_to_the_defaults_and_only_unmask_unmasks() {
        let masked_ssn = recorded(AuditOptions { masked: Some(&["ssn"]), ..AuditOptions::default() });
        assert_eq!(
            masked_ssn,
            serde_json::json!({"ssn": [null, "***"], "password": [null, "***"], "token": [null, "***"], "name": [null, "Ged"]}),
            "mask(ssn) keeps password and token masked"
        );
        let unmasked = recorded(AuditOptions { unmasked: Some(&["token"]), ..AuditOptions::default() });
        assert_eq!(unmasked["token"], serde_json::json!([null, "t0k"]));
        assert_eq!(unmasked["password"], serde_json::json!([null, "***"]));
    }
}

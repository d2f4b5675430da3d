//! One exported entry, in the shape the original application's export gives it.

use crate::audit::LogEntry;
use serde::Serialize;

/// An entry as it appears in `logs_batch_NNNN.json`.
#[derive(Debug, Serialize)]
pub struct ExportRecord<'a> {
    pub id: i64,
    pub timestamp: String,
    pub action: &'static str,
    pub content_type: ContentType<'a>,
    pub object_pk: &'a str,
    pub object_repr: &'a str,
    pub changes: &'a serde_json::Value,
    pub actor: Option<Actor<'a>>,
    pub remote_addr: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    pub additional_data: Option<&'a serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ContentType<'a> {
    pub app_label: &'a str,
    pub model: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub username: Option<&'a str>,
}

impl<'a> From<&'a LogEntry> for ExportRecord<'a> {
    fn from(entry: &'a LogEntry) -> Self {
        let actor = (entry.actor_id.is_some() || entry.actor_name.is_some())
            .then_some(Actor { id: entry.actor_id.as_deref(), username: entry.actor_name.as_deref() });
        ExportRecord {
            id: entry.id,
            timestamp: entry.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            action: crate::choices::OxChoices::as_str(&entry.action),
            content_type: ContentType { app_label: &entry.app_label, model: &entry.model },
            object_pk: &entry.object_pk,
            object_repr: &entry.object_repr,
            changes: &entry.changes,
            actor,
            remote_addr: entry.remote_addr.as_deref(),
            correlation_id: entry.correlation_id.as_deref(),
            additional_data: entry.additional_data.as_ref(),
        }
    }
}

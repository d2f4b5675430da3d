//! `LogEntry`: one insert, update or delete of an audited model, written in the same transaction.
//!
//! Its columns carry what the original Django application exports for each entry (timestamp, action,
//! content type as app label and model, object key and text, changes, actor, remote address, additional
//! data), so that the export job can shape its records the same way.

use super::models::LogExportState;
use crate::prelude::*;

/// What a write did to the object. Stored lowercase.
#[derive(OxChoices, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[ox(rename_all = "lowercase")]
pub enum LogAction {
    /// An insert.
    Create,
    /// An update.
    Update,
    /// A delete.
    Delete,
}

/// One audited write. Written by the CRUD code of models marked `#[ox(audited)]`; read by the export job.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(
    app = "audit",
    db_comment = "Audit entries: one per insert, update and delete of an audited model",
    index(app_label, model, object_pk),
    // The export job's claims (`export_id IS NULL AND timestamp < …`) and its pages, read in time order.
    index(export, timestamp, id)
)]
pub struct LogEntry {
    /// The primary key.
    pub id: i64,
    /// When the write happened, taken as it ran (not when its transaction committed).
    #[ox(index)]
    pub timestamp: DateTime<Utc>,
    /// What the write did.
    #[ox(max_length = 10)]
    pub action: LogAction,
    /// The content type: the model's app label…
    #[ox(max_length = 100)]
    pub app_label: String,
    /// …and its lowercased name, as Django's `ContentType.model`.
    #[ox(max_length = 100)]
    pub model: String,
    /// The primary key of the object, as text.
    #[ox(max_length = 255)]
    pub object_pk: String,
    /// A short text naming the object, at most 200 characters.
    #[ox(max_length = 200)]
    pub object_repr: String,
    /// `{field: [old, new]}`: `old` is null on create, `new` on delete; masked values are `"***"`.
    pub changes: serde_json::Value,
    /// Who made the write, from the audit context.
    #[ox(max_length = 255)]
    pub actor_id: Option<String>,
    /// The actor's name, from the audit context.
    #[ox(max_length = 150)]
    pub actor_name: Option<String>,
    /// The client's IP address, from the audit context.
    #[ox(max_length = 45)]
    pub remote_addr: Option<String>,
    /// The request or job this write belongs to, from the audit context.
    #[ox(max_length = 255, index)]
    pub correlation_id: Option<String>,
    /// Anything else the audit context carries.
    pub additional_data: Option<serde_json::Value>,
    /// The export that marked this entry as its own. NULL for an entry no export has marked: it belongs to
    /// the export whose run of ids (`LogExportRange`) holds its id, or to none yet. Exports of a window with
    /// bounds mark their entries; the regular export takes a run and writes nothing here.
    #[ox(on_delete = "set_null", index = false)] // the (export, timestamp, id) index serves it
    pub export: Option<ForeignKey<LogExportState>>,
}

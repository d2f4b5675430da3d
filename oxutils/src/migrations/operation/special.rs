//! Operations that are not schema changes: hand-written SQL and Rust data migrations. Neither names a
//! model, so either may touch any: the optimizer moves nothing across them.

use super::{Change, Operation, StateError};
use crate::dialect::Backend;
use crate::migrations::schema_editor::SchemaEditor;
use crate::migrations::state::ProjectState;
use serde::{Deserialize, Serialize};

/// Hand-written SQL, per backend; without `backward`, the migration cannot be unapplied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSql {
    /// What applying runs.
    pub forward: BackendSql,
    /// What unapplying runs, if it can be unapplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backward: Option<BackendSql>,
}

impl Change for RunSql {
    fn state_forwards(&self, _app: &str, _state: &mut ProjectState) -> Result<(), StateError> {
        Ok(())
    }

    fn describe(&self) -> String {
        "Raw SQL operation".to_owned()
    }

    fn name_fragment(&self) -> String {
        "run_sql".to_owned()
    }

    fn model_name(&self) -> Option<&str> {
        None
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        let backward = self.backward.clone().ok_or(StateError::Irreversible)?;
        Ok(Operation::RunSql(RunSql { forward: backward, backward: Some(self.forward.clone()) }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        _app: &str,
        _before: &ProjectState,
        _after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(self.forward.for_backend(editor.backend()).map(str::to_owned).into_iter().collect())
    }

    fn is_reversible(&self) -> bool {
        self.backward.is_some()
    }
}

/// A data migration: a Rust function of the app, registered by name with `oxutils::data_migration!`, run
/// in the migration's transaction with the models as they are at this point of the history; without
/// `backward`, the migration cannot be unapplied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRust {
    /// The function applying runs.
    pub forward: String,
    /// The function unapplying runs, if it can be unapplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backward: Option<String>,
}

impl Change for RunRust {
    fn state_forwards(&self, _app: &str, _state: &mut ProjectState) -> Result<(), StateError> {
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Run Rust function {}", self.forward)
    }

    fn name_fragment(&self) -> String {
        self.forward.clone()
    }

    fn model_name(&self) -> Option<&str> {
        None
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        let backward = self.backward.clone().ok_or(StateError::Irreversible)?;
        Ok(Operation::RunRust(RunRust { forward: backward, backward: Some(self.forward.clone()) }))
    }

    /// A comment that stands for the function where SQL is shown (sqlmigrate); the executor calls it.
    fn sql(
        &self,
        _editor: &dyn SchemaEditor,
        app: &str,
        _before: &ProjectState,
        _after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(vec![crate::migrations::data::marker(app, &self.forward)])
    }

    fn is_reversible(&self) -> bool {
        self.backward.is_some()
    }
}

/// SQL for each backend; `all` is used where a backend has no text of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSql {
    /// For every backend without its own text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<String>,
    /// For SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// For PostgreSQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// For MySQL and MariaDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
}

impl BackendSql {
    /// The text for `backend`: its own, else `all`; `None` when there is neither.
    pub fn for_backend(&self, backend: Backend) -> Option<&str> {
        let own = match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
            Backend::Mysql => &self.mysql,
        };
        own.as_deref().or(self.all.as_deref())
    }
}

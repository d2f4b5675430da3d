//! Data migrations in Rust (Django's `RunPython`): a function of an app, registered by name with
//! [`data_migration!`](crate::data_migration), that a `run_rust` operation calls inside its migration's
//! transaction, given the connection and the models as the history has them at that point.
//!
//! The function reads and writes rows through the historical tables and columns ([`Historical`]), never
//! through the current structs, which may have changed since the migration was written: a field renamed two
//! migrations later is still its old column here.

use super::state::ProjectState;
use crate::db::{Connection, DbError};
use crate::schema::ModelSchema;

/// A data migration function: `fn(&mut Connection, &Historical) -> Result<(), DbError>`.
pub type DataFunction = fn(&mut Connection, &Historical<'_>) -> Result<(), DbError>;

/// A function registered for an app's `run_rust` operations.
#[derive(Clone, Copy)]
pub struct DataMigration {
    /// The app label.
    pub app: &'static str,
    /// The name a `run_rust` operation gives (`"forward": "backfill_sizes"`).
    pub name: &'static str,
    /// The function.
    pub function: DataFunction,
}

/// Every registered data migration of the program (a `linkme` distributed slice).
#[linkme::distributed_slice]
pub static DATA_MIGRATIONS: [DataMigration];

/// The models as they are at a point of the history, for a data migration of app `app`.
pub struct Historical<'a> {
    app: &'a str,
    state: &'a ProjectState,
}

impl<'a> Historical<'a> {
    /// The model `name` of the migration's app, as it is at this point.
    pub fn model(&self, name: &str) -> Result<&'a ModelSchema, DbError> {
        self.model_of(self.app, name)
    }

    /// The model `name` of another app, as it is at this point.
    pub fn model_of(&self, app: &str, name: &str) -> Result<&'a ModelSchema, DbError> {
        self.state.model(app, name).ok_or_else(|| {
            DbError::query(
                "run_rust",
                format!("there is no model `{app}.{name}` at this point of the history"),
            )
        })
    }

    /// The table of model `name` at this point, quoted for the connection's backend.
    pub fn table(&self, connection: &Connection, name: &str) -> Result<String, DbError> {
        Ok(connection.backend().quote_identifier(&self.model(name)?.table))
    }

    /// The column of field `field` of model `model` at this point, quoted for the connection's backend.
    pub fn column(&self, connection: &Connection, model: &str, field: &str) -> Result<String, DbError> {
        let schema = self.model(model)?;
        let found = schema.field(field).ok_or_else(|| {
            DbError::query(
                "run_rust",
                format!("model `{}.{model}` has no field `{field}` at this point", self.app),
            )
        })?;
        Ok(connection.backend().quote_identifier(&found.column))
    }

    /// The whole state, every app's models.
    pub fn state(&self) -> &'a ProjectState {
        self.state
    }
}

/// What `sqlmigrate` shows for a `run_rust` step, and how the executor recognises it.
pub(crate) fn marker(app: &str, function: &str) -> String {
    format!("-- run_rust {app}.{function}")
}

/// A `run_rust` step: the function's app and name and the state before it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataStep {
    pub(crate) app: String,
    pub(crate) function: String,
    pub(crate) state: ProjectState,
}

impl DataStep {
    /// Runs the registered function on `connection`, an open transaction.
    pub(crate) fn run(&self, connection: &mut Connection) -> Result<(), DbError> {
        let registered = DATA_MIGRATIONS
            .iter()
            .find(|entry| entry.app == self.app && entry.name == self.function)
            .ok_or_else(|| {
                DbError::query(
                    &marker(&self.app, &self.function),
                    format!(
                        "no data migration `{}` is registered for app `{}`: register it with \
                         `oxutils::data_migration!(app = \"{}\", name = \"{}\", function = ...)`",
                        self.function, self.app, self.app, self.function
                    ),
                )
            })?;
        (registered.function)(connection, &Historical { app: &self.app, state: &self.state })
    }
}

//! The error of an operation that does not fit the state it is applied to.

/// An operation does not fit the state it is applied to: a hand-edited or out-of-order migration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Creates a model whose `app` is not the migration's.
    #[error("creates `{model_app}.{model}` in a migration of app `{app}`")]
    ModelOfAnotherApp {
        /// The migration's app.
        app: String,
        /// The app the model says it belongs to.
        model_app: String,
        /// The model, by name.
        model: String,
    },
    /// Creates a model that exists already.
    #[error("creates `{app}.{model}`, which exists already")]
    ModelExists {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
    },
    /// Renames a model to a name taken already.
    #[error("renames `{app}.{old}` to `{new}`, which exists already")]
    RenamedModelExists {
        /// The app.
        app: String,
        /// The model's name.
        old: String,
        /// The name taken already.
        new: String,
    },
    /// Names a model the state does not have.
    #[error("there is no model `{app}.{model}` at this point")]
    NoModel {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
    },
    /// Adds a field that exists already.
    #[error("adds `{app}.{model}.{field}`, which exists already")]
    FieldExists {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The field, by name.
        field: String,
    },
    /// Renames a field to a name taken already.
    #[error("renames `{model}.{old}` to `{new}`, which exists already")]
    RenamedFieldExists {
        /// The model, by name.
        model: String,
        /// The field's name.
        old: String,
        /// The name taken already.
        new: String,
    },
    /// Names a field the model does not have.
    #[error("`{app}.{model}` has no field `{field}` at this point")]
    NoField {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The field, by name.
        field: String,
    },
    /// Removes an index the model does not have.
    #[error("`{app}.{model}` has no index `{index}`")]
    NoIndex {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The index, by name.
        index: String,
    },
    /// Removes a constraint the model does not have.
    #[error("`{app}.{model}` has no constraint `{constraint}`")]
    NoConstraint {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The constraint, by name.
        constraint: String,
    },
    /// Unapplies a `RunSql` or `RunRust` that has no `backward`.
    #[error("a run_sql or run_rust operation without `backward` cannot be unapplied")]
    Irreversible,
    #[error(
        "changing which field is the primary key of `{model}` is not supported: create a new model and copy the rows"
    )]
    /// Moves the primary key to another field.
    PrimaryKeyChange {
        /// The model, by name.
        model: String,
    },
}

//! System checks, as Django runs them before every command: the installed apps and their models must agree
//! with each other before any migration file is written or any SQL runs.

use crate::apps::App;
use crate::schema::{ColumnType, ConstraintSchema, ModelSchema};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One disagreement among the installed apps' models, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// A model is listed in an app's `app!` but names another app in `#[ox(app = ...)]`.
    ListedUnderAnotherApp {
        /// The model.
        model: String,
        /// The app it names.
        declared_app: String,
        /// The app that lists it.
        listed_in: String,
    },
    /// A model's `#[ox(app = ...)]` names an app that is not installed.
    AppNotInstalled {
        /// The model.
        model: String,
        /// The app it names.
        app: String,
    },
    /// A foreign key points at a model that no installed app holds.
    UnknownTarget {
        /// The model.
        model: String,
        /// The foreign key field.
        field: String,
        /// The model it points at, as `app.Model`.
        target: String,
    },
    /// An index or unique set names a column the model does not have.
    UnknownColumn {
        /// The model.
        model: String,
        /// The index or unique set.
        what: String,
        /// The column it names.
        column: String,
    },
    /// Two models share one table.
    SharedTable {
        /// The table.
        table: String,
        /// The models that share it.
        models: Vec<String>,
    },
    /// A model names an installed app in `#[ox(app = ...)]`, but that app's `app!` lists its models and
    /// leaves this one out: it would be silently ignored.
    LeftOutOfApp {
        /// The model, as `app.Model`.
        model: String,
    },
    /// A decimal field without `#[ox(max_digits = P, decimal_places = S)]`: every backend needs both.
    DecimalWithoutDigits {
        /// The model, as `app.Model`.
        model: String,
        /// The field.
        field: String,
    },
    /// Two models of one app share one name.
    DuplicateModel {
        /// The model, as `app.Model`.
        model: String,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::ListedUnderAnotherApp { model, declared_app, listed_in } => write!(
                f,
                "model `{model}` is listed in app `{listed_in}` but says `#[ox(app = \"{declared_app}\")]`: \
                 list it in the app it names, or change its `app`"
            ),
            CheckError::AppNotInstalled { model, app } => write!(
                f,
                "model `{model}` belongs to app `{app}`, which is not installed: add the app to the installed \
                 apps, or change the model's `#[ox(app = ...)]`"
            ),
            CheckError::UnknownTarget { model, field, target } => write!(
                f,
                "field `{model}.{field}` is a foreign key to `{target}`, which no installed app holds: install \
                 the app that holds it, or remove the key"
            ),
            CheckError::UnknownColumn { model, what, column } => write!(
                f,
                "{what} of model `{model}` names column `{column}`, which the model does not have: name one \
                 of its fields"
            ),
            CheckError::SharedTable { table, models } => write!(
                f,
                "models {} all use table `{table}`: give each its own `#[ox(table = ...)]`",
                models.iter().map(|model| format!("`{model}`")).collect::<Vec<_>>().join(", ")
            ),
            CheckError::LeftOutOfApp { model } => write!(
                f,
                "model `{model}` names its app in `#[ox(app = ...)]`, but the app's `app!` lists its models and \
                 leaves it out: add it to `models = [...]`, or drop `models` so that the app collects every model \
                 that names it"
            ),
            CheckError::DecimalWithoutDigits { model, field } => write!(
                f,
                "field `{model}.{field}` is a decimal without its size: add `#[ox(max_digits = 10, \
                 decimal_places = 2)]` (the most digits, and the digits after the point)"
            ),
            CheckError::DuplicateModel { model } => {
                write!(f, "model `{model}` is listed twice: list each model once")
            }
        }
    }
}

impl std::error::Error for CheckError {}

/// Every problem of the installed `apps`, in a stable order; empty when they agree.
pub fn check_apps(apps: &[App]) -> Vec<CheckError> {
    let installed: BTreeSet<&str> = apps.iter().map(|app| app.label).collect();
    let mut problems = Vec::new();
    let mut models: Vec<&ModelSchema> = Vec::new();
    for app in apps {
        for model in (app.models)() {
            if model.app != app.label {
                problems.push(CheckError::ListedUnderAnotherApp {
                    model: qualified(model),
                    declared_app: model.app.clone(),
                    listed_in: app.label.to_owned(),
                });
            }
            if !installed.contains(model.app.as_str()) {
                problems
                    .push(CheckError::AppNotInstalled { model: qualified(model), app: model.app.clone() });
            }
            models.push(model);
        }
        let listed: BTreeSet<String> = (app.models)().iter().map(|model| model.name.clone()).collect();
        for registered in crate::apps::registered_models(app.label) {
            if !listed.contains(&registered.name) {
                problems.push(CheckError::LeftOutOfApp { model: qualified(registered) });
            }
        }
    }
    problems.extend(check_models(&models));
    problems
}

/// The checks that concern only the models: keys, columns named by indexes, tables, names.
pub fn check_models(models: &[&ModelSchema]) -> Vec<CheckError> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for model in models {
        if !seen.insert((model.app.as_str(), model.name.as_str())) {
            problems.push(CheckError::DuplicateModel { model: qualified(model) });
        }
    }
    for model in models {
        for field in &model.fields {
            if field.column_type == ColumnType::UNSIZED_DECIMAL {
                problems.push(CheckError::DecimalWithoutDigits {
                    model: qualified(model),
                    field: field.name.clone(),
                });
            }
            let Some(target) = &field.foreign_key else { continue };
            if !seen.contains(&(target.to_app.as_str(), target.to_model.as_str())) {
                problems.push(CheckError::UnknownTarget {
                    model: qualified(model),
                    field: field.name.clone(),
                    target: format!("{}.{}", target.to_app, target.to_model),
                });
            }
        }
        let columns: BTreeSet<&str> = model.fields.iter().map(|field| field.column.as_str()).collect();
        let named = model
            .indexes
            .iter()
            .map(|index| (format!("index `{}`", index.name), &index.columns))
            .chain(model.constraints.iter().filter_map(|constraint| match constraint {
                ConstraintSchema::Unique { name, columns } => Some((format!("unique set `{name}`"), columns)),
                ConstraintSchema::Check { .. } => None,
            }));
        for (what, listed) in named {
            for column in listed.iter().filter(|column| !columns.contains(column.as_str())) {
                problems.push(CheckError::UnknownColumn {
                    model: qualified(model),
                    what: what.clone(),
                    column: column.clone(),
                });
            }
        }
    }
    let mut by_table: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for model in models {
        by_table.entry(model.table.as_str()).or_default().push(qualified(model));
    }
    for (table, mut sharing) in by_table.into_iter().filter(|(_, sharing)| sharing.len() > 1) {
        sharing.dedup();
        if sharing.len() > 1 {
            problems.push(CheckError::SharedTable { table: table.to_owned(), models: sharing });
        }
    }
    problems
}

fn qualified(model: &ModelSchema) -> String {
    format!("{}.{}", model.app, model.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnType, FieldSchema, ForeignKeySchema, IndexSchema, OnDelete};

    fn model(app: &str, name: &str, table: &str) -> ModelSchema {
        let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
        id.primary_key = true;
        ModelSchema {
            app: app.into(),
            name: name.into(),
            table: table.into(),
            db_comment: None,
            fields: vec![id],
            indexes: Vec::new(),
            constraints: Vec::new(),
        }
    }

    #[test]
    fn each_disagreement_names_the_model_and_what_to_do() {
        let mut line = model("orders", "Line", "orders_line");
        let mut key = FieldSchema::new("product", ColumnType::BigInteger, false);
        key.foreign_key = Some(ForeignKeySchema {
            to_app: "shop".into(),
            to_model: "Product".into(),
            to_table: "shop_product".into(),
            to_column: "id".into(),
            on_delete: OnDelete::Cascade,
        });
        line.fields.push(key);
        line.indexes.push(IndexSchema { name: "orders_line_sku_idx".into(), columns: vec!["sku".into()] });
        // A decimal field whose derive had no `max_digits`/`decimal_places`.
        line.fields.push(FieldSchema::new(
            "price",
            ColumnType::Decimal { max_digits: 0, decimal_places: 0 },
            false,
        ));
        let twin = model("orders", "Twin", "orders_line");
        let problems: Vec<String> = check_models(&[&line, &twin]).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "field `orders.Line.product` is a foreign key to `shop.Product`, which no installed app holds: \
                 install the app that holds it, or remove the key",
                "field `orders.Line.price` is a decimal without its size: add `#[ox(max_digits = 10, \
                 decimal_places = 2)]` (the most digits, and the digits after the point)",
                "index `orders_line_sku_idx` of model `orders.Line` names column `sku`, which the model does not \
                 have: name one of its fields",
                "models `orders.Line`, `orders.Twin` all use table `orders_line`: give each its own \
                 `#[ox(table = ...)]`",
            ]
        );
        let product = model("shop", "Product", "shop_product");
        line.indexes.clear();
        line.fields.last_mut().unwrap().column_type =
            ColumnType::Decimal { max_digits: 10, decimal_places: 2 };
        assert_eq!(check_models(&[&line, &product]), []);
    }
}

#[cfg(test)]
mod app_tests {
    use super::*;
    use crate::schema::{ColumnType, FieldSchema};
    use std::sync::OnceLock;

    fn note() -> &'static ModelSchema {
        static NOTE: OnceLock<ModelSchema> = OnceLock::new();
        NOTE.get_or_init(|| ModelSchema {
            app: "notes".into(),
            name: "Note".into(),
            table: "notes_note".into(),
            db_comment: None,
            fields: vec![FieldSchema {
                primary_key: true,
                ..FieldSchema::new("id", ColumnType::BigInteger, false)
            }],
            indexes: Vec::new(),
            constraints: Vec::new(),
        })
    }

    fn app(label: &'static str) -> App {
        App { label, models: || vec![note()], migrations_dir: "migrations", embedded: &[] }
    }

    #[test]
    fn a_model_under_another_app_or_an_app_not_installed_is_named() {
        assert_eq!(check_apps(&[app("notes")]), []);
        let problems: Vec<String> = check_apps(&[app("diary")]).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "model `notes.Note` is listed in app `diary` but says `#[ox(app = \"notes\")]`: list it in the app \
                 it names, or change its `app`",
                "model `notes.Note` belongs to app `notes`, which is not installed: add the app to the installed \
                 apps, or change the model's `#[ox(app = ...)]`",
            ]
        );
    }
}

//! The models of a generated history as data the generator can change: every model and field has a
//! stable id that survives renames, so the expected rows and the questioner's answers follow them.
//! `World::schemas` renders the plain `ModelSchema` values the engine diffs.

use oxutils::ddl::Backend;
use oxutils::schema::{
    ColumnType, ConstraintSchema, FieldSchema, ForeignKeySchema, IndexSchema, Literal, ModelSchema, OnDelete,
    default_column, default_table,
};

pub const APPS: [&str; 3] = ["alpha", "beta", "gamma"];

/// A stored value, as the rows are generated and read back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    /// A float in quarters, so that every value is exact in `real` and `double` alike.
    Quarters(i64),
    /// `YYYY-MM-DD`.
    Date(String),
    /// `YYYY-MM-DD HH:MM:SS`.
    DateTime(String),
    /// JSON as `serde_json` prints it.
    Json(String),
    /// Bytes as lowercase hex.
    Bytes(String),
}

impl Val {
    pub fn literal(&self) -> Literal {
        match self {
            Val::Null => Literal::Null,
            Val::Int(value) => Literal::Integer(*value),
            Val::Text(value) | Val::Date(value) | Val::DateTime(value) => Literal::Text(value.clone()),
            Val::Bool(value) => Literal::Bool(*value),
            Val::Quarters(value) => Literal::Float(*value as f64 / 4.0),
            Val::Json(value) => Literal::Json(serde_json::from_str(value).expect("generated JSON")),
            Val::Bytes(value) => Literal::Bytes(value.clone()),
        }
    }

    /// The value inline in SQL the backend reads (generated text is letters and digits only).
    pub fn sql(&self, backend: Backend) -> String {
        match self {
            Val::Null => "NULL".to_owned(),
            Val::Int(value) => value.to_string(),
            Val::Text(value) | Val::Date(value) | Val::DateTime(value) | Val::Json(value) => {
                backend.quote_literal(value)
            }
            Val::Bool(value) => if *value { "TRUE" } else { "FALSE" }.to_owned(),
            Val::Quarters(value) => (*value as f64 / 4.0).to_string(),
            Val::Bytes(hex) => match backend {
                Backend::Postgres => format!("'\\x{hex}'::bytea"),
                Backend::Sqlite | Backend::Mysql => format!("X'{hex}'"),
            },
        }
    }
}

/// The column types generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Small,
    Int,
    Big,
    Varchar(u32),
    Text,
    Bool,
    Float,
    Double,
    Date,
    DateTime,
    Json,
    Binary,
}

impl Kind {
    pub fn column_type(self) -> ColumnType {
        match self {
            Kind::Small => ColumnType::SmallInteger,
            Kind::Int => ColumnType::Integer,
            Kind::Big => ColumnType::BigInteger,
            Kind::Varchar(max_length) => ColumnType::String { max_length },
            Kind::Text => ColumnType::Text,
            Kind::Bool => ColumnType::Boolean,
            Kind::Float => ColumnType::Float,
            Kind::Double => ColumnType::Double,
            Kind::Date => ColumnType::Date,
            Kind::DateTime => ColumnType::DateTime,
            Kind::Json => ColumnType::Json,
            Kind::Binary => ColumnType::Binary,
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Kind::Small | Kind::Int | Kind::Big)
    }

    /// MySQL indexes no unbounded text, JSON or blob.
    pub fn indexable(self) -> bool {
        !matches!(self, Kind::Text | Kind::Json | Kind::Binary)
    }

    /// What `migrate` gives rows of a NOT NULL column of this kind that had no value (sql.rs `empty_value`).
    pub fn empty(self) -> Val {
        match self {
            Kind::Small | Kind::Int | Kind::Big => Val::Int(0),
            Kind::Varchar(_) | Kind::Text => Val::Text(String::new()),
            Kind::Bool => Val::Bool(false),
            Kind::Float | Kind::Double => Val::Quarters(0),
            Kind::Date => Val::Date("1970-01-01".to_owned()),
            Kind::DateTime => Val::DateTime("1970-01-01 00:00:00".to_owned()),
            Kind::Json => Val::Json("{}".to_owned()),
            Kind::Binary => Val::Bytes(String::new()),
        }
    }

    /// Kinds whose generated values never repeat, so a unique column holds over seeded rows.
    pub fn uniqueable(self) -> bool {
        matches!(self, Kind::Small | Kind::Int | Kind::Big | Kind::Varchar(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub model: u32,
    pub on_delete: OnDelete,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenField {
    pub id: u32,
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    pub default: Option<Val>,
    pub unique: bool,
    pub index: bool,
    /// A NOT NULL key points at a model that holds rows, so seeded rows always have one to point at.
    pub target: Option<Target>,
    /// The values a choice field allows (varchar only); its values and default are drawn from them.
    pub choices: Option<Vec<String>>,
    pub comment: Option<String>,
}

impl GenField {
    pub fn column(&self) -> String {
        default_column(&self.name, self.target.is_some())
    }
}

/// A composite index or unique set over fields, by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    pub name: String,
    pub fields: Vec<u32>,
}

/// `<column> >= 0` over one integer field.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub field: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenModel {
    pub id: u32,
    pub app: &'static str,
    pub name: String,
    /// An explicit table; `None` follows the model's name.
    pub custom_table: Option<String>,
    pub fields: Vec<GenField>,
    pub indexes: Vec<Composite>,
    pub uniques: Vec<Composite>,
    pub checks: Vec<Check>,
    pub comment: Option<String>,
}

impl GenModel {
    pub fn table(&self) -> String {
        self.custom_table.clone().unwrap_or_else(|| default_table(self.app, &self.name))
    }

    pub fn field(&self, id: u32) -> Option<&GenField> {
        self.fields.iter().find(|field| field.id == id)
    }

    /// Whether a composite index, unique set or check uses the field.
    pub fn uses(&self, field: u32) -> bool {
        self.indexes.iter().chain(&self.uniques).any(|composite| composite.fields.contains(&field))
            || self.checks.iter().any(|check| check.field == field)
    }
}

#[derive(Debug, Clone, Default)]
pub struct World {
    pub models: Vec<GenModel>,
}

impl World {
    pub fn model(&self, id: u32) -> Option<&GenModel> {
        self.models.iter().find(|model| model.id == id)
    }

    pub fn model_mut(&mut self, id: u32) -> Option<&mut GenModel> {
        self.models.iter_mut().find(|model| model.id == id)
    }

    /// The models as the engine sees them, by app and name.
    pub fn schemas(&self) -> Vec<ModelSchema> {
        let mut schemas: Vec<ModelSchema> = self.models.iter().map(|model| self.schema(model)).collect();
        schemas.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
        schemas
    }

    pub fn schema(&self, model: &GenModel) -> ModelSchema {
        let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
        id.primary_key = true;
        id.auto_increment = true;
        let mut fields = vec![id];
        for field in &model.fields {
            let mut schema = FieldSchema::new(&field.name, field.kind.column_type(), field.nullable);
            schema.column = field.column();
            schema.default = field.default.as_ref().map(Val::literal);
            schema.unique = field.unique;
            schema.index = field.index;
            schema.choices.clone_from(&field.choices);
            schema.db_comment.clone_from(&field.comment);
            schema.foreign_key = field.target.map(|target| {
                let to = self.model(target.model).expect("a foreign key's target exists");
                ForeignKeySchema {
                    to_app: to.app.to_owned(),
                    to_model: to.name.clone(),
                    to_table: to.table(),
                    to_column: "id".to_owned(),
                    on_delete: target.on_delete,
                }
            });
            fields.push(schema);
        }
        let columns = |ids: &[u32]| -> Vec<String> {
            ids.iter().filter_map(|id| model.field(*id)).map(GenField::column).collect()
        };
        let indexes = model
            .indexes
            .iter()
            .map(|index| IndexSchema { name: index.name.clone(), columns: columns(&index.fields) })
            .collect();
        let uniques = model.uniques.iter().map(|unique| ConstraintSchema::Unique {
            name: unique.name.clone(),
            columns: columns(&unique.fields),
        });
        let checks = model.checks.iter().filter_map(|check| {
            let column = model.field(check.field)?.column();
            Some(ConstraintSchema::Check { name: check.name.clone(), expr: format!("{column} >= 0") })
        });
        ModelSchema {
            app: model.app.to_owned(),
            name: model.name.clone(),
            table: model.table(),
            db_comment: model.comment.clone(),
            fields,
            indexes,
            constraints: uniques.chain(checks).collect(),
        }
    }
}

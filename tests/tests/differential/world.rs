//! The models of a generated history as data the generator can change: every model and field has a
//! stable id that survives renames, so the expected rows and the questioner's answers follow them.
//! `World::schemas` renders the plain `ModelSchema` values the engine diffs.

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
}

impl Val {
    pub fn literal(&self) -> Literal {
        match self {
            Val::Null => Literal::Null,
            Val::Int(value) => Literal::Integer(*value),
            Val::Text(value) => Literal::Text(value.clone()),
            Val::Bool(value) => Literal::Bool(*value),
        }
    }

    /// The value inline in SQL every backend reads (generated text is letters and digits only).
    pub fn sql(&self) -> String {
        match self {
            Val::Null => "NULL".to_owned(),
            Val::Int(value) => value.to_string(),
            Val::Text(value) => format!("'{value}'"),
            Val::Bool(value) => if *value { "TRUE" } else { "FALSE" }.to_owned(),
        }
    }
}

/// The column types generated: the integers, bounded and unbounded text, booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Small,
    Int,
    Big,
    Varchar(u32),
    Text,
    Bool,
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
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Kind::Small | Kind::Int | Kind::Big)
    }

    /// MySQL indexes no unbounded text, and booleans are never unique over more than two rows.
    pub fn indexable(self) -> bool {
        self != Kind::Text
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
    /// Foreign keys are nullable, so seeded rows can always leave them empty.
    pub target: Option<Target>,
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
            db_comment: None,
            fields,
            indexes,
            constraints: uniques.chain(checks).collect(),
        }
    }
}

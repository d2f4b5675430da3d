//! `ForeignKey<T>`: a column that holds the primary key of a row of model `T`.

use crate::field::{ColumnSpec, OxField, Reference, ValueError};
use crate::model::Model;
use sea_query::Value;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A reference to a row of `T` by its primary key; the column is named `<field>_id`, as in Django.
pub struct ForeignKey<T: Model> {
    id: T::PrimaryKey,
    marker: PhantomData<fn() -> T>,
}

impl<T: Model> ForeignKey<T> {
    /// A key pointing at the row of `T` whose primary key is `id`.
    pub fn new(id: T::PrimaryKey) -> Self {
        ForeignKey { id, marker: PhantomData }
    }

    /// The primary key of the referenced row.
    pub fn id(&self) -> &T::PrimaryKey {
        &self.id
    }
}

impl<T: Model> From<&T> for ForeignKey<T> {
    fn from(target: &T) -> Self {
        ForeignKey::new(target.primary_key().clone())
    }
}

impl<T: Model> OxField for ForeignKey<T> {
    fn column() -> ColumnSpec {
        let reference =
            Reference { app: T::APP, model: T::NAME, table: T::TABLE, column: T::PRIMARY_KEY_COLUMN };
        ColumnSpec { references: Some(reference), ..T::PrimaryKey::column() }
    }

    fn to_value(&self) -> Value {
        self.id.to_value()
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        T::PrimaryKey::from_value(value).map(ForeignKey::new)
    }

    fn to_sqlite(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.id.to_sqlite()
    }

    fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Self, ValueError> {
        T::PrimaryKey::from_sqlite(value).map(ForeignKey::new)
    }
}

impl<T: Model> Clone for ForeignKey<T> {
    fn clone(&self) -> Self {
        ForeignKey::new(self.id.clone())
    }
}

impl<T: Model> Copy for ForeignKey<T> where T::PrimaryKey: Copy {}

impl<T: Model> fmt::Debug for ForeignKey<T>
where
    T::PrimaryKey: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ForeignKey<{}>({:?})", T::NAME, self.id)
    }
}

impl<T: Model> PartialEq for ForeignKey<T>
where
    T::PrimaryKey: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T: Model> Eq for ForeignKey<T> where T::PrimaryKey: Eq {}

impl<T: Model> Hash for ForeignKey<T>
where
    T::PrimaryKey: Hash,
{
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

// Marker traits that let the derive check `on_delete` against the field's type (see `field::markers`).

/// Types `#[ox(on_delete = ...)]` applies to.
#[diagnostic::on_unimplemented(
    message = "`on_delete` applies to foreign keys, and `{Self}` is not one",
    label = "not a `ForeignKey<T>` or `Option<ForeignKey<T>>`"
)]
pub trait ForeignKeyField {}

impl<T: Model> ForeignKeyField for ForeignKey<T> {}
impl<T: Model> ForeignKeyField for Option<ForeignKey<T>> {}

/// Foreign keys whose column can hold NULL, as `on_delete = "set_null"` needs.
#[diagnostic::on_unimplemented(
    message = "`on_delete = \"set_null\"` needs a nullable foreign key, and `{Self}` is not one",
    label = "the database could not set this column to NULL",
    note = "declare the field as `Option<ForeignKey<T>>`"
)]
pub trait NullableForeignKey {}

impl<T: Model> NullableForeignKey for Option<ForeignKey<T>> {}

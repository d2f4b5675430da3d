//! The derive input as plain data that borrows from syn: what `check` validates and `expand` reads.

use crate::attr::{self, FieldAttrs, ModelAttrs};
use crate::ctxt::Errors;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

pub struct Model<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub attrs: ModelAttrs,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    /// Its doc comments, which `New<Model>` repeats.
    pub docs: Vec<&'a syn::Attribute>,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

impl<'a> Model<'a> {
    /// The model, or `None` when the input is not a struct with named fields (the reason is in `errors`).
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Option<Model<'a>> {
        const SHAPE: &str = "`#[derive(OxModel)]` needs a struct with named fields";
        let attrs = attr::model_attrs(&input.attrs, errors);
        if !input.generics.params.is_empty() {
            errors.spanned(&input.generics, "a model cannot be generic: its table and columns must be fixed");
        }
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(unnamed) => {
                    errors.spanned(
                        unnamed,
                        format!("{SHAPE}, not a tuple struct: each field is a column and needs a name"),
                    );
                    return None;
                }
                Fields::Unit => {
                    errors
                        .spanned(&input.ident, format!("{SHAPE}, not a unit struct: a table needs columns"));
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.spanned(
                    data.enum_token,
                    format!("{SHAPE}, not an enum; to store an enum in a column, use `#[derive(OxChoices)]`"),
                );
                return None;
            }
            Data::Union(data) => {
                errors.spanned(data.union_token, format!("{SHAPE}, not a union"));
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let docs = field.attrs.iter().filter(|attr| attr.path().is_ident("doc")).collect();
                Some(Field {
                    ident,
                    vis: &field.vis,
                    docs,
                    ty: &field.ty,
                    attrs: attr::field_attrs(&field.attrs, errors),
                })
            })
            .collect();
        Some(Model { ident: &input.ident, vis: &input.vis, attrs, fields })
    }

    /// The fields that are the primary key: those marked, or else a field named `id`.
    pub fn primary_keys(&self) -> Vec<&Field<'a>> {
        let marked: Vec<_> = self.fields.iter().filter(|field| field.attrs.primary_key.is_set()).collect();
        if !marked.is_empty() {
            return marked;
        }
        self.fields.iter().filter(|field| field.name() == "id").collect()
    }

    pub fn name(&self) -> String {
        self.ident.to_string()
    }

    /// The field named `ident`, raw or not.
    pub fn field(&self, ident: &Ident) -> Option<&Field<'a>> {
        let name = ident.unraw();
        self.fields.iter().find(|field| field.ident.unraw() == name)
    }

    pub fn table(&self) -> String {
        match (self.attrs.table.get(), self.attrs.app.get()) {
            (Some(table), _) => table.value(),
            (None, Some(app)) => format!("{}_{}", app.value(), self.name().to_lowercase()),
            (None, None) => self.name().to_lowercase(),
        }
    }
}

impl Field<'_> {
    /// The field's name without a raw identifier's `r#`.
    pub fn name(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
    }

    /// The column of a primary key: its `column` or its name (a key is never a foreign key's `_id`).
    pub fn primary_key_column(&self) -> String {
        self.attrs.column.get().map_or_else(|| self.name(), syn::LitStr::value)
    }
}

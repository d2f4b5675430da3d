//! Rules across attributes and fields, each with the reason it exists.

use crate::ast::Model;
use crate::ctxt::Errors;
use crate::symbol;
use syn::ext::IdentExt;

pub fn check(model: &Model, errors: &mut Errors) {
    require_app(model, errors);
    one_primary_key(model, errors);
    index_fields_exist(model, errors);
    timestamps_are_exclusive(model, errors);
    audited_fields_exist(model, errors);
    masked_fields_are_recorded(model, errors);
}

/// Migrations are grouped by app, so every model must say which app it belongs to.
fn require_app(model: &Model, errors: &mut Errors) {
    if !model.attrs.app.is_set() {
        errors.spanned(
            model.ident,
            "missing `#[ox(app = \"...\")]`: every model belongs to an app, whose migrations hold it",
        );
    }
}

/// Rows are identified, updated and referenced by exactly one primary key.
fn one_primary_key(model: &Model, errors: &mut Errors) {
    match model.primary_keys().as_slice() {
        [] => errors.spanned(
            model.ident,
            format!(
                "model `{}` has no primary key: add a field `id: i64` or mark one with `#[ox(primary_key)]`",
                model.name()
            ),
        ),
        [_] => {}
        [_, extra @ ..] => {
            for field in extra {
                let span = field.attrs.primary_key.span().unwrap_or_else(|| field.ident.span());
                errors.push(syn::Error::new(
                    span,
                    "a model has one primary key, and another field is marked already",
                ));
            }
        }
    }
}

/// An index or unique constraint names fields of this struct; a typo would otherwise index nothing.
fn index_fields_exist(model: &Model, errors: &mut Errors) {
    let lists = model.attrs.indexes.iter().chain(&model.attrs.unique_together);
    for ident in lists.flatten() {
        if !model.fields.iter().any(|field| field.ident == ident) {
            errors.spanned(ident, format!("`{ident}` is not a field of `{}`", model.name()));
        }
    }
}

/// A timestamp is set on insert (`auto_now_add`), on every save (`auto_now`) or by the caller (`default`):
/// two of them on one field contradict each other, as in Django.
fn timestamps_are_exclusive(model: &Model, errors: &mut Errors) {
    for field in &model.fields {
        let attrs = &field.attrs;
        let set: Vec<_> = [
            (symbol::AUTO_NOW, attrs.auto_now.span()),
            (symbol::AUTO_NOW_ADD, attrs.auto_now_add.span()),
            (symbol::DEFAULT, attrs.default.span()),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .collect();
        if let [(first, _), rest @ ..] = set.as_slice() {
            for (key, span) in rest {
                errors.push(syn::Error::new(
                    *span,
                    format!("`{key}` and `{first}` cannot be set on the same field"),
                ));
            }
        }
    }
}

/// `audited(mask(...), exclude(...))` names fields of this struct; a typo would otherwise leave a secret
/// unmasked without a word.
fn audited_fields_exist(model: &Model, errors: &mut Errors) {
    let Some(audited) = model.attrs.audited.get() else { return };
    let lists = [audited.mask.get(), audited.unmask.get(), audited.exclude.get()];
    for ident in lists.into_iter().flatten().flatten() {
        if model.field(ident).is_none() {
            errors.spanned(ident, format!("`{ident}` is not a field of `{}`", model.name()));
        }
    }
}

/// An excluded field is never recorded, so masking it too says the author expected it to be recorded; a
/// field both masked and unmasked says two things at once.
fn masked_fields_are_recorded(model: &Model, errors: &mut Errors) {
    let Some(audited) = model.attrs.audited.get() else { return };
    if let (Some(masked), Some(unmasked)) = (audited.mask.get(), audited.unmask.get()) {
        for ident in masked.iter().filter(|ident| unmasked.iter().any(|other| other.unraw() == ident.unraw()))
        {
            errors.spanned(ident, format!("`{ident}` is both masked and unmasked: remove it from one list"));
        }
    }
    let (Some(masked), Some(excluded)) = (audited.mask.get(), audited.exclude.get()) else { return };
    for ident in masked.iter().filter(|ident| excluded.iter().any(|other| other.unraw() == ident.unraw())) {
        errors.spanned(
            ident,
            format!("`{ident}` is both masked and excluded: an excluded field is never recorded, so remove it from one list"),
        );
    }
}

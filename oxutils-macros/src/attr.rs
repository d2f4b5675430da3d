//! Parses `#[ox(...)]` and `#[s3_file(...)]` into typed attributes: unknown and duplicate keys are errors
//! under their own tokens, and parsing goes on after them so that every mistake is reported at once.

use crate::ctxt::Errors;
use crate::symbol::{self, one_of};
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitBool, LitInt, LitStr, Token};

/// One attribute key's value, remembered with where it was written.
pub struct Attr<T> {
    key: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    pub fn none(key: &'static str) -> Self {
        Attr { key, value: None }
    }

    fn set(&mut self, errors: &mut Errors, span: Span, value: T) {
        if self.value.is_some() {
            errors.push(syn::Error::new(span, format!("duplicate `{}` attribute", self.key)));
        } else {
            self.value = Some((span, value));
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, value)| value)
    }

    /// Where the key was written: errors about the attribute go there.
    pub fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(span, _)| *span)
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }
}

/// `#[ox(...)]` on a model struct.
pub struct ModelAttrs {
    pub app: Attr<LitStr>,
    pub table: Attr<LitStr>,
    pub db_comment: Attr<LitStr>,
    pub indexes: Vec<Vec<Ident>>,
    pub unique_together: Vec<Vec<Ident>>,
    pub checks: Vec<Check>,
    /// A function called after every write: `fn(&mut Connection, &WriteEvent) -> Result<(), DbError>`.
    pub on_write: Attr<syn::Path>,
    /// `audited`: every write records an audit entry.
    pub audited: Attr<Audited>,
}

/// `audited` alone, or `audited(mask(a, b), unmask(c), exclude(d), repr = "display")`.
pub struct Audited {
    /// Fields whose values are masked besides the default ones: a security default only grows.
    pub mask: Attr<Vec<Ident>>,
    /// Fields of the default masked list recorded in clear after all: the one way to unmask.
    pub unmask: Attr<Vec<Ident>>,
    /// The fields left out of the changes; replaces the default list when given.
    pub exclude: Attr<Vec<Ident>>,
    /// How the entry names the object: `pk` (the default) or `display`.
    pub repr: Attr<LitStr>,
}

/// `check(name = "...", expr = "...")`.
pub struct Check {
    pub name: LitStr,
    pub expr: LitStr,
}

/// `#[ox(...)]` and `#[s3_file(...)]` on a model field.
pub struct FieldAttrs {
    pub primary_key: Attr<()>,
    pub column: Attr<LitStr>,
    pub unique: Attr<()>,
    pub index: Attr<bool>,
    pub max_length: Attr<u32>,
    /// `max_digits` and `decimal_places` of a decimal field.
    pub max_digits: Attr<u32>,
    pub decimal_places: Attr<u32>,
    pub default: Attr<Expr>,
    pub auto_now: Attr<()>,
    pub auto_now_add: Attr<()>,
    pub on_delete: Attr<LitStr>,
    pub db_comment: Attr<LitStr>,
    /// `#[s3_file]` with its `upload_to`, if any.
    pub s3_file: Attr<Option<LitStr>>,
}

/// `#[ox(...)]` on a choice enum.
pub struct ChoicesAttrs {
    pub rename_all: Attr<LitStr>,
}

/// `#[ox(...)]` on a choice enum's variant.
pub struct VariantAttrs {
    pub rename: Attr<LitStr>,
}

pub fn model_attrs(attrs: &[Attribute], errors: &mut Errors) -> ModelAttrs {
    let mut model = ModelAttrs {
        app: Attr::none(symbol::APP),
        table: Attr::none(symbol::TABLE),
        db_comment: Attr::none(symbol::DB_COMMENT),
        indexes: Vec::new(),
        unique_together: Vec::new(),
        checks: Vec::new(),
        on_write: Attr::none(symbol::ON_WRITE),
        audited: Attr::none(symbol::AUDITED),
    };
    for attr in attrs {
        if attr.path().is_ident(symbol::S3_FILE) {
            errors.spanned(attr, "`#[s3_file]` belongs on a field of type `S3File` or `Option<S3File>`");
        }
    }
    each_key(attrs, symbol::MODEL_KEYS, errors, |key, meta, errors| {
        let span = meta.path.span();
        match key {
            symbol::APP => {
                let app = string(meta)?;
                if !is_label(&app.value()) {
                    errors.spanned(
                        &app,
                        "an app label is lowercase letters, digits and `_`, starting with a letter",
                    );
                }
                model.app.set(errors, span, app);
            }
            symbol::TABLE => {
                let table = string(meta)?;
                if table.value().is_empty() {
                    errors.spanned(&table, "a table name cannot be empty");
                }
                model.table.set(errors, span, table);
            }
            symbol::DB_COMMENT => model.db_comment.set(errors, span, string(meta)?),
            symbol::INDEX => model.indexes.push(field_list(meta)?),
            symbol::UNIQUE_TOGETHER => model.unique_together.push(field_list(meta)?),
            symbol::ON_WRITE => model.on_write.set(errors, span, meta.value()?.parse()?),
            symbol::AUDITED => {
                let audited = audited(meta, errors)?;
                model.audited.set(errors, span, audited);
            }
            symbol::CHECK => model.checks.extend(check(meta, errors)?),
            other => return Err(unhandled(meta, other)),
        }
        Ok(())
    });
    model
}

pub fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut field = FieldAttrs {
        primary_key: Attr::none(symbol::PRIMARY_KEY),
        column: Attr::none(symbol::COLUMN),
        unique: Attr::none(symbol::UNIQUE),
        index: Attr::none(symbol::INDEX),
        max_length: Attr::none(symbol::MAX_LENGTH),
        max_digits: Attr::none(symbol::MAX_DIGITS),
        decimal_places: Attr::none(symbol::DECIMAL_PLACES),
        default: Attr::none(symbol::DEFAULT),
        auto_now: Attr::none(symbol::AUTO_NOW),
        auto_now_add: Attr::none(symbol::AUTO_NOW_ADD),
        on_delete: Attr::none(symbol::ON_DELETE),
        db_comment: Attr::none(symbol::DB_COMMENT),
        s3_file: Attr::none(symbol::S3_FILE),
    };
    each_key(attrs, symbol::FIELD_KEYS, errors, |key, meta, errors| {
        let span = meta.path.span();
        match key {
            symbol::PRIMARY_KEY => field.primary_key.set(errors, span, flag(meta)?),
            symbol::UNIQUE => field.unique.set(errors, span, flag(meta)?),
            symbol::AUTO_NOW => field.auto_now.set(errors, span, flag(meta)?),
            symbol::AUTO_NOW_ADD => field.auto_now_add.set(errors, span, flag(meta)?),
            symbol::INDEX => {
                // `index` alone turns it on; `index = false` turns off the index a foreign key gets.
                let on =
                    if meta.input.peek(Token![=]) { meta.value()?.parse::<LitBool>()?.value } else { true };
                field.index.set(errors, span, on);
            }
            symbol::COLUMN => {
                let column = string(meta)?;
                if column.value().is_empty() {
                    errors.spanned(&column, "a column name cannot be empty");
                }
                field.column.set(errors, span, column);
            }
            symbol::MAX_LENGTH => {
                let length: LitInt = meta.value()?.parse()?;
                match length.base10_parse::<u32>() {
                    Ok(0) | Err(_) => {
                        errors.spanned(&length, "`max_length` is a whole number from 1 to 4294967295")
                    }
                    Ok(value) => field.max_length.set(errors, span, value),
                }
            }
            // rust_decimal holds 28 digits, so a wider column could hold values its field cannot read.
            symbol::MAX_DIGITS => {
                let digits: LitInt = meta.value()?.parse()?;
                match digits.base10_parse::<u32>() {
                    Ok(value @ 1..=28) => field.max_digits.set(errors, span, value),
                    _ => {
                        errors.spanned(
                            &digits,
                            "`max_digits` is a whole number from 1 to 28, the digits `rust_decimal::Decimal` \
                             holds",
                        );
                        // Written all the same: `decimal_places` beside it is not reported as alone.
                        field.max_digits.set(errors, span, 28);
                    }
                }
            }
            symbol::DECIMAL_PLACES => {
                let places: LitInt = meta.value()?.parse()?;
                match places.base10_parse::<u32>() {
                    Ok(value @ 0..=28) => field.decimal_places.set(errors, span, value),
                    _ => {
                        errors.spanned(&places, "`decimal_places` is a whole number from 0 to 28");
                        field.decimal_places.set(errors, span, 0);
                    }
                }
            }
            symbol::DEFAULT => field.default.set(errors, span, meta.value()?.parse()?),
            symbol::ON_DELETE => {
                let action = string(meta)?;
                if !ON_DELETE_NAMES.contains(&action.value().as_str()) {
                    errors.spanned(
                        &action,
                        format!(
                            "unknown `on_delete` value `{}`; expected {}",
                            action.value(),
                            one_of(ON_DELETE_NAMES)
                        ),
                    );
                }
                field.on_delete.set(errors, span, action);
            }
            symbol::DB_COMMENT => field.db_comment.set(errors, span, string(meta)?),
            other => return Err(unhandled(meta, other)),
        }
        Ok(())
    });
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(symbol::S3_FILE)) {
        let span = attr.path().span();
        if matches!(attr.meta, syn::Meta::Path(_)) {
            field.s3_file.set(errors, span, None);
            continue;
        }
        let mut upload_to = Attr::none(symbol::UPLOAD_TO);
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(key) = known_key(&meta, symbol::FILE_KEYS, errors)? else { return Ok(()) };
            debug_assert_eq!(key, symbol::UPLOAD_TO);
            upload_to.set(errors, meta.path.span(), string(&meta)?);
            Ok(())
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
        field.s3_file.set(errors, span, upload_to.value.map(|(_, value)| value));
    }
    check_decimal_pair(&field, errors);
    field
}

/// A decimal column needs both numbers, as Django's `DecimalField` does, and room for its places.
fn check_decimal_pair(field: &FieldAttrs, errors: &mut Errors) {
    match (
        (field.max_digits.get(), field.max_digits.span()),
        (field.decimal_places.get(), field.decimal_places.span()),
    ) {
        ((Some(digits), _), (Some(places), Some(span))) if places > digits => errors.push(syn::Error::new(
            span,
            format!("`decimal_places = {places}` leaves no room: it is more than `max_digits = {digits}`"),
        )),
        ((Some(_), Some(span)), (None, _)) => {
            errors.push(syn::Error::new(span, "`max_digits` needs `decimal_places` beside it"))
        }
        ((None, _), (Some(_), Some(span))) => {
            errors.push(syn::Error::new(span, "`decimal_places` needs `max_digits` beside it"))
        }
        _ => {}
    }
}

pub fn choices_attrs(attrs: &[Attribute], errors: &mut Errors) -> ChoicesAttrs {
    let mut choices = ChoicesAttrs { rename_all: Attr::none(symbol::RENAME_ALL) };
    each_key(attrs, symbol::CHOICES_KEYS, errors, |_, meta, errors| {
        let rule = string(meta)?;
        if !crate::case::RULES.contains(&rule.value().as_str()) {
            errors.spanned(
                &rule,
                format!(
                    "unknown `rename_all` rule `{}`; expected {}",
                    rule.value(),
                    one_of(crate::case::RULES)
                ),
            );
        }
        choices.rename_all.set(errors, meta.path.span(), rule);
        Ok(())
    });
    choices
}

pub fn variant_attrs(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
    let mut variant = VariantAttrs { rename: Attr::none(symbol::RENAME) };
    each_key(attrs, symbol::VARIANT_KEYS, errors, |_, meta, errors| {
        let value = string(meta)?;
        if value.value().is_empty() {
            errors.spanned(&value, "a stored value cannot be empty");
        }
        variant.rename.set(errors, meta.path.span(), value);
        Ok(())
    });
    variant
}

/// The spellings of `audited(repr = ...)`: `pk` names the object `<Model> #<key>`, `display` by its
/// `Display` implementation.
pub const REPR_NAMES: &[&str] = &["pk", "display"];

/// The spellings of `on_delete`, kept in step with `oxutils::schema::OnDelete::NAMES`.
pub const ON_DELETE_NAMES: &[&str] = &["cascade", "restrict", "set_null", "set_default", "no_action"];

/// Calls `handle` with each known key of every `#[ox(...)]` in `attrs`; reports the unknown ones.
fn each_key(
    attrs: &[Attribute],
    valid: &'static [&'static str],
    errors: &mut Errors,
    mut handle: impl FnMut(&'static str, &ParseNestedMeta, &mut Errors) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(symbol::OX)) {
        let parsed = attr.parse_nested_meta(|meta| match known_key(&meta, valid, errors)? {
            Some(key) => handle(key, &meta, errors),
            None => Ok(()),
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
}

/// The key of `meta` if it is one of `valid`; otherwise reports it, skips its value and returns `None`.
fn known_key(
    meta: &ParseNestedMeta,
    valid: &'static [&'static str],
    errors: &mut Errors,
) -> syn::Result<Option<&'static str>> {
    if let Some(key) = valid.iter().find(|key| meta.path.is_ident(key)) {
        return Ok(Some(key));
    }
    let written = meta.path.get_ident().map_or_else(|| "this path".to_owned(), |ident| format!("`{ident}`"));
    errors.spanned(&meta.path, format!("unknown attribute {written}; expected {}", one_of(valid)));
    skip_value(meta)?;
    Ok(None)
}

/// A key listed as valid that no arm handles: a bug of this crate, reported rather than taken for another key.
fn unhandled(meta: &ParseNestedMeta, key: &str) -> syn::Error {
    meta.error(format!("oxutils does not handle `{key}` here yet, although it lists it; please report this"))
}

/// Consumes `= value` or `(...)` after a key, so that parsing resumes at the next key.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

fn string(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn flag(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
        return Err(meta.error(format!("`{key}` takes no value: write `#[ox({key})]`")));
    }
    Ok(())
}

/// `(a, b, c)`: field names, at least one.
fn field_list(meta: &ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let fields = field_names(meta)?;
    if fields.is_empty() {
        return Err(meta.error("list at least one field"));
    }
    Ok(fields)
}

/// `(a, b, c)` or `()`: field names.
fn field_names(meta: &ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    if !meta.input.peek(syn::token::Paren) {
        let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
        return Err(meta.error(format!("`{key}` lists field names in parentheses: write `{key}(a, b)`")));
    }
    let mut fields = Vec::new();
    meta.parse_nested_meta(|field| {
        let ident = field.path.require_ident()?.clone();
        fields.push(ident);
        Ok(())
    })?;
    Ok(fields)
}

/// `audited` or `audited(mask(...), exclude(...), repr = "...")`.
fn audited(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Audited> {
    let mut audited = Audited {
        mask: Attr::none(symbol::MASK),
        unmask: Attr::none(symbol::UNMASK),
        exclude: Attr::none(symbol::EXCLUDE),
        repr: Attr::none(symbol::REPR),
    };
    if meta.input.peek(Token![=]) {
        return Err(meta.error(
            "`audited` takes no value: write `#[ox(audited)]` or `#[ox(audited(mask(a), exclude(b)))]`",
        ));
    }
    if !meta.input.peek(syn::token::Paren) {
        return Ok(audited);
    }
    meta.parse_nested_meta(|inner| {
        let Some(key) = known_key(&inner, symbol::AUDITED_KEYS, errors)? else { return Ok(()) };
        let span = inner.path.span();
        match key {
            symbol::MASK => audited.mask.set(errors, span, field_names(&inner)?),
            symbol::UNMASK => audited.unmask.set(errors, span, field_names(&inner)?),
            symbol::EXCLUDE => audited.exclude.set(errors, span, field_names(&inner)?),
            symbol::REPR => {
                let repr = string(&inner)?;
                if !REPR_NAMES.contains(&repr.value().as_str()) {
                    errors.spanned(
                        &repr,
                        format!("unknown `repr` value `{}`; expected {}", repr.value(), one_of(REPR_NAMES)),
                    );
                }
                audited.repr.set(errors, span, repr);
            }
            other => return Err(unhandled(&inner, other)),
        }
        Ok(())
    })?;
    Ok(audited)
}

/// `(name = "...", expr = "...")`.
fn check(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Check>> {
    let mut name = Attr::none(symbol::NAME);
    let mut expr = Attr::none(symbol::EXPR);
    meta.parse_nested_meta(|inner| {
        let Some(key) = known_key(&inner, symbol::CHECK_KEYS, errors)? else { return Ok(()) };
        let target = match key {
            symbol::NAME => &mut name,
            symbol::EXPR => &mut expr,
            other => return Err(unhandled(&inner, other)),
        };
        target.set(errors, inner.path.span(), string(&inner)?);
        Ok(())
    })?;
    match (name.value, expr.value) {
        (Some((_, name)), Some((_, expr))) => Ok(Some(Check { name, expr })),
        _ => Err(meta.error("a check needs both `name = \"...\"` and `expr = \"...\"`")),
    }
}

fn is_label(label: &str) -> bool {
    let mut characters = label.chars();
    characters.next().is_some_and(|first| first.is_ascii_lowercase())
        && characters
            .all(|character| character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_')
}

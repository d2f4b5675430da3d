//! `#[derive(OxChoices)]`: parse a fieldless enum, check it, generate `OxChoices` and `OxField`.

use crate::attr;
use crate::case;
use crate::ctxt::Errors;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident};

/// A variant and the string that stores it.
struct Choice<'a> {
    ident: &'a Ident,
    value: String,
}

pub fn derive_choices(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::new();
    let choices = parse(&input, &mut errors);
    match errors.finish() {
        Ok(()) => expand(&input.ident, &choices),
        Err(error) => error.to_compile_error(),
    }
}

fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Vec<Choice<'a>> {
    const SHAPE: &str = "`#[derive(OxChoices)]` needs an enum whose variants have no fields";
    let attrs = attr::choices_attrs(&input.attrs, errors);
    let rule = attrs.rename_all.get().map_or_else(|| "SCREAMING_SNAKE_CASE".to_owned(), syn::LitStr::value);
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "a choice enum cannot be generic");
    }
    let Data::Enum(data) = &input.data else {
        errors.spanned(&input.ident, SHAPE);
        return Vec::new();
    };
    if data.variants.is_empty() {
        errors.spanned(&input.ident, "a choice enum needs at least one variant");
    }
    let mut choices: Vec<Choice> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.spanned(&variant.fields, format!("{SHAPE}: `{}` has fields", variant.ident));
        }
        let rename = attr::variant_attrs(&variant.attrs, errors).rename;
        let value = match rename.get() {
            Some(value) => value.value(),
            None => case::apply(&rule, &variant.ident.to_string()).unwrap_or_default(),
        };
        if let Some(same) = choices.iter().find(|choice| choice.value == value) {
            errors.spanned(
                &variant.ident,
                format!("`{}` is stored as \"{value}\", as `{}` is already", variant.ident, same.ident),
            );
        }
        choices.push(Choice { ident: &variant.ident, value });
    }
    choices
}

fn expand(ident: &Ident, choices: &[Choice]) -> TokenStream {
    let variants: Vec<_> = choices.iter().map(|choice| choice.ident).collect();
    let values: Vec<_> = choices.iter().map(|choice| choice.value.as_str()).collect();
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl ::oxutils::__private::OxChoices for #ident {
                const VALUES: &'static [&'static str] = &[#(#values),*];

                fn as_str(&self) -> &'static str {
                    match self {
                        #(#ident::#variants => #values,)*
                    }
                }

                fn from_stored(value: &str) -> ::core::option::Option<Self> {
                    match value {
                        #(#values => ::core::option::Option::Some(#ident::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl ::oxutils::__private::OxField for #ident {
                fn column() -> ::oxutils::__private::ColumnSpec {
                    ::oxutils::__private::choices_column::<Self>()
                }

                fn to_value(&self) -> ::oxutils::__private::Value {
                    let stored = <Self as ::oxutils::__private::OxChoices>::as_str(self);
                    ::oxutils::__private::Value::String(::core::option::Option::Some(stored.into()))
                }

                fn from_value(
                    value: ::oxutils::__private::Value,
                ) -> ::core::result::Result<Self, ::oxutils::__private::ValueError> {
                    ::oxutils::__private::choices_from_value::<Self>(value)
                }

                fn from_sqlite(
                    value: ::oxutils::__private::SqliteValueRef<'_>,
                ) -> ::core::result::Result<Self, ::oxutils::__private::ValueError> {
                    ::oxutils::__private::choices_from_sqlite::<Self>(value)
                }
            }

            #[automatically_derived]
            impl ::oxutils::__private::LengthLimitedField for #ident {}
        };
    }
}

//! Generates the `Model` implementation from a checked `ast::Model`.

use crate::ast::{Field, Model};
use crate::attr::{Attr, Audited};
use crate::ctxt::Errors;
use crate::{check, fallback};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{DeriveInput, LitStr};

/// `#[derive(OxModel)]` over tokens: the implementation, or the errors and a stub that keeps them few.
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::new();
    let model = Model::from_syn(&input, &mut errors);
    if let Some(model) = &model {
        check::check(model, &mut errors);
    }
    // Type checks run even beside other errors, so that one build reports every mistake.
    let assertions = model.as_ref().map(type_assertions).unwrap_or_default();
    let (body, new_row) = match (errors.finish(), &model) {
        (Ok(()), Some(model)) => (implementation(model), new_row(model)),
        (Err(error), _) => {
            let stub = fallback::model_stub(&input);
            let error = error.to_compile_error();
            (quote! { #stub #error }, TokenStream::new())
        }
        (Ok(()), None) => (unreachable_without_error(), TokenStream::new()),
    };
    quote! {
        #new_row
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #body
            #assertions
        };
    }
}

/// `New<Model>`: the model's fields without the key the database generates (an integer primary key) and the
/// timestamps `insert` sets (`auto_now`, `auto_now_add`), so that an insert needs no placeholder values;
/// its `insert` fills them in and returns the row as stored.
fn new_row(model: &Model) -> TokenStream {
    let ident = model.ident;
    let vis = model.vis;
    let new_ident = format_ident!("New{}", ident);
    let keys = model.primary_keys();
    let generated_key = |field: &Field| {
        keys.len() == 1
            && std::ptr::eq(keys[0].ident, field.ident)
            && matches!(&field.ty, syn::Type::Path(path) if path.path.segments.last().is_some_and(|segment| {
                ["i16", "i32", "i64", "u16", "u32", "u64"].contains(&segment.ident.to_string().as_str())
            }))
    };
    let filled = |field: &Field| {
        generated_key(field) || field.attrs.auto_now.is_set() || field.attrs.auto_now_add.is_set()
    };
    let (given, skipped): (Vec<&Field>, Vec<&Field>) = model.fields.iter().partition(|field| !filled(field));
    let given_idents: Vec<_> = given.iter().map(|field| field.ident).collect();
    let given_types: Vec<_> = given.iter().map(|field| field.ty).collect();
    let given_vis: Vec<_> = given.iter().map(|field| field.vis).collect();
    let given_docs: Vec<_> = given.iter().map(|field| &field.docs).collect();
    let skipped_idents: Vec<_> = skipped.iter().map(|field| field.ident).collect();
    let doc = format!(
        "[`{ident}`] without what the database and `insert` fill in (its generated key and automatic \
         timestamps): `{new_ident} {{ .. }}.insert(&mut connection)` returns the row as stored."
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::all)]
        #vis struct #new_ident {
            #(#(#given_docs)* #given_vis #given_idents: #given_types,)*
        }

        #[automatically_derived]
        impl #new_ident {
            /// Inserts the row: the database generates the key, and `auto_now`/`auto_now_add` fields are now.
            #vis fn insert(
                self,
                connection: &mut ::oxutils::__private::Connection,
            ) -> ::core::result::Result<#ident, ::oxutils::__private::DbError> {
                let row = #ident {
                    #(#given_idents: self.#given_idents,)*
                    #(#skipped_idents: ::core::default::Default::default(),)*
                };
                ::oxutils::__private::ModelExt::insert(&row, connection)
            }
        }
    }
}

/// `Model::from_syn` returns `None` only after recording why.
fn unreachable_without_error() -> TokenStream {
    syn::Error::new(Span::call_site(), "oxutils: the model could not be read").to_compile_error()
}

fn implementation(model: &Model) -> TokenStream {
    let ident = model.ident;
    let name = model.name();
    let table = model.table();
    let app = model.attrs.app.get().map(LitStr::value).unwrap_or_default();
    let primary_key = model.primary_keys()[0];
    let primary_key_ident = primary_key.ident;
    let primary_key_type = primary_key.ty;
    let primary_key_column = primary_key.primary_key_column();
    let schema = schema(model, &table, &app);
    let field_idents: Vec<_> = model.fields.iter().map(|field| field.ident).collect();
    let field_types: Vec<_> = model.fields.iter().map(|field| field.ty).collect();
    let field_names: Vec<_> = model.fields.iter().map(Field::name).collect();
    let handles = column_handles(model);
    let hook = write_hook(model);
    let registration = quote::format_ident!("__OXUTILS_MODEL_{}", ident.to_string().to_uppercase());
    let audited = model.attrs.audited.get().is_some();
    quote! {
        // The model in the program's registry, where an `app!` without `models = [...]` finds it.
        #[::oxutils::__private::linkme::distributed_slice(::oxutils::__private::MODELS)]
        #[linkme(crate = ::oxutils::__private::linkme)]
        #[doc(hidden)]
        static #registration: ::oxutils::__private::ModelEntry = ::oxutils::__private::ModelEntry {
            app: #app,
            name: #name,
            schema: <#ident as ::oxutils::__private::Model>::schema,
            audited: #audited,
        };

        #[automatically_derived]
        impl ::oxutils::__private::Model for #ident {
            const APP: &'static str = #app;
            const NAME: &'static str = #name;
            const TABLE: &'static str = #table;
            const PRIMARY_KEY_COLUMN: &'static str = #primary_key_column;

            type PrimaryKey = #primary_key_type;

            fn schema() -> &'static ::oxutils::__private::ModelSchema {
                static SCHEMA: ::oxutils::__private::OnceLock<::oxutils::__private::ModelSchema> =
                    ::oxutils::__private::OnceLock::new();
                SCHEMA.get_or_init(|| #schema)
            }

            fn primary_key(&self) -> &#primary_key_type {
                &self.#primary_key_ident
            }

            fn primary_key_mut(&mut self) -> &mut #primary_key_type {
                &mut self.#primary_key_ident
            }

            fn write_row(&self, row: &mut impl ::oxutils::__private::RowWriter) {
                #(::oxutils::__private::RowWriter::write::<#field_types>(row, &self.#field_idents);)*
            }

            fn read_row(
                row: &mut impl ::oxutils::__private::RowReader,
            ) -> ::core::result::Result<Self, ::oxutils::__private::RowError> {
                ::core::result::Result::Ok(#ident {
                    #(#field_idents: ::oxutils::__private::RowReader::read::<#field_types>(row, #name, #field_names)?,)*
                })
            }

            fn statements() -> &'static ::oxutils::__private::StatementCache {
                static STATEMENTS: ::oxutils::__private::StatementCache = ::oxutils::__private::StatementCache::new();
                &STATEMENTS
            }

            #hook
        }

        #handles
    }
}

/// `after_write` when the model is audited, has an `on_write` hook, or both: the audit entry is written
/// first, then the user's hook runs, both in the write's transaction. Without either the trait's defaults
/// stay, and writes open no transaction for a hook.
fn write_hook(model: &Model) -> Option<TokenStream> {
    let user_hook = model.attrs.on_write.get().map(|path| quote!(#path(connection, event)));
    let body = match (model.attrs.audited.get(), user_hook) {
        (None, None) => return None,
        (None, Some(user_hook)) => user_hook,
        (Some(audited), user_hook) => {
            let options = audit_options(audited);
            let user_hook = user_hook.unwrap_or_else(|| quote!(::core::result::Result::Ok(())));
            quote! {
                ::oxutils::__private::write_audit_entry(connection, event, &#options)?;
                #user_hook
            }
        }
    };
    Some(quote! {
        const HAS_WRITE_HOOK: bool = true;

        fn after_write(
            connection: &mut ::oxutils::__private::Connection,
            event: &::oxutils::__private::WriteEvent<'_>,
        ) -> ::core::result::Result<(), ::oxutils::__private::DbError> {
            #body
        }
    })
}

/// The `AuditOptions` of `#[ox(audited(...))]`: lists not given keep the runtime's defaults.
fn audit_options(audited: &Audited) -> TokenStream {
    let names = |list: &Attr<Vec<syn::Ident>>| {
        optional(list.get().map(|idents| {
            let names = idents.iter().map(|ident| ident.unraw().to_string());
            quote!(&[#(#names),*])
        }))
    };
    let masked = names(&audited.mask);
    let unmasked = names(&audited.unmask);
    let excluded = names(&audited.exclude);
    let repr = optional(audited.repr.get().filter(|repr| repr.value() == "display").map(|repr| {
        quote_spanned! {repr.span()=>
            |values: &[::oxutils::__private::Value]| {
                <Self as ::oxutils::__private::Model>::from_values(values.to_vec())
                    .ok()
                    .map(|row| ::std::string::ToString::to_string(&row))
            }
        }
    }));
    quote! {
        ::oxutils::__private::AuditOptions {
            masked: #masked,
            unmasked: #unmasked,
            excluded: #excluded,
            repr: #repr,
        }
    }
}

fn schema(model: &Model, table: &str, app: &str) -> TokenStream {
    let name = model.name();
    let db_comment = optional_str(&model.attrs.db_comment);
    let field_lists = |lists: &[Vec<syn::Ident>]| {
        let lists = lists.iter().map(|idents| {
            // Field names as the schema holds them: `r#type` is the field `type`.
            let names = idents.iter().map(|ident| ident.unraw().to_string());
            quote!(&[#(#names),*])
        });
        quote!(&[#(#lists),*])
    };
    let indexes = field_lists(&model.attrs.indexes);
    let unique_together = field_lists(&model.attrs.unique_together);
    let checks = model.attrs.checks.iter().map(|check| {
        let (name, expr) = (&check.name, &check.expr);
        quote!((#name, #expr))
    });
    let primary_key = model.primary_keys()[0].ident;
    let fields = model.fields.iter().map(|field| field_schema(field, field.ident == primary_key));
    quote! {
        ::oxutils::__private::model_schema(
            ::oxutils::__private::ModelAttrs {
                app: #app,
                name: #name,
                table: #table,
                db_comment: #db_comment,
                indexes: #indexes,
                unique_together: #unique_together,
                checks: &[#(#checks),*],
            },
            ::std::vec![#(#fields),*],
        )
    }
}

fn field_schema(field: &Field, primary_key: bool) -> TokenStream {
    let attrs = &field.attrs;
    let ty = field.ty;
    let name = field.name();
    let column = optional_str(&attrs.column);
    let unique = attrs.unique.is_set();
    let index = optional(attrs.index.get().map(|on| quote!(#on)));
    let max_length = optional(attrs.max_length.get().map(|length| quote!(#length)));
    let decimal = optional(
        attrs
            .max_digits
            .get()
            .zip(attrs.decimal_places.get())
            .map(|(digits, places)| quote!((#digits, #places))),
    );
    let default = optional(attrs.default.get().map(|expr| {
        quote_spanned! {syn::spanned::Spanned::span(expr)=>
            ::oxutils::__private::default_value::<#ty>(::core::convert::Into::into(#expr))
        }
    }));
    let auto_now = attrs.auto_now.is_set();
    let auto_now_add = attrs.auto_now_add.is_set();
    let on_delete = optional(attrs.on_delete.get().map(|action| {
        let variant = on_delete_variant(&action.value());
        quote!(::oxutils::__private::OnDelete::#variant)
    }));
    let upload_to = optional(attrs.s3_file.get().and_then(Option::as_ref).map(|path| quote!(#path)));
    let db_comment = optional_str(&attrs.db_comment);
    quote_spanned! {ty_span(ty)=>
        ::oxutils::__private::field_schema::<#ty>(::oxutils::__private::FieldAttrs {
            name: #name,
            column: #column,
            primary_key: #primary_key,
            unique: #unique,
            index: #index,
            max_length: #max_length,
            decimal: #decimal,
            default: #default,
            auto_now: #auto_now,
            auto_now_add: #auto_now_add,
            on_delete: #on_delete,
            upload_to: #upload_to,
            db_comment: #db_comment,
        })
    }
}

/// `Model::FIELD` for each field: a column handle typed by the model and the field's type.
fn column_handles(model: &Model) -> TokenStream {
    let ident = model.ident;
    let handles = model.fields.iter().enumerate().map(|(index, field)| {
        let ty = field.ty;
        let name = field.name();
        let handle = format_ident!("{}", name.to_uppercase());
        let doc = format!("The column of `{name}`, for filters.");
        quote! {
            #[doc = #doc]
            pub const #handle: ::oxutils::__private::Column<#ident, #ty> = ::oxutils::__private::Column::new(#index);
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#handles)*
        }
    }
}

/// Checks that need the field's type, which only the compiler knows: each asserts a marker trait whose
/// message explains the rule, spanned at the attribute that needs it.
fn type_assertions(model: &Model) -> TokenStream {
    let mut assertions = TokenStream::new();
    for field in &model.fields {
        let attrs = &field.attrs;
        let ty = field.ty;
        let mut assert = |span: Option<Span>, check: &str| {
            if let Some(span) = span {
                let check = format_ident!("{check}", span = span);
                // The type is re-spanned too: the compiler reports a failed bound at the type argument.
                let ty = respan(quote!(#ty), span);
                assertions
                    .extend(quote_spanned! {span=> const _: () = ::oxutils::__private::#check::<#ty>();});
            }
        };
        assert(attrs.auto_now.span(), "assert_auto_now");
        assert(attrs.auto_now_add.span(), "assert_auto_now");
        assert(attrs.s3_file.span(), "assert_file");
        assert(attrs.on_delete.span(), "assert_foreign_key");
        assert(attrs.max_length.span(), "assert_length_limited");
        assert(attrs.max_digits.span(), "assert_decimal");
        if attrs.on_delete.get().is_some_and(|action| action.value() == "set_null") {
            assert(attrs.on_delete.get().map(LitStr::span), "assert_nullable_foreign_key");
        }
    }
    let display_repr = model.attrs.audited.get().and_then(|audited| audited.repr.get());
    if let Some(repr) = display_repr.filter(|repr| repr.value() == "display") {
        let span = repr.span();
        let mut ident = model.ident.clone();
        ident.set_span(span);
        assertions
            .extend(quote_spanned! {span=> const _: () = ::oxutils::__private::assert_display::<#ident>();});
    }
    assertions
}

/// The same tokens, all placed at `span`. Name resolution is unchanged: both spans come from the user's code.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

fn on_delete_variant(action: &str) -> syn::Ident {
    let variant: String = action.split('_').map(|word| word[..1].to_uppercase() + &word[1..]).collect();
    format_ident!("{variant}")
}

fn optional(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn optional_str(attr: &Attr<LitStr>) -> TokenStream {
    optional(attr.get().map(|text| quote!(#text)))
}

fn ty_span(ty: &syn::Type) -> Span {
    syn::spanned::Spanned::span(ty)
}

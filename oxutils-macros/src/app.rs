//! `app!`: declares an app once (label, models, migrations folder) and embeds the folder's migration files
//! in the binary. It reads the folder at compile time and writes nothing.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

struct AppInput {
    label: LitStr,
    /// `None`: every model whose `#[ox(app = ...)]` names the label, from the registry.
    models: Option<Vec<Path>>,
    migrations: LitStr,
}

impl Parse for AppInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (mut label, mut models, mut migrations) = (None, None, None);
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "label" if label.is_none() => label = Some(input.parse::<LitStr>()?),
                "migrations" if migrations.is_none() => migrations = Some(input.parse::<LitStr>()?),
                "models" if models.is_none() => {
                    let content;
                    syn::bracketed!(content in input);
                    models = Some(
                        Punctuated::<Path, Token![,]>::parse_terminated(&content)?.into_iter().collect(),
                    );
                }
                "label" | "migrations" | "models" => {
                    return Err(syn::Error::new(key.span(), format!("duplicate `{key}`")));
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown key `{key}`; expected `label`, `models` or `migrations`"),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let missing = |key: &str| syn::Error::new(input.span(), format!("missing `{key} = ...`"));
        Ok(AppInput {
            label: label.ok_or_else(|| missing("label"))?,
            models,
            migrations: migrations.ok_or_else(|| missing("migrations"))?,
        })
    }
}

pub fn app(input: TokenStream) -> TokenStream {
    let input: AppInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let AppInput { label, models, migrations } = input;
    let folder = migrations.value();
    let files = match migration_files(&folder) {
        Ok(files) => files,
        Err(message) => return syn::Error::new(migrations.span(), message).to_compile_error(),
    };
    let embedded = files.iter().map(|file| {
        let path = format!("/{folder}/{file}");
        quote! {
            ::oxutils::__private::EmbeddedMigration {
                file_name: #file,
                text: ::core::include_str!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #path)),
            }
        }
    });
    let folder = format!("/{folder}");
    let models = match models {
        Some(models) => quote! { ::std::vec![#(<#models as ::oxutils::__private::Model>::schema()),*] },
        None => quote! { ::oxutils::__private::registered_models(#label) },
    };
    quote! {{
        fn models() -> ::std::vec::Vec<&'static ::oxutils::__private::ModelSchema> {
            #models
        }
        ::oxutils::__private::App {
            label: #label,
            models,
            migrations_dir: ::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #folder),
            embedded: &[#(#embedded),*],
        }
    }}
}

/// The `.json` files of the folder, sorted; none when the folder does not exist yet.
fn migration_files(folder: &str) -> Result<Vec<String>, String> {
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "CARGO_MANIFEST_DIR is not set".to_owned())?;
    let directory = std::path::Path::new(&manifest).join(folder);
    let Ok(entries) = std::fs::read_dir(&directory) else { return Ok(Vec::new()) };
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    Ok(files)
}

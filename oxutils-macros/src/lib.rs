//! The derives of oxutils. A thin shim: the work is done by functions over `proc_macro2::TokenStream`
//! that the unit tests call directly.

mod app;
mod ast;
mod attr;
mod case;
mod check;
mod choices;
mod ctxt;
mod expand;
mod fallback;
mod symbol;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Makes a struct a database model. See the README's attribute reference.
#[proc_macro_derive(OxModel, attributes(ox, s3_file))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand::derive_model(input.into()).into()
}

/// Stores a fieldless enum as a short string kept to its values by a CHECK constraint.
#[proc_macro_derive(OxChoices, attributes(ox))]
pub fn derive_choices(input: TokenStream) -> TokenStream {
    choices::derive_choices(input.into()).into()
}

/// Declares an app: `app!(label = "library", models = [Author, Book], migrations = "src/migrations")`.
/// The migrations folder is relative to the crate's manifest; its files are embedded in the binary.
#[proc_macro]
pub fn app(input: TokenStream) -> TokenStream {
    app::app(input.into()).into()
}

//! On error, a stub `Model` implementation: code that uses the model then type-checks, and the user sees
//! the derive's own errors instead of a cascade of "trait not implemented".

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub fn model_stub(input: &DeriveInput) -> TokenStream {
    // A generic struct is itself one of the errors, and a stub would need its parameters: emit none.
    if !input.generics.params.is_empty() || !matches!(input.data, syn::Data::Struct(_)) {
        return TokenStream::new();
    }
    let ident = &input.ident;
    quote! {
        #[automatically_derived]
        impl ::oxutils::__private::Model for #ident {
            const APP: &'static str = "";
            const NAME: &'static str = "";
            const TABLE: &'static str = "";
            const PRIMARY_KEY_COLUMN: &'static str = "";
            type PrimaryKey = i64;
            fn schema() -> &'static ::oxutils::__private::ModelSchema {
                ::core::unreachable!()
            }
            fn primary_key(&self) -> &i64 {
                ::core::unreachable!()
            }
            fn primary_key_mut(&mut self) -> &mut i64 {
                ::core::unreachable!()
            }
            fn write_row(&self, _: &mut impl ::oxutils::__private::RowWriter) {
                ::core::unreachable!()
            }
            fn read_row(
                _: &mut impl ::oxutils::__private::RowReader,
            ) -> ::core::result::Result<Self, ::oxutils::__private::RowError> {
                ::core::unreachable!()
            }
            fn statements() -> &'static ::oxutils::__private::StatementCache {
                ::core::unreachable!()
            }
        }
    }
}

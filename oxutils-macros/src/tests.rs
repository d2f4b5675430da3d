//! Snapshots of what the derives expand to, and of their errors, called as plain functions.

use crate::{choices, expand};
use quote::quote;

fn pretty(tokens: proc_macro2::TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

#[test]
fn model_expansion() {
    let expanded = expand::derive_model(quote! {
        #[ox(app = "audit")]
        pub struct LogExportHistory {
            pub id: i64,
            #[ox(on_delete = "cascade")]
            pub state: ForeignKey<LogExportState>,
            #[ox(max_length = 20, default = ExportStatus::Pending)]
            pub status: ExportStatus,
            #[ox(auto_now_add)]
            pub created_at: DateTime<Utc>,
        }
    });
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn choices_expansion() {
    let expanded = choices::derive_choices(quote! {
        #[ox(rename_all = "lowercase")]
        pub enum ExportStatus { Pending, Success, #[ox(rename = "KO")] Failed }
    });
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn every_error_of_a_struct_is_reported_at_once() {
    let expanded = expand::derive_model(quote! {
        #[ox(app = "shop", tabel = "x")]
        pub struct Order {
            #[ox(primary_key, primary_key)]
            pub code: String,
            #[ox(primary_key, on_delete = "explode")]
            pub other: i64,
        }
    });
    let text = expanded.to_string();
    for message in [
        "unknown attribute `tabel`; expected `app`, `table`, `db_comment`, `index`, `unique_together`, `check`, `on_write` or `audited`",
        "duplicate `primary_key` attribute",
        "a model has one primary key",
        "unknown `on_delete` value `explode`",
    ] {
        assert!(text.contains(message), "missing {message:?} in {text}");
    }
}

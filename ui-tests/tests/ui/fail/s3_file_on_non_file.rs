use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Invoice {
    pub id: i64,
    #[s3_file(upload_to = "invoices/")]
    pub pdf: String,
}

fn main() {}

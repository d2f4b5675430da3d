use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
#[s3_file(upload_to = "orders/")]
pub struct Order {
    pub id: i64,
}

fn main() {}

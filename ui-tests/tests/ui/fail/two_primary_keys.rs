use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    #[ox(primary_key)]
    pub code: String,
    #[ox(primary_key)]
    pub number: i64,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", app = "store")]
pub struct Order {
    pub id: i64,
    #[ox(max_length = 10, max_length = 20)]
    pub code: String,
}

fn main() {}

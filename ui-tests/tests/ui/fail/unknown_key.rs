use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", tabel = "orders")]
pub struct Order {
    pub id: i64,
    #[ox(uniq)]
    pub code: String,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(on_delete = "cascade")]
    pub customer_id: i64,
}

fn main() {}

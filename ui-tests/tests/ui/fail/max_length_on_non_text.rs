use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(max_length = 10)]
    pub quantity: i32,
}

fn main() {}

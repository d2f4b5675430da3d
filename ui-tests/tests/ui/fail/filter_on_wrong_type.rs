use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    pub quantity: i32,
}

fn main() {
    let _ = Order::QUANTITY.eq("three");
}

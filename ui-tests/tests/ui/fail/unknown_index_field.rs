use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", index(customer, placed_at), unique_together(number, year))]
pub struct Order {
    pub id: i64,
    pub customer: String,
    pub number: i64,
}

fn main() {}

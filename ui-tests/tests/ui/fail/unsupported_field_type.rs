use oxutils::prelude::*;

pub struct Money {
    pub cents: i64,
}

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    pub total: Money,
}

fn main() {}

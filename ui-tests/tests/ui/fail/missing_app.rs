use oxutils::prelude::*;

#[derive(OxModel)]
pub struct Order {
    pub id: i64,
}

fn main() {}

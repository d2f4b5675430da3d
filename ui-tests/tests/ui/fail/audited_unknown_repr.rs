use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", audited(repr = "debug"))]
pub struct Customer {
    pub id: i64,
    pub name: String,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Customer {
    pub id: i64,
}

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(on_delete = "set_null")]
    pub customer: ForeignKey<Customer>,
}

fn main() {}

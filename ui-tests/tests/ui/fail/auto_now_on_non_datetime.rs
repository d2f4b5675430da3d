use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(auto_now)]
    pub updated: i64,
}

fn main() {}

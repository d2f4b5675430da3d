use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub enum Order {
    Open { id: i64 },
}

fn main() {}

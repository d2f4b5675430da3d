use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order<T> {
    pub id: i64,
    pub payload: T,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order(i64, String);

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order;

fn main() {}

use oxutils::prelude::*;

/// `repr = "display"` names the object by its `Display`, which this struct lacks.
#[derive(OxModel)]
#[ox(app = "shop", audited(repr = "display"))]
pub struct Customer {
    pub id: i64,
    pub name: String,
}

fn main() {}

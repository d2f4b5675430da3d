use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", audited(masked(password)))]
pub struct Customer {
    pub id: i64,
    pub password: String,
}

fn main() {}

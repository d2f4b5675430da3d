use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", audited(mask(password, token), exclude(token)))]
pub struct Customer {
    pub id: i64,
    pub password: String,
    pub token: String,
}

fn main() {}

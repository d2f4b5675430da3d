use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", audited(mask(pin), unmask(password, pin)))]
pub struct Customer {
    pub id: i64,
    pub password: String,
    pub pin: String,
}

fn main() {}

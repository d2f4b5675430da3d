use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", audited(mask(pasword), exclude(updated)))]
pub struct Customer {
    pub id: i64,
    pub password: String,
    pub updated_at: DateTime<Utc>,
}

fn main() {}

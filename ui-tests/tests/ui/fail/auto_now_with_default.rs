use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(auto_now, auto_now_add)]
    pub updated_at: DateTime<Utc>,
}

fn main() {}

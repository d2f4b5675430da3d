use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop", colour = "blue")]
pub struct Order {
    #[ox(primary_key)]
    pub code: String,
    #[ox(primary_key, on_delete = "explode")]
    pub number: i64,
    #[ox(auto_now)]
    pub placed: bool,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxModel)]
#[ox(app = "shop")]
pub struct Order {
    pub id: i64,
    #[ox(max_digits = 10, decimal_places = 2)]
    pub quantity: i32,
    #[ox(max_digits = 10)]
    pub no_places: Decimal,
    #[ox(decimal_places = 2)]
    pub no_digits: Decimal,
    #[ox(max_digits = 4, decimal_places = 6)]
    pub no_room: Decimal,
    #[ox(max_digits = 40, decimal_places = 2)]
    pub too_wide: Decimal,
}

fn main() {}

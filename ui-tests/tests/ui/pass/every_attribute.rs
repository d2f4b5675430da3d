//! Every attribute in its allowed form compiles, and a user's own type becomes a column.

use oxutils::WriteEvent;
use oxutils::db::{Connection, DbError};
use oxutils::prelude::*;
use oxutils::{ColumnSpec, Value, ValueError};

/// A user's own column type: cents stored as an integer.
pub struct Cents(pub i64);

impl OxField for Cents {
    fn column() -> ColumnSpec {
        i64::column()
    }

    fn to_value(&self) -> Value {
        self.0.to_value()
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        i64::from_value(value).map(Cents)
    }
}

#[derive(OxChoices)]
#[ox(rename_all = "kebab-case")]
pub enum Stage {
    InCart,
    #[ox(rename = "paid")]
    PaymentReceived,
}

#[derive(OxModel)]
#[ox(app = "shop", table = "customers", db_comment = "People who buy")]
pub struct Customer {
    #[ox(primary_key, column = "customer_uuid")]
    pub uuid: uuid::Uuid,
    #[ox(unique, max_length = 200, db_comment = "Login")]
    pub email: String,
}

#[derive(OxModel)]
#[ox(
    app = "shop",
    index(customer, placed_at),
    unique_together(customer, number),
    check(name = "total_not_negative", expr = "total >= 0"),
    audited(mask(notes), exclude(created_at, raw), repr = "pk"),
    on_write = order_written
)]
pub struct Order {
    pub id: i64,
    #[ox(on_delete = "cascade")]
    pub customer: ForeignKey<Customer>,
    #[ox(on_delete = "set_null", index = false)]
    pub referrer: Option<ForeignKey<Customer>>,
    pub number: i32,
    #[ox(default = Stage::InCart, max_length = 30)]
    pub stage: Stage,
    #[ox(default = 0)]
    pub total: Cents,
    #[ox(index)]
    pub placed_at: Option<DateTime<Utc>>,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
    #[ox(auto_now)]
    pub updated_at: NaiveDateTime,
    #[s3_file(upload_to = "invoices/")]
    pub invoice: Option<S3File>,
    #[s3_file]
    pub receipt: S3File,
    pub notes: Option<String>,
    pub payload: serde_json::Value,
    pub ratio: f64,
    pub fragile: bool,
    pub raw: Vec<u8>,
    pub due: NaiveDate,
    #[ox(max_digits = 12, decimal_places = 2, default = Decimal::ZERO)]
    pub discount: Decimal,
    #[ox(max_digits = 6, decimal_places = 4)]
    pub tax_rate: Option<Decimal>,
}

/// A write hook beside the audit entry.
fn order_written(_: &mut Connection, _: &WriteEvent<'_>) -> Result<(), DbError> {
    Ok(())
}

/// Audited by its `Display`, with the default lists.
#[derive(OxModel)]
#[ox(app = "shop", audited(repr = "display"))]
pub struct Coupon {
    pub id: i64,
    pub code: String,
}

impl std::fmt::Display for Coupon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

/// Audited with nothing more said.
#[derive(OxModel)]
#[ox(app = "shop", audited)]
pub struct Tag {
    pub id: i64,
    pub label: String,
}

impl From<i64> for Cents {
    fn from(cents: i64) -> Self {
        Cents(cents)
    }
}

fn main() {
    let schema = Order::schema();
    assert_eq!(schema.table, "shop_order");
    assert_eq!(Order::CUSTOMER.column(), "customer_id");
    let _ = Order::STAGE.eq(Stage::PaymentReceived).and(Order::TOTAL.ge(Cents(10)));
    let _ = Customer::EMAIL.like("%@example.com");
}

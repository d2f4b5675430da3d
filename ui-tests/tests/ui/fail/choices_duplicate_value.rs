use oxutils::prelude::*;

#[derive(OxChoices)]
pub enum Status {
    Open,
    #[ox(rename = "OPEN")]
    Reopened,
}

fn main() {}

use oxutils::prelude::*;

#[derive(OxChoices)]
pub enum Status {
    Open,
    Closed { reason: String },
}

fn main() {}

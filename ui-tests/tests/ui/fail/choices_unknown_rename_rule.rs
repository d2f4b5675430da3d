use oxutils::prelude::*;

#[derive(OxChoices)]
#[ox(rename_all = "Title Case")]
pub enum Status {
    Open,
}

fn main() {}

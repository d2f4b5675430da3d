//! A model is declared once, on its struct: an app whose `app!` lists no models collects every model that
//! names it, wherever it is declared; an app that lists its models and leaves one out fails the start-up
//! checks, naming the model.

use oxutils::checks::{CheckError, check_apps};
use oxutils::prelude::*;

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "registry_demo")]
pub struct Shelf {
    pub id: i64,
    #[ox(max_length = 20)]
    pub label: String,
}

mod elsewhere {
    use oxutils::prelude::*;

    /// Declared in another module: found all the same.
    #[derive(OxModel, Debug, Clone, PartialEq)]
    #[ox(app = "registry_demo")]
    pub struct Crate {
        pub id: i64,
        pub shelf: ForeignKey<super::Shelf>,
    }
}

const COLLECTED: oxutils::apps::App =
    oxutils::app!(label = "registry_demo", migrations = "no_migrations_here");
const LISTED: oxutils::apps::App =
    oxutils::app!(label = "registry_demo", models = [Shelf], migrations = "no_migrations_here");

#[test]
fn an_app_collects_the_models_that_name_it() {
    let names: Vec<&str> = (COLLECTED.models)().iter().map(|model| model.name.as_str()).collect();
    assert_eq!(names, ["Crate", "Shelf"]);
    assert_eq!(check_apps(&[COLLECTED]), []);
    let _ = elsewhere::Crate { id: 1, shelf: ForeignKey::new(1) };
}

#[test]
fn a_model_left_out_of_a_list_fails_the_checks_by_name() {
    let problems = check_apps(&[LISTED]);
    assert_eq!(problems, [CheckError::LeftOutOfApp { model: "registry_demo.Crate".into() }]);
    assert!(
        problems[0].to_string().contains("add it to `models = [...]`, or drop `models`"),
        "{}",
        problems[0]
    );
}

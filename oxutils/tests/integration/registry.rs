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

/// An audited model of an app that has no migrations yet.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "registry_audited", audited)]
pub struct Visit {
    pub id: i64,
    pub note: String,
}

/// The first migration of an app with an audited model depends on the audit app's, so that migrating that
/// app alone makes the table its writes log to.
#[test]
fn an_audited_models_first_migration_depends_on_the_audit_log() {
    let directory = std::env::temp_dir().join(format!("oxutils_registry_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    let folder: &'static str = Box::leak(directory.join("migrations").display().to_string().into_boxed_str());
    let app = oxutils::apps::App {
        migrations_dir: folder,
        ..oxutils::app!(label = "registry_audited", migrations = "none")
    };
    let apps: Vec<oxutils::apps::App> = oxutils::UTILS_APPS.iter().copied().chain([app]).collect();
    let run = |arguments: &[&str]| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = oxutils::cli::run_to(&apps, arguments.iter().copied(), &mut out, &mut err);
        assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", String::from_utf8_lossy(&err));
        String::from_utf8(out).unwrap()
    };
    run(&["manage", "makemigrations", "--no-input"]);
    let file = std::fs::read_to_string(directory.join("migrations/0001_initial.json")).unwrap();
    assert!(file.contains("{\"app\": \"audit\", \"name\": \"0003_logexportrange\"}"), "{file}");

    let database = format!("sqlite://{}", directory.join("db.sqlite3").display());
    let out = run(&["manage", "migrate", "registry_audited", "--database", &database]);
    assert!(
        out.contains("Applying audit.0002_logentry... OK")
            && out.contains("Applying registry_audited.0001_initial... OK"),
        "{out}"
    );
    let mut connection = oxutils::db::Connection::open(&database).unwrap();
    Visit { id: 0, note: "first".into() }.insert(&mut connection).unwrap();
    let logged = oxutils::audit::LogEntry::objects().count(&mut connection).unwrap();
    assert_eq!(logged, 1, "the write is logged");
    let _ = std::fs::remove_dir_all(&directory);
}

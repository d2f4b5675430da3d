//! `inspectdb` on the tables Django 5.2 creates on each backend (its `sqlmigrate` output, kept in
//! `tests/fixtures/django_catalog` with the models and the command that made it): the models it writes,
//! per backend, as a reviewed snapshot. The round trip through a host crate (compile, `makemigrations`,
//! `migrate --fake-initial`, rows read back) is `host_crates::inspectdb_writes_models_that_take_over_an_existing_<backend>_database`.

use crate::support::Database;

fn django_tables_become_models(database: &mut Database) {
    let backend = database.connection.backend();
    let name = match backend {
        oxutils::ddl::Backend::Sqlite => "sqlite",
        oxutils::ddl::Backend::Postgres => "postgres",
        oxutils::ddl::Backend::Mysql => "mysql",
    };
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/django_catalog");
    let ddl = std::fs::read_to_string(format!("{fixture}/{name}.sql")).unwrap();
    database.connection.batch(&ddl).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let arguments = ["manage", "inspectdb", "--app", "catalog", "--database", &database.url];
    let code = oxutils::cli::run_to(&tests::installed_apps(), arguments, &mut out, &mut err);
    let (out, err) = (String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap());
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{err}");
    insta::assert_snapshot!(format!("inspectdb_django_{name}"), out);

    let mut err = Vec::new();
    let arguments = ["manage", "inspectdb", "no_such_table", "--app", "catalog", "--database", &database.url];
    let code = oxutils::cli::run_to(&tests::installed_apps(), arguments, &mut Vec::new(), &mut err);
    assert_eq!(code, std::process::ExitCode::from(2));
    assert!(String::from_utf8(err).unwrap().contains("the database has no table `no_such_table`"));
}

on_every_backend!(django_tables_become_models);

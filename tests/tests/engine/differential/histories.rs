//! Hand-written histories for the bugs the random ones found, sturdier than a fixed seed (a change to
//! the generator moves a seed's history elsewhere). Each runs on SQLite, PostgreSQL and MariaDB.

use crate::support::{self, model, model_tables as tables};
use oxutils::db::Connection;
use oxutils::migrations::{
    Executor, MakeError, MigrateOptions, Migration, MigrationKey, NonInteractiveQuestioner, Target,
    make_migrations, squash,
};
use oxutils::schema::{ColumnType, FieldSchema, ModelSchema, OnDelete};

crate::on_every_backend!(
    a_delete_waits_for_every_app_that_ever_pointed_at_the_model,
    a_squash_that_closes_no_cycle,
    backwards_undoes_in_the_reverse_of_the_replayed_order,
    renames_keep_a_choice_check_and_comments_are_migrated,
    undoing_sees_what_another_app_applied_before,
    no_index_a_key_uses_is_dropped_under_it,
    a_long_table_is_renamed_with_its_primary_key,
    models_of_two_apps_that_point_at_each_other_are_deleted_together,
    a_rename_waits_for_every_app_that_ever_pointed_at_the_model,
);

/// A project's migration files, each rendered and parsed back as `makemigrations` writes them.
#[derive(Default, Clone)]
struct Files(Vec<Migration>);

impl Files {
    fn make(&mut self, models: &[ModelSchema]) -> Vec<Migration> {
        let refs: Vec<&ModelSchema> = models.iter().collect();
        let new = make_migrations(&refs, self.0.clone(), &[], None, &mut NonInteractiveQuestioner).unwrap();
        let parsed: Vec<Migration> = new
            .iter()
            .map(|migration| {
                Migration::parse(&migration.app, &migration.file_name(), &migration.render()).unwrap()
            })
            .collect();
        self.0.extend(parsed.clone());
        parsed
    }

    fn migrate(&self, connection: &mut Connection, target: Target) -> Vec<MigrationKey> {
        let backend = connection.backend();
        let mut executor = Executor::new(connection, self.0.clone()).unwrap();
        let steps = executor
            .migrate(&target, MigrateOptions::default())
            .unwrap_or_else(|error| panic!("migrate to {target:?} on {backend}: {error}"));
        steps.into_iter().map(|step| step.migration).collect()
    }

    fn key(&self, app: &str, number: u32) -> MigrationKey {
        self.0.iter().find(|m| m.app == app && m.number() == number).expect("the migration exists").key()
    }
}

fn text(name: &str) -> FieldSchema {
    FieldSchema::new(name, ColumnType::String { max_length: 40 }, true)
}

/// The keys of these histories: nullable, `SET NULL`.
fn key_to(name: &str, target: &ModelSchema) -> FieldSchema {
    support::key_to(name, target, true, OnDelete::SetNull)
}

/// `beta` pointed at `alpha.Product` once, with one key it later removed and one it later turned to
/// `alpha.Tag`; only then does `alpha` delete `Product`. No app points at it at that moment, yet the delete
/// must wait for `beta`'s migration that took the keys away: the graph orders `alpha` before `beta`, so a
/// fresh database would otherwise drop the table before `beta`'s initial migration creates keys to it.
fn a_delete_waits_for_every_app_that_ever_pointed_at_the_model(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let product = model("alpha", "Product", vec![text("name")]);
    let tag = model("alpha", "Tag", vec![text("label")]);
    let line = |first: &ModelSchema, second: Option<&ModelSchema>| {
        let mut fields = vec![text("note"), key_to("first", first)];
        fields.extend(second.map(|second| key_to("second", second)));
        model("beta", "Line", fields)
    };
    files.make(&[product.clone(), tag.clone(), line(&product, Some(&product))]);
    files.make(&[product.clone(), tag.clone(), line(&tag, None)]);
    let deletes = files.make(&[tag.clone(), line(&tag, None)]);
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].app, "alpha");
    assert!(
        deletes[0].dependencies.contains(&files.key("beta", 2)),
        "the delete waits for beta's migration that removed the keys: {:?}",
        deletes[0].dependencies
    );

    // A fresh database runs beta's keys to the table before the table goes.
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["alpha_tag", "beta_line"]);

    // Backwards with rows in place: the table comes back before the keys to it, then forwards again.
    connection.batch("INSERT INTO alpha_tag (label) VALUES ('red')").unwrap();
    connection.batch("INSERT INTO beta_line (note) VALUES ('one')").unwrap();
    files.migrate(connection, Target::Zero("alpha".into()));
    assert_eq!(tables(connection), Vec::<String>::new());
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["alpha_tag", "beta_line"]);
    // Back to before the keys moved: beta's initial keys to Product are there again.
    files.migrate(connection, Target::Migration(files.key("beta", 1)));
    assert_eq!(tables(connection), ["alpha_product", "alpha_tag", "beta_line"]);
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["alpha_tag", "beta_line"]);
}

/// `alpha` 0001 and 0002, `beta` 0001 after `alpha` 0002, `alpha` 0003 after `beta` 0001: a squash of
/// `alpha` that takes in 0003 would depend on `beta` 0001, which depends on a member of the range, so
/// `squash` refuses it and names both; a squash of 0001-0002 is fine, on a fresh database and on one that
/// applied what it replaces.
fn a_squash_that_closes_no_cycle(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let author = model("alpha", "Author", vec![text("name")]);
    files.make(std::slice::from_ref(&author));
    let mut author = author;
    author.fields.push(text("email"));
    files.make(std::slice::from_ref(&author));
    let book = model("beta", "Book", vec![text("title"), key_to("author", &author)]);
    files.make(&[author.clone(), book.clone()]);
    let mut author_with_favourite = author.clone();
    author_with_favourite.fields.push(key_to("favourite", &book));
    let last = files.make(&[author_with_favourite.clone(), book.clone()]);
    assert_eq!(last.len(), 1);
    assert!(last[0].dependencies.contains(&files.key("beta", 1)), "{:?}", last[0].dependencies);

    let (first, second, third) = (files.key("alpha", 1), files.key("alpha", 2), files.key("alpha", 3));
    // The refusal names the first member `beta` 0001 needs, by way of `alpha` 0002.
    for (from, needed) in [(None, &first), (Some(second.name.as_str()), &second)] {
        match squash(&files.0, "alpha", from, &third.name) {
            Err(error @ MakeError::SquashCycle { .. }) => {
                let message = error.to_string();
                assert!(
                    message.contains(&format!("after {}", files.key("beta", 1)))
                        && message.contains(&format!("after {needed} inside the range")),
                    "the refusal from {from:?} names the outside migration and the member it needs: {message}"
                );
            }
            other => panic!("a range from {from:?} to {third} closes a cycle through beta: {other:?}"),
        }
    }
    let squashed = squash(&files.0, "alpha", None, &second.name).unwrap();
    assert_eq!(squashed.replaces, [first.clone(), second.clone()]);
    let squashed = Migration::parse("alpha", &squashed.file_name(), &squashed.render()).unwrap();
    let originals = files.clone();
    files.0.push(squashed.clone());

    // A database that applied the originals counts the squash as applied.
    originals.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO alpha_author (name, email) VALUES ('Ann', 'a@example.com')").unwrap();
    let executor = Executor::new(connection, files.0.clone()).unwrap();
    assert!(executor.plan(&Target::Latest).unwrap().is_empty(), "nothing to run on the existing database");
    drop(executor);

    // Only the squash and what follows it: the whole set down and up again.
    let without: Files =
        Files(files.0.iter().filter(|m| !squashed.replaces.contains(&m.key())).cloned().collect());
    without.migrate(connection, Target::Zero("alpha".into()));
    assert_eq!(tables(connection), Vec::<String>::new());
    let done = without.migrate(connection, Target::Latest);
    assert_eq!(done.first(), Some(&squashed.key()), "{done:?}");
    assert_eq!(tables(connection), ["alpha_author", "beta_book"]);
}

/// `beta` 0002 moves `Product` to another table and `gamma` 0002 then drops its key to it. Going back to
/// zero, `gamma` 0002 must be undone first: its backwards SQL re-creates the key to the table as `beta` 0002
/// named it. A dependents-first walk from `beta` 0001 undid `beta` 0002 first (found by the differential
/// test: "relation beta_tab does not exist" on PostgreSQL, errno 150 on MariaDB).
fn backwards_undoes_in_the_reverse_of_the_replayed_order(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let product = model("beta", "Product", vec![text("name")]);
    let line = |target: &ModelSchema, keyed: bool| {
        let mut fields = vec![text("note")];
        fields.extend(keyed.then(|| key_to("product", target)));
        model("gamma", "Line", fields)
    };
    files.make(&[product.clone(), line(&product, true)]);
    let moved = ModelSchema { table: "beta_tab".into(), ..product.clone() };
    files.make(&[moved.clone(), line(&moved, true)]);
    files.make(&[moved.clone(), line(&moved, false)]);
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO gamma_line (note) VALUES ('kept')").unwrap();
    files.migrate(connection, Target::Zero("beta".into()));
    assert_eq!(tables(connection), Vec::<String>::new());
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["beta_tab", "gamma_line"]);
}

/// A choice column's CHECK is named after its table and column; SQLite, which cannot rename a constraint,
/// kept it under the old name after either was renamed; so did MariaDB the CHECK of a JSON column (its
/// JSON is text with a CHECK named after the column). A model's comment change made no operation.
fn renames_keep_a_choice_check_and_comments_are_migrated(database: &mut support::Database) {
    let connection = &mut database.connection;
    use super::checks::{create_from_models, schema_of};
    let mut files = Files::default();
    let mut status = text("status");
    status.choices = Some(vec!["open".into(), "shut".into()]);
    let payload = FieldSchema::new("payload", ColumnType::Json, true);
    let ticket = model("alpha", "Ticket", vec![status, payload]);
    files.make(std::slice::from_ref(&ticket));
    let mut moved = ModelSchema { table: "alpha_tab".into(), db_comment: Some("tickets".into()), ..ticket };
    let new = files.make(std::slice::from_ref(&moved));
    let described: Vec<String> = new[0].operations.iter().map(|op| op.describe()).collect();
    assert_eq!(described, ["Rename table for Ticket to alpha_tab", "Alter the comment of Ticket"]);
    moved.fields[1].name = "state".into();
    moved.fields[1].column = "state".into();
    moved.fields[2].name = "body".into();
    moved.fields[2].column = "body".into();
    let mut renaming = RenameAnswers;
    let refs = [&moved];
    let renamed = make_migrations(&refs, files.0.clone(), &[], None, &mut renaming).unwrap();
    files.0.extend(renamed);
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO alpha_tab (state) VALUES ('open')").unwrap();
    assert!(connection.batch("INSERT INTO alpha_tab (state) VALUES ('lost')").is_err(), "the CHECK holds");

    let backend = connection.backend();
    let server = match backend {
        oxutils::ddl::Backend::Sqlite => support::Backend::Sqlite,
        oxutils::ddl::Backend::Postgres => support::Backend::Postgres,
        oxutils::ddl::Backend::Mysql => support::Backend::Mysql,
    };
    let mut declared = server.database().expect("a second database on the same server");
    create_from_models(&mut declared.connection, &[moved.clone()]).unwrap();
    let differences =
        schema_of(connection).unwrap().differences(&schema_of(&mut declared.connection).unwrap());
    assert!(differences.is_empty(), "{backend}: {differences:?}");
    let refs = [&moved];
    assert!(
        make_migrations(&refs, files.0.clone(), &[], None, &mut NonInteractiveQuestioner).unwrap().is_empty()
    );
    files.migrate(connection, Target::Zero("alpha".into()));
    files.migrate(connection, Target::Latest);
}

/// A table of 59 bytes or more: PostgreSQL cuts its primary key's name, `<table>_pkey`, to 63 bytes, and
/// renaming the table addressed the name uncut, which PostgreSQL never made (review of issue 14).
fn a_long_table_is_renamed_with_its_primary_key(database: &mut support::Database) {
    use super::checks::{create_from_models, schema_of};
    let connection = &mut database.connection;
    let mut files = Files::default();
    let table = "alpha_a_ledger_whose_table_name_is_long_enough_to_be_cut_by_pg";
    assert!(table.len() + "_pkey".len() > 63);
    let long = ModelSchema { table: table.into(), ..model("alpha", "Ledger", vec![text("entry")]) };
    files.make(std::slice::from_ref(&long));
    let short = ModelSchema { table: "alpha_ledger".into(), ..long.clone() };
    files.make(std::slice::from_ref(&short));
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO alpha_ledger (entry) VALUES ('kept')").unwrap();

    let backend = connection.backend();
    let server = match backend {
        oxutils::ddl::Backend::Sqlite => support::Backend::Sqlite,
        oxutils::ddl::Backend::Postgres => support::Backend::Postgres,
        oxutils::ddl::Backend::Mysql => support::Backend::Mysql,
    };
    let mut declared = server.database().expect("a second database on the same server");
    create_from_models(&mut declared.connection, std::slice::from_ref(&short)).unwrap();
    let differences =
        schema_of(connection).unwrap().differences(&schema_of(&mut declared.connection).unwrap());
    assert!(differences.is_empty(), "{backend}: {differences:?}");
    // Back to the long name and forwards again: the key is found under each name.
    files.migrate(connection, Target::Migration(files.key("alpha", 1)));
    let rows =
        connection.query(&format!("SELECT entry FROM {}", backend.quote_identifier(table)), &[]).unwrap();
    assert_eq!(rows.len(), 1, "{backend}: the row survives both renames");
    files.migrate(connection, Target::Latest);
}

/// Yes to every field rename.
struct RenameAnswers;

impl oxutils::migrations::Questioner for RenameAnswers {
    fn ask_rename_model(
        &mut self,
        _: &str,
        _: &ModelSchema,
        _: &ModelSchema,
    ) -> Result<bool, oxutils::migrations::QuestionError> {
        Ok(false)
    }

    fn ask_rename_field(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
        _: &FieldSchema,
    ) -> Result<bool, oxutils::migrations::QuestionError> {
        Ok(true)
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<oxutils::schema::Literal, oxutils::migrations::QuestionError> {
        oxutils::migrations::NonInteractiveQuestioner.ask_not_null_default(app, model, field)
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<oxutils::migrations::NotNullAlteration, oxutils::migrations::QuestionError> {
        oxutils::migrations::NonInteractiveQuestioner.ask_not_null_alteration(app, model, field)
    }
}

/// `beta` 0002 moves `Product` to another table; later `gamma` 0002 adds a field to `Line`, which points at
/// `Product`, and `alpha` 0002 a key to `Line`. The graph orders `alpha`'s chain, and so `gamma` 0002, before
/// `beta` 0002, though the database applied `beta` 0002 first. Undoing `gamma` 0002 (a SQLite rebuild of
/// `gamma_line`) must see `beta` 0002: the state replayed in the graph's order re-created the key to
/// `beta_product`, which is gone (differential test, SQLite seed 3).
fn undoing_sees_what_another_app_applied_before(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let product = model("beta", "Product", vec![text("name")]);
    let thing = model("alpha", "Thing", vec![text("label")]);
    let line = |target: &ModelSchema, extra: bool| {
        let mut fields = vec![text("note"), key_to("product", target)];
        fields.extend(extra.then(|| text("extra")));
        model("gamma", "Line", fields)
    };
    files.make(&[thing.clone(), product.clone(), line(&product, false)]);
    files.migrate(connection, Target::Latest);
    let moved = ModelSchema { table: "beta_tab".into(), ..product.clone() };
    files.make(&[thing.clone(), moved.clone(), line(&moved, false)]);
    files.migrate(connection, Target::Latest);
    let extended = line(&moved, true);
    let mut pointing = thing.clone();
    pointing.fields.push(key_to("line", &extended));
    let new = files.make(&[pointing, moved.clone(), extended]);
    assert_eq!(new.len(), 2, "{new:?}");
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO beta_tab (name) VALUES ('lamp')").unwrap();
    connection.batch("INSERT INTO gamma_line (note, product_id, extra) VALUES ('one', 1, 'x')").unwrap();

    files.migrate(connection, Target::Migration(files.key("alpha", 1)));
    files.migrate(connection, Target::Migration(files.key("gamma", 1)));
    assert_eq!(tables(connection), ["alpha_thing", "beta_tab", "gamma_line"]);
    files.migrate(connection, Target::Latest);
    connection.batch("DELETE FROM beta_tab").unwrap_or_else(|error| panic!("{error}"));
    let left = support::text_column(connection, "SELECT note FROM gamma_line", &[]);
    assert_eq!(left, ["one"], "the key still points at beta_tab, with SET NULL");
}

/// MySQL refuses to drop the index a foreign key uses (error 1553): the single-column index of a key's
/// field, and a composite index leading with a key's column that served it. Both go, with the key dropped
/// and added around them (differential test, MariaDB seeds 1 and 3 before the generator grew).
fn no_index_a_key_uses_is_dropped_under_it(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let product = model("alpha", "Product", vec![text("name")]);
    let mut line =
        model("beta", "Line", vec![key_to("product", &product), key_to("other", &product), text("note")]);
    line.fields[2].index = false;
    line.indexes.push(oxutils::schema::IndexSchema {
        name: "beta_line_other_note".into(),
        columns: vec!["other_id".into(), "note".into()],
    });
    files.make(&[product.clone(), line.clone()]);
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO alpha_product (name) VALUES ('lamp')").unwrap();
    connection.batch("INSERT INTO beta_line (product_id, other_id) VALUES (1, 1)").unwrap();
    line.fields[1].index = false;
    line.indexes.clear();
    files.make(&[product.clone(), line.clone()]);
    files.migrate(connection, Target::Latest);
    assert!(connection.batch("INSERT INTO beta_line (product_id) VALUES (99)").is_err(), "the key holds");
    assert!(connection.batch("INSERT INTO beta_line (other_id) VALUES (99)").is_err(), "the key holds");
    files.migrate(connection, Target::Migration(files.key("beta", 1)));
    files.migrate(connection, Target::Latest);
}

/// `alpha.Shelf` and `beta.Book` point at each other, with rows, and both are deleted in one step. Each app
/// removes its key to the other in a first migration and deletes its model in a second, after the other
/// app's first. Before, each delete waited for the other app's delete: a cycle the graph refused (seed 1028).
fn models_of_two_apps_that_point_at_each_other_are_deleted_together(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let shelf = model("alpha", "Shelf", vec![text("label")]);
    let book = model("beta", "Book", vec![text("title"), key_to("shelf", &shelf)]);
    files.make(&[shelf.clone(), book.clone()]);
    let shelf_with_key = model("alpha", "Shelf", vec![text("label"), key_to("favourite", &book)]);
    files.make(&[shelf_with_key, book]);
    files.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO alpha_shelf (label) VALUES ('top')").unwrap();
    connection.batch("INSERT INTO beta_book (title, shelf_id) VALUES ('Dune', 1)").unwrap();
    connection.batch("UPDATE alpha_shelf SET favourite_id = 1").unwrap();

    let deletes = files.make(&[]);
    let names: Vec<String> = deletes.iter().map(|migration| migration.key().to_string()).collect();
    assert_eq!(deletes.len(), 4, "a key removal and a delete in each app: {names:?}");
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), Vec::<String>::new());

    // A fresh run of every file, and back to before the deletes.
    files.migrate(connection, Target::Zero("alpha".into()));
    files.migrate(connection, Target::Zero("beta".into()));
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), Vec::<String>::new());
    files.migrate(connection, Target::Migration(files.key("alpha", 2)));
    assert_eq!(tables(connection), ["alpha_shelf", "beta_book"]);
}

/// `beta.Book` pointed at `alpha.Author` in its initial migration and at `alpha.Tag` from its second on;
/// then `alpha` renames `Author` to `Writer`. No app points at `Author` then, yet the rename must wait for
/// `beta`'s migrations that named it: the graph orders `alpha` first, so a fresh database would otherwise
/// create `beta`'s key to a table the rename had already moved (seed 1021 of the differential test:
/// "relation alpha_model7 does not exist" on PostgreSQL).
fn a_rename_waits_for_every_app_that_ever_pointed_at_the_model(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut files = Files::default();
    let author = model("alpha", "Author", vec![text("name")]);
    let tag = model("alpha", "Tag", vec![text("label")]);
    let book = |target: &ModelSchema| model("beta", "Book", vec![text("title"), key_to("subject", target)]);
    files.make(&[author.clone(), tag.clone(), book(&author)]);
    files.make(&[author.clone(), tag.clone(), book(&tag)]);
    let writer = model("alpha", "Writer", vec![text("name")]);
    let refs = [&writer, &tag, &book(&tag)];
    let renamed = make_migrations(&refs, files.0.clone(), &[], None, &mut ModelRenameAnswers).unwrap();
    assert_eq!(renamed.len(), 1, "{renamed:?}");
    let described: Vec<String> = renamed[0].operations.iter().map(|op| op.describe()).collect();
    assert_eq!(described, ["Rename model Author to Writer"]);
    assert!(
        renamed[0].dependencies.contains(&files.key("beta", 2)),
        "the rename waits for beta's migrations that named Author: {:?}",
        renamed[0].dependencies
    );
    files.0.extend(renamed.iter().map(|migration| {
        Migration::parse(&migration.app, &migration.file_name(), &migration.render()).unwrap()
    }));
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["alpha_tag", "alpha_writer", "beta_book"]);
    connection.batch("INSERT INTO alpha_writer (name) VALUES ('Ursula')").unwrap();
    files.migrate(connection, Target::Zero("alpha".into()));
    assert_eq!(tables(connection), Vec::<String>::new());
    files.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["alpha_tag", "alpha_writer", "beta_book"]);
}

/// Yes to every model rename, no to everything else.
struct ModelRenameAnswers;

impl oxutils::migrations::Questioner for ModelRenameAnswers {
    fn ask_rename_model(
        &mut self,
        _: &str,
        _: &ModelSchema,
        _: &ModelSchema,
    ) -> Result<bool, oxutils::migrations::QuestionError> {
        Ok(true)
    }

    fn ask_rename_field(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
        _: &FieldSchema,
    ) -> Result<bool, oxutils::migrations::QuestionError> {
        Ok(false)
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<oxutils::schema::Literal, oxutils::migrations::QuestionError> {
        oxutils::migrations::NonInteractiveQuestioner.ask_not_null_default(app, model, field)
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<oxutils::migrations::NotNullAlteration, oxutils::migrations::QuestionError> {
        oxutils::migrations::NonInteractiveQuestioner.ask_not_null_alteration(app, model, field)
    }
}

//! The changes real projects make in their first months, each of which once left `migrate` stuck: a
//! nullable field made NOT NULL on a table holding NULLs, a model renamed while another app points at it,
//! a model deleted with the other app's key to it, and a squash on a database that applied what it
//! replaces. Each runs on SQLite, PostgreSQL and MariaDB, with rows in the tables, through the migration
//! files as a user's project holds them, on an existing database, a fresh one, and backwards.

use crate::support::{self, key_to, model, model_tables as tables};
use oxutils::db::Connection;
use oxutils::migrations::{
    AlterField, Executor, MigrateOptions, Migration, MigrationKey, NonInteractiveQuestioner,
    NotNullAlteration, Operation, QuestionError, Questioner, RenameModel, Target, make_migrations, recorder,
    squash,
};
use oxutils::schema::{ColumnType, FieldSchema, Literal, ModelSchema, OnDelete};

on_every_backend!(
    nullable_made_not_null,
    model_renamed_while_another_app_points_at_it,
    model_deleted_with_the_other_apps_key_to_it,
    squash_on_a_database_that_applied_what_it_replaces,
    a_fresh_database_migrates_through_a_rename,
    renames_keep_the_keys_they_rename,
    a_long_unique_key_name_is_found_again,
    a_unique_field_added_later_is_unique,
);

/// Answers as the person who made the change would: yes to the renames listed, this value for NULLs.
struct Answers {
    renames: Vec<&'static str>,
    backfill: Option<Literal>,
}

impl Answers {
    fn none() -> Self {
        Answers { renames: Vec::new(), backfill: None }
    }
}

impl Questioner for Answers {
    fn ask_rename_model(
        &mut self,
        _: &str,
        old: &ModelSchema,
        _: &ModelSchema,
    ) -> Result<bool, QuestionError> {
        Ok(self.renames.contains(&old.name.as_str()))
    }

    fn ask_rename_field(
        &mut self,
        _: &str,
        _: &str,
        old: &FieldSchema,
        _: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        Ok(self.renames.contains(&old.name.as_str()))
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        match &self.backfill {
            Some(value) => Ok(value.clone()),
            None => NonInteractiveQuestioner.ask_not_null_default(app, model, field),
        }
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        match &self.backfill {
            Some(value) => Ok(NotNullAlteration::Backfill(value.clone())),
            None => NonInteractiveQuestioner.ask_not_null_alteration(app, model, field),
        }
    }
}

/// A project's migration files, as `makemigrations` writes them and the loader reads them back.
#[derive(Default, Clone)]
struct History {
    files: Vec<Migration>,
}

impl History {
    /// `makemigrations` for `models`: the new migrations, also added to the history.
    fn make(&mut self, models: &[ModelSchema], answers: &mut Answers) -> Vec<Migration> {
        let refs: Vec<&ModelSchema> = models.iter().collect();
        let new = make_migrations(&refs, self.files.clone(), &[], None, answers).unwrap();
        let parsed: Vec<Migration> = new
            .iter()
            .map(|migration| {
                Migration::parse(&migration.app, &migration.file_name(), &migration.render()).unwrap()
            })
            .collect();
        self.files.extend(parsed.clone());
        parsed
    }

    fn migrate(&self, connection: &mut Connection, target: Target) -> Vec<MigrationKey> {
        let backend = connection.backend();
        let mut executor = Executor::new(connection, self.files.clone()).unwrap();
        let steps = executor
            .migrate(&target, MigrateOptions::default())
            .unwrap_or_else(|error| panic!("migrate to {target:?} on {backend}: {error}"));
        steps.into_iter().map(|step| step.migration).collect()
    }

    fn assert_up_to_date(&self, models: &[ModelSchema]) {
        let refs: Vec<&ModelSchema> = models.iter().collect();
        let new = make_migrations(&refs, self.files.clone(), &[], None, &mut Answers::none()).unwrap();
        assert!(new.is_empty(), "makemigrations --check finds nothing: {new:?}");
    }
}

fn text(name: &str, nullable: bool) -> FieldSchema {
    FieldSchema::new(name, ColumnType::String { max_length: 100 }, nullable)
}

fn integer(name: &str, nullable: bool) -> FieldSchema {
    FieldSchema::new(name, ColumnType::BigInteger, nullable)
}

fn rows(connection: &mut Connection, sql: &str) -> Vec<Vec<String>> {
    connection
        .query(sql, &[])
        .unwrap()
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|value| match Literal::from_value(&value) {
                    Literal::Null => "NULL".to_owned(),
                    Literal::Integer(number) => number.to_string(),
                    Literal::Text(text) => text,
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect()
}

fn nullable_made_not_null(database: &mut support::Database) {
    let connection = &mut database.connection;
    let mut history = History::default();
    let v1 = vec![model(
        "shop",
        "Product",
        vec![text("name", false), integer("price", true), integer("stock", true)],
    )];
    history.make(&v1, &mut Answers::none());
    history.migrate(connection, Target::Latest);
    connection
        .batch("INSERT INTO shop_product (name, price, stock) VALUES ('unpriced', NULL, NULL)")
        .unwrap();
    connection.batch("INSERT INTO shop_product (name, price, stock) VALUES ('priced', 5, 2)").unwrap();

    // `price` loses its NULLs to a one-off value; `stock` gains a default, which its NULLs get unasked.
    let mut v2 = v1.clone();
    v2[0].fields[2].nullable = false;
    v2[0].fields[3].nullable = false;
    v2[0].fields[3].default = Some(Literal::Integer(7));
    let refused = make_migrations(&[&v2[0]], history.files.clone(), &[], None, &mut NonInteractiveQuestioner)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("`shop.Product.price` is made NOT NULL") && refused.contains("#[ox(default = ...)]"),
        "--no-input names the field and what to do: {refused}"
    );
    assert!(!refused.contains("stock"), "a field that gains a default is not asked about: {refused}");
    let new = history.make(&v2, &mut Answers { renames: Vec::new(), backfill: Some(Literal::Integer(0)) });
    assert_eq!(new.len(), 1);
    let backfills: Vec<Option<Literal>> = new[0]
        .operations
        .iter()
        .map(|operation| match operation {
            Operation::AlterField(AlterField { backfill, .. }) => backfill.clone(),
            other => panic!("only alterations: {other:?}"),
        })
        .collect();
    assert_eq!(backfills, [Some(Literal::Integer(0)), None], "the one-off value is kept in the migration");
    history.migrate(connection, Target::Latest);
    assert_eq!(
        rows(connection, "SELECT name, price, stock FROM shop_product ORDER BY id"),
        [["unpriced", "0", "7"], ["priced", "5", "2"]]
    );
    let nullable: Vec<(String, bool)> = support::columns(connection, "shop_product");
    assert!(nullable.iter().all(|(_, nullable)| !nullable), "every column is NOT NULL now: {nullable:?}");
    history.assert_up_to_date(&v2);

    // Backwards the columns take NULL again, and every value stays.
    let first = history.files[0].key();
    history.migrate(connection, Target::Migration(first));
    connection.batch("INSERT INTO shop_product (name, price, stock) VALUES ('later', NULL, NULL)").unwrap();
    // Forwards again over a NULL written meanwhile: the same migration fills it.
    history.migrate(connection, Target::Latest);
    assert_eq!(
        rows(connection, "SELECT name, price, stock FROM shop_product ORDER BY id"),
        [["unpriced", "0", "7"], ["priced", "5", "2"], ["later", "0", "7"]]
    );
}

fn model_renamed_while_another_app_points_at_it(database: &mut support::Database) {
    let mut history = History::default();
    let product = model("shop", "Product", vec![text("name", false)]);
    let line = |target: &ModelSchema| {
        model(
            "orders",
            "Line",
            vec![key_to("product", target, false, OnDelete::Restrict), integer("quantity", false)],
        )
    };
    let v1 = vec![product.clone(), line(&product)];
    history.make(&v1, &mut Answers::none());
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO shop_product (name) VALUES ('lamp')").unwrap();
    connection.batch("INSERT INTO orders_line (product_id, quantity) VALUES (1, 3)").unwrap();

    let item = ModelSchema { name: "Item".into(), table: "shop_item".into(), ..product.clone() };
    let v2 = vec![item.clone(), line(&item)];
    let new = history.make(&v2, &mut Answers { renames: vec!["Product"], backfill: None });
    assert_eq!(new.len(), 1, "one migration, in the renamed model's app: {new:?}");
    assert_eq!(new[0].app, "shop");
    assert_eq!(
        new[0].operations,
        [Operation::RenameModel(RenameModel { old_name: "Product".into(), new_name: "Item".into() })],
        "one operation renames the model and its table"
    );
    history.assert_up_to_date(&v2);

    // The existing database follows; the key still holds and still refuses a missing product.
    history.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_item"]);
    assert_eq!(
        rows(
            connection,
            "SELECT l.quantity, i.name FROM orders_line l JOIN shop_item i ON i.id = l.product_id"
        ),
        [["3", "lamp"]]
    );
    assert!(connection.batch("INSERT INTO orders_line (product_id, quantity) VALUES (99, 1)").is_err());

    // Backwards: the whole shop app, and the orders app that depends on it.
    let undone = history.migrate(connection, Target::Zero("shop".into()));
    assert_eq!(undone.len(), 3, "shop's two migrations and orders' one: {undone:?}");
    assert_eq!(tables(connection), Vec::<String>::new());
    history.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_item"]);

    // Back to before the rename only, with rows.
    connection.batch("INSERT INTO shop_item (name) VALUES ('desk')").unwrap();
    connection.batch("INSERT INTO orders_line (product_id, quantity) VALUES (1, 2)").unwrap();
    history.migrate(connection, Target::Migration(MigrationKey::new("shop", "0001_initial")));
    assert_eq!(tables(connection), ["orders_line", "shop_product"]);
    assert_eq!(rows(connection, "SELECT name FROM shop_product"), [["desk"]]);
    history.migrate(connection, Target::Latest);
}

/// The same rename on a fresh database: `orders`' initial migration names the old table in its file.
fn a_fresh_database_migrates_through_a_rename(database: &mut support::Database) {
    let mut history = History::default();
    let product = model("shop", "Product", vec![text("name", false)]);
    let line = |target: &ModelSchema| {
        model("orders", "Line", vec![key_to("product", target, false, OnDelete::Cascade)])
    };
    history.make(&[product.clone(), line(&product)], &mut Answers::none());
    let item = ModelSchema { name: "Item".into(), table: "shop_item".into(), ..product.clone() };
    history.make(&[item.clone(), line(&item)], &mut Answers { renames: vec!["Product"], backfill: None });
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_item"]);
    connection.batch("INSERT INTO shop_item (name) VALUES ('lamp')").unwrap();
    connection.batch("INSERT INTO orders_line (product_id) VALUES (1)").unwrap();
    connection.batch("DELETE FROM shop_item").unwrap();
    assert_eq!(rows(connection, "SELECT count(*) FROM orders_line"), [["0"]], "the cascade follows");
}

fn model_deleted_with_the_other_apps_key_to_it(database: &mut support::Database) {
    let mut history = History::default();
    let product = model("shop", "Product", vec![text("name", false)]);
    let category = model("shop", "Category", vec![text("title", false)]);
    let line = model(
        "orders",
        "Line",
        vec![key_to("product", &product, true, OnDelete::SetNull), integer("quantity", false)],
    );
    history.make(&[product.clone(), category.clone(), line.clone()], &mut Answers::none());
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO shop_product (name) VALUES ('lamp')").unwrap();
    connection.batch("INSERT INTO orders_line (product_id, quantity) VALUES (1, 3)").unwrap();

    // In one makemigrations: orders drops its key, shop deletes the model.
    let line2 =
        ModelSchema { fields: line.fields.iter().filter(|f| f.name != "product").cloned().collect(), ..line };
    let v2 = vec![category, line2];
    let new = history.make(&v2, &mut Answers::none());
    let shop = new.iter().find(|migration| migration.app == "shop").expect("a shop migration");
    let orders = new.iter().find(|migration| migration.app == "orders").expect("an orders migration");
    assert!(shop.dependencies.contains(&orders.key()), "the delete waits for the key's removal: {shop:?}");
    history.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_category"]);
    assert_eq!(rows(connection, "SELECT quantity FROM orders_line"), [["3"]]);
    history.assert_up_to_date(&v2);

    // Backwards the model comes back before the key to it.
    history.migrate(connection, Target::Zero("shop".into()));
    history.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_category"]);
}

fn squash_on_a_database_that_applied_what_it_replaces(database: &mut support::Database) {
    let mut history = History::default();
    let v1 = vec![model("shop", "Product", vec![text("name", false)])];
    history.make(&v1, &mut Answers::none());
    let mut v2 = v1.clone();
    v2[0].fields.push(integer("price", true));
    history.make(&v2, &mut Answers::none());
    let mut v3 = v2.clone();
    v3.push(model("orders", "Line", vec![key_to("product", &v3[0], false, OnDelete::Cascade)]));
    v3[0].fields[1].index = true;
    history.make(&v3, &mut Answers::none());
    let originals = history.clone();

    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO shop_product (name, price) VALUES ('lamp', 4)").unwrap();
    let last = history.files.iter().filter(|m| m.app == "shop").map(|m| m.name.clone()).max().unwrap();
    let squashed = squash(&history.files, "shop", None, &last).unwrap();
    let squashed = Migration::parse("shop", &squashed.file_name(), &squashed.render()).unwrap();
    history.files.push(squashed.clone());

    // Every replaced migration is applied: the squash is recorded and nothing runs.
    let executor = Executor::new(connection, history.files.clone()).unwrap();
    assert!(executor.awaits_recording(&squashed.key()), "showmigrations shows it as [-]");
    assert!(executor.plan(&Target::Latest).unwrap().is_empty(), "the squash is not planned again");
    assert_eq!(history.migrate(connection, Target::Latest), Vec::<MigrationKey>::new());
    assert!(recorder::read(connection).unwrap().applied.contains_key(&squashed.key()), "recorded");
    assert_eq!(rows(connection, "SELECT name, price FROM shop_product"), [["lamp", "4"]]);

    // The replaced files are deleted: still nothing to do, and the squash counts as applied.
    let only_squash = History {
        files: history.files.iter().filter(|m| !squashed.replaces.contains(&m.key())).cloned().collect(),
    };
    let executor = Executor::new(connection, only_squash.files.clone()).unwrap();
    assert!(executor.is_applied(&squashed.key()));
    assert!(executor.plan(&Target::Latest).unwrap().is_empty());
    only_squash.migrate(connection, Target::Zero("shop".into()));
    assert_eq!(tables(connection), Vec::<String>::new(), "unapplying the squash undoes its range");
    only_squash.migrate(connection, Target::Latest);
    assert_eq!(tables(connection), ["orders_line", "shop_product"]);
    connection.batch("DROP TABLE orders_line").unwrap();
    connection.batch("DROP TABLE shop_product").unwrap();
    connection.batch("DELETE FROM oxutils_migrations").unwrap();

    // A database that applied only the first: it finishes with the originals, then counts the squash.
    originals.migrate(connection, Target::Migration(MigrationKey::new("shop", "0001_initial")));
    let done = history.migrate(connection, Target::Latest);
    assert!(!done.contains(&squashed.key()), "the originals finish the range: {done:?}");
    assert!(done.contains(&MigrationKey::new("shop", "0002_product_price")), "{done:?}");
    let executor = Executor::new(connection, only_squash.files.clone()).unwrap();
    assert!(executor.is_applied(&squashed.key()), "then the squash counts as applied");
    assert!(executor.plan(&Target::Latest).unwrap().is_empty());
}

/// A model rename renames its table and the indexes and keys named after it in place, and a field rename
/// its column and the names derived from it: nothing is dropped and built again where the backend can
/// rename (PostgreSQL and MySQL; SQLite cannot rename an index, which is cheap to build there anyway).
#[test]
fn renames_rename_derived_names_in_place() {
    let (history, new) = renamed_history();
    let graph =
        oxutils::migrations::MigrationGraph::build(history.files.clone(), &Default::default()).unwrap();
    for (backend, key) in [oxutils::ddl::Backend::Postgres, oxutils::ddl::Backend::Mysql]
        .into_iter()
        .flat_map(|backend| new.iter().map(move |migration| (backend, migration.key())))
    {
        let sql = oxutils::migrations::migration_sql(&graph, &key, backend, false).unwrap();
        assert!(
            sql.iter().all(|statement| !statement.contains("DROP INDEX") && !statement.starts_with("CREATE")),
            "{backend}: {sql:#?}"
        );
        let renamed_index =
            |statement: &String| statement.contains("RENAME TO") || statement.contains("RENAME INDEX");
        assert!(sql.iter().filter(|s| renamed_index(s)).count() >= 2, "table, indexes: {backend}: {sql:#?}");
    }
}

/// The renamed table keeps its unique key, and the whole history unapplies.
fn renames_keep_the_keys_they_rename(database: &mut support::Database) {
    let (history, _) = renamed_history();
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO shop_item (title, code) VALUES ('lamp', 1)").unwrap();
    assert!(
        connection.batch("INSERT INTO shop_item (title, code) VALUES ('desk', 1)").is_err(),
        "still unique"
    );
    history.migrate(connection, Target::Zero("shop".into()));
    assert_eq!(tables(connection), Vec::<String>::new());
}

/// A model renamed, then its field: the history and the two new migrations.
fn renamed_history() -> (History, Vec<Migration>) {
    let mut history = History::default();
    let mut product = model("shop", "Product", vec![text("name", false), integer("code", false)]);
    product.fields[1].index = true;
    product.fields[2].unique = true;
    product.indexes.push(oxutils::schema::IndexSchema {
        name: oxutils::schema::index_name("shop_product", &["name", "code"], false),
        columns: vec!["name".into(), "code".into()],
    });
    let line = |target: &ModelSchema| {
        model("orders", "Line", vec![key_to("product", target, false, OnDelete::Cascade)])
    };
    history.make(&[product.clone(), line(&product)], &mut Answers::none());

    // The model first (a rename is recognised by unchanged fields, as in Django), then its field.
    let mut item = product.clone();
    item.name = "Item".into();
    item.table = "shop_item".into();
    item.indexes[0].name = oxutils::schema::index_name("shop_item", &["name", "code"], false);
    let mut new =
        history.make(&[item.clone(), line(&item)], &mut Answers { renames: vec!["Product"], backfill: None });
    item.fields[1].name = "title".into();
    item.fields[1].column = "title".into();
    item.indexes[0] = oxutils::schema::IndexSchema {
        name: oxutils::schema::index_name("shop_item", &["title", "code"], false),
        columns: vec!["title".into(), "code".into()],
    };
    new.extend(
        history.make(&[item.clone(), line(&item)], &mut Answers { renames: vec!["name"], backfill: None }),
    );
    let operations: Vec<String> =
        new.iter().flat_map(|m| m.operations.iter().map(Operation::describe)).collect();
    assert_eq!(operations, ["Rename model Product to Item", "Rename field name on Item to title"]);
    history.assert_up_to_date(&[item.clone(), line(&item)]);
    (history, new)
}

/// A unique column of a table whose name is long: its key's name is cut to fit as every other name is, so
/// dropping the key (and renaming the table) finds it on every backend, where PostgreSQL would have cut
/// its own generated name its own way.
fn a_long_unique_key_name_is_found_again(database: &mut support::Database) {
    let mut history = History::default();
    let long = "a_very_long_application_label_that_goes_on_and_on";
    let mut model = model("shop", "Product", vec![text("serial_number_of_the_product", false)]);
    model.table = long.into();
    model.fields[1].unique = true;
    history.make(std::slice::from_ref(&model), &mut Answers::none());
    model.fields[1].unique = false;
    history.make(std::slice::from_ref(&model), &mut Answers::none());
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    let insert = format!("INSERT INTO {long} (serial_number_of_the_product) VALUES ('same')");
    connection.batch(&insert).unwrap();
    connection.batch(&insert).unwrap_or_else(|error| panic!("the key is gone: {error}"));
    connection.batch(&format!("DELETE FROM {long}")).unwrap();
    history.migrate(connection, Target::Zero("shop".into()));
}

/// A unique field added to an existing table is unique on every backend: PostgreSQL's key is a named
/// constraint of its own, added beside the column (found by the differential test, seed 3 step 3).
fn a_unique_field_added_later_is_unique(database: &mut support::Database) {
    let mut history = History::default();
    let mut product = model("shop", "Product", vec![text("name", false)]);
    history.make(std::slice::from_ref(&product), &mut Answers::none());
    let mut code = integer("code", true);
    code.unique = true;
    product.fields.push(code);
    history.make(std::slice::from_ref(&product), &mut Answers::none());
    let connection = &mut database.connection;
    history.migrate(connection, Target::Latest);
    connection.batch("INSERT INTO shop_product (name, code) VALUES ('lamp', 7)").unwrap();
    let twice = connection.batch("INSERT INTO shop_product (name, code) VALUES ('desk', 7)");
    assert!(twice.is_err(), "the added field is unique");
    history.migrate(connection, Target::Zero("shop".into()));
}

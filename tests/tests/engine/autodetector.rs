//! What `make_migrations` writes for the host's models: snapshots of the files and of their SQL on every
//! backend, and the questions it asks (or refuses to guess) for renames and NOT NULL additions.

use oxutils::ddl::Backend;
use oxutils::migrations::{
    AddField, CreateModel, DeleteModel, Migration, MigrationGraph, NonInteractiveQuestioner, Operation,
    RemoveField, RenameField, make_migrations, migration_sql,
};
use oxutils::schema::{ColumnType, FieldSchema, Literal, ModelSchema};
use std::collections::BTreeSet;
use tests::installed_models;

fn initial() -> Vec<Migration> {
    make_migrations(&installed_models(), Vec::new(), &[], None, &mut NonInteractiveQuestioner).unwrap()
}

#[test]
fn initial_migrations_and_their_sql_are_snapshotted() {
    let migrations = initial();
    let names: Vec<String> = migrations.iter().map(|m| m.key().to_string()).collect();
    assert_eq!(names, ["audit.0001_initial", "library.0001_initial"]);
    let library = &migrations[1];
    let dependencies: Vec<String> = library.dependencies.iter().map(ToString::to_string).collect();
    assert_eq!(dependencies, ["audit.0001_initial"], "a key to LogExportState makes library depend on audit");
    let created: Vec<&str> = library
        .operations
        .iter()
        .filter_map(|op| match op {
            Operation::CreateModel(CreateModel { model }) => Some(model.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        created,
        ["Author", "Book", "BookEvent", "ExportReceipt", "Member", "Loan"],
        "each model after the models it points at"
    );
    let graph = MigrationGraph::build(migrations.clone(), &BTreeSet::new()).unwrap();
    for migration in &migrations {
        insta::assert_snapshot!(format!("file_{}_{}", migration.app, migration.name), migration.render());
        for backend in Backend::ALL {
            let forwards = migration_sql(&graph, &migration.key(), backend, false).unwrap().join(";\n");
            let backwards = migration_sql(&graph, &migration.key(), backend, true).unwrap().join(";\n");
            insta::assert_snapshot!(
                format!("sql_{}_{}_{backend}", migration.app, migration.name),
                format!("-- forwards\n{forwards};\n-- backwards\n{backwards};")
            );
        }
    }
}

#[test]
fn the_same_models_write_the_same_bytes_and_then_nothing() {
    let first: Vec<String> = initial().iter().map(Migration::render).collect();
    let second: Vec<String> = initial().iter().map(Migration::render).collect();
    assert_eq!(first, second);
    let again =
        make_migrations(&installed_models(), initial(), &[], None, &mut NonInteractiveQuestioner).unwrap();
    assert!(again.is_empty(), "no changes detected after the initial migrations: {again:?}");
}

fn with_book(change: impl FnOnce(&mut ModelSchema)) -> Vec<ModelSchema> {
    let mut models: Vec<ModelSchema> = installed_models().into_iter().cloned().collect();
    if let Some(book) = models.iter_mut().find(|model| model.name == "Book") {
        change(book);
    }
    models
}

#[test]
fn the_non_interactive_questioner_refuses_to_guess() {
    let renamed = with_book(|book| {
        let title = book.fields.iter_mut().find(|f| f.name == "title").unwrap();
        title.name = "heading".into();
        title.column = "heading".into();
    });
    let refs: Vec<&ModelSchema> = renamed.iter().collect();
    let error =
        make_migrations(&refs, initial(), &[], None, &mut NonInteractiveQuestioner).unwrap_err().to_string();
    assert_eq!(
        error,
        "field `library.Book.title` disappeared and `heading` of the same type appeared: was it renamed? Run \
         makemigrations interactively to answer, or make the two changes in separate migrations"
    );

    let not_null = with_book(|book| book.fields.push(FieldSchema::new("isbn", ColumnType::Text, false)));
    let refs: Vec<&ModelSchema> = not_null.iter().collect();
    let error =
        make_migrations(&refs, initial(), &[], None, &mut NonInteractiveQuestioner).unwrap_err().to_string();
    assert!(error.starts_with("field `library.Book.isbn` is NOT NULL without a default"), "{error}");
}

#[test]
fn interactive_answers_become_operations() {
    use oxutils::migrations::InteractiveQuestioner;
    let changed = with_book(|book| {
        let title = book.fields.iter_mut().find(|f| f.name == "title").unwrap();
        title.name = "heading".into();
        title.column = "heading".into();
        // As the derive names the unique set over the renamed column.
        book.rename_derived_names("library_book", Some(("title", "heading")));
        book.fields.push(FieldSchema::new("isbn", ColumnType::Text, false));
        book.fields.push(FieldSchema::new("copies", ColumnType::Integer, false));
    });
    let refs: Vec<&ModelSchema> = changed.iter().collect();
    let mut output = Vec::new();
    // Yes to the rename; a one-off value for each new field, the integer's first answer refused.
    let answers = b"y\n1\nn/a\n1\nabc\n3\n";
    let mut questioner = InteractiveQuestioner::new(&answers[..], &mut output);
    let made = make_migrations(&refs, initial(), &[], None, &mut questioner).unwrap();
    let descriptions: Vec<String> = made[0].operations.iter().map(Operation::describe).collect();
    assert_eq!(
        descriptions,
        ["Rename field title on Book to heading", "Add field isbn to Book", "Add field copies to Book"],
        "the rename renames the column too"
    );
    let backfills: Vec<Option<Literal>> = made[0]
        .operations
        .iter()
        .filter_map(|operation| match operation {
            Operation::AddField(AddField { backfill, .. }) => Some(backfill.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(backfills, [Some(Literal::Text("n/a".into())), Some(Literal::Integer(3))]);
    assert_eq!(made[0].name, "0002_rename_title_book_heading_book_isbn_book_copies");
    let prompts = String::from_utf8(output).unwrap();
    assert!(prompts.contains("Was library.Book.title renamed to Book.heading? [y/N]"), "{prompts}");
    assert!(prompts.contains("1) Provide a one-off value now"), "{prompts}");
    assert!(prompts.contains("Enter the value (plain text"), "{prompts}");
    assert!(prompts.contains("`abc` is not an integer; try again."), "{prompts}");
}

#[test]
fn adjacent_operations_fold() {
    use oxutils::migrations::optimizer::optimize;
    let tag = installed_models().into_iter().find(|m| m.name == "Author").unwrap().clone();
    let note = FieldSchema::new("note", ColumnType::Text, true);
    let folded = optimize(vec![
        Operation::CreateModel(CreateModel { model: tag.clone().into() }),
        Operation::AddField(AddField { model: "Author".into(), field: note.clone(), backfill: None }),
        Operation::RenameField(RenameField {
            model: "Author".into(),
            old_name: "note".into(),
            new_name: "remark".into(),
        }),
    ]);
    let [Operation::CreateModel(CreateModel { model })] = &folded[..] else {
        panic!("one CreateModel: {folded:?}")
    };
    assert_eq!(model.fields.last().map(|f| f.name.as_str()), Some("remark"));
    let cancelled = optimize(vec![
        Operation::AddField(AddField { model: "Author".into(), field: note.clone(), backfill: None }),
        Operation::RemoveField(RemoveField { model: "Author".into(), name: "note".into() }),
        Operation::CreateModel(CreateModel { model: tag.clone().into() }),
        Operation::DeleteModel(DeleteModel { name: "Author".into() }),
    ]);
    assert_eq!(cancelled, []);
}

#[test]
fn a_new_model_gets_a_migration_of_its_app_under_the_given_name() {
    let mut extra = installed_models().into_iter().cloned().collect::<Vec<_>>();
    let mut tag = extra.iter().find(|m| m.name == "Author").unwrap().clone();
    tag.name = "Tag".into();
    tag.table = "library_tag".into();
    tag.fields.truncate(2);
    tag.fields[1].unique = false;
    extra.push(tag);
    let refs: Vec<&ModelSchema> = extra.iter().collect();
    let made =
        make_migrations(&refs, initial(), &["library"], Some("tags"), &mut NonInteractiveQuestioner).unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].name, "0002_tags");
    assert!(
        matches!(&made[0].operations[..], [Operation::CreateModel(CreateModel { model })] if model.fields.len() == 2)
    );
}

//! Audit entries from `#[ox(audited)]` on SQLite, PostgreSQL and MariaDB: one per insert, update and
//! delete made through CRUD code, in the write's transaction, with the changed fields, masked secrets, the
//! audit context, and nothing for an update that changes nothing or a write that does not commit.

use oxutils::migrations::CreateModel;
use oxutils::testing::TestDatabase;

use chrono::{NaiveDate, Utc};
use oxutils::audit::{AuditContext, LogAction, LogEntry};
use oxutils::db::{Connection, DbError};
use oxutils::{ForeignKey, ModelExt};
use serde_json::json;
use tests::models::{Loan, Member};

fn member(email: &str) -> Member {
    Member {
        id: 0,
        name: "Ada".into(),
        email: email.into(),
        password: "hunter2".into(),
        token: Some("t0k3n".into()),
        born: NaiveDate::from_ymd_opt(1815, 12, 10),
        active: true,
        last_seen: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn loan(member: &Member, code: &str, days: i32) -> Loan {
    Loan {
        code: code.into(),
        member: ForeignKey::from(member),
        title: "The Dispossessed".into(),
        days,
        pin: "1234".into(),
        password: "open sesame".into(),
        reminded_at: None,
        updated_at: Utc::now().naive_utc(),
    }
}

fn entries(connection: &mut Connection) -> Vec<LogEntry> {
    LogEntry::objects().order_by(LogEntry::ID).all(connection).unwrap()
}

fn each_write_records_its_action_changes_and_context(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let before = Utc::now() - chrono::Duration::seconds(1);
    let _context = AuditContext::new()
        .actor(42, "ursula")
        .remote_addr("203.0.113.7".parse().unwrap())
        .correlation_id("req-7f3a")
        .additional_data(json!({"reason": "ticket 12"}))
        .enter();
    let ada = member("ada@example.com").insert(connection).unwrap();
    let renamed = Member { name: "Ada L.".into(), password: "s3cret".into(), ..ada.clone() };
    let renamed = renamed.save(connection).unwrap();
    renamed.delete(connection).unwrap();

    let [created, updated, deleted] = &entries(connection)[..] else { panic!("{backend:?}: three entries") };
    let pk = ada.id.to_string();
    for (entry, action) in
        [(created, LogAction::Create), (updated, LogAction::Update), (deleted, LogAction::Delete)]
    {
        assert_eq!(entry.action, action, "{backend:?}");
        assert_eq!((entry.app_label.as_str(), entry.model.as_str()), ("library", "member"));
        assert_eq!(entry.object_pk, pk);
        assert_eq!((entry.actor_id.as_deref(), entry.actor_name.as_deref()), (Some("42"), Some("ursula")));
        assert_eq!(entry.remote_addr.as_deref(), Some("203.0.113.7"));
        assert_eq!(entry.correlation_id.as_deref(), Some("req-7f3a"));
        assert_eq!(entry.additional_data, Some(json!({"reason": "ticket 12"})));
        assert!(entry.timestamp >= before && entry.timestamp <= Utc::now(), "{backend:?}");
        assert_eq!(entry.export, None);
    }
    // `repr = "display"`: the object is named by its Display, as it was at the time of the write.
    assert_eq!(created.object_repr, "Ada <ada@example.com>");
    assert_eq!(updated.object_repr, "Ada L. <ada@example.com>");
    // A create records every non-null tracked field as [null, new]; secrets are masked; created_at and
    // updated_at are not tracked.
    assert_eq!(
        created.changes,
        json!({
            "id": [null, ada.id],
            "name": [null, "Ada"],
            "email": [null, "ada@example.com"],
            "password": [null, "***"],
            "token": [null, "***"],
            "born": [null, "1815-12-10"],
            "active": [null, true],
        }),
        "{backend:?}"
    );
    assert_eq!(
        updated.changes,
        json!({"name": ["Ada", "Ada L."], "password": ["***", "***"]}),
        "{backend:?}"
    );
    assert_eq!(deleted.changes["email"], json!(["ada@example.com", null]), "{backend:?}");
    assert!(deleted.changes.get("updated_at").is_none());
}

fn an_update_that_changes_nothing_writes_no_entry(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let ada = member("ada@example.com").insert(connection).unwrap();
    // `updated_at` moves (auto_now), but it is not tracked: nothing the user did changed.
    ada.save(connection).unwrap();
    Member::objects()
        .filter(Member::ID.eq(ada.id))
        .update(connection, vec![Member::ACTIVE.set(true)])
        .unwrap();
    let actions: Vec<LogAction> = entries(connection).iter().map(|entry| entry.action).collect();
    assert_eq!(actions, [LogAction::Create], "{:?}", connection.backend());
}

fn bulk_updates_and_deletes_write_one_entry_per_row(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let ids: Vec<i64> = ["a@x.org", "b@x.org", "c@x.org"]
        .into_iter()
        .map(|email| member(email).insert(connection).unwrap().id)
        .collect();
    let changed = Member::objects()
        .filter(Member::ID.is_in(ids[..2].to_vec()))
        .update(connection, vec![Member::ACTIVE.set(false)])
        .unwrap();
    assert_eq!(changed, 2);
    let deleted = Member::objects().filter(Member::ACTIVE.eq(false)).delete(connection).unwrap();
    assert_eq!(deleted, 2);
    let written = entries(connection);
    let of = |action| -> Vec<String> {
        written.iter().filter(|e| e.action == action).map(|e| e.object_pk.clone()).collect()
    };
    let first_two: Vec<String> = ids[..2].iter().map(ToString::to_string).collect();
    assert_eq!(of(LogAction::Create).len(), 3, "{backend:?}");
    assert_eq!(of(LogAction::Update), first_two, "{backend:?}");
    assert_eq!(of(LogAction::Delete), first_two, "{backend:?}");
    let update = written.iter().find(|e| e.action == LogAction::Update).unwrap();
    assert_eq!(update.changes, json!({"active": [true, false]}), "{backend:?}");
}

fn a_write_that_does_not_commit_leaves_no_entry(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let ada = member("ada@example.com").insert(connection).unwrap();
    {
        let mut transaction = connection.transaction().unwrap();
        Member { name: "Rolled back".into(), ..ada.clone() }.save(&mut transaction).unwrap();
        member("grace@example.com").insert(&mut transaction).unwrap();
        assert_eq!(entries(&mut transaction).len(), 3, "{backend:?}: written in the transaction");
        transaction.rollback().unwrap();
    }
    // A unique violation fails the insert, and its entry goes with it.
    let duplicate = member("ada@example.com").insert(connection).unwrap_err();
    assert!(matches!(duplicate, DbError::Constraint { .. }), "{backend:?}: {duplicate}");
    // Loan's hook refuses a long loan after its entry is written: the entry is rolled back with it.
    let refused = loan(&ada, "L-1", 120).insert(connection).unwrap_err();
    assert!(matches!(refused, DbError::Hook(_)), "{backend:?}: {refused}");
    assert_eq!(Loan::objects().count(connection).unwrap(), 0);
    let actions: Vec<LogAction> = entries(connection).iter().map(|entry| entry.action).collect();
    assert_eq!(actions, [LogAction::Create], "{backend:?}");
}

fn a_model_sets_its_own_masked_and_untracked_fields(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let ada = member("ada@example.com").insert(connection).unwrap();
    let short = loan(&ada, "L-7", 14).insert(connection).unwrap();
    Loan { days: 21, reminded_at: Some(Utc::now()), ..short.clone() }.save(connection).unwrap();
    let written = entries(connection);
    let [_, created, updated] = &written[..] else { panic!("{backend:?}: {written:?}") };
    assert_eq!((created.model.as_str(), created.object_pk.as_str()), ("loan", "L-7"));
    // Its own lists replace the defaults: `pin` masked, `password` recorded, `reminded_at` left out,
    // `updated_at` tracked.
    assert_eq!(created.changes["pin"], json!([null, "***"]), "{backend:?}");
    assert_eq!(created.changes["password"], json!([null, "open sesame"]), "{backend:?}");
    assert_eq!(created.changes["member"], json!([null, ada.id]), "{backend:?}");
    assert!(created.changes.get("updated_at").is_some(), "{backend:?}");
    assert_eq!(created.object_repr, "Loan #L-7");
    assert_eq!(updated.changes["days"], json!([14, 21]), "{backend:?}");
    assert!(updated.changes.get("reminded_at").is_none(), "{backend:?}");
}

#[test]
fn the_audit_app_keeps_its_first_migration_to_the_two_export_models() {
    let migrations = oxutils::audit::APP.load_migrations().unwrap();
    let created = |name: &str| -> Vec<String> {
        let migration = migrations.iter().find(|migration| migration.name == name).unwrap();
        migration
            .operations
            .iter()
            .map(|operation| match operation {
                oxutils::migrations::Operation::CreateModel(CreateModel { model }) => model.name.clone(),
                other => other.describe(),
            })
            .collect()
    };
    assert_eq!(created("0001_initial"), ["LogExportState", "LogExportHistory"]);
    assert_eq!(created("0002_logentry"), ["LogEntry"]);
}

on_every_backend!(
    with_migrated =>
    each_write_records_its_action_changes_and_context,
    an_update_that_changes_nothing_writes_no_entry,
    bulk_updates_and_deletes_write_one_entry_per_row,
    a_write_that_does_not_commit_leaves_no_entry,
    a_model_sets_its_own_masked_and_untracked_fields,
);

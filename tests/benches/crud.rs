//! CRUD through the derive beside the same work written by hand with rusqlite prepared statements, in
//! one run: insert 100,000 rows in one transaction (through `insert`, which returns a copy of each row as
//! stored, through `insert_in_place`, which fills the generated key into the row, and through
//! `bulk_insert` and `bulk_insert_in_place`, in multi-row statements), get 100,000 rows by primary key, the
//! first row of a filtered query 100,000 times with other values, and a filtered scan.
//!
//! `cargo bench -p tests --bench crud`. The README gives the ratios.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oxutils::db::Connection;
use oxutils::ddl::{Backend, create_model};
use oxutils::prelude::*;
use std::hint::black_box;

const ROWS: i64 = 100_000;

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "bench")]
pub struct Measurement {
    pub id: i64,
    #[ox(max_length = 40)]
    pub sensor: String,
    pub value: i64,
    pub ratio: f64,
}

fn rows() -> Vec<Measurement> {
    (0..ROWS)
        .map(|n| Measurement {
            id: 0,
            sensor: format!("sensor-{}", n % 100),
            value: n,
            ratio: n as f64 / 7.0,
        })
        .collect()
}

fn oxutils_database() -> Connection {
    let mut connection = Connection::open("sqlite::memory:").unwrap();
    for statement in create_model(Measurement::schema(), Backend::Sqlite) {
        connection.batch(&statement).unwrap();
    }
    connection
}

fn rusqlite_database() -> rusqlite::Connection {
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    for statement in create_model(Measurement::schema(), Backend::Sqlite) {
        connection.execute_batch(&statement).unwrap();
    }
    connection
}

fn oxutils_insert(connection: &mut Connection, rows: &[Measurement]) {
    let mut transaction = connection.transaction().unwrap();
    for row in rows {
        black_box(row.insert(&mut transaction).unwrap());
    }
    transaction.commit().unwrap();
}

fn oxutils_insert_in_place(connection: &mut Connection, rows: &mut [Measurement]) {
    let mut transaction = connection.transaction().unwrap();
    for row in rows {
        row.insert_in_place(&mut transaction).unwrap();
        black_box(row.id);
    }
    transaction.commit().unwrap();
}

fn rusqlite_insert(connection: &mut rusqlite::Connection, rows: &[Measurement]) {
    let transaction = connection.transaction().unwrap();
    {
        let mut statement = transaction
            .prepare("INSERT INTO bench_measurement (sensor, value, ratio) VALUES (?1, ?2, ?3)")
            .unwrap();
        for row in rows {
            statement.execute(rusqlite::params![row.sensor, row.value, row.ratio]).unwrap();
            black_box(transaction.last_insert_rowid());
        }
    }
    transaction.commit().unwrap();
}

/// A row read by hand, field by field.
fn measurement(row: &rusqlite::Row<'_>) -> rusqlite::Result<Measurement> {
    Ok(Measurement { id: row.get(0)?, sensor: row.get(1)?, value: row.get(2)?, ratio: row.get(3)? })
}

fn rusqlite_get(connection: &rusqlite::Connection, id: i64) -> Measurement {
    let mut statement = connection
        .prepare_cached("SELECT id, sensor, value, ratio FROM bench_measurement WHERE id = ?1")
        .unwrap();
    statement.query_row([id], measurement).unwrap()
}

fn rusqlite_first(connection: &rusqlite::Connection, id: i64) -> Option<Measurement> {
    let mut statement = connection
        .prepare_cached("SELECT id, sensor, value, ratio FROM bench_measurement WHERE id = ?1 LIMIT 1")
        .unwrap();
    let mut rows = statement.query_map([id], measurement).unwrap();
    rows.next().map(Result::unwrap)
}

fn rusqlite_scan(connection: &rusqlite::Connection, above: i64) -> Vec<Measurement> {
    let mut statement = connection
        .prepare_cached("SELECT id, sensor, value, ratio FROM bench_measurement WHERE value > ?1 ORDER BY id")
        .unwrap();
    statement.query_map([above], measurement).unwrap().map(Result::unwrap).collect()
}

fn crud(c: &mut Criterion) {
    let data = rows();
    let mut group = c.benchmark_group("crud");
    group.sample_size(10);
    group.bench_function("insert 100k / oxutils", |b| {
        b.iter_batched(
            oxutils_database,
            |mut connection| oxutils_insert(&mut connection, &data),
            BatchSize::PerIteration,
        )
    });
    // Each run inserts fresh rows (their key 0): they are copied before the clock starts and dropped after
    // it stops, as the hand-written run's rows are.
    group.bench_function("insert_in_place 100k / oxutils", |b| {
        b.iter_batched(
            || (oxutils_database(), data.clone()),
            |(mut connection, mut rows)| {
                oxutils_insert_in_place(&mut connection, &mut rows);
                rows
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("bulk_insert 100k / oxutils", |b| {
        b.iter_batched(
            oxutils_database,
            |mut connection| drop(black_box(Measurement::bulk_insert(&mut connection, &data).unwrap())),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("bulk_insert_in_place 100k / oxutils", |b| {
        b.iter_batched(
            || (oxutils_database(), data.clone()),
            |(mut connection, mut rows)| {
                Measurement::bulk_insert_in_place(&mut connection, &mut rows).unwrap();
                rows
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("insert 100k / rusqlite", |b| {
        b.iter_batched(
            rusqlite_database,
            |mut connection| rusqlite_insert(&mut connection, &data),
            BatchSize::PerIteration,
        )
    });

    let mut ours = oxutils_database();
    oxutils_insert(&mut ours, &data);
    let mut theirs = rusqlite_database();
    rusqlite_insert(&mut theirs, &data);
    group.bench_function("get 100k by key / oxutils", |b| {
        b.iter(|| (1..=ROWS).for_each(|id| drop(black_box(Measurement::get(&mut ours, &id).unwrap()))))
    });
    group.bench_function("get 100k by key / rusqlite", |b| {
        b.iter(|| (1..=ROWS).for_each(|id| drop(black_box(rusqlite_get(&theirs, id)))))
    });
    // A filtered query run many times with other values: its SQL is built once per shape.
    group.bench_function("first by filter 100k / oxutils", |b| {
        b.iter(|| {
            (1..=ROWS).for_each(|id| {
                drop(black_box(
                    Measurement::objects().filter(Measurement::ID.eq(id)).first(&mut ours).unwrap(),
                ))
            })
        })
    });
    group.bench_function("first by filter 100k / rusqlite", |b| {
        b.iter(|| (1..=ROWS).for_each(|id| drop(black_box(rusqlite_first(&theirs, id)))))
    });
    group.bench_function("filtered scan / oxutils", |b| {
        b.iter(|| {
            black_box(
                Measurement::objects()
                    .filter(Measurement::VALUE.gt(ROWS / 2))
                    .order_by(Measurement::ID)
                    .all(&mut ours)
                    .unwrap(),
            )
        })
    });
    group.bench_function("filtered scan / rusqlite", |b| {
        b.iter(|| black_box(rusqlite_scan(&theirs, ROWS / 2)))
    });
    group.finish();
}

criterion_group!(benches, crud);
criterion_main!(benches);

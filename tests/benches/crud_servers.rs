//! CRUD through the derive on PostgreSQL and MariaDB beside the same work written by hand with the
//! `postgres` and `mysql` crates and prepared statements, in one run: insert 10,000 rows in one
//! transaction (through `insert`, `insert_in_place`, `bulk_insert` and `bulk_insert_in_place`, against the hand-written loop of
//! single-row inserts), get 10,000 rows by primary key, the first row of a filtered query 10,000 times
//! with other values, and a filtered scan of half of them. Each side
//! has a throw-away database of its own on the same server, over one connection.
//!
//! `cargo bench -p tests --bench crud_servers`, with `OXI_TEST_POSTGRES_URL` and `OXI_TEST_MYSQL_URL`
//! naming the servers (a backend without its URL is left out). The README gives the ratios.

use criterion::{Criterion, criterion_group, criterion_main};
use oxutils::db::Connection;
use oxutils::ddl::{Backend, create_model};
use oxutils::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

const ROWS: i64 = 10_000;

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "bench")]
pub struct Measurement {
    pub id: i64,
    #[ox(max_length = 40)]
    pub sensor: String,
    pub value: i64,
    pub ratio: f64,
}

const INSERT: &str = "INSERT INTO bench_measurement (sensor, value, ratio) VALUES ($1, $2, $3) RETURNING id";
const GET: &str = "SELECT id, sensor, value, ratio FROM bench_measurement WHERE id = $1";
const FIRST: &str = "SELECT id, sensor, value, ratio FROM bench_measurement WHERE id = $1 LIMIT 1";
const SCAN: &str = "SELECT id, sensor, value, ratio FROM bench_measurement WHERE value > $1 ORDER BY id";

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

/// A throw-away database on `server` holding the benchmark's table, dropped with the value.
fn database(server: &str, backend: Backend) -> oxutils::testing::TestDatabase {
    let mut database = oxutils::testing::migrated_database_on(Some(server), &[]).unwrap();
    for statement in create_model(Measurement::schema(), backend) {
        database.connection.batch(&statement).unwrap();
    }
    database
}

/// The time of `run` alone on `state`, `iterations` times, each after `reset` (untimed).
fn timed<S: ?Sized>(
    iterations: u64,
    state: &mut S,
    mut reset: impl FnMut(&mut S),
    mut run: impl FnMut(&mut S),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        reset(state);
        let start = Instant::now();
        run(state);
        total += start.elapsed();
    }
    total
}

fn oxutils_cases(c: &mut Criterion, name: &str, connection: &mut Connection, data: &[Measurement]) {
    let truncate =
        |connection: &mut Connection| connection.batch("TRUNCATE TABLE bench_measurement").unwrap();
    let mut group = c.benchmark_group(format!("crud {name}"));
    group.sample_size(10);
    group.bench_function("insert 10k / oxutils", |b| {
        b.iter_custom(|iterations| {
            timed(iterations, &mut *connection, truncate, |connection| {
                let mut transaction = connection.transaction().unwrap();
                for row in data {
                    black_box(row.insert(&mut transaction).unwrap());
                }
                transaction.commit().unwrap();
            })
        })
    });
    group.bench_function("insert_in_place 10k / oxutils", |b| {
        b.iter_custom(|iterations| {
            let mut state = (&mut *connection, data.to_vec());
            let reset = |(connection, rows): &mut (&mut Connection, Vec<Measurement>)| {
                truncate(connection);
                rows.iter_mut().for_each(|row| row.id = 0);
            };
            timed(iterations, &mut state, reset, |(connection, rows)| {
                let mut transaction = connection.transaction().unwrap();
                for row in rows.iter_mut() {
                    row.insert_in_place(&mut transaction).unwrap();
                    black_box(row.id);
                }
                transaction.commit().unwrap();
            })
        })
    });
    group.bench_function("bulk_insert 10k / oxutils", |b| {
        b.iter_custom(|iterations| {
            timed(iterations, &mut *connection, truncate, |connection| {
                drop(black_box(Measurement::bulk_insert(connection, data).unwrap()))
            })
        })
    });
    group.bench_function("bulk_insert_in_place 10k / oxutils", |b| {
        b.iter_custom(|iterations| {
            let mut state = (&mut *connection, data.to_vec());
            let reset = |(connection, rows): &mut (&mut Connection, Vec<Measurement>)| {
                truncate(connection);
                rows.iter_mut().for_each(|row| row.id = 0);
            };
            timed(iterations, &mut state, reset, |(connection, rows)| {
                Measurement::bulk_insert_in_place(connection, rows).unwrap()
            })
        })
    });
    truncate(connection);
    Measurement::bulk_insert(connection, data).unwrap();
    let first = Measurement::objects().order_by(Measurement::ID).first(connection).unwrap().unwrap().id;
    group.bench_function("get 10k by key / oxutils", |b| {
        b.iter(|| {
            (first..first + ROWS).for_each(|id| drop(black_box(Measurement::get(connection, &id).unwrap())))
        })
    });
    group.bench_function("first by filter 10k / oxutils", |b| {
        b.iter(|| {
            (first..first + ROWS).for_each(|id| {
                drop(black_box(
                    Measurement::objects().filter(Measurement::ID.eq(id)).first(connection).unwrap(),
                ))
            })
        })
    });
    group.bench_function("filtered scan / oxutils", |b| {
        b.iter(|| {
            black_box(
                Measurement::objects()
                    .filter(Measurement::VALUE.gt(ROWS / 2))
                    .order_by(Measurement::ID)
                    .all(connection)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

fn postgres_cases(c: &mut Criterion, url: &str, data: &[Measurement]) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let insert = client.prepare(INSERT).unwrap();
    let get = client.prepare(GET).unwrap();
    let first_by_filter = client.prepare(FIRST).unwrap();
    let scan = client.prepare(SCAN).unwrap();
    let read = |row: &postgres::Row| Measurement {
        id: row.get(0),
        sensor: row.get(1),
        value: row.get(2),
        ratio: row.get(3),
    };
    let truncate =
        |client: &mut postgres::Client| client.batch_execute("TRUNCATE TABLE bench_measurement").unwrap();
    let insert_all = |client: &mut postgres::Client| {
        let mut transaction = client.transaction().unwrap();
        for row in data {
            let id: i64 =
                transaction.query_one(&insert, &[&row.sensor, &row.value, &row.ratio]).unwrap().get(0);
            black_box(id);
        }
        transaction.commit().unwrap();
    };
    let mut group = c.benchmark_group("crud postgres");
    group.sample_size(10);
    group.bench_function("insert 10k / postgres crate", |b| {
        b.iter_custom(|iterations| timed(iterations, &mut client, truncate, insert_all))
    });
    truncate(&mut client);
    insert_all(&mut client);
    let first: i64 = client.query_one("SELECT min(id) FROM bench_measurement", &[]).unwrap().get(0);
    group.bench_function("get 10k by key / postgres crate", |b| {
        b.iter(|| {
            (first..first + ROWS)
                .for_each(|id| drop(black_box(read(&client.query_one(&get, &[&id]).unwrap()))))
        })
    });
    group.bench_function("first by filter 10k / postgres crate", |b| {
        b.iter(|| {
            (first..first + ROWS).for_each(|id| {
                drop(black_box(client.query_opt(&first_by_filter, &[&id]).unwrap().as_ref().map(read)))
            })
        })
    });
    group.bench_function("filtered scan / postgres crate", |b| {
        b.iter(|| {
            black_box(client.query(&scan, &[&(ROWS / 2)]).unwrap().iter().map(read).collect::<Vec<_>>())
        })
    });
    group.finish();
}

fn mysql_cases(c: &mut Criterion, url: &str, data: &[Measurement]) {
    use mysql::prelude::Queryable;
    let mut connection = mysql::Conn::new(mysql::Opts::from_url(url).unwrap()).unwrap();
    let insert =
        connection.prep("INSERT INTO bench_measurement (sensor, value, ratio) VALUES (?, ?, ?)").unwrap();
    let get = connection.prep(GET.replace("$1", "?")).unwrap();
    let first_by_filter = connection.prep(FIRST.replace("$1", "?")).unwrap();
    let scan = connection.prep(SCAN.replace("$1", "?")).unwrap();
    let truncate =
        |connection: &mut mysql::Conn| connection.query_drop("TRUNCATE TABLE bench_measurement").unwrap();
    let insert_all = |connection: &mut mysql::Conn| {
        let mut transaction = connection.start_transaction(mysql::TxOpts::default()).unwrap();
        for row in data {
            transaction.exec_drop(&insert, (&row.sensor, row.value, row.ratio)).unwrap();
            black_box(transaction.last_insert_id());
        }
        transaction.commit().unwrap();
    };
    let mut group = c.benchmark_group("crud mysql");
    group.sample_size(10);
    group.bench_function("insert 10k / mysql crate", |b| {
        b.iter_custom(|iterations| timed(iterations, &mut connection, truncate, insert_all))
    });
    truncate(&mut connection);
    insert_all(&mut connection);
    let first: i64 = connection.query_first("SELECT min(id) FROM bench_measurement").unwrap().unwrap();
    let read = |(id, sensor, value, ratio): (i64, String, i64, f64)| Measurement { id, sensor, value, ratio };
    group.bench_function("get 10k by key / mysql crate", |b| {
        b.iter(|| {
            (first..first + ROWS).for_each(|id| {
                let row: Option<(i64, String, i64, f64)> = connection.exec_first(&get, (id,)).unwrap();
                drop(black_box(row.map(read)));
            })
        })
    });
    group.bench_function("first by filter 10k / mysql crate", |b| {
        b.iter(|| {
            (first..first + ROWS).for_each(|id| {
                let row: Option<(i64, String, i64, f64)> =
                    connection.exec_first(&first_by_filter, (id,)).unwrap();
                drop(black_box(row.map(read)));
            })
        })
    });
    group.bench_function("filtered scan / mysql crate", |b| {
        b.iter(|| black_box(connection.exec_map(&scan, (ROWS / 2,), read).unwrap()))
    });
    group.finish();
}

fn crud_servers(c: &mut Criterion) {
    let data = rows();
    let url = |variable: &str| std::env::var(variable).ok().filter(|url| !url.is_empty());
    if let Some(server) = url("OXI_TEST_POSTGRES_URL") {
        let mut ours = database(&server, Backend::Postgres);
        oxutils_cases(c, "postgres", &mut ours.connection, &data);
        let theirs = database(&server, Backend::Postgres);
        postgres_cases(c, &theirs.url().unwrap(), &data);
    }
    if let Some(server) = url("OXI_TEST_MYSQL_URL") {
        let mut ours = database(&server, Backend::Mysql);
        oxutils_cases(c, "mysql", &mut ours.connection, &data);
        let theirs = database(&server, Backend::Mysql);
        mysql_cases(c, &theirs.url().unwrap(), &data);
    }
}

criterion_group!(benches, crud_servers);
criterion_main!(benches);

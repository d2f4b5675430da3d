//! Planning ahead. Where a migration's statements run one after another in one transaction (SQLite), they
//! are worked out on a second thread (each operation replayed, its SQL written) while the database runs
//! the ones before them. For an initial migration of 500 models that work is about a sixth of SQLite's
//! own, which it no longer adds to; the database's order of work is unchanged.
//!
//! A plan is still refused before anything is applied when one of its migrations does not replay: the
//! first migration waits, before it commits, for the whole plan to have been replayed, which the second
//! thread does well before the database is done.

use super::{MigrateError, planned_operation, replay_error};
use crate::dialect::Backend;
use crate::migrations::file::MigrationKey;
use crate::migrations::graph::MigrationGraph;
use crate::migrations::online::postgres::Planned;
use crate::migrations::replay::{self, Replayed};
use std::collections::BTreeSet;
use std::sync::mpsc::{self, Receiver, Sender};

/// What the planning thread hands on, in the plan's order.
enum Ahead {
    /// The next statement of the migration being run.
    Statement(Planned),
    /// The migration has no more statements.
    Finished,
}

/// The statements of the migrations of `wanted`, forwards, in the order the replay takes them
/// ([`replay::wanted_order`]), after the migrations of `counted`, as they are planned on a second thread
/// of `scope`.
pub(super) fn start<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    graph: &'scope MigrationGraph,
    wanted: &'scope BTreeSet<MigrationKey>,
    counted: &'scope BTreeSet<MigrationKey>,
    backend: Backend,
) -> PlanAhead {
    let (statements, receiver) = mpsc::channel();
    let (verdict, verdict_receiver) = mpsc::channel();
    scope.spawn(move || plan(graph, wanted, counted, backend, statements, verdict));
    PlanAhead { statements: receiver, verdict: verdict_receiver, verified: false }
}

/// The planning thread. It stops at the first migration that does not replay, or when nobody listens
/// any more (the run stopped); the verdict says whether the whole plan replayed.
fn plan(
    graph: &MigrationGraph,
    wanted: &BTreeSet<MigrationKey>,
    counted: &BTreeSet<MigrationKey>,
    backend: Backend,
    statements: Sender<Ahead>,
    verdict: Sender<Result<(), MigrateError>>,
) {
    /// Why planning stopped early.
    enum Stop {
        Failed(MigrateError),
        NobodyListens,
    }
    impl From<replay::ReplayError> for Stop {
        fn from(error: replay::ReplayError) -> Self {
            Stop::Failed(replay_error(error))
        }
    }
    let send = |item| statements.send(item).map_err(|_| Stop::NobodyListens);
    let planned = replay::replay_wanted(
        graph,
        wanted,
        |key| counted.contains(key),
        |replayed| match replayed {
            Replayed::Operation { migration, index, before, after } => {
                let planned = planned_operation(migration, index, before, after, backend, false)
                    .map_err(Stop::Failed)?;
                planned.into_iter().try_for_each(|statement| send(Ahead::Statement(statement)))
            }
            Replayed::Finished { .. } => send(Ahead::Finished),
        },
    );
    let _ = verdict.send(match planned {
        Ok(()) => Ok(()),
        Err(Stop::Failed(error)) => Err(error),
        Err(Stop::NobodyListens) => return,
    });
}

/// The receiving end of a plan being made.
pub(super) struct PlanAhead {
    statements: Receiver<Ahead>,
    verdict: Receiver<Result<(), MigrateError>>,
    /// The whole plan has replayed.
    verified: bool,
}

impl PlanAhead {
    /// The statements of the next migration of the plan.
    pub(super) fn next_migration(&mut self) -> MigrationStatements<'_> {
        MigrationStatements { plan: self, finished: false }
    }

    /// Waits for the verdict on the whole plan.
    fn verdict(&mut self) -> Result<(), MigrateError> {
        match self.verdict.recv() {
            Ok(verdict) => verdict.inspect(|()| self.verified = true),
            Err(_) => panic!("migrate's planning thread stopped without a verdict"),
        }
    }
}

/// The statements of one migration as the planning thread hands them on; the first migration's end
/// waits for the verdict on the whole plan, so that it does not commit if a later one cannot run. Dropped
/// before its end (the migration was found applied by another process, or failed), it takes the rest
/// off the channel, so that the next migration starts at its own first statement.
pub(super) struct MigrationStatements<'a> {
    plan: &'a mut PlanAhead,
    finished: bool,
}

impl Iterator for MigrationStatements<'_> {
    type Item = Result<Planned, MigrateError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let outcome = match self.plan.statements.recv() {
            Ok(Ahead::Statement(statement)) => return Some(Ok(statement)),
            Ok(Ahead::Finished) if self.plan.verified => Ok(()),
            Ok(Ahead::Finished) => self.plan.verdict(),
            // Planning stopped inside this migration: the verdict says why.
            Err(_) => match self.plan.verdict() {
                Err(error) => Err(error),
                Ok(()) => panic!("migrate's planning thread stopped in the middle of a migration"),
            },
        };
        self.finished = true;
        outcome.err().map(Err)
    }
}

impl Drop for MigrationStatements<'_> {
    fn drop(&mut self) {
        while !self.finished {
            self.finished = !matches!(self.plan.statements.recv(), Ok(Ahead::Statement(_)));
        }
    }
}

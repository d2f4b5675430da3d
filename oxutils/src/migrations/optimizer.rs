//! Folds adjacent operations on the same model into fewer. Which pairs fold, and into what, each operation
//! says (`Change::fold`: a created model absorbs the fields added, altered, renamed or removed right after
//! it, an added field absorbs later alterations, creating then deleting cancels out); this file holds the
//! search, and what keeps an operation from moving back across another.

use super::operation::Operation;
use std::collections::{BTreeSet, HashMap};

/// The operations with adjacent ones on the same model folded together, in the same order otherwise.
///
/// An operation folds into the latest earlier one that it may not move back across (see `Positions`
/// below), or into none: every fold is between two operations on the same model, which block each other,
/// so no earlier operation can be reached. `Positions` finds that latest blocking operation from what each
/// operation names, instead of testing every earlier one: the test made `makemigrations` quadratic (a
/// fifth of a change to 500 models).
pub fn optimize(operations: Vec<Operation>) -> Vec<Operation> {
    let mut result: Vec<Option<Operation>> = Vec::with_capacity(operations.len());
    let mut positions = Positions::default();
    for operation in operations {
        if let Some(at) = positions.latest_blocking(&operation) {
            let earlier = result[at].as_ref().expect("positions name only live operations");
            if let Some(folded) = earlier.fold(&operation) {
                positions.forget(at, earlier);
                result[at] = folded.map(|merged| {
                    positions.note(at, &merged);
                    *merged
                });
                continue;
            }
        }
        positions.note(result.len(), &operation);
        result.push(Some(operation));
    }
    result.into_iter().flatten().collect()
}

/// Where the operations kept so far stand, by what they name, so that the latest one a new operation may
/// not move back across is found without reading the others. `later` may not move back across `earlier`
/// when they are on the same model, one points at the other's through a foreign key, or one names no
/// model (raw SQL or Rust, which may touch any).
#[derive(Default)]
struct Positions {
    /// Every kept operation.
    live: BTreeSet<usize>,
    /// The operations that name no model.
    unscoped: BTreeSet<usize>,
    /// By model name, the operations on that model.
    on: HashMap<String, BTreeSet<usize>>,
    /// By model name, the operations on that model or with a foreign key to it.
    touching: HashMap<String, BTreeSet<usize>>,
}

impl Positions {
    /// The latest kept operation that `later` may not move back across.
    fn latest_blocking(&self, later: &Operation) -> Option<usize> {
        let Some(model) = later.model_name() else { return self.live.last().copied() };
        let latest = |sets: &HashMap<String, BTreeSet<usize>>, name: &str| {
            sets.get(name).and_then(|positions| positions.last().copied())
        };
        let referenced = later.referenced_models().filter_map(|target| latest(&self.on, target));
        self.unscoped.last().copied().into_iter().chain(latest(&self.touching, model)).chain(referenced).max()
    }

    fn note(&mut self, position: usize, operation: &Operation) {
        self.live.insert(position);
        let Some(model) = operation.model_name() else {
            self.unscoped.insert(position);
            return;
        };
        self.on.entry(model.to_owned()).or_default().insert(position);
        for name in std::iter::once(model).chain(operation.referenced_models()) {
            self.touching.entry(name.to_owned()).or_default().insert(position);
        }
    }

    fn forget(&mut self, position: usize, operation: &Operation) {
        self.live.remove(&position);
        let Some(model) = operation.model_name() else {
            self.unscoped.remove(&position);
            return;
        };
        let remove = |sets: &mut HashMap<String, BTreeSet<usize>>, name: &str| {
            if let Some(positions) = sets.get_mut(name) {
                positions.remove(&position);
            }
        };
        remove(&mut self.on, model);
        for name in std::iter::once(model).chain(operation.referenced_models()) {
            remove(&mut self.touching, name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::optimize;
    use crate::migrations::operation::{
        AddField, AlterField, BackendSql, CreateModel, DeleteModel, Operation, RemoveField, RunSql,
    };
    use crate::schema::{ColumnType, FieldSchema, ForeignKeySchema, ModelSchema};
    use std::sync::Arc;

    /// The search as it was written first: every earlier operation, latest first, until one blocks.
    fn optimize_by_scan(operations: Vec<Operation>) -> Vec<Operation> {
        let blocks = |earlier: &Operation, later: &Operation| {
            let (Some(earlier_model), Some(later_model)) = (earlier.model_name(), later.model_name()) else {
                return true;
            };
            earlier_model == later_model
                || later.references_model(earlier_model)
                || earlier.references_model(later_model)
        };
        let mut result: Vec<Operation> = Vec::new();
        'next: for operation in operations {
            for index in (0..result.len()).rev() {
                if let Some(folded) = result[index].fold(&operation) {
                    match folded {
                        Some(merged) => result[index] = *merged,
                        None => {
                            result.remove(index);
                        }
                    }
                    continue 'next;
                }
                if blocks(&result[index], &operation) {
                    break;
                }
            }
            result.push(operation);
        }
        result
    }

    fn field(name: &str, key_to: Option<&str>) -> FieldSchema {
        let mut field = FieldSchema::new(name, ColumnType::BigInteger, true);
        field.foreign_key = key_to.map(|model| ForeignKeySchema::cascading_to("shop", model));
        field
    }

    /// A small generator (xorshift), so that the sequences are the same on every run.
    struct Picks(u64);

    impl Picks {
        fn below(&mut self, bound: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % bound as u64) as usize
        }
    }

    /// One of a few operations on three models and two field names, some with keys to the others: enough
    /// to fold, cancel and block in every way.
    fn operation(picks: &mut Picks) -> Operation {
        const MODELS: [&str; 3] = ["A", "B", "C"];
        let model = MODELS[picks.below(3)].to_owned();
        let name = ["x", "y"][picks.below(2)];
        let key_to = [None, Some(MODELS[picks.below(3)])][picks.below(2)];
        match picks.below(6) {
            0 => Operation::CreateModel(CreateModel {
                model: Arc::new(ModelSchema {
                    app: "shop".into(),
                    name: model.clone(),
                    table: format!("shop_{}", model.to_lowercase()),
                    db_comment: None,
                    fields: vec![field("id", None), field(name, key_to)],
                    indexes: Vec::new(),
                    constraints: Vec::new(),
                }),
            }),
            1 => Operation::AddField(AddField { model, field: field(name, key_to), backfill: None }),
            2 => Operation::AlterField(AlterField { model, field: field(name, key_to), backfill: None }),
            3 => Operation::RemoveField(RemoveField { model, name: name.into() }),
            4 => Operation::DeleteModel(DeleteModel { name: model }),
            _ => Operation::RunSql(RunSql { forward: BackendSql::default(), backward: None }),
        }
    }

    #[test]
    fn folds_as_the_scan_of_every_earlier_operation_does() {
        let mut picks = Picks(0x9e37_79b9_7f4a_7c15);
        let mut folded = 0;
        for _ in 0..2_000 {
            let length = 1 + picks.below(12);
            let operations: Vec<Operation> = (0..length).map(|_| operation(&mut picks)).collect();
            let expected = optimize_by_scan(operations.clone());
            folded += operations.len() - expected.len();
            assert_eq!(optimize(operations.clone()), expected, "{operations:#?}");
        }
        // The sequences do fold: the comparison is not between two copies of the input.
        assert!(folded > 1_000, "only {folded} operations folded");
    }
}

//! Folds adjacent operations on the same model into fewer: a created model absorbs the fields added,
//! altered, renamed or removed right after it; an added field absorbs later alterations; creating then
//! deleting a model, or adding then removing a field, cancels out.

use super::operation::Operation;
use super::state::ProjectState;

/// The operations with adjacent ones on the same model folded together, in the same order otherwise.
pub fn optimize(operations: Vec<Operation>) -> Vec<Operation> {
    let mut result: Vec<Operation> = Vec::with_capacity(operations.len());
    'next: for operation in operations {
        // Fold into the latest earlier operation on the same model, if nothing between references it.
        for index in (0..result.len()).rev() {
            match fold(&result[index], &operation) {
                Fold::Into(merged) => {
                    match merged {
                        Some(merged) => result[index] = *merged,
                        None => {
                            result.remove(index);
                        }
                    }
                    continue 'next;
                }
                Fold::Blocked => break,
                Fold::Independent => {}
            }
        }
        result.push(operation);
    }
    result
}

enum Fold {
    /// The two become one (`Some`) or nothing (`None`).
    Into(Option<Box<Operation>>),
    /// They touch the same model but cannot merge: nothing may move across.
    Blocked,
    /// They concern different things.
    Independent,
}

fn fold(earlier: &Operation, later: &Operation) -> Fold {
    use Operation::*;
    let same_model = |model: &str| earlier.model_name() == Some(model);
    match (earlier, later) {
        (CreateModel { model }, DeleteModel { name }) if model.name == *name => Fold::Into(None),
        (CreateModel { model }, AddField { model: target, field, .. }) if model.name == *target => {
            let mut merged = model.clone();
            merged.fields.push(field.clone());
            Fold::Into(Some(Box::new(CreateModel { model: merged })))
        }
        (CreateModel { model }, AlterField { model: target, field, .. }) if model.name == *target => {
            let mut merged = model.clone();
            merged
                .fields
                .iter_mut()
                .filter(|existing| existing.name == field.name)
                .for_each(|slot| *slot = field.clone());
            Fold::Into(Some(Box::new(CreateModel { model: merged })))
        }
        (CreateModel { model }, RemoveField { model: target, name }) if model.name == *target => {
            let mut merged = model.clone();
            merged.fields.retain(|field| field.name != *name);
            Fold::Into(Some(Box::new(CreateModel { model: merged })))
        }
        (CreateModel { model }, RenameField { model: target, .. }) if model.name == *target => {
            // The rename's own state change, so that a column named after the field follows it.
            let mut state = ProjectState::from_models([model]);
            match later.state_forwards(&model.app, &mut state) {
                Ok(()) => match state.model(&model.app, &model.name) {
                    Some(merged) => Fold::Into(Some(Box::new(CreateModel { model: merged.clone() }))),
                    None => Fold::Blocked,
                },
                Err(_) => Fold::Blocked,
            }
        }
        (AddField { model, field, .. }, RemoveField { model: target, name })
            if model == target && field.name == *name =>
        {
            Fold::Into(None)
        }
        (
            AddField { model, field, backfill },
            AlterField { model: target, field: altered, backfill: altered_backfill },
        ) if model == target && field.name == altered.name => Fold::Into(Some(Box::new(AddField {
            model: model.clone(),
            field: altered.clone(),
            backfill: backfill.clone().or_else(|| altered_backfill.clone()),
        }))),
        (
            AlterField { model, field, backfill },
            AlterField { model: target, field: altered, backfill: altered_backfill },
        ) if model == target && field.name == altered.name => Fold::Into(Some(Box::new(AlterField {
            model: model.clone(),
            field: altered.clone(),
            backfill: altered_backfill.clone().or_else(|| backfill.clone()),
        }))),
        _ if later.model_name().is_some_and(same_model) || references(earlier, later) => Fold::Blocked,
        _ if matches!(earlier, RunSql { .. } | RunRust { .. })
            || matches!(later, RunSql { .. } | RunRust { .. }) =>
        {
            Fold::Blocked
        }
        _ => Fold::Independent,
    }
}

/// Whether one of the two points at the other's model through a foreign key, so their order matters.
fn references(earlier: &Operation, later: &Operation) -> bool {
    let points_at = |operation: &Operation, model: Option<&str>| {
        model.is_some_and(|model| operation.references_model(model))
    };
    points_at(later, earlier.model_name()) || points_at(earlier, later.model_name())
}

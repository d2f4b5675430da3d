//! Folds adjacent operations on the same model into fewer. Which pairs fold, and into what, each operation
//! says (`Change::fold`: a created model absorbs the fields added, altered, renamed or removed right after
//! it, an added field absorbs later alterations, creating then deleting cancels out); this file holds the
//! search, and what keeps an operation from moving back across another.

use super::operation::Operation;

/// The operations with adjacent ones on the same model folded together, in the same order otherwise.
pub fn optimize(operations: Vec<Operation>) -> Vec<Operation> {
    let mut result: Vec<Operation> = Vec::with_capacity(operations.len());
    'next: for operation in operations {
        // Fold into the latest earlier operation on the same model, if nothing between references it.
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

/// Whether `later` may not move back across `earlier`: they touch the same model, one points at the
/// other's through a foreign key, or one names no model (raw SQL or Rust, which may touch any).
fn blocks(earlier: &Operation, later: &Operation) -> bool {
    let (Some(earlier_model), Some(later_model)) = (earlier.model_name(), later.model_name()) else {
        return true;
    };
    earlier_model == later_model
        || later.references_model(earlier_model)
        || earlier.references_model(later_model)
}

//! The rows the database must hold: every seeded row by model and field id, transformed with each step's
//! changes (renames need nothing, since ids survive them).

use super::generator::Change;
use super::world::Val;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub values: BTreeMap<u32, Val>,
}

#[derive(Debug, Clone, Default)]
pub struct Expectation {
    /// By model id, in id order.
    pub rows: BTreeMap<u32, Vec<Row>>,
}

impl Expectation {
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match change {
                Change::CreateModel { model } => {
                    self.rows.insert(*model, Vec::new());
                }
                Change::DeleteModel { model } => {
                    self.rows.remove(model);
                }
                Change::AddField { model, field, fill } => {
                    for row in self.rows.entry(*model).or_default() {
                        row.values.insert(*field, fill.clone());
                    }
                }
                Change::RemoveField { model, field } => {
                    for row in self.rows.entry(*model).or_default() {
                        row.values.remove(field);
                    }
                }
                Change::FillNulls { model, field, value } => {
                    for row in self.rows.entry(*model).or_default() {
                        let slot = row.values.entry(*field).or_insert(Val::Null);
                        if *slot == Val::Null {
                            *slot = value.clone();
                        }
                    }
                }
            }
        }
    }

    pub fn rows(&self, model: u32) -> &[Row] {
        self.rows.get(&model).map_or(&[], Vec::as_slice)
    }

    pub fn ids(&self, model: u32) -> Vec<i64> {
        self.rows(model).iter().map(|row| row.id).collect()
    }

    /// The field's values over the model's rows.
    pub fn values(&self, model: u32, field: u32) -> Vec<Val> {
        self.rows(model).iter().map(|row| row.values.get(&field).cloned().unwrap_or(Val::Null)).collect()
    }

    /// Whether every row of `model` has a value recorded for `field`. A field added in the step being made
    /// has none yet, though the database fills its rows (with one value for all of them).
    pub fn known(&self, model: u32, field: u32) -> bool {
        self.rows(model).iter().all(|row| row.values.contains_key(&field))
    }

    pub fn next_id(&self, model: u32) -> i64 {
        self.rows(model).iter().map(|row| row.id).max().unwrap_or(0) + 1
    }

    pub fn insert(&mut self, model: u32, row: Row) {
        self.rows.entry(model).or_default().push(row);
    }
}

//! Answers `makemigrations`' questions from what the generator did: yes to the renames it made, no to any
//! other, and the values it chose for NOT NULL fields. It remembers what it was asked, so that a rename
//! the engine never asked about shows up as such.

use super::generator::Answers;
use oxutils::migrations::{NotNullAlteration, Question, QuestionError, Questioner};
use oxutils::schema::{FieldSchema, Literal, ModelSchema};
use std::collections::BTreeSet;

pub struct Scripted<'a> {
    answers: &'a Answers,
    pub asked_model_renames: BTreeSet<(String, String, String)>,
    pub asked_field_renames: BTreeSet<(String, String, String, String)>,
    /// Questions this step did not expect, as text.
    pub unexpected: Vec<String>,
}

impl<'a> Scripted<'a> {
    pub fn new(answers: &'a Answers) -> Self {
        Scripted {
            answers,
            asked_model_renames: BTreeSet::new(),
            asked_field_renames: BTreeSet::new(),
            unexpected: Vec::new(),
        }
    }

    /// The renames the generator made that the engine did not ask about: they came out as a removal and
    /// an addition, losing the rows' values.
    pub fn missed_renames(&self) -> Vec<String> {
        let models = self.answers.model_renames.difference(&self.asked_model_renames);
        let fields = self.answers.field_renames.difference(&self.asked_field_renames);
        models
            .map(|(app, old, new)| format!("model {app}.{old} -> {new}"))
            .chain(fields.map(|(app, model, old, new)| format!("field {app}.{model}.{old} -> {new}")))
            .collect()
    }
}

impl Questioner for Scripted<'_> {
    fn ask_rename_model(
        &mut self,
        app: &str,
        old: &ModelSchema,
        new: &ModelSchema,
    ) -> Result<bool, QuestionError> {
        let key = (app.to_owned(), old.name.clone(), new.name.clone());
        let yes = self.answers.model_renames.contains(&key);
        if yes {
            self.asked_model_renames.insert(key);
        }
        Ok(yes)
    }

    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        let key = (app.to_owned(), model.to_owned(), old.name.clone(), new.name.clone());
        let yes = self.answers.field_renames.contains(&key);
        if yes {
            self.asked_field_renames.insert(key);
        }
        Ok(yes)
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        let key = (app.to_owned(), model.to_owned(), field.name.clone());
        self.answers.not_null_defaults.get(&key).cloned().ok_or_else(|| {
            self.unexpected.push(format!("one-off value for new field {app}.{model}.{}", field.name));
            QuestionError::NeedsAnswer(Question::not_null_default(app, model, field))
        })
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        let key = (app.to_owned(), model.to_owned(), field.name.clone());
        match self.answers.not_null_alterations.get(&key) {
            Some(value) => Ok(NotNullAlteration::Backfill(value.clone())),
            None if self.answers.not_null_ignores.contains(&key) => Ok(NotNullAlteration::Ignore),
            None => {
                self.unexpected.push(format!("NOT NULL alteration of {app}.{model}.{}", field.name));
                Err(QuestionError::NeedsAnswer(Question::not_null_alteration(app, model, field)))
            }
        }
    }
}

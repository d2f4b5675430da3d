//! Every human decision the autodetector needs, behind one trait: is this a rename, and what value should
//! existing rows get. The non-interactive questioner refuses with a message that says what to do.

use crate::schema::{FieldSchema, Literal, ModelSchema};
use std::fmt;
use std::io::{BufRead, Write};

pub trait Questioner {
    /// Was `old` renamed to `new`? Asked when a model disappears and one with the same fields appears.
    fn ask_rename_model(
        &mut self,
        app: &str,
        old: &ModelSchema,
        new: &ModelSchema,
    ) -> Result<bool, QuestionError>;

    /// Was field `old` of `model` renamed to `new`? Asked when they differ only by name and column.
    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError>;

    /// The value existing rows get for a new NOT NULL field without a default.
    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError>;
}

/// A question could not be answered, so no migration was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionError(pub String);

impl fmt::Display for QuestionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QuestionError {}

/// For CI and `--no-input`: never guesses.
pub struct NonInteractiveQuestioner;

impl Questioner for NonInteractiveQuestioner {
    fn ask_rename_model(
        &mut self,
        app: &str,
        old: &ModelSchema,
        new: &ModelSchema,
    ) -> Result<bool, QuestionError> {
        Err(QuestionError(format!(
            "model `{app}.{}` disappeared and `{app}.{}` with the same fields appeared: was it renamed? \
             Run makemigrations interactively to answer, or make the two changes in separate migrations",
            old.name, new.name
        )))
    }

    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        Err(QuestionError(format!(
            "field `{app}.{model}.{}` disappeared and `{}` of the same type appeared: was it renamed? \
             Run makemigrations interactively to answer, or make the two changes in separate migrations",
            old.name, new.name
        )))
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        Err(QuestionError(format!(
            "field `{app}.{model}.{}` is NOT NULL without a default, and existing rows need a value: \
             give it `#[ox(default = ...)]`, make it an `Option`, or run makemigrations interactively \
             to enter a one-off value",
            field.name
        )))
    }
}

/// Asks on a terminal (or any reader and writer).
pub struct InteractiveQuestioner<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead, W: Write> InteractiveQuestioner<R, W> {
    pub fn new(input: R, output: W) -> Self {
        InteractiveQuestioner { input, output }
    }

    fn ask(&mut self, prompt: &str) -> Result<String, QuestionError> {
        let failed = |error: std::io::Error| QuestionError(format!("cannot ask: {error}"));
        write!(self.output, "{prompt}").map_err(failed)?;
        self.output.flush().map_err(failed)?;
        let mut answer = String::new();
        if self.input.read_line(&mut answer).map_err(failed)? == 0 {
            return Err(QuestionError("no answer: the input ended".to_owned()));
        }
        Ok(answer.trim().to_owned())
    }

    fn yes_no(&mut self, prompt: &str) -> Result<bool, QuestionError> {
        loop {
            match self.ask(&format!("{prompt} [y/N] "))?.to_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "" | "n" | "no" => return Ok(false),
                _ => {}
            }
        }
    }
}

impl<R: BufRead, W: Write> Questioner for InteractiveQuestioner<R, W> {
    fn ask_rename_model(
        &mut self,
        app: &str,
        old: &ModelSchema,
        new: &ModelSchema,
    ) -> Result<bool, QuestionError> {
        self.yes_no(&format!("Was the model {app}.{} renamed to {}?", old.name, new.name))
    }

    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        self.yes_no(&format!("Was {app}.{model}.{} renamed to {model}.{}?", old.name, new.name))
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        loop {
            let prompt = format!(
                "Field {app}.{model}.{} is NOT NULL without a default. Enter a one-off value for existing rows \
                 as JSON (e.g. 0, \"text\", true): ",
                field.name
            );
            let answer = self.ask(&prompt)?;
            match serde_json::from_str::<serde_json::Value>(&answer) {
                Ok(serde_json::Value::Bool(value)) => return Ok(Literal::Bool(value)),
                Ok(serde_json::Value::Number(number)) => {
                    return Ok(number
                        .as_i64()
                        .map_or_else(|| Literal::Float(number.as_f64().unwrap_or(0.0)), Literal::Integer));
                }
                Ok(serde_json::Value::String(text)) => return Ok(Literal::Text(text)),
                Ok(other @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => {
                    return Ok(Literal::Json(other));
                }
                Ok(serde_json::Value::Null) | Err(_) => {
                    writeln!(self.output, "Please enter a JSON value that is not null.").ok();
                }
            }
        }
    }
}

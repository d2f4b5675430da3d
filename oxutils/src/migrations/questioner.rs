//! Every human decision the autodetector needs, behind one trait: is this a rename, and what value should
//! existing rows get. The non-interactive questioner refuses with a message that says what to do.

use crate::schema::{ColumnType, FieldSchema, Literal, ModelSchema};
use std::io::{BufRead, Write};

/// Answers the questions the autodetector cannot decide alone.
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

    /// What rows holding NULL get when `field` stops being nullable and has no default (Django's
    /// `ask_not_null_alteration`): a one-off value, or nothing now (the migration then fails on such rows
    /// until they are handled by hand). An error quits.
    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError>;
}

/// The answer to a nullable field made NOT NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum NotNullAlteration {
    /// Rows that hold NULL get this value, in the migration, before the column becomes NOT NULL.
    Backfill(Literal),
    /// Leave the rows alone: existing NULLs must be handled by hand (a `RunSql` operation) first.
    Ignore,
}

/// A question `makemigrations` asks, with what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Was model `old` of `app` renamed to `new`?
    RenameModel {
        /// The app.
        app: String,
        /// The model that disappeared.
        old: String,
        /// The model that appeared.
        new: String,
    },
    /// Was field `old` of `app.model` renamed to `new`?
    RenameField {
        /// The app.
        app: String,
        /// The model.
        model: String,
        /// The field that disappeared.
        old: String,
        /// The field that appeared.
        new: String,
    },
    /// What value do existing rows get for the new NOT NULL field `app.model.field`?
    NotNullDefault {
        /// The app.
        app: String,
        /// The model.
        model: String,
        /// The new field.
        field: String,
    },
    /// What do rows holding NULL get when `app.model.field` becomes NOT NULL?
    NotNullAlteration {
        /// The app.
        app: String,
        /// The model.
        model: String,
        /// The field made NOT NULL.
        field: String,
    },
}

/// A question could not be answered, so no migration was written.
#[derive(Debug, thiserror::Error)]
pub enum QuestionError {
    /// No one is there to answer (`--no-input`, CI, a questioner that never guesses): the message says what
    /// to change so that the question does not arise.
    #[error("{}", needs_answer(.0))]
    NeedsAnswer(Question),
    /// The person chose to quit.
    #[error("{}", quit(.0))]
    Quit(Question),
    /// The input ended before an answer.
    #[error("no answer: the input ended")]
    InputEnded,
    /// The terminal could not be read or written.
    #[error("cannot ask: {0}")]
    CannotAsk(#[source] std::io::Error),
}

fn needs_answer(question: &Question) -> String {
    match question {
        Question::RenameModel { app, old, new } => format!(
            "model `{app}.{old}` disappeared and `{app}.{new}` with the same fields appeared: was it renamed? \
             Run makemigrations interactively to answer, or make the two changes in separate migrations"
        ),
        Question::RenameField { app, model, old, new } => format!(
            "field `{app}.{model}.{old}` disappeared and `{new}` of the same type appeared: was it renamed? \
             Run makemigrations interactively to answer, or make the two changes in separate migrations"
        ),
        Question::NotNullDefault { app, model, field } => format!(
            "field `{app}.{model}.{field}` is NOT NULL without a default, and existing rows need a value: \
             give it `#[ox(default = ...)]`, make it an `Option`, or run makemigrations interactively \
             to enter a one-off value"
        ),
        Question::NotNullAlteration { app, model, field } => format!(
            "field `{app}.{model}.{field}` is made NOT NULL without a default, and rows holding NULL need a \
             value: give it `#[ox(default = ...)]` (rows holding NULL get it), keep it an `Option`, or run \
             makemigrations interactively to enter a one-off value"
        ),
    }
}

fn quit(question: &Question) -> String {
    match question {
        Question::NotNullDefault { app, model, field }
        | Question::NotNullAlteration { app, model, field } => {
            format!(
                "quit: give `{app}.{model}.{field}` a default (`#[ox(default = ...)]`) or make it an `Option`, \
                 then run makemigrations again"
            )
        }
        Question::RenameModel { .. } | Question::RenameField { .. } => "quit".to_owned(),
    }
}

impl Question {
    /// Whether `old` of `app` was renamed to `new`.
    pub fn rename_model(app: &str, old: &ModelSchema, new: &ModelSchema) -> Self {
        Question::RenameModel { app: app.to_owned(), old: old.name.clone(), new: new.name.clone() }
    }

    /// Whether field `old` of `app.model` was renamed to `new`.
    pub fn rename_field(app: &str, model: &str, old: &FieldSchema, new: &FieldSchema) -> Self {
        Question::RenameField {
            app: app.to_owned(),
            model: model.to_owned(),
            old: old.name.clone(),
            new: new.name.clone(),
        }
    }

    /// The value existing rows get for the new NOT NULL `field`.
    pub fn not_null_default(app: &str, model: &str, field: &FieldSchema) -> Self {
        Question::NotNullDefault { app: app.to_owned(), model: model.to_owned(), field: field.name.clone() }
    }

    /// What rows holding NULL get when `field` becomes NOT NULL.
    pub fn not_null_alteration(app: &str, model: &str, field: &FieldSchema) -> Self {
        Question::NotNullAlteration {
            app: app.to_owned(),
            model: model.to_owned(),
            field: field.name.clone(),
        }
    }
}

/// For CI and `--no-input`: never guesses.
pub struct NonInteractiveQuestioner;

impl Questioner for NonInteractiveQuestioner {
    fn ask_rename_model(
        &mut self,
        app: &str,
        old: &ModelSchema,
        new: &ModelSchema,
    ) -> Result<bool, QuestionError> {
        Err(QuestionError::NeedsAnswer(Question::rename_model(app, old, new)))
    }

    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        Err(QuestionError::NeedsAnswer(Question::rename_field(app, model, old, new)))
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        Err(QuestionError::NeedsAnswer(Question::not_null_default(app, model, field)))
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        Err(QuestionError::NeedsAnswer(Question::not_null_alteration(app, model, field)))
    }
}

/// Answers every question without asking: no renames, no values. For learning whether the models have
/// changes at all (`migrate`'s warning), never for writing a migration.
pub struct AssumingQuestioner;

impl Questioner for AssumingQuestioner {
    fn ask_rename_model(&mut self, _: &str, _: &ModelSchema, _: &ModelSchema) -> Result<bool, QuestionError> {
        Ok(false)
    }

    fn ask_rename_field(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
        _: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        Ok(false)
    }

    fn ask_not_null_default(&mut self, _: &str, _: &str, _: &FieldSchema) -> Result<Literal, QuestionError> {
        Ok(Literal::Null)
    }

    fn ask_not_null_alteration(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        Ok(NotNullAlteration::Ignore)
    }
}

/// Asks on a terminal (or any reader and writer).
pub struct InteractiveQuestioner<R, W> {
    input: R,
    output: W,
    /// Once the input has ended, refuse as [`NonInteractiveQuestioner`] does instead of failing on it.
    refuse_at_end: bool,
}

impl<R: BufRead, W: Write> InteractiveQuestioner<R, W> {
    /// Asks on `output` and reads the answers from `input`.
    pub fn new(input: R, output: W) -> Self {
        InteractiveQuestioner { input, output, refuse_at_end: false }
    }

    /// For answers piped in (`printf 'y\n1\n0\n' | cargo oxutils makemigrations`): a question the input
    /// has no more answers for is refused with the non-interactive message, which says what to do.
    pub fn refusing_at_end(mut self) -> Self {
        self.refuse_at_end = true;
        self
    }

    fn ask(&mut self, prompt: &str) -> Result<String, QuestionError> {
        write!(self.output, "{prompt}").map_err(cannot_ask)?;
        self.output.flush().map_err(cannot_ask)?;
        let mut answer = String::new();
        if self.input.read_line(&mut answer).map_err(cannot_ask)? == 0 {
            return Err(QuestionError::InputEnded);
        }
        if self.refuse_at_end {
            // Piped answers are not echoed by a terminal: show them after their prompts.
            writeln!(self.output, "{}", answer.trim_end()).map_err(cannot_ask)?;
        }
        Ok(answer.trim().to_owned())
    }

    /// `asked`, or the non-interactive refusal when it failed because the input ended.
    fn or_refusal<T>(
        &self,
        asked: Result<T, QuestionError>,
        refuse: impl FnOnce(&mut NonInteractiveQuestioner) -> Result<T, QuestionError>,
    ) -> Result<T, QuestionError> {
        match asked {
            Err(QuestionError::InputEnded) if self.refuse_at_end => refuse(&mut NonInteractiveQuestioner),
            other => other,
        }
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
        let asked = self.yes_no(&format!("Was the model {app}.{} renamed to {}?", old.name, new.name));
        self.or_refusal(asked, |refuse| refuse.ask_rename_model(app, old, new))
    }

    fn ask_rename_field(
        &mut self,
        app: &str,
        model: &str,
        old: &FieldSchema,
        new: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        let asked = self.yes_no(&format!("Was {app}.{model}.{} renamed to {model}.{}?", old.name, new.name));
        self.or_refusal(asked, |refuse| refuse.ask_rename_field(app, model, old, new))
    }

    fn ask_not_null_default(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<Literal, QuestionError> {
        writeln!(
            self.output,
            "It is impossible to add the NOT NULL field {app}.{model}.{} without a default: the database \
             needs a value for the rows that exist.\nPlease select a fix:\n \
             1) Provide a one-off value now (set on every existing row)\n \
             2) Quit, and add a default (`#[ox(default = ...)]`) or make the field an `Option`",
            field.name
        )
        .map_err(cannot_ask)?;
        let asked = match self.choose(2) {
            Ok(1) => self.one_off_value(field),
            Ok(_) => Err(QuestionError::Quit(Question::not_null_default(app, model, field))),
            Err(error) => Err(error),
        };
        self.or_refusal(asked, |refuse| refuse.ask_not_null_default(app, model, field))
    }

    fn ask_not_null_alteration(
        &mut self,
        app: &str,
        model: &str,
        field: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        writeln!(
            self.output,
            "It is impossible to make the nullable field {app}.{model}.{} NOT NULL without a default: the \
             database needs a value for the rows that hold NULL.\nPlease select a fix:\n \
             1) Provide a one-off value now (set on every existing row that holds NULL)\n \
             2) Ignore for now: rows that hold NULL must be handled by hand (a RunSql operation) before \
             this migration runs\n \
             3) Quit, and add a default (`#[ox(default = ...)]`)",
            field.name
        )
        .map_err(cannot_ask)?;
        let asked = match self.choose(3) {
            Ok(1) => self.one_off_value(field).map(NotNullAlteration::Backfill),
            Ok(2) => Ok(NotNullAlteration::Ignore),
            Ok(_) => Err(QuestionError::Quit(Question::not_null_alteration(app, model, field))),
            Err(error) => Err(error),
        };
        self.or_refusal(asked, |refuse| refuse.ask_not_null_alteration(app, model, field))
    }
}

impl<R: BufRead, W: Write> InteractiveQuestioner<R, W> {
    /// A number from 1 to `options`, asked until one is given.
    fn choose(&mut self, options: u32) -> Result<u32, QuestionError> {
        loop {
            let answer = self.ask("Select an option: ")?;
            match answer.parse::<u32>() {
                Ok(choice) if (1..=options).contains(&choice) => return Ok(choice),
                _ => writeln!(self.output, "Please select a number from 1 to {options}.")
                    .map_err(cannot_ask)?,
            }
        }
    }

    /// A value of the field's type, asked until one parses.
    fn one_off_value(&mut self, field: &FieldSchema) -> Result<Literal, QuestionError> {
        let hint = value_hint(field.column_type);
        loop {
            let answer = self.ask(&format!("Enter the value ({hint}): "))?;
            match Literal::parse_for(field.column_type, &answer) {
                Ok(value) => return Ok(value),
                Err(problem) => writeln!(self.output, "{problem}; try again.").map_err(cannot_ask)?,
            }
        }
    }
}

/// What the one-off value prompt accepts for a column type.
fn value_hint(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => "an integer",
        ColumnType::Float | ColumnType::Double => "a number",
        ColumnType::Boolean => "true or false",
        ColumnType::String { .. } | ColumnType::Text => "plain text, \"\" for empty",
        ColumnType::Binary => "bytes in hex",
        ColumnType::Date => "YYYY-MM-DD",
        ColumnType::Time => "HH:MM:SS",
        ColumnType::DateTime | ColumnType::TimestampTz => "YYYY-MM-DD HH:MM:SS, in UTC",
        ColumnType::Uuid => "a UUID",
        ColumnType::Json => "JSON",
        ColumnType::Decimal { .. } => "a decimal number, like 12.50",
        ColumnType::Custom(_) => "the value as SQL text, \"\" for empty",
    }
}

fn cannot_ask(error: std::io::Error) -> QuestionError {
    QuestionError::CannotAsk(error)
}

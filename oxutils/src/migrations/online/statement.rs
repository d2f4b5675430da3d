//! What one statement of a migration does, read back from its text: the change it makes and the table it
//! makes it on. The cost of a step, PostgreSQL's safe forms and the lint are all decided from this, so that
//! a user's `run_sql` in one of these shapes is judged as the engine's own statements are.

use crate::dialect::Backend;
use crate::migrations::sql_lexer::{Token, closing, name_list, tokens, top_level_commas};

/// A statement's change. Names are unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ddl {
    CreateTable {
        table: String,
    },
    DropTable {
        table: String,
    },
    RenameTable {
        table: String,
        to: String,
    },
    /// `unique`: the definition carries `UNIQUE` (MySQL's), which builds an index.
    AddColumn {
        table: String,
        column: String,
        not_null: bool,
        unique: bool,
        default: ColumnDefault,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        column: String,
    },
    /// PostgreSQL's `ALTER COLUMN .. TYPE`.
    AlterType {
        table: String,
        column: String,
    },
    SetNotNull {
        table: String,
        column: String,
    },
    /// `DROP NOT NULL`, `SET DEFAULT`, `DROP DEFAULT`: the catalog only.
    AlterColumnCatalog {
        table: String,
        column: String,
    },
    /// MySQL's `MODIFY COLUMN` and `CHANGE COLUMN`, which restate the whole definition.
    ModifyColumn {
        table: String,
        column: String,
    },
    CreateIndex {
        table: String,
        name: String,
        unique: bool,
        concurrently: bool,
        columns: Vec<String>,
    },
    DropIndex {
        table: Option<String>,
        name: String,
        concurrently: bool,
    },
    RenameIndex {
        table: Option<String>,
    },
    AddForeignKey {
        table: String,
        name: String,
        references: String,
        not_valid: bool,
    },
    AddCheck {
        table: String,
        name: String,
        not_valid: bool,
    },
    /// `ADD CONSTRAINT .. UNIQUE (..)`, MySQL's `ADD UNIQUE (..)`; `using_index` when it adopts one built
    /// before (PostgreSQL's `UNIQUE USING INDEX`).
    AddUnique {
        table: String,
        name: String,
        columns: Vec<String>,
        using_index: bool,
    },
    ValidateConstraint {
        table: String,
        name: String,
    },
    DropConstraint {
        table: String,
        name: String,
    },
    RenameConstraint {
        table: String,
    },
    Comment {
        table: String,
    },
    /// `UPDATE`, `INSERT`, `DELETE`: rows, not the schema.
    Rows {
        table: String,
    },
    /// Not a shape read here (a user's SQL).
    Other,
}

/// The default a new column gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnDefault {
    None,
    /// A literal, or a function PostgreSQL evaluates once (`now()`).
    Constant,
    /// A function evaluated per row (`random()`, `gen_random_uuid()`, `clock_timestamp()`): every existing
    /// row gets its own value, so the table is rewritten.
    Volatile,
}

impl Ddl {
    /// The table the statement changes, where it names one.
    pub(crate) fn table(&self) -> Option<&str> {
        use Ddl::*;
        match self {
            CreateTable { table }
            | DropTable { table }
            | RenameTable { table, .. }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterType { table, .. }
            | SetNotNull { table, .. }
            | AlterColumnCatalog { table, .. }
            | ModifyColumn { table, .. }
            | CreateIndex { table, .. }
            | AddForeignKey { table, .. }
            | AddCheck { table, .. }
            | AddUnique { table, .. }
            | ValidateConstraint { table, .. }
            | DropConstraint { table, .. }
            | RenameConstraint { table }
            | Comment { table }
            | Rows { table } => Some(table),
            DropIndex { table, .. } | RenameIndex { table } => table.as_deref(),
            Other => None,
        }
    }
}

/// Functions whose value differs per row; a default calling another function counts as constant, as
/// PostgreSQL 11+ evaluates a stable one once for every existing row.
const VOLATILE_FUNCTIONS: [&str; 9] = [
    "random",
    "clock_timestamp",
    "timeofday",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v4",
    "nextval",
    "uuid",
    "rand",
];

/// Reads `statement` as written for `backend`.
pub(crate) fn classify(statement: &str, backend: Backend) -> Ddl {
    let quote = if backend == Backend::Mysql { '`' } else { '"' };
    tokens(statement, quote).and_then(|tokens| shape(&tokens)).unwrap_or(Ddl::Other)
}

fn is(token: &Token<'_>, keyword: &str) -> bool {
    matches!(token, Token::Word(word) if word.eq_ignore_ascii_case(keyword))
}

/// The keywords `words` at the start of `tokens`, and what follows them.
fn after<'t, 'a>(tokens: &'t [Token<'a>], words: &[&str]) -> Option<&'t [Token<'a>]> {
    (tokens.len() >= words.len() && words.iter().zip(tokens).all(|(word, token)| is(token, word)))
        .then(|| &tokens[words.len()..])
}

/// The optional keywords `words` at the start of `tokens`: whether they are there, and what follows.
fn optional<'t, 'a>(tokens: &'t [Token<'a>], words: &[&str]) -> (bool, &'t [Token<'a>]) {
    after(tokens, words).map_or((false, tokens), |rest| (true, rest))
}

fn name(token: Option<&Token<'_>>) -> Option<String> {
    match token? {
        Token::Name(name) => Some(name.to_string()),
        Token::Word(word) => Some((*word).to_owned()),
        _ => None,
    }
}

fn shape(tokens: &[Token<'_>]) -> Option<Ddl> {
    if let Some(rest) = after(tokens, &["CREATE"]) {
        let (unique, rest) = optional(rest, &["UNIQUE"]);
        if let Some(rest) = after(rest, &["INDEX"]) {
            let (concurrently, rest) = optional(rest, &["CONCURRENTLY"]);
            let (_, rest) = optional(rest, &["IF", "NOT", "EXISTS"]);
            let index = name(rest.first())?;
            let rest = after(&rest[1..], &["ON"])?;
            let table = name(rest.first())?;
            let columns = match rest.get(1) {
                Some(Token::Punct('(')) => name_list(&rest[2..]).unwrap_or_default(),
                _ => Vec::new(),
            };
            return Some(Ddl::CreateIndex { table, name: index, unique, concurrently, columns });
        }
        let rest = after(rest, &["TABLE"])?;
        let (_, rest) = optional(rest, &["IF", "NOT", "EXISTS"]);
        return Some(Ddl::CreateTable { table: name(rest.first())? });
    }
    if let Some(rest) = after(tokens, &["DROP", "TABLE"]) {
        let (_, rest) = optional(rest, &["IF", "EXISTS"]);
        return Some(Ddl::DropTable { table: name(rest.first())? });
    }
    if let Some(rest) = after(tokens, &["DROP", "INDEX"]) {
        let (concurrently, rest) = optional(rest, &["CONCURRENTLY"]);
        let (_, rest) = optional(rest, &["IF", "EXISTS"]);
        let index = name(rest.first())?;
        let table = after(&rest[1..], &["ON"]).and_then(|rest| name(rest.first()));
        return Some(Ddl::DropIndex { table, name: index, concurrently });
    }
    if after(tokens, &["ALTER", "INDEX"]).is_some() {
        return Some(Ddl::RenameIndex { table: None });
    }
    if let Some(rest) = after(tokens, &["COMMENT", "ON"]) {
        let rest = after(rest, &["TABLE"]).or_else(|| after(rest, &["COLUMN"]))?;
        return Some(Ddl::Comment { table: name(rest.first())? });
    }
    for (words, table_at) in [(&["UPDATE"][..], 0), (&["INSERT", "INTO"], 0), (&["DELETE", "FROM"], 0)] {
        if let Some(rest) = after(tokens, words) {
            return Some(Ddl::Rows { table: name(rest.get(table_at))? });
        }
    }
    let rest = after(tokens, &["ALTER", "TABLE"])?;
    let (_, rest) = optional(rest, &["ONLY"]);
    let table = name(rest.first())?;
    let change = &rest[1..];
    if top_level_commas(change) {
        return None;
    }
    alter_table(table, change)
}

/// One change of an `ALTER TABLE`.
fn alter_table(table: String, change: &[Token<'_>]) -> Option<Ddl> {
    if let Some(rest) = after(change, &["RENAME", "TO"]) {
        return Some(Ddl::RenameTable { table, to: name(rest.first())? });
    }
    if let Some(rest) = after(change, &["RENAME", "COLUMN"]) {
        return Some(Ddl::RenameColumn { table, column: name(rest.first())? });
    }
    if after(change, &["RENAME", "INDEX"]).is_some() {
        return Some(Ddl::RenameIndex { table: Some(table) });
    }
    if after(change, &["RENAME", "CONSTRAINT"]).is_some() {
        return Some(Ddl::RenameConstraint { table });
    }
    if let Some(rest) = after(change, &["ADD", "COLUMN"]) {
        let column = name(rest.first())?;
        let not_null = rest.windows(2).any(|pair| is(&pair[0], "NOT") && is(&pair[1], "NULL"));
        let default = match rest.iter().position(|token| is(token, "DEFAULT")) {
            None => ColumnDefault::None,
            Some(at) => default_kind(&rest[at + 1..]),
        };
        let unique = rest.iter().any(|token| is(token, "UNIQUE"));
        return Some(Ddl::AddColumn { table, column, not_null, unique, default });
    }
    if let Some(rest) = after(change, &["DROP", "COLUMN"]) {
        return Some(Ddl::DropColumn { table, column: name(rest.first())? });
    }
    if let Some(rest) = after(change, &["ALTER", "COLUMN"]) {
        let column = name(rest.first())?;
        let rest = &rest[1..];
        if after(rest, &["TYPE"]).is_some() || after(rest, &["SET", "DATA", "TYPE"]).is_some() {
            return Some(Ddl::AlterType { table, column });
        }
        if after(rest, &["SET", "NOT", "NULL"]).is_some() {
            return Some(Ddl::SetNotNull { table, column });
        }
        return Some(Ddl::AlterColumnCatalog { table, column });
    }
    if let Some(rest) = after(change, &["MODIFY", "COLUMN"]).or_else(|| after(change, &["CHANGE", "COLUMN"]))
    {
        return Some(Ddl::ModifyColumn { table, column: name(rest.first())? });
    }
    if let Some(rest) = after(change, &["VALIDATE", "CONSTRAINT"]) {
        return Some(Ddl::ValidateConstraint { table, name: name(rest.first())? });
    }
    if let Some(rest) = after(change, &["DROP", "CONSTRAINT"])
        .or_else(|| after(change, &["DROP", "FOREIGN", "KEY"]))
        .or_else(|| after(change, &["DROP", "CHECK"]))
    {
        let (_, rest) = optional(rest, &["IF", "EXISTS"]);
        return Some(Ddl::DropConstraint { table, name: name(rest.first())? });
    }
    if let Some(rest) = after(change, &["DROP", "INDEX"]) {
        return Some(Ddl::DropIndex { table: Some(table), name: name(rest.first())?, concurrently: false });
    }
    if let Some(rest) = after(change, &["ADD", "UNIQUE"]) {
        let columns = match rest.first() {
            Some(Token::Punct('(')) => name_list(&rest[1..])?,
            _ => return None,
        };
        let name = columns.first()?.clone();
        return Some(Ddl::AddUnique { table, name, columns, using_index: false });
    }
    if is(change.first()?, "COMMENT") {
        return Some(Ddl::Comment { table });
    }
    let rest = after(change, &["ADD", "CONSTRAINT"])?;
    let constraint = name(rest.first())?;
    let rest = &rest[1..];
    let not_valid = change.windows(2).any(|pair| is(&pair[0], "NOT") && is(&pair[1], "VALID"));
    if let Some(rest) = after(rest, &["FOREIGN", "KEY"]) {
        let references = rest.iter().position(|token| is(token, "REFERENCES"))?;
        let references = name(rest.get(references + 1))?;
        return Some(Ddl::AddForeignKey { table, name: constraint, references, not_valid });
    }
    if after(rest, &["CHECK"]).is_some() {
        return Some(Ddl::AddCheck { table, name: constraint, not_valid });
    }
    let rest = after(rest, &["UNIQUE"])?;
    if after(rest, &["USING", "INDEX"]).is_some() {
        return Some(Ddl::AddUnique { table, name: constraint, columns: Vec::new(), using_index: true });
    }
    let columns = match rest.first() {
        Some(Token::Punct('(')) => {
            let end = closing(&rest[1..])?;
            name_list(&rest[1..end + 2])?
        }
        _ => return None,
    };
    Some(Ddl::AddUnique { table, name: constraint, columns, using_index: false })
}

/// A `DEFAULT`'s expression, up to the next clause: a literal, or a call of a volatile function.
fn default_kind(expression: &[Token<'_>]) -> ColumnDefault {
    let calls_volatile = expression.windows(2).any(|pair| match pair {
        [Token::Word(function), Token::Punct('(')] => {
            VOLATILE_FUNCTIONS.iter().any(|volatile| function.eq_ignore_ascii_case(volatile))
        }
        _ => false,
    });
    if calls_volatile { ColumnDefault::Volatile } else { ColumnDefault::Constant }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn the_engines_shapes_read_back() {
        let postgres = [
            ("CREATE TABLE \"a\" ( \"id\" bigint )", Ddl::CreateTable { table: s("a") }),
            (
                "CREATE UNIQUE INDEX \"i\" ON \"a\" (\"x\", \"y\")",
                Ddl::CreateIndex {
                    table: s("a"),
                    name: s("i"),
                    unique: true,
                    concurrently: false,
                    columns: vec![s("x"), s("y")],
                },
            ),
            (
                "ALTER TABLE \"a\" ADD COLUMN \"x\" integer NOT NULL DEFAULT 0",
                Ddl::AddColumn {
                    table: s("a"),
                    column: s("x"),
                    not_null: true,
                    unique: false,
                    default: ColumnDefault::Constant,
                },
            ),
            (
                "ALTER TABLE \"a\" ADD COLUMN \"x\" uuid DEFAULT gen_random_uuid()",
                Ddl::AddColumn {
                    table: s("a"),
                    column: s("x"),
                    not_null: false,
                    unique: false,
                    default: ColumnDefault::Volatile,
                },
            ),
            (
                "ALTER TABLE \"a\" ALTER COLUMN \"x\" SET NOT NULL",
                Ddl::SetNotNull { table: s("a"), column: s("x") },
            ),
            (
                "ALTER TABLE \"a\" ALTER COLUMN \"x\" TYPE bigint USING \"x\"::bigint",
                Ddl::AlterType { table: s("a"), column: s("x") },
            ),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"b\" (\"id\") ON DELETE CASCADE",
                Ddl::AddForeignKey { table: s("a"), name: s("a_b_fk"), references: s("b"), not_valid: false },
            ),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"c\" CHECK (x > 0) NOT VALID",
                Ddl::AddCheck { table: s("a"), name: s("c"), not_valid: true },
            ),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_x_key\" UNIQUE (\"x\")",
                Ddl::AddUnique {
                    table: s("a"),
                    name: s("a_x_key"),
                    columns: vec![s("x")],
                    using_index: false,
                },
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS \"i\"",
                Ddl::DropIndex { table: None, name: s("i"), concurrently: true },
            ),
            ("UPDATE \"a\" SET \"x\" = 1 WHERE \"x\" IS NULL", Ddl::Rows { table: s("a") }),
            ("SELECT 1", Ddl::Other),
        ];
        for (statement, expected) in postgres {
            assert_eq!(classify(statement, Backend::Postgres), expected, "{statement}");
        }
        assert_eq!(
            classify("ALTER TABLE `a` MODIFY COLUMN `x` int NOT NULL", Backend::Mysql),
            Ddl::ModifyColumn { table: s("a"), column: s("x") }
        );
        assert_eq!(
            classify("DROP INDEX `i` ON `a`", Backend::Mysql),
            Ddl::DropIndex { table: Some(s("a")), name: s("i"), concurrently: false }
        );
    }
}

//! Whether one MySQL statement of a migration has already had its effect: the check that lets `migrate`
//! resume after the process died between running a statement and recording it.
//!
//! MySQL commits DDL as it runs, so the executor records each statement done; the one statement after the
//! last recorded may have run or not (MariaDB 10.6+ and MySQL 8 make each DDL statement atomic, so it ran
//! wholly or not at all). The engine writes that statement in one of a few shapes (`sql`, `ddl`), each with
//! an effect the catalog shows: a table, column, index or constraint there or gone. [`check`] reads the
//! shape back from the text, strictly: backquoted names, the engine's keywords in its spelling, one
//! statement. What it does not recognise, such as a user's `RunSql`, is run again as before; so are the
//! statements that can run twice (`MODIFY COLUMN`, `ALTER COLUMN .. DROP DEFAULT`, `UPDATE`).

use super::introspect::{MysqlConstraintKind, MysqlIndex, MysqlTable, mysql_table, mysql_tables};
use super::sql_lexer::{Token, closing, name_list, tokens, top_level_commas};
use crate::db::{Connection, DbError};
use std::collections::BTreeMap;

/// What the catalog shows once a statement has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `CREATE TABLE`
    TableExists { table: String },
    /// `DROP TABLE`
    TableAbsent { table: String },
    /// `ALTER TABLE .. RENAME TO`
    TableRenamed { from: String, to: String },
    /// `ALTER TABLE .. ADD COLUMN`
    ColumnExists { table: String, column: String },
    /// `ALTER TABLE .. DROP COLUMN`
    ColumnAbsent { table: String, column: String },
    /// `ALTER TABLE .. RENAME COLUMN`
    ColumnRenamed { table: String, from: String, to: String },
    /// `CREATE [UNIQUE] INDEX`, `ALTER TABLE .. ADD UNIQUE (column)` (which MySQL names after the column)
    IndexExists { table: String, index: MysqlIndex },
    /// `DROP INDEX .. ON`, `ALTER TABLE .. DROP INDEX`
    IndexAbsent { table: String, name: String },
    /// `ALTER TABLE .. RENAME INDEX`
    IndexRenamed { table: String, from: String, to: String },
    /// `ALTER TABLE .. ADD CONSTRAINT .. FOREIGN KEY` or `CHECK`
    ConstraintExists { table: String, name: String, kind: MysqlConstraintKind },
    /// `ALTER TABLE .. DROP FOREIGN KEY`, `ALTER TABLE .. DROP CONSTRAINT` (a check)
    ConstraintAbsent { table: String, name: String, kind: MysqlConstraintKind },
}

/// What a rerun does with the statement that may have run unrecorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Skip it when the catalog shows its effect, else run it.
    Effect(Effect),
    /// Run it again: running it twice leaves what running it once does.
    Repeatable,
    /// Not a shape the engine writes: run it again, as before.
    Unrecognised,
}

/// Whether `statement` has already had its effect on the connection's MySQL database: `false` for a
/// statement that is repeatable or not recognised, which the caller then runs again.
pub fn already_applied(connection: &mut Connection, statement: &str) -> Result<bool, DbError> {
    match check(statement) {
        Check::Effect(effect) => effect.is_present(connection),
        Check::Repeatable | Check::Unrecognised => Ok(false),
    }
}

/// The tables of the connection's database as its catalog shows them, read once. While a rerun looks
/// for the statements that ran unrecorded, nothing runs, so one read serves every statement it checks: a
/// read per statement (five catalog queries) made the rerun after a kill late in a run of 134 statements
/// take 0.6 s, and the rerun's cost grew with the run.
#[derive(Debug, Default)]
pub struct Catalog {
    tables: BTreeMap<String, MysqlTable>,
}

impl Catalog {
    /// Every table of the connection's current MySQL database.
    pub fn read(connection: &mut Connection) -> Result<Catalog, DbError> {
        let tables = mysql_tables(connection)?.into_iter().map(|table| (table.name.clone(), table)).collect();
        Ok(Catalog { tables })
    }

    /// Table `name`, found as the catalog compares names (without regard to case) when no table has
    /// exactly that name.
    fn table(&self, name: &str) -> Option<&MysqlTable> {
        self.tables
            .get(name)
            .or_else(|| self.tables.values().find(|table| table.name.eq_ignore_ascii_case(name)))
    }
}

impl Effect {
    /// Whether the catalog shows this effect, reading only the tables it concerns.
    pub fn is_present(&self, connection: &mut Connection) -> Result<bool, DbError> {
        let mut catalog = Catalog::default();
        for name in self.tables() {
            if let Some(table) = mysql_table(connection, name)? {
                catalog.tables.insert(name.to_owned(), table);
            }
        }
        Ok(self.is_present_in(&catalog))
    }

    /// Whether `catalog` shows this effect. A statement on a table that is not there has not had its
    /// effect: it is run again, and fails naming what is missing.
    pub fn is_present_in(&self, catalog: &Catalog) -> bool {
        let table = |name: &str| catalog.table(name);
        match self {
            Effect::TableExists { table: name } => table(name).is_some(),
            Effect::TableAbsent { table: name } => table(name).is_none(),
            Effect::TableRenamed { from, to } => table(from).is_none() && table(to).is_some(),
            Effect::ColumnExists { table: name, column } => has(table(name), |t| t.column(column).is_some()),
            Effect::ColumnAbsent { table: name, column } => has(table(name), |t| t.column(column).is_none()),
            Effect::ColumnRenamed { table: name, from, to } => {
                has(table(name), |t| t.column(from).is_none() && t.column(to).is_some())
            }
            Effect::IndexExists { table: name, index } => {
                has(table(name), |t| t.index(&index.name).is_some_and(|found| found == index))
            }
            Effect::IndexAbsent { table: name, name: index } => {
                has(table(name), |t| t.index(index).is_none())
            }
            Effect::IndexRenamed { table: name, from, to } => {
                has(table(name), |t| t.index(from).is_none() && t.index(to).is_some())
            }
            Effect::ConstraintExists { table: name, name: constraint, kind } => {
                has(table(name), |t| t.constraint(constraint, *kind).is_some())
            }
            Effect::ConstraintAbsent { table: name, name: constraint, kind } => {
                has(table(name), |t| t.constraint(constraint, *kind).is_none())
            }
        }
    }

    /// The tables whose catalog shows the effect.
    fn tables(&self) -> impl Iterator<Item = &str> {
        let (table, renamed_to) = match self {
            Effect::TableRenamed { from, to } => (from, Some(to)),
            Effect::TableExists { table }
            | Effect::TableAbsent { table }
            | Effect::ColumnExists { table, .. }
            | Effect::ColumnAbsent { table, .. }
            | Effect::ColumnRenamed { table, .. }
            | Effect::IndexExists { table, .. }
            | Effect::IndexAbsent { table, .. }
            | Effect::IndexRenamed { table, .. }
            | Effect::ConstraintExists { table, .. }
            | Effect::ConstraintAbsent { table, .. } => (table, None),
        };
        std::iter::once(table.as_str()).chain(renamed_to.map(String::as_str))
    }

    /// Whether the effect adds something (a table, column, index or constraint) and so cannot undo
    /// another effect that adds.
    fn adds(&self) -> bool {
        matches!(
            self,
            Effect::TableExists { .. }
                | Effect::ColumnExists { .. }
                | Effect::IndexExists { .. }
                | Effect::ConstraintExists { .. }
        )
    }
}

/// The statements of a migration run since the last record of its progress.
///
/// Recording every statement as done costs a write and a commit (a log flush) each, as much as many DDL
/// statements themselves. A record is needed only where a rerun could not tell from the catalog which of
/// the unrecorded statements ran: they run in order and each wholly or not at all, so while every one has
/// an effect the catalog shows and none undoes an earlier one's, the statements that ran are those before
/// the first whose effect is missing. So a run takes a statement whose effect touches no table an earlier
/// one touched, or adds to a table to which the earlier ones only added; a statement that can run twice
/// may end a run (nothing after it runs unrecorded); one not recognised runs in a run of its own.
#[derive(Debug, Default)]
pub struct Run {
    /// Each table the run's effects touched, and whether they only added to it.
    touched: BTreeMap<String, bool>,
    closed: bool,
}

impl Run {
    /// Whether the statement read back as `check` may run with no record before it.
    pub fn admits(&self, check: &Check) -> bool {
        if self.closed {
            return false;
        }
        match check {
            Check::Unrecognised => self.touched.is_empty(),
            Check::Repeatable => true,
            Check::Effect(next) => next.tables().all(|table| match self.touched.get(table) {
                None => true,
                Some(only_added) => *only_added && next.adds(),
            }),
        }
    }

    /// Takes the statement in, once it is admitted.
    pub fn push(&mut self, check: Check) {
        match check {
            Check::Effect(effect) => {
                for table in effect.tables() {
                    let only_added = self.touched.entry(table.to_owned()).or_insert(true);
                    *only_added &= effect.adds();
                }
            }
            Check::Repeatable | Check::Unrecognised => self.closed = true,
        }
    }
}

fn has(table: Option<&MysqlTable>, test: impl FnOnce(&MysqlTable) -> bool) -> bool {
    table.is_some_and(test)
}

/// Reads back which of the engine's shapes `statement` is.
pub fn check(statement: &str) -> Check {
    match tokens(statement, '`') {
        Some(tokens) => shape(&tokens).unwrap_or(Check::Unrecognised),
        None => Check::Unrecognised,
    }
}

/// The engine's statement shapes; `None` for any other.
fn shape(tokens: &[Token<'_>]) -> Option<Check> {
    use MysqlConstraintKind::{Check as CheckConstraint, ForeignKey};
    use Token::{Name, Punct, Word};
    let effect = |effect| Some(Check::Effect(effect));
    match tokens {
        [Word("CREATE"), Word("TABLE"), Name(table), Punct('('), rest @ ..] => {
            // The columns and constraints, then at most the table's comment.
            let after = closing(rest)?;
            matches!(&rest[after + 1..], [] | [Word("COMMENT"), Token::Text])
                .then(|| Check::Effect(Effect::TableExists { table: table.to_string() }))
        }
        [Word("CREATE"), Word("INDEX"), Name(name), Word("ON"), Name(table), Punct('('), columns @ ..] => {
            index_created(table, name, false, columns)
        }
        [
            Word("CREATE"),
            Word("UNIQUE"),
            Word("INDEX"),
            Name(name),
            Word("ON"),
            Name(table),
            Punct('('),
            columns @ ..,
        ] => index_created(table, name, true, columns),
        [Word("DROP"), Word("TABLE"), Name(table)] => {
            effect(Effect::TableAbsent { table: table.to_string() })
        }
        [Word("DROP"), Word("INDEX"), Name(name), Word("ON"), Name(table)] => {
            effect(Effect::IndexAbsent { table: table.to_string(), name: name.to_string() })
        }
        [Word("UPDATE"), ..] => Some(Check::Repeatable),
        [Word("ALTER"), Word("TABLE"), Name(table), change @ ..] => {
            // One change per statement, as the engine writes them.
            if top_level_commas(change) {
                return None;
            }
            let table = table.to_string();
            match change {
                [Word("ADD"), Word("COLUMN"), Name(column), _, ..] => {
                    effect(Effect::ColumnExists { table, column: column.to_string() })
                }
                [Word("DROP"), Word("COLUMN"), Name(column)] => {
                    effect(Effect::ColumnAbsent { table, column: column.to_string() })
                }
                [Word("RENAME"), Word("COLUMN"), Name(from), Word("TO"), Name(to)] => {
                    effect(Effect::ColumnRenamed { table, from: from.to_string(), to: to.to_string() })
                }
                [Word("RENAME"), Word("TO"), Name(to)] => {
                    effect(Effect::TableRenamed { from: table, to: to.to_string() })
                }
                [Word("RENAME"), Word("INDEX"), Name(from), Word("TO"), Name(to)] => {
                    effect(Effect::IndexRenamed { table, from: from.to_string(), to: to.to_string() })
                }
                [
                    Word("ADD"),
                    Word("CONSTRAINT"),
                    Name(name),
                    Word("FOREIGN"),
                    Word("KEY"),
                    Punct('('),
                    ..,
                ] => effect(Effect::ConstraintExists { table, name: name.to_string(), kind: ForeignKey }),
                [Word("ADD"), Word("CONSTRAINT"), Name(name), Word("CHECK"), Punct('('), ..] => {
                    effect(Effect::ConstraintExists { table, name: name.to_string(), kind: CheckConstraint })
                }
                [Word("DROP"), Word("FOREIGN"), Word("KEY"), Name(name)] => {
                    effect(Effect::ConstraintAbsent { table, name: name.to_string(), kind: ForeignKey })
                }
                [Word("DROP"), Word("CONSTRAINT"), Name(name)] => {
                    effect(Effect::ConstraintAbsent { table, name: name.to_string(), kind: CheckConstraint })
                }
                [Word("ADD"), Word("UNIQUE"), Punct('('), Name(column), Punct(')')] => {
                    let index = MysqlIndex {
                        name: column.to_string(),
                        unique: true,
                        columns: vec![column.to_string()],
                    };
                    effect(Effect::IndexExists { table, index })
                }
                [Word("DROP"), Word("INDEX"), Name(name)] => {
                    effect(Effect::IndexAbsent { table, name: name.to_string() })
                }
                [Word("MODIFY"), Word("COLUMN"), Name(_), _, ..]
                | [Word("ALTER"), Word("COLUMN"), Name(_), Word("DROP"), Word("DEFAULT")] => {
                    Some(Check::Repeatable)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `CREATE [UNIQUE] INDEX` of `columns` (after the opening parenthesis).
fn index_created(table: &str, name: &str, unique: bool, columns: &[Token<'_>]) -> Option<Check> {
    let index = MysqlIndex { name: name.to_owned(), unique, columns: name_list(columns)? };
    Some(Check::Effect(Effect::IndexExists { table: table.to_owned(), index }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl;
    use crate::dialect::Backend;
    use crate::migrations::operation::{
        AddConstraint, AddField, AddIndex, AlterField, AlterModelTable, CreateModel, DeleteModel, Operation,
        RemoveConstraint, RemoveField, RemoveIndex,
    };
    use crate::migrations::sql;
    use crate::migrations::state::ProjectState;
    use crate::schema::{
        ColumnType, ConstraintSchema, FieldSchema, ForeignKeySchema, IndexSchema, Literal, ModelSchema,
        OnDelete,
    };

    fn name(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn the_catalog_finds_a_table_as_mysql_compares_names() {
        let table = MysqlTable {
            name: "Shop_Node".into(),
            comment: String::new(),
            columns: vec![crate::migrations::introspect::MysqlColumn {
                name: "id".into(),
                column_type: "bigint(20)".into(),
                nullable: false,
                default: None,
                extra: String::new(),
                comment: String::new(),
            }],
            indexes: Vec::new(),
            constraints: Vec::new(),
        };
        let catalog = Catalog { tables: BTreeMap::from([(table.name.clone(), table)]) };
        let exists = |table: &str| Effect::TableExists { table: table.into() }.is_present_in(&catalog);
        assert!(exists("Shop_Node") && exists("shop_node"));
        assert!(!exists("shop_item"));
        let column = |column: &str| {
            Effect::ColumnExists { table: "shop_node".into(), column: column.into() }.is_present_in(&catalog)
        };
        assert!(column("id") && !column("size"));
    }

    #[test]
    fn each_shape_reads_back_as_its_effect() {
        let cases = [
            (
                "CREATE TABLE `a` ( `id` bigint NOT NULL, CONSTRAINT `c` CHECK (`x` IN ('a', 'b')) ) COMMENT 'x'",
                Check::Effect(Effect::TableExists { table: name("a") }),
            ),
            (
                "CREATE UNIQUE INDEX `i` ON `a` (`x`, `y`)",
                Check::Effect(Effect::IndexExists {
                    table: name("a"),
                    index: MysqlIndex { name: name("i"), unique: true, columns: vec![name("x"), name("y")] },
                }),
            ),
            (
                "DROP INDEX `i` ON `a`",
                Check::Effect(Effect::IndexAbsent { table: name("a"), name: name("i") }),
            ),
            (
                "ALTER TABLE `a` RENAME COLUMN `x` TO `y`",
                Check::Effect(Effect::ColumnRenamed { table: name("a"), from: name("x"), to: name("y") }),
            ),
            ("ALTER TABLE `a` ALTER COLUMN `x` DROP DEFAULT", Check::Repeatable),
            ("UPDATE `a` SET `x` = 1", Check::Repeatable),
            (
                "ALTER TABLE `we``ird` RENAME TO `b`",
                Check::Effect(Effect::TableRenamed { from: name("we`ird"), to: name("b") }),
            ),
        ];
        for (statement, expected) in cases {
            assert_eq!(check(statement), expected, "{statement}");
        }
    }

    #[test]
    fn what_the_engine_does_not_write_is_unrecognised() {
        for statement in [
            "CREATE TABLE `a` (`id` int); DROP TABLE `b`",
            "CREATE TABLE `a` (`id` int) SELECT 1",
            "CREATE TABLE a (id int)",
            "create table `a` (`id` int)",
            "ALTER TABLE `a` ADD COLUMN `x` int, ADD COLUMN `y` int",
            "ALTER TABLE `a` DROP COLUMN `x` -- why",
            "CREATE INDEX `i` ON `a` (`x`,)",
            "CREATE INDEX `i` ON `a` (`x`) USING BTREE",
            "INSERT INTO `a` VALUES ('it''s; fine')",
            "DROP TABLE `a` CASCADE",
            "SELECT 'unterminated",
        ] {
            assert_eq!(check(statement), Check::Unrecognised, "{statement}");
        }
        assert_eq!(
            crate::migrations::sql_lexer::tokens("SELECT 'it''s', 'a\\'b'", '`').map(|tokens| tokens.len()),
            Some(4)
        );
    }

    fn id() -> FieldSchema {
        let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
        id.primary_key = true;
        id.auto_increment = true;
        id
    }

    fn model(name: &str, fields: Vec<FieldSchema>) -> ModelSchema {
        ModelSchema {
            app: "shop".into(),
            name: name.into(),
            table: format!("shop_{}", name.to_lowercase()),
            db_comment: Some("a table".into()),
            fields: [vec![id()], fields].concat(),
            indexes: vec![],
            constraints: vec![],
        }
    }

    /// Every statement the engine writes for MySQL, through every operation that writes SQL, forwards and
    /// backwards, is a shape this module reads: none falls through to "run it again" unrecognised.
    #[test]
    fn every_statement_the_engine_writes_for_mysql_is_recognised() {
        let mut kind = FieldSchema::new("kind", ColumnType::String { max_length: 10 }, false);
        kind.choices = Some(vec!["a".into(), "b".into()]);
        kind.default = Some(Literal::Text("a".into()));
        let mut owner = FieldSchema::new("owner_id", ColumnType::BigInteger, true);
        owner.foreign_key = Some(ForeignKeySchema {
            to_app: "shop".into(),
            to_model: "Owner".into(),
            to_table: "shop_owner".into(),
            to_column: "id".into(),
            on_delete: OnDelete::Cascade,
        });
        owner.index = true;
        let mut code = FieldSchema::new("code", ColumnType::String { max_length: 20 }, false);
        code.unique = true;
        let mut item = model("Item", vec![kind.clone(), owner.clone(), code.clone()]);
        item.indexes.push(IndexSchema {
            name: "shop_item_kind_code_idx".into(),
            columns: vec!["kind".into(), "code".into()],
        });
        item.constraints.push(ConstraintSchema::Unique {
            name: "shop_item_kind_owner_id_uniq".into(),
            columns: vec!["kind".into(), "owner_id".into()],
        });
        let mut renamed_owner = owner.clone();
        renamed_owner.column = "holder_id".into();
        let mut altered_code = code.clone();
        altered_code.unique = false;
        altered_code.index = true;
        altered_code.nullable = true;
        let mut choice = kind.clone();
        choice.name = "grade".into();
        choice.column = "grade".into();
        let mut added_owner = owner.clone();
        added_owner.name = "buyer_id".into();
        added_owner.column = "buyer_id".into();
        let mut unique = FieldSchema::new("serial", ColumnType::String { max_length: 20 }, true);
        unique.unique = true;
        let operations = vec![
            Operation::CreateModel(CreateModel { model: model("Owner", vec![]).into() }),
            Operation::CreateModel(CreateModel { model: item.into() }),
            Operation::AddField(AddField {
                model: "Item".into(),
                field: FieldSchema::new("size", ColumnType::Integer, false),
                backfill: Some(Literal::Integer(0)),
            }),
            Operation::AddField(AddField { model: "Item".into(), field: choice, backfill: None }),
            Operation::AddField(AddField { model: "Item".into(), field: added_owner, backfill: None }),
            Operation::AddField(AddField { model: "Item".into(), field: unique, backfill: None }),
            Operation::AlterField(AlterField { model: "Item".into(), field: renamed_owner, backfill: None }),
            Operation::AlterField(AlterField { model: "Item".into(), field: altered_code, backfill: None }),
            Operation::AddIndex(AddIndex {
                model: "Item".into(),
                index: IndexSchema { name: "shop_item_size_idx".into(), columns: vec!["size".into()] },
            }),
            Operation::AddConstraint(AddConstraint {
                model: "Item".into(),
                constraint: ConstraintSchema::Check {
                    name: "shop_item_size_positive".into(),
                    expr: "size >= 0".into(),
                },
            }),
            Operation::AddConstraint(AddConstraint {
                model: "Item".into(),
                constraint: ConstraintSchema::Unique {
                    name: "shop_item_size_uniq".into(),
                    columns: vec!["size".into()],
                },
            }),
            Operation::RemoveConstraint(RemoveConstraint {
                model: "Item".into(),
                name: "shop_item_kind_owner_id_uniq".into(),
            }),
            Operation::RemoveIndex(RemoveIndex {
                model: "Item".into(),
                name: "shop_item_kind_code_idx".into(),
            }),
            Operation::RemoveField(RemoveField { model: "Item".into(), name: "buyer_id".into() }),
            Operation::AlterModelTable(AlterModelTable { name: "Item".into(), table: "shop_article".into() }),
            Operation::DeleteModel(DeleteModel { name: "Item".into() }),
        ];
        let mut states = vec![ProjectState::new()];
        for operation in &operations {
            let mut next = states.last().unwrap().clone();
            operation.state_forwards("shop", &mut next).unwrap();
            states.push(next);
        }
        let mut statements = Vec::new();
        for (index, operation) in operations.iter().enumerate() {
            let (before, after) = (&states[index], &states[index + 1]);
            statements.extend(sql::forwards(operation, "shop", before, after, Backend::Mysql).unwrap());
            statements.extend(sql::backwards(operation, "shop", before, after, Backend::Mysql).unwrap());
        }
        let mut seen = std::collections::BTreeSet::new();
        for statement in &statements {
            let checked = check(statement);
            assert_ne!(checked, Check::Unrecognised, "{statement}");
            seen.insert(match checked {
                Check::Effect(effect) => format!("{effect:?}").split([' ', '{']).next().unwrap().to_owned(),
                other => format!("{other:?}"),
            });
        }
        let every_kind = [
            "ColumnAbsent",
            "ColumnExists",
            "ColumnRenamed",
            "ConstraintAbsent",
            "ConstraintExists",
            "IndexAbsent",
            "IndexExists",
            "IndexRenamed",
            "Repeatable",
            "TableAbsent",
            "TableExists",
            "TableRenamed",
        ];
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            every_kind,
            "the operations above write every shape"
        );
        assert_eq!(
            ddl::create_model(&model("Owner", vec![]), Backend::Mysql)
                .iter()
                .map(|s| check(s))
                .collect::<Vec<_>>(),
            [Check::Effect(Effect::TableExists { table: name("shop_owner") })]
        );
    }

    /// The lengths of the runs `statements` fall into, recorded between.
    fn runs(statements: &[&str]) -> Vec<usize> {
        let mut lengths = Vec::new();
        let mut run = Run::default();
        for statement in statements {
            let check = check(statement);
            if !run.admits(&check) {
                run = Run::default();
                lengths.push(0);
            }
            match lengths.last_mut() {
                Some(length) => *length += 1,
                None => lengths.push(1),
            }
            run.push(check);
        }
        lengths
    }

    #[test]
    fn statements_that_only_add_run_unrecorded_whatever_their_tables() {
        let initial = [
            "CREATE TABLE `a` ( `id` bigint NOT NULL )",
            "CREATE TABLE `b` ( `id` bigint NOT NULL, `a_id` bigint NOT NULL )",
            "CREATE INDEX `b_a` ON `b` (`a_id`)",
            "ALTER TABLE `b` ADD CONSTRAINT `b_a_fk` FOREIGN KEY (`a_id`) REFERENCES `a` (`id`)",
            "ALTER TABLE `a` ADD COLUMN `size` int NULL",
        ];
        assert_eq!(runs(&initial), [5]);
    }

    #[test]
    fn a_statement_that_could_undo_an_earlier_ones_effect_starts_a_run() {
        let added_then_dropped =
            ["ALTER TABLE `a` ADD COLUMN `c` int NULL", "ALTER TABLE `a` DROP COLUMN `c`"];
        assert_eq!(runs(&added_then_dropped), [1, 1]);
        let dropped_then_added =
            ["ALTER TABLE `a` DROP COLUMN `c`", "ALTER TABLE `a` ADD COLUMN `c` int NULL"];
        assert_eq!(runs(&dropped_then_added), [1, 1]);
        let renamed_then_added = ["ALTER TABLE `a` RENAME TO `b`", "ALTER TABLE `b` ADD COLUMN `c` int NULL"];
        assert_eq!(runs(&renamed_then_added), [1, 1]);
        let on_other_tables =
            ["ALTER TABLE `a` DROP COLUMN `c`", "DROP TABLE `b`", "ALTER TABLE `d` RENAME TO `e`"];
        assert_eq!(runs(&on_other_tables), [3]);
    }

    #[test]
    fn a_repeatable_statement_ends_a_run_and_an_unrecognised_one_runs_alone() {
        let backfill = [
            "ALTER TABLE `a` ADD COLUMN `c` int NULL",
            "UPDATE `a` SET `c` = 1 WHERE `c` IS NULL",
            "ALTER TABLE `b` ADD COLUMN `d` int NULL",
            "INSERT INTO `b` (`d`) VALUES (1)",
            "ALTER TABLE `b` ADD COLUMN `e` int NULL",
        ];
        assert_eq!(runs(&backfill), [2, 1, 1, 1]);
    }
}

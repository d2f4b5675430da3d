//! Reads back the statements the engine writes: a small lexer over one SQL statement, shared by MySQL's
//! resume check (`resume.rs`) and the cost and safety passes (`online/`). The engine writes its statements in
//! a few fixed shapes; reading them back from the text keeps one source of SQL (the schema editor) and lets a
//! user's `run_sql` get the same treatment where it has one of those shapes.

use std::borrow::Cow;

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// A keyword, type name or number, as written.
    Word(&'a str),
    /// A quoted name, unquoted: borrowed from the statement unless it had a quote or escape in it.
    Name(Cow<'a, str>),
    /// A string literal; its text never matters here.
    Text,
    Punct(char),
}

/// The statement's tokens, names quoted with `name_quote` (`` ` `` on MySQL, `"` elsewhere); `None` when
/// it is not one statement the lexer can read whole: a `;` outside quotes, a comment, an unterminated
/// quote.
pub(crate) fn tokens(statement: &str, name_quote: char) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut rest = statement.trim();
    while let Some(first) = rest.chars().next() {
        if first.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if rest.starts_with("--") || rest.starts_with("/*") || first == '#' || first == ';' {
            return None;
        }
        let (token, length) = match first {
            c if c == name_quote => {
                quoted(rest, c, false).map(|(text, length)| (Token::Name(text), length))?
            }
            // MySQL reads a backslash in a string as an escape; PostgreSQL's standard strings do not.
            '\'' | '"' | '`' => {
                quoted(rest, first, name_quote == '`').map(|(_, length)| (Token::Text, length))?
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let length =
                    rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
                (Token::Word(&rest[..length]), length)
            }
            c => (Token::Punct(c), c.len_utf8()),
        };
        tokens.push(token);
        rest = &rest[length..];
    }
    Some(tokens)
}

/// The text between `quote` and its closing one at the start of `text`, a doubled quote or (`backslash`)
/// a backslash escaping the next character, and the length taken.
fn quoted(text: &str, quote: char, backslash: bool) -> Option<(Cow<'_, str>, usize)> {
    // Most names have no quote or escape inside: they are the text up to the closing quote. (Copying each
    // one character by character was a seventh of `makemigrations` explaining a change to 500 models.)
    let inner = &text[quote.len_utf8()..];
    let end = inner.find(|c: char| c == quote || (backslash && c == '\\'))?;
    let after = &inner[end..];
    if after.starts_with(quote) && !after[quote.len_utf8()..].starts_with(quote) {
        return Some((Cow::Borrowed(&inner[..end]), quote.len_utf8() + end + quote.len_utf8()));
    }
    let mut unquoted = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' if backslash => unquoted.push(chars.next()?.1),
            c if c == quote => {
                if chars.peek().is_some_and(|&(_, next)| next == quote) {
                    chars.next();
                    unquoted.push(quote);
                } else {
                    return Some((Cow::Owned(unquoted), at + c.len_utf8()));
                }
            }
            c => unquoted.push(c),
        }
    }
    None
}

/// The position in `tokens`, which follow an opening parenthesis, of the one that closes it.
pub(crate) fn closing(tokens: &[Token<'_>]) -> Option<usize> {
    let mut depth = 0usize;
    for (position, token) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') if depth == 0 => return Some(position),
            Token::Punct(')') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Whether a comma stands outside every parenthesis: more than one change in one `ALTER TABLE`.
pub(crate) fn top_level_commas(tokens: &[Token<'_>]) -> bool {
    let mut depth = 0isize;
    tokens.iter().any(|token| {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            _ => {}
        }
        depth == 0 && *token == Token::Punct(',')
    })
}

/// `(a, b)` after its opening parenthesis, and nothing after it: the names listed, `None` for any other
/// shape.
pub(crate) fn name_list(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    let (last, names) = tokens.split_last()?;
    if *last != Token::Punct(')') {
        return None;
    }
    let mut found = Vec::new();
    for (position, token) in names.iter().enumerate() {
        match token {
            Token::Name(column) if position % 2 == 0 => found.push(column.to_string()),
            Token::Punct(',') if position % 2 == 1 => {}
            _ => return None,
        }
    }
    if found.is_empty() || names.len() % 2 == 0 {
        return None;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::{Token, tokens};

    fn names(statement: &str, quote: char) -> Option<Vec<String>> {
        let tokens = tokens(statement, quote)?;
        Some(
            tokens
                .into_iter()
                .filter_map(|token| match token {
                    Token::Name(name) => Some(name.into_owned()),
                    _ => None,
                })
                .collect(),
        )
    }

    #[test]
    fn names_are_unquoted_with_their_doubled_quotes_and_escapes() {
        assert_eq!(names(r#"ALTER TABLE "a" ADD "b""c" int"#, '"'), Some(vec!["a".into(), "b\"c".into()]));
        assert_eq!(names("ALTER TABLE `é` ADD `x``y` int", '`'), Some(vec!["é".into(), "x`y".into()]));
        // On MySQL a backslash escapes in a string, which is skipped whole.
        assert_eq!(names(r"UPDATE `t` SET `c` = 'it\'s'", '`'), Some(vec!["t".into(), "c".into()]));
        assert_eq!(names(r#"DROP TABLE "t"#, '"'), None);
    }
}

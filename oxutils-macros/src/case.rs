//! `rename_all` for choice enums: variant names to stored values.

pub const RULES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "camelCase",
    "PascalCase",
];

/// The stored value of `variant` under `rule`, one of [`RULES`]; `None` for an unknown rule.
pub fn apply(rule: &str, variant: &str) -> Option<String> {
    let words = words(variant);
    let joined = |separator: &str, upper: bool| {
        let words: Vec<String> =
            words.iter().map(|word| if upper { word.to_uppercase() } else { word.to_lowercase() }).collect();
        words.join(separator)
    };
    Some(match rule {
        "lowercase" => variant.to_lowercase(),
        "UPPERCASE" => variant.to_uppercase(),
        "snake_case" => joined("_", false),
        "SCREAMING_SNAKE_CASE" => joined("_", true),
        "kebab-case" => joined("-", false),
        "camelCase" => {
            let mut value = joined("", false);
            let capitalized: String = words.iter().skip(1).map(|word| capitalize(word)).collect();
            value.truncate(words.first().map_or(0, String::len));
            value + &capitalized
        }
        "PascalCase" => words.iter().map(|word| capitalize(word)).collect(),
        _ => return None,
    })
}

/// `LogExport2Done` → `Log`, `Export2`, `Done`: a word starts at each capital letter.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for character in name.chars() {
        match words.last_mut() {
            Some(word) if !character.is_uppercase() && character != '_' => word.push(character),
            _ if character == '_' => words.push(String::new()),
            _ => words.push(character.to_string()),
        }
    }
    words.retain(|word| !word.is_empty());
    words
}

fn capitalize(word: &str) -> String {
    let mut characters = word.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters.flat_map(char::to_lowercase)).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::apply;

    #[test]
    fn every_rule_on_a_two_word_variant() {
        let cases = [
            ("lowercase", "inprogress"),
            ("UPPERCASE", "INPROGRESS"),
            ("snake_case", "in_progress"),
            ("SCREAMING_SNAKE_CASE", "IN_PROGRESS"),
            ("kebab-case", "in-progress"),
            ("camelCase", "inProgress"),
            ("PascalCase", "InProgress"),
        ];
        for (rule, expected) in cases {
            assert_eq!(apply(rule, "InProgress").as_deref(), Some(expected), "{rule}");
        }
        assert_eq!(apply("Title Case", "InProgress"), None);
    }
}

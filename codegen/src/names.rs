//! Naming rules shared by the checks and the backends: case conversion and reserved words.

/// `DictionaryEntry` / `dictionaryEntry` -> `dictionary_entry`. Runs of capitals stay one word
/// (`HTTPLog` -> `http_log`).
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let starts_word = match prev {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
                }
            };
            if starts_word {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `dictionary_entry` -> `DictionaryEntry`.
pub fn to_pascal_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            first + chars.as_str()
        })
        .collect()
}

/// `dictionary_entry` -> `dictionaryEntry` (the frontend's spelling).
pub fn to_camel_case(name: &str) -> String {
    let pascal = to_pascal_case(name);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Words a name may not be, with the language that reserves them.
pub fn reserved_in(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if RUST_KEYWORDS.contains(&name) {
        Some("Rust")
    } else if TYPESCRIPT_RESERVED.contains(&name) {
        Some("TypeScript")
    } else if SQL_KEYWORDS.contains(&lower.as_str()) {
        Some("SQL")
    } else {
        None
    }
}

/// Prefixes the toolkit keeps for the tables, columns and reducers it generates.
pub const RESERVED_PREFIXES: &[&str] = &["heycat_", "__"];

const RUST_KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while",
    "yield",
];

// Reserved words and strict-mode reserved words of TypeScript/ECMAScript, plus names that would
// shadow globals the generated bindings use.
const TYPESCRIPT_RESERVED: &[&str] = &[
    "arguments",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "invoke",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

// Keywords of SpacetimeDB's SQL dialect (1.2.0 `spacetimedb-sql-parser`) and common SQL words
// that would make hand-written queries against the table ambiguous.
const SQL_KEYWORDS: &[&str] = &[
    "all", "and", "as", "asc", "between", "by", "count", "create", "cross", "delete", "desc", "distinct", "drop",
    "exists", "false", "from", "group", "having", "in", "inner", "insert", "into", "is", "join", "left", "like",
    "limit", "not", "null", "offset", "on", "or", "order", "outer", "right", "select", "set", "show", "sum", "table",
    "true", "union", "update", "values", "where",
];

/// `a` or `an`, for a name read aloud as written (`an attachment`, `a note`).
pub fn article(name: &str) -> &'static str {
    match name.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversions() {
        assert_eq!(to_snake_case("DictionaryEntry"), "dictionary_entry");
        assert_eq!(to_snake_case("HTTPLog"), "http_log");
        assert_eq!(to_snake_case("already_snake"), "already_snake");
        assert_eq!(to_snake_case("fooBar"), "foo_bar");
        assert_eq!(to_pascal_case("dictionary_entry"), "DictionaryEntry");
        assert_eq!(to_camel_case("matcher_app_name"), "matcherAppName");
        assert_eq!(to_camel_case("id"), "id");
    }

    #[test]
    fn reserved_words_name_their_language() {
        assert_eq!(reserved_in("type"), Some("Rust"));
        assert_eq!(reserved_in("function"), Some("TypeScript"));
        assert_eq!(reserved_in("order"), Some("SQL"));
        assert_eq!(reserved_in("Select"), Some("SQL"));
        assert_eq!(reserved_in("trigger"), None);
    }
}

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

/// spacetimedb-codegen's snake case, for functions, table accessors and fields in the Rust
/// bindings: it splits digits off (`note2_tags` is `note_2_tags`, `heycat_schema_v4`
/// `heycat_schema_v_4`). convert_case 0.6, as spacetimedb-codegen 1.2.0 uses.
pub fn to_sdk_snake_case(name: &str) -> String {
    use convert_case::{Case, Casing};
    name.to_case(Case::Snake)
}

/// spacetimedb-codegen's PascalCase, for types and variants in the Rust bindings: a run of
/// capitals is one word (`HTTPLog` is `HttpLog`).
pub fn to_sdk_pascal_case(name: &str) -> String {
    use convert_case::{Case, Casing};
    name.to_case(Case::Pascal)
}

// The frontend's spelling of a schema name (and the article a sentence reads it with) is part
// of the wire contract: the runtime reads a refusal's column back in it.
pub use heycat_contract::names::{article, to_camel_case, to_pascal_case};

/// Whether `name` is a Rust keyword (strict or reserved), which a schema name cannot be: see
/// `check::check_name`.
pub fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// Whether `name` cannot be a free-standing identifier in the generated TypeScript (a
/// parameter): a reserved word, or a name the generated functions use. Property names may be
/// any of these.
pub fn is_typescript_reserved(name: &str) -> bool {
    TYPESCRIPT_RESERVED.contains(&name) || name.starts_with("encode") || name.starts_with("decode")
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

// Reserved words and strict-mode reserved words of TypeScript/ECMAScript, plus the names the
// generated functions use (a parameter of the same name would shadow them).
const TYPESCRIPT_RESERVED: &[&str] = &[
    "BigInt",
    "arguments",
    "bytesFromWire",
    "bytesToWire",
    "call",
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
    "handler",
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
    "result",
    "return",
    "static",
    "subscribe",
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
        assert_eq!(to_camel_case("note2_tags"), "note2Tags");
        assert_eq!(to_sdk_snake_case("note2_tags"), "note_2_tags");
        assert_eq!(to_sdk_snake_case("dictionary_entry"), "dictionary_entry");
        assert_eq!(to_sdk_pascal_case("HTTPLog"), "HttpLog");
        assert_eq!(to_sdk_pascal_case("Note2Tag"), "Note2Tag");
    }

    #[test]
    fn rust_keywords_and_names_a_typescript_parameter_cannot_have() {
        assert!(is_rust_keyword("type") && is_rust_keyword("match") && !is_rust_keyword("select"));
        assert!(is_typescript_reserved("function") && is_typescript_reserved("class"));
        assert!(is_typescript_reserved("call") && is_typescript_reserved("decodeNote"), "names the bindings use");
        assert!(!is_typescript_reserved("order") && !is_typescript_reserved("trigger"));
    }
}

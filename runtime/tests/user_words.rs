//! What the data layer says reaches the users of whatever app adopts it, so none of it names
//! this toolkit, its scripts or its README: no string the runtime or its local server says
//! (statuses, errors, log lines, file names) holds "heycat", "README" or "setup.sh". Read from
//! the sources: every string literal outside tests, doc comments and attributes, in macros too.
//! A whole run's payloads are checked by the notes example (`examples/notes/tests/app/words.rs`).

use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// The words no user of another app should read.
const TOOLKIT_WORDS: &[&str] = &["heycat", "readme", "setup.sh"];

/// Literals that hold such a word but are never said to anyone, and why.
const NOT_SAID: &[(&str, &str)] = &[
    ("heycat-data", "the Tauri plugin's name, an identifier in Tauri's plugin registry"),
    ("/heycat_data.rs", "the file the build script writes into OUT_DIR"),
    ("heycat-invite-lookup:", "a label that keeps the two hashes of an invitation code apart"),
    ("heycat-invite-key:", "a label that keeps the two hashes of an invitation code apart"),
];

/// Names of environment variables (`HEYCAT_DATA_DIR`): set by developers, never said.
fn is_environment_name(text: &str) -> bool {
    text.strip_prefix("HEYCAT_").is_some_and(|rest| rest.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
}

struct Literals<'a> {
    file: &'a Path,
    found: Vec<String>,
}

impl Literals<'_> {
    fn check(&mut self, text: &str, line: usize) {
        let lower = text.to_lowercase();
        if !TOOLKIT_WORDS.iter().any(|word| lower.contains(word))
            || is_environment_name(text)
            || NOT_SAID.iter().any(|(said, _)| text.starts_with(said))
        {
            return;
        }
        self.found.push(format!("{}:{line}: {text:?}", self.file.display()));
    }

    fn tokens(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Literal(literal) => {
                    if let Ok(text) = syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                        self.check(&text.value(), literal.span().start().line);
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("test")
            || (attr.path().is_ident("cfg") && attr.meta.require_list().is_ok_and(|l| l.tokens.to_string() == "test"))
    })
}

impl<'ast> Visit<'ast> for Literals<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            visit::visit_item_fn(self, item);
        }
    }

    /// Doc comments and attributes are not said.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.check(&literal.value(), literal.span().start().line);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn nothing_the_data_layer_says_names_the_toolkit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("local-server/src"), &mut files);
    assert!(files.len() > 20, "the runtime's sources are there: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let source = syn::parse_file(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut literals = Literals { file: file.strip_prefix(root).unwrap(), found: Vec::new() };
        literals.visit_file(&source);
        found.extend(literals.found);
    }
    assert!(found.is_empty(), "said to an app's users, naming the toolkit:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_the_words_in_strings_and_macros_but_not_in_docs_or_tests() {
    let source: syn::File = syn::parse_quote! {
        /// heycat's docs are not said.
        fn f() -> String {
            log::info!("connected; see the README");
            let _ = std::env::var("HEYCAT_DATA_DIR");
            format!("heycat is open")
        }
        #[cfg(test)]
        mod tests { fn t() { let _ = "heycat in a test"; } }
    };
    let mut literals = Literals { file: Path::new("f.rs"), found: Vec::new() };
    literals.visit_file(&source);
    let said: Vec<&str> = literals.found.iter().map(|f| f.split_once(": ").unwrap().1).collect();
    assert_eq!(said, ["\"connected; see the README\"", "\"heycat is open\""]);
}

//! The schema reader never panics, whatever it is given: every prefix of heycat's schema
//! files, every file with one line removed, and deterministic random byte edits are each either
//! accepted or rejected with diagnostics.

use std::path::Path;

use heycat_codegen::{Schema, SourceSet};

fn schema_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/schema");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "heycat's schema files are in {}", dir.display());
    files
}

/// Reads `text` as the file `name` beside the other heycat schema files; returns whether the
/// schema was accepted. Rejections must come with at least one diagnostic.
fn accepted(name: &str, text: &str) -> bool {
    let mut sources = SourceSet::default();
    for (other, other_text) in schema_files() {
        sources.add(format!("schema/{other}"), if other == name { text.to_owned() } else { other_text });
    }
    match Schema::from_sources(&sources) {
        Ok(_) => true,
        Err(e) => {
            assert!(!e.diagnostics().is_empty(), "a rejection without diagnostics for {name}");
            // Rendering resolves every position; it must not panic either.
            let _ = e.to_string();
            false
        }
    }
}

#[test]
fn every_prefix_of_every_schema_file() {
    for (name, text) in schema_files() {
        assert!(accepted(&name, &text), "{name} as committed is valid");
        let mut rejected = 0;
        for (cut, _) in text.char_indices() {
            if !accepted(&name, &text[..cut]) {
                rejected += 1;
            }
        }
        assert!(rejected > 0, "cutting {name} short must break it somewhere");
    }
}

#[test]
fn every_file_without_one_of_its_lines() {
    for (name, text) in schema_files() {
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let edited: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
            accepted(&name, &edited.join("\n"));
        }
    }
}

#[test]
fn random_byte_edits() {
    // A fixed-seed xorshift: the same edits on every run and machine.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const ALPHABET: &[u8] = b"#[](){}<>:;,=\"'_-/!?*&|^%$ \n\tabcxyzABC0123456789\\";
    for (name, text) in schema_files() {
        for _ in 0..300 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bytes.len();
                match next() % 3 {
                    0 => bytes[at] = ALPHABET[(next() as usize) % ALPHABET.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, ALPHABET[(next() as usize) % ALPHABET.len()]),
                }
            }
            // Edits can split a multi-byte character; the reader gets what a file read gives.
            accepted(&name, &String::from_utf8_lossy(&bytes));
        }
    }
}

//! Writes out the docs' ```rust blocks for tests/rust_blocks.rs to compile and run:
//! `$OUT_DIR/blocks/<page>` holds a page's blocks at the page's own lines (each block a module,
//! opened on its opening fence's line and closed on its closing fence's), so the compiler's
//! errors point at the page's line; `$OUT_DIR/rust_blocks.rs` includes them, a module a page.
//!
//! A block is compiled as rustdoc compiles a doctest: in a `fn main` unless it has one, which
//! returns a `Result` when the block ends with `(())` (`Ok::<(), heycat_codegen::Error>(())`);
//! `# ` lines are shown to the compiler; the test runs `main` unless the block says `no_run`,
//! and expects a panic when it says `should_panic`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

#[path = "src/pages.rs"]
mod pages;

fn main() {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..").canonicalize().unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // A directory is watched as a whole (a new page reruns this); a top-level page that is not
    // there yet reruns it every build until it is.
    println!("cargo::rerun-if-changed={}", root.join("docs/src").display());
    for page in ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"] {
        println!("cargo::rerun-if-changed={}", root.join(page).display());
    }
    let list = pages::list(&root).unwrap();
    let mut code = String::from("/// Every page the blocks are taken from.\nconst PAGES: &[&str] = &[\n");
    for page in &list {
        writeln!(code, "    {page:?},").unwrap();
    }
    code.push_str("];\n");
    for page in &list {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let Some(blocks) = blocks_at_their_lines(&text) else { continue };
        let file = out.join("blocks").join(page);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, blocks).unwrap();
        let module: String =
            page.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        writeln!(
            code,
            "#[allow(warnings, clippy::all)]\nmod {module} {{\n    include!({:?});\n}}",
            file.display().to_string()
        )
        .unwrap();
    }
    std::fs::write(out.join("rust_blocks.rs"), code).unwrap();
}

/// The page's compiled blocks at their lines, every other line empty; `None` when it has none.
fn blocks_at_their_lines(text: &str) -> Option<String> {
    let blocks: Vec<pages::Block> = pages::blocks(text).into_iter().filter(pages::Block::compiled).collect();
    if blocks.is_empty() {
        return None;
    }
    let mut lines = vec![String::new(); text.lines().count()];
    for block in blocks {
        let code = block.code();
        let has_main = code.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("fn main(") || l.starts_with("pub fn main(") || l.starts_with("async fn main(")
        });
        let attr = |a: &str| block.attrs.iter().any(|b| b == a);
        let runs = if attr("no_run") {
            String::new()
        } else {
            let panics = if attr("should_panic") { " #[should_panic]" } else { "" };
            "#[test]".to_owned() + panics + " fn runs() { crate::Outcome::check(main()) }"
        };
        let (open, close) = if has_main {
            (format!("mod line_{} {{", block.line), format!("{runs} }}"))
        } else if code.trim_end().ends_with("(())") {
            (
                format!("mod line_{} {{ fn main() -> Result<(), impl std::fmt::Debug> {{", block.line),
                format!("}} {runs} }}"),
            )
        } else {
            (format!("mod line_{} {{ fn main() {{", block.line), format!("}} {runs} }}"))
        };
        lines[block.line - 1] = open;
        for (i, line) in code.lines().enumerate() {
            lines[block.line + i] = line.to_owned();
        }
        lines[block.end - 1] = close;
    }
    Some(lines.join("\n") + "\n")
}

//! Which files are the docs, and their fenced code blocks. The build script reads them too (it
//! writes out the Rust blocks to compile), so this file uses nothing but std.

use std::path::Path;

/// The docs of a repository at `root`, as paths relative to it with `/`: README.md,
/// CONTRIBUTING.md and CHANGELOG.md (those there are), then every `.md` under docs/src, sorted.
pub fn list(root: &Path) -> std::io::Result<Vec<String>> {
    let mut pages: Vec<String> = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"]
        .into_iter()
        .filter(|p| root.join(p).is_file())
        .map(String::from)
        .collect();
    let mut book = Vec::new();
    let src = root.join("docs/src");
    if src.is_dir() {
        markdown_under(&src, "docs/src", &mut book)?;
    }
    book.sort();
    pages.extend(book);
    Ok(pages)
}

fn markdown_under(dir: &Path, relative: &str, found: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{relative}/{name}");
        if entry.file_type()?.is_dir() {
            markdown_under(&entry.path(), &path, found)?;
        } else if name.ends_with(".md") {
            found.push(path);
        }
    }
    Ok(())
}

/// A fenced code block of a page.
#[derive(Clone, Debug)]
pub struct Block {
    /// The 1-based line of its opening fence.
    pub line: usize,
    /// The first word of the fence's info string (`rust` of ```` ```rust,ignore ````); empty
    /// when there is none.
    pub lang: String,
    /// The other words (`ignore`).
    pub attrs: Vec<String>,
    /// Its lines, without the fence's indentation: line `n` (from 1) is the page's
    /// `self.line + n`.
    pub text: String,
    /// What the HTML comment on the last non-blank line before the fence says
    /// (`adopt: create src/Notes.tsx`, `checked by: tests/x.rs`).
    pub marker: Option<String>,
    /// The 1-based line of its closing fence.
    pub end: usize,
    /// Whether it has one (the page does not end inside it).
    pub closed: bool,
}

impl Block {
    /// A test elsewhere runs it: the README's adoption test (`<!-- adopt: ... -->`) or the file a
    /// `<!-- checked by: ... -->` names. Neither rustdoc nor the checks here read it.
    pub fn adopted(&self) -> bool {
        self.marker.as_deref().is_some_and(|m| m.starts_with("adopt:"))
    }

    /// It pulls a file in (mdBook's `{{#include ...}}`): the file is the code, checked where it
    /// lives; the include itself is checked to resolve.
    pub fn includes(&self) -> bool {
        self.text.contains("{{#")
    }

    /// Whether the Rust blocks' test compiles it (and runs it, unless `no_run`): a ```rust block
    /// no test elsewhere runs (`ignore`, an adoption step) and that includes nothing.
    pub fn compiled(&self) -> bool {
        self.lang == "rust"
            && !self.attrs.iter().any(|a| a == "ignore")
            && !self.adopted()
            && !self.includes()
            && self.closed
    }

    /// Its text as the compiler reads it, line for line: a line starting with `# ` (hidden in the
    /// book, as rustdoc and mdBook hide it) without that, `#` alone as an empty line, `##` as `#`.
    pub fn code(&self) -> String {
        let mut code = String::with_capacity(self.text.len());
        for line in self.text.lines() {
            let trimmed = line.trim_start();
            if let Some(shown) = trimmed.strip_prefix("# ") {
                code.push_str(shown);
            } else if trimmed.starts_with("##") {
                code.push_str(&line.replacen("##", "#", 1));
            } else if trimmed != "#" {
                code.push_str(line);
            }
            code.push('\n');
        }
        code
    }
}

/// The fenced code blocks of a page (```` ``` ```` or `~~~`, indented as in a list or not).
pub fn blocks(page: &str) -> Vec<Block> {
    let lines: Vec<&str> = page.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, fence, info)) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let mut words = info.split([',', ' ', '\t']).filter(|w| !w.is_empty()).map(String::from);
        let lang = words.next().unwrap_or_default();
        let attrs = words.collect();
        let marker = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.trim().strip_prefix("<!--")?.strip_suffix("-->").map(|m| m.trim().to_owned()));
        let mut text = String::new();
        let mut end = i + 1;
        while end < lines.len() && !closes(lines[end], &fence) {
            let line = lines[end];
            let spaces = line.len() - line.trim_start_matches(' ').len();
            text.push_str(&line[spaces.min(indent)..]);
            text.push('\n');
            end += 1;
        }
        blocks.push(Block { line: i + 1, lang, attrs, text, marker, end: end + 1, closed: end < lines.len() });
        i = end + 1;
    }
    blocks
}

/// `(indentation, fence, info string)` when `line` opens a fenced block.
fn opening_fence(line: &str) -> Option<(usize, String, &str)> {
    let rest = line.trim_start_matches(' ');
    let mark = ['`', '~'].into_iter().find(|m| rest.starts_with(*m))?;
    let fence: String = rest.chars().take_while(|c| *c == mark).collect();
    let info = rest[fence.len()..].trim();
    (fence.len() >= 3 && !(mark == '`' && info.contains('`'))).then(|| (line.len() - rest.len(), fence, info))
}

fn closes(line: &str, fence: &str) -> bool {
    let rest = line.trim();
    rest.starts_with(fence) && rest.chars().all(|c| fence.starts_with(c))
}

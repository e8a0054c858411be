//! Links, anchors, mdBook includes and the book's table of contents.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::pages::Block;
use crate::{Failure, Page};

/// Where the book's pages are, relative to the repository.
pub const BOOK: &str = "docs/src";
/// The book's table of contents.
pub const SUMMARY: &str = "docs/src/SUMMARY.md";
/// Where a book page links a file of the repository outside the book.
const REPOSITORY_URL: &str = "https://github.com/heycat/heycat-data/blob/main/";

/// Every link of `page` resolves: a public URL, or a file of the repository (`root`), and the
/// heading its `#anchor` names; a book page's stays in the book. Every `{{#include}}` resolves.
pub fn check(root: &Path, page: &Page, failures: &mut Vec<Failure>) {
    let code = code_lines(&page.blocks);
    for (n, line) in page.text.lines().enumerate() {
        let at = n + 1;
        for include in includes(line) {
            match resolve_include(root, &page.path, &include) {
                Ok(included) => check_included_links(root, page, at, &included, failures),
                Err(message) => failures.push(page.failure(at, format!("{{{{#include {include}}}}}: {message}"))),
            }
        }
        if code.contains(&at) {
            continue;
        }
        for target in targets(&without_code_spans(line)) {
            if let Err(message) = check_target(root, page, &target) {
                failures.push(page.failure(at, format!("link `{target}`: {message}")));
            }
        }
    }
}

fn check_target(root: &Path, page: &Page, target: &str) -> Result<(), String> {
    if target.starts_with("https://") || target.starts_with("http://") || target.starts_with("mailto:") {
        return Ok(());
    }
    if target.contains("../shared") {
        return Err("points at ../shared, outside the repository: a reader has no such folder".into());
    }
    let (path, anchor) = target.split_once('#').map_or((target, None), |(p, a)| (p, Some(a)));
    if path.contains(':') || path.starts_with('/') {
        return Err("only http(s) URLs and paths relative to the page may be linked".into());
    }
    let file = if path.is_empty() {
        PathBuf::from(&page.path)
    } else {
        let dir = Path::new(&page.path).parent().unwrap_or(Path::new(""));
        let Some(file) = normalize(&dir.join(path)) else {
            return Err("points outside the repository: link it by its public URL".into());
        };
        if !root.join(&file).exists() {
            return Err(format!("{} does not exist", file.display()));
        }
        if page.path.starts_with(BOOK) && !file.starts_with(BOOK) {
            return Err(format!(
                "the book holds only {BOOK}, so the built book has no {}: link {REPOSITORY_URL}{}, or include the code with {{{{#include}}}}",
                file.display(),
                file.display()
            ));
        }
        file
    };
    let Some(anchor) = anchor else { return Ok(()) };
    if file.extension().is_none_or(|e| e != "md") {
        return Ok(());
    }
    let text = std::fs::read_to_string(root.join(&file)).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let ids = heading_ids(&expanded(root, &file.to_string_lossy(), &text));
    if ids.contains(anchor) {
        Ok(())
    } else {
        Err(format!("{} has no heading `#{anchor}` (its headings: {})", file.display(), join_ids(&ids)))
    }
}

fn join_ids(ids: &BTreeSet<String>) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
    }
}

/// `path` without `.` and `..`, relative to the repository; `None` when it leaves it.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// The lines of the page inside code blocks, fences included.
fn code_lines(blocks: &[Block]) -> BTreeSet<usize> {
    blocks.iter().flat_map(|b| b.line..=b.end).collect()
}

/// `line` with the text of its inline code spans blanked (a link written in code is not one).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let fence = &rest[start..start + ticks];
        out.push_str(&rest[..start]);
        match rest[start + ticks..].find(fence) {
            Some(len) => {
                out.push_str(&" ".repeat(ticks * 2 + len));
                rest = &rest[start + ticks * 2 + len..];
            }
            None => {
                out.push_str(fence);
                rest = &rest[start + ticks..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The targets of the links on a line: `[text](target "title")`, `![alt](target)`,
/// `[label]: target`, `href="target"`, `src="target"`.
fn targets(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let mut depth = 0;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => return true,
                    ')' => depth -= 1,
                    _ => {}
                }
                false
            })
            .map_or(after.len(), |(i, _)| i);
        let inside = after[..end].trim();
        let target = match inside.strip_prefix('<') {
            Some(quoted) => quoted.split('>').next().unwrap_or_default(),
            None => inside.split_whitespace().next().unwrap_or_default(),
        };
        found.push(target.to_owned());
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if let Some((_, target)) = trimmed.split_once("]: ").filter(|_| trimmed.starts_with('[')) {
        found.extend(target.split_whitespace().next().map(|t| t.trim_matches(['<', '>']).to_owned()));
    }
    for attribute in ["href=\"", "src=\""] {
        for (at, _) in line.match_indices(attribute) {
            let value = &line[at + attribute.len()..];
            found.extend(value.split('"').next().map(String::from));
        }
    }
    found
}

/// The ids mdBook (and GitHub) give a page's headings: the heading's text, lowercase, spaces as
/// `-`, other punctuation dropped; a repeated one gets `-1`, `-2`; `{#id}` sets one.
pub fn heading_ids(text: &str) -> BTreeSet<String> {
    let code = code_lines(&crate::pages::blocks(text));
    let mut ids = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if code.contains(&(n + 1)) || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let mut heading = line[hashes..].trim().trim_end_matches('#').trim().to_owned();
        if let Some(start) = heading.rfind("{#").filter(|_| heading.ends_with('}')) {
            ids.insert(heading[start + 2..heading.len() - 1].to_owned());
            continue;
        }
        // A link's text stays, its target goes.
        while let Some(at) = heading.find("](") {
            let end = heading[at..].find(')').map_or(heading.len(), |e| at + e + 1);
            heading.replace_range(at + 1..end, "");
        }
        let id: String = heading
            .chars()
            .filter_map(|c| match c {
                c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_lowercase().next().unwrap_or(c)),
                c if c.is_whitespace() => Some('-'),
                _ => None,
            })
            .collect();
        let unique = (0..).map(|i| if i == 0 { id.clone() } else { format!("{id}-{i}") }).find(|i| !ids.contains(i));
        ids.extend(unique);
    }
    ids
}

/// The mdBook includes on a line: `{{#include path}}`, `{{#include path:anchor}}`,
/// `{{#include path:10:20}}` (and `#rustdoc_include`).
fn includes(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        for (at, _) in line.match_indices(directive) {
            let rest = &line[at + directive.len()..];
            found.extend(rest.split("}}").next().map(|s| s.trim().to_owned()));
        }
    }
    found
}

/// What an include pulls in: the file, relative to the repository, and its lines, each with
/// its 1-based number in the file.
struct Included {
    file: PathBuf,
    lines: Vec<(usize, String)>,
}

/// `{{#include path}}` (the whole file), `path:anchor` (the lines between `ANCHOR: anchor` and
/// `ANCHOR_END: anchor`, without other anchors' lines), `path:N` (line N), `path:N:`, `path::M`,
/// `path:N:M` (lines N to M), as mdBook reads them, from the page at `page`.
fn resolve_include(root: &Path, page: &str, include: &str) -> Result<Included, String> {
    let parts: Vec<&str> = include.split(':').collect();
    let dir = Path::new(page).parent().unwrap_or(Path::new(""));
    let file = normalize(&dir.join(parts[0])).ok_or(format!("{} is outside the repository", parts[0]))?;
    let text = std::fs::read_to_string(root.join(&file)).map_err(|_| format!("{} does not exist", file.display()))?;
    let numbered = text.lines().enumerate().map(|(n, l)| (n + 1, l.to_owned()));
    let number = |part: Option<&&str>, default: usize| {
        part.filter(|p| !p.is_empty()).map_or(Ok(default), |p| p.parse::<usize>())
    };
    let lines = match parts.get(1) {
        None => numbered.collect(),
        Some(first) if first.is_empty() || first.parse::<usize>().is_ok() => {
            let start = number(parts.get(1), 1).map_err(|e| e.to_string())?;
            let end =
                if parts.len() == 2 { start } else { number(parts.get(2), usize::MAX).map_err(|e| e.to_string())? };
            if start > text.lines().count() {
                return Err(format!("{} has {} lines", file.display(), text.lines().count()));
            }
            numbered.filter(|(n, _)| (start..=end).contains(n)).collect()
        }
        Some(anchor) => {
            let start = text.lines().position(|l| marks(l, "ANCHOR:", anchor));
            let end = text.lines().position(|l| marks(l, "ANCHOR_END:", anchor));
            let (Some(start), Some(end)) = (start, end) else {
                return Err(format!(
                    "{} has no `ANCHOR: {anchor}` ... `ANCHOR_END: {anchor}` comments around the lines to include",
                    file.display()
                ));
            };
            numbered
                .skip(start + 1)
                .take(end.saturating_sub(start + 1))
                .filter(|(_, l)| !l.contains("ANCHOR:") && !l.contains("ANCHOR_END:"))
                .collect()
        }
    };
    Ok(Included { file, lines })
}

/// Whether `line` holds mdBook's `mark` (`ANCHOR:`, `ANCHOR_END:`) for `anchor`, in any comment.
fn marks(line: &str, mark: &str, anchor: &str) -> bool {
    line.match_indices(mark).any(|(at, _)| {
        let name = line[at + mark.len()..].trim_start();
        name.strip_prefix(anchor)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-'))
    })
}

/// The links of included Markdown are links of the page that includes it (mdBook pastes the text
/// in before it renders the page), reported at the include with where they are.
fn check_included_links(root: &Path, page: &Page, at: usize, included: &Included, failures: &mut Vec<Failure>) {
    if included.file.extension().is_none_or(|e| e != "md") {
        return;
    }
    let text: String = included.lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    let code = code_lines(&crate::pages::blocks(&text));
    for (i, (n, line)) in included.lines.iter().enumerate() {
        if code.contains(&(i + 1)) {
            continue;
        }
        for target in targets(&without_code_spans(line)) {
            if let Err(message) = check_target(root, page, &target) {
                let place = format!("{}:{n}", included.file.display());
                failures.push(page.failure(at, format!("link `{target}` of {place}, included here: {message}")));
            }
        }
    }
}

/// The page's text with the Markdown it includes pasted in, as mdBook renders it.
fn expanded(root: &Path, page: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let pasted: Vec<Included> = includes(line)
            .iter()
            .filter_map(|i| resolve_include(root, page, i).ok())
            .filter(|i| i.file.extension().is_some_and(|e| e == "md"))
            .collect();
        if pasted.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
        for included in pasted {
            for (_, l) in included.lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}

/// Every page of the book is in its table of contents, and every chapter there has a page.
pub fn check_summary(pages: &[Page], failures: &mut Vec<Failure>) {
    let book: Vec<&Page> = pages.iter().filter(|p| p.path.starts_with(BOOK)).collect();
    let Some(summary) = book.iter().find(|p| p.path == SUMMARY) else {
        if !book.is_empty() {
            failures.push(Failure {
                page: SUMMARY.into(),
                line: 1,
                message: "the book has pages but no table of contents: mdBook reads it from SUMMARY.md".into(),
            });
        }
        return;
    };
    let mut listed = BTreeSet::new();
    for (n, line) in summary.text.lines().enumerate() {
        for target in targets(line) {
            if target.is_empty() {
                failures.push(
                    summary.failure(
                        n + 1,
                        "a chapter without a page (`[title]()` is a draft): write the page and link it",
                    ),
                );
            } else if let Some(file) = normalize(&Path::new(BOOK).join(target.split('#').next().unwrap_or_default())) {
                listed.insert(file);
            }
        }
    }
    for page in book {
        if page.path != SUMMARY && !listed.contains(Path::new(&page.path)) {
            failures.push(page.failure(
                1,
                format!(
                    "the page is not in {SUMMARY}, so the book leaves it out: list it there (`- [Title]({})`) or delete it",
                    page.path.trim_start_matches(BOOK).trim_start_matches('/')
                ),
            ));
        }
    }
}

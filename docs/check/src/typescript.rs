//! ```ts and ```tsx blocks: each is a module beside `./data`, the bindings of the notes
//! example's schema (with React hooks), and tsc type-checks them all in one run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Failure, Toolkit};

/// A block to type-check: the page and line of its fence, its language and text.
pub struct Snippet {
    pub page: String,
    pub line: usize,
    pub lang: String,
    pub text: String,
}

/// Type-checks `snippets` in `dir`: writes `dir/data` with `heycat-schema
/// generate`, each snippet as a file of its own, and a tsconfig; an error is reported at the
/// page's line.
pub fn check(toolkit: &Toolkit, dir: &Path, snippets: &[Snippet]) -> Vec<Failure> {
    if snippets.is_empty() {
        return Vec::new();
    }
    match run(toolkit, dir, snippets) {
        Ok(failures) => failures,
        Err(message) => vec![Failure { page: snippets[0].page.clone(), line: snippets[0].line, message }],
    }
}

fn run(toolkit: &Toolkit, dir: &Path, snippets: &[Snippet]) -> Result<Vec<Failure>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let data = dir.join("data");
    let schema = toolkit.root.join("examples/notes/schema");
    crate::heycat_schema(
        &toolkit.root,
        &["generate", "--react", "--schema", &path_arg(&schema), "--typescript", &path_arg(&data)],
    )?;
    let mut files = Vec::new();
    for (i, snippet) in snippets.iter().enumerate() {
        let stem: String = snippet
            .page
            .trim_end_matches(".md")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let name = format!("{stem}_{}_{i}.{}", snippet.line, snippet.lang);
        std::fs::write(dir.join(&name), &snippet.text).map_err(|e| format!("cannot write {name}: {e}"))?;
        files.push(name);
    }
    std::fs::write(dir.join("tsconfig.json"), tsconfig(&files))
        .map_err(|e| format!("cannot write the tsconfig: {e}"))?;
    link_node_modules(toolkit, dir).map_err(|e| format!("cannot link {}/node_modules: {e}", dir.display()))?;
    let tsc = toolkit.node_modules.join("typescript/bin/tsc");
    let out = Command::new("node")
        .arg(&tsc)
        .args(["--pretty", "false", "-p", "tsconfig.json"])
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run node {}: {e} (node and the npm packages come with scripts/setup.sh)", tsc.display())
        })?;
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Ok(Vec::new());
    }
    let failures = errors(&said, snippets, &files);
    if failures.is_empty() {
        return Err(format!("tsc failed on the pages' TypeScript blocks:\n{said}"));
    }
    Ok(failures)
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

/// The compiler options of heycat's demo frontend, for the blocks.
fn tsconfig(files: &[String]) -> String {
    let config = serde_json::json!({
        "compilerOptions": {
            "target": "ES2022",
            "lib": ["ES2022", "DOM", "DOM.Iterable"],
            "module": "ESNext",
            "moduleResolution": "bundler",
            // Every block is a module of its own, with or without an import.
            "moduleDetection": "force",
            "strict": true,
            "skipLibCheck": true,
            "noEmit": true,
            "jsx": "react-jsx",
            "types": [],
        },
        "files": files,
    });
    serde_json::to_string_pretty(&config).unwrap_or_default()
}

/// `dir/node_modules` is the workspace's, so the blocks and the bindings import its packages
/// as an app's frontend imports its own.
fn link_node_modules(toolkit: &Toolkit, dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::symlink(&toolkit.node_modules, dir.join("node_modules"));
    #[cfg(windows)]
    return std::os::windows::fs::symlink_dir(&toolkit.node_modules, dir.join("node_modules"));
}

/// tsc's errors (`file(line,col): error TSnnnn: message`, and the lines that go on with it),
/// at the pages' lines.
fn errors(said: &str, snippets: &[Snippet], files: &[String]) -> Vec<Failure> {
    let mut failures: Vec<Failure> = Vec::new();
    for line in said.lines() {
        let parsed = line.split_once("): error ").and_then(|(place, message)| {
            let (file, position) = place.rsplit_once('(')?;
            let row: usize = position.split(',').next()?.parse().ok()?;
            Some((file, row, message))
        });
        match parsed {
            Some((file, row, message)) => match files.iter().position(|f| f == file) {
                Some(i) => {
                    let snippet = &snippets[i];
                    let text = snippet.text.lines().nth(row.wrapping_sub(1)).unwrap_or_default();
                    failures.push(Failure {
                        page: snippet.page.clone(),
                        line: snippet.line + row,
                        message: format!(
                            "```{} block does not type-check: {message}\n    {:>4} | {text}",
                            snippet.lang,
                            snippet.line + row
                        ),
                    })
                }
                None => failures.push(Failure {
                    page: snippets[0].page.clone(),
                    line: snippets[0].line,
                    message: format!(
                        "the bindings the blocks import do not type-check ({}): {message}",
                        PathBuf::from(file).display()
                    ),
                }),
            },
            None if line.starts_with(' ') => {
                if let Some(last) = failures.last_mut() {
                    last.message.push('\n');
                    last.message.push_str(line);
                }
            }
            None => {}
        }
    }
    failures
}

//! ```sh blocks: each command's program is one a reader has, `heycat-schema`'s commands and
//! flags are the ones its `help` lists, `cargo`'s subcommands are the ones `cargo --list` lists.

use std::collections::BTreeSet;
use std::path::Path;

/// What `heycat-schema help` says it takes.
#[derive(Debug)]
pub struct Cli {
    commands: BTreeSet<String>,
    options: Vec<Opt>,
}

#[derive(Debug)]
struct Opt {
    flag: String,
    /// Whether a value follows it (`--schema DIR`).
    takes_value: bool,
    /// The commands it is for (`diff: the old version`); every one when empty.
    commands: Vec<String>,
}

impl Cli {
    /// Reads the COMMANDS and OPTIONS sections of the help: a command or option starts a line
    /// indented by four spaces; an option's description may start with the commands it is for
    /// (`generate, check: ...`).
    pub fn from_help(help: &str) -> Result<Cli, String> {
        let mut cli = Cli { commands: BTreeSet::new(), options: Vec::new() };
        let mut section = "";
        for line in help.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                section = line.trim_end_matches(':');
                continue;
            }
            let Some(entry) = line.strip_prefix("    ").filter(|e| !e.starts_with(' ')) else { continue };
            match section {
                "COMMANDS" => {
                    cli.commands.extend(entry.split_whitespace().next().map(String::from));
                }
                "OPTIONS" if entry.starts_with("--") => {
                    let (head, description) = entry.split_once("  ").unwrap_or((entry, ""));
                    let mut words = head.split_whitespace();
                    let flag = words.next().unwrap_or_default().to_owned();
                    let takes_value = words.next().is_some_and(|w| w.chars().all(|c| c.is_ascii_uppercase()));
                    let commands = description
                        .trim()
                        .split_once(": ")
                        .map(|(before, _)| before.split(", ").map(String::from).collect::<Vec<_>>())
                        .filter(|names| names.iter().all(|n| cli.commands.contains(n)))
                        .unwrap_or_default();
                    cli.options.push(Opt { flag, takes_value, commands });
                }
                _ => {}
            }
        }
        if cli.commands.is_empty() || cli.options.is_empty() {
            return Err(format!("`heycat-schema help` lists no COMMANDS or no OPTIONS:\n{help}"));
        }
        Ok(cli)
    }

    /// `heycat-schema ARGS`: what is wrong with it, if anything.
    fn check(&self, args: &[String]) -> Result<(), String> {
        let mut command: Option<&str> = None;
        let mut used: Vec<&Opt> = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg == "--" {
                used.extend(self.options.iter().find(|o| o.flag == "--"));
                break;
            }
            if matches!(arg.as_str(), "-h" | "--help") {
                command = Some("help");
            } else if arg.starts_with('-') {
                let option = self.options.iter().find(|o| o.flag == *arg).ok_or_else(|| {
                    format!("heycat-schema has no flag {arg} (its flags: {})", self.flags().join(" "))
                })?;
                if option.takes_value && args.next().is_none() {
                    return Err(format!("{arg} needs a value"));
                }
                used.push(option);
            } else if command.is_none() {
                if !self.commands.contains(arg.as_str()) {
                    return Err(format!(
                        "heycat-schema has no command `{arg}` (its commands: {})",
                        self.commands.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
                command = Some(arg);
            } else {
                return Err(format!("heycat-schema takes one command, and `{arg}` is not a flag's value"));
            }
        }
        let command = command.ok_or("heycat-schema needs a command")?;
        for option in used {
            if !option.commands.is_empty() && !option.commands.iter().any(|c| c == command) {
                return Err(format!(
                    "{} is a flag of {} only, not of {command}",
                    option.flag,
                    option.commands.join(", ")
                ));
            }
        }
        Ok(())
    }

    fn flags(&self) -> Vec<&str> {
        self.options.iter().map(|o| o.flag.as_str()).collect()
    }
}

/// What a ```sh block's commands are checked against.
pub struct Programs<'a> {
    /// The repository, where `bash scripts/x.sh` finds its script.
    pub root: &'a Path,
    pub cli: &'a Cli,
    /// What `cargo --list` lists.
    pub cargo: &'a BTreeSet<String>,
}

/// The programs a ```sh block may run: the toolkit's CLI, and what a Tauri developer has.
pub const KNOWN: &[&str] =
    &["heycat-schema", "cargo", "rustup", "npm", "npx", "node", "git", "bash", "cd", "export", "mdbook"];
/// What `npx` may run: the Tauri CLI of the app's own npm packages.
const NPX: &[&str] = &["tauri"];

/// The problems of a ```sh block's commands, each with the line (from 1 in the block) it is on.
pub fn check(text: &str, programs: &Programs) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut n = 0;
    while n < lines.len() {
        let first = n;
        let mut line = lines[n].trim_end().to_owned();
        while line.ends_with('\\') && n + 1 < lines.len() {
            line.pop();
            n += 1;
            line.push(' ');
            line.push_str(lines[n].trim());
        }
        n += 1;
        for command in commands(&line) {
            if let Err(problem) = check_command(&command, programs) {
                problems.push((first + 1, problem));
            }
        }
    }
    problems
}

fn check_command(words: &[String], programs: &Programs) -> Result<(), String> {
    let words: Vec<&String> = words.iter().skip_while(|w| is_assignment(w)).collect();
    let Some(program) = words.first() else { return Ok(()) };
    let args: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
    match program.as_str() {
        "heycat-schema" => programs.cli.check(&args),
        "cargo" => check_cargo(&args, programs),
        "npx" => match args.iter().find(|a| !a.starts_with('-')) {
            Some(tool) if NPX.contains(&tool.as_str()) => Ok(()),
            tool => Err(format!("npx runs {} here: only {} (the app's own npm packages)", tool.map_or("nothing", |t| t), NPX.join(", "))),
        },
        "bash" => match args.iter().find(|a| !a.starts_with('-')) {
            Some(script) if !programs.root.join(script).is_file() => {
                Err(format!("bash runs {script}, which is no file of the repository"))
            }
            _ => Ok(()),
        },
        "$" => Err("a ```sh block holds the commands alone, no `$ ` prompt (their output goes in a ```text block)".into()),
        other if KNOWN.contains(&other) => Ok(()),
        other => Err(format!(
            "`{other}` is not a program a reader has (a ```sh block runs {}); if it is one, add it to KNOWN in docs/check/src/shell.rs",
            KNOWN.join(", ")
        )),
    }
}

/// `cargo SUBCOMMAND ...`, and `cargo run ... -p heycat-schema -- ARGS` as `heycat-schema ARGS`.
fn check_cargo(args: &[String], programs: &Programs) -> Result<(), String> {
    let Some(sub) = args.iter().find(|a| !a.starts_with('-') && !a.starts_with('+')) else { return Ok(()) };
    if !programs.cargo.contains(sub.as_str()) {
        return Err(format!("cargo has no subcommand `{sub}` (see `cargo --list`)"));
    }
    if sub != "run" {
        return Ok(());
    }
    let (before, after) = match args.iter().position(|a| a == "--") {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &[][..]),
    };
    let runs_cli =
        before.windows(2).any(|w| matches!(w[0].as_str(), "-p" | "--package" | "--bin") && w[1] == "heycat-schema")
            || before.iter().any(|a| a == "--package=heycat-schema" || a == "--bin=heycat-schema");
    if runs_cli {
        programs.cli.check(after)
    } else {
        Ok(())
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// The commands of a shell line (split at `&&`, `||`, `|`, `;`, `&`), each as its words, quotes
/// removed; redirections and a comment left out.
fn commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut skip_next_word = false;
    let end_word = |word: &mut String, in_word: &mut bool, commands: &mut Vec<Vec<String>>, skip: &mut bool| {
        if *in_word {
            if *skip {
                *skip = false;
            } else {
                commands.last_mut().unwrap().push(std::mem::take(word));
            }
            word.clear();
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    word.push(q);
                }
            }
            '#' if !in_word => break,
            ' ' | '\t' => end_word(&mut word, &mut in_word, &mut commands, &mut skip_next_word),
            '&' | '|' | ';' => {
                end_word(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            '>' | '<' => {
                // `2>&1`, `> file`: the target is no argument.
                let fd = word.chars().all(|d| d.is_ascii_digit());
                if fd {
                    word.clear();
                    in_word = false;
                } else {
                    end_word(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    if chars.peek() == Some(&c) {
                        chars.next();
                    }
                    skip_next_word = true;
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
    commands.retain(|c| !c.is_empty());
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_splits_into_commands() {
        let words = |c: &[&str]| c.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            commands(r#"cd app && HEYCAT_DATA_DIR="/tmp/a b" npx tauri dev 2>&1 > out.txt | tee log # run it"#),
            vec![
                words(&["cd", "app"]),
                words(&["HEYCAT_DATA_DIR=/tmp/a b", "npx", "tauri", "dev"]),
                words(&["tee", "log"])
            ]
        );
    }
}

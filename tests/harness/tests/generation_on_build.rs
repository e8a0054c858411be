//! What `cargo build` generates: the module and every committed output are regenerated when
//! (and only when) a schema file changed, and the `#[heycat_table]` macro points its errors at
//! the schema file.
//!
//! Works on copies, so editing a schema cannot disturb anything else; the copies build into a
//! target dir kept beside the real one, so registry crates compile once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heycat_harness::workspace_root;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target", "node_modules"].iter().any(|skip| name == *skip) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The target dir for the copies: beside this test binary's own (`target/debug/deps/<test>`).
fn probe_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("target/debug/deps/<test>").join("generation-probe")
}

/// Runs `cargo SUBCOMMAND --target-dir <probe> ARGS...` in `dir`.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    Command::new(env!("CARGO"))
        .arg(subcommand)
        .arg("--target-dir")
        .arg(probe_target_dir())
        .args(rest)
        .current_dir(dir)
        .output()
        .expect("run cargo")
}

struct Build {
    ran_module_generator: bool,
    module: String,
}

fn build(workspace: &Path, packages: &[&str]) -> Build {
    let mut args = vec!["build", "-v"];
    for p in packages {
        args.extend(["-p", p]);
    }
    let out = cargo(workspace, &args);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo build failed:\n{log}");
    let ran_module_generator = log.lines().any(|l| {
        l.trim_start().starts_with("Running") && l.contains("heycat-module-") && l.contains("build-script-build")
    });
    let module = std::fs::read_dir(probe_target_dir().join("debug/build"))
        .unwrap()
        .map(|e| e.unwrap().path().join("out/heycat_module.rs"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .expect("the build script wrote the module");
    Build { ran_module_generator, module }
}

/// `heycat-schema check`'s exit code, and what it printed.
fn schema_check(workspace: &Path) -> (i32, String) {
    let out = cargo(workspace, &["run", "-q", "-p", "heycat-codegen", "--bin", "heycat-schema", "--", "check"]);
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().expect("heycat-schema exited"), printed)
}

fn read(workspace: &Path, path: &str) -> String {
    std::fs::read_to_string(workspace.join(path)).unwrap()
}

#[test]
fn a_schema_edit_regenerates_module_types_commands_and_typescript_together() {
    let copy = tempfile::tempdir().unwrap();
    let ws = copy.path();
    copy_tree(&workspace_root(), ws);

    let first = build(ws, &["heycat-module"]);
    assert!(first.ran_module_generator, "a first build runs the generator");
    let unchanged = build(ws, &["heycat-module"]);
    assert!(!unchanged.ran_module_generator, "an unchanged build must not rerun the generator");
    let (code, printed) = schema_check(ws);
    assert_eq!(code, 0, "the committed outputs start current: {printed}");

    let schema_file = ws.join("schema/dictionary.rs");
    let text = std::fs::read_to_string(&schema_file).unwrap();
    let edited = text.replace(
        "    pub created_at: Timestamp,",
        "    #[default(None)]\n    pub spoken_language: Option<String>,\n    pub created_at: Timestamp,",
    );
    assert_ne!(text, edited);
    std::fs::write(&schema_file, edited).unwrap();
    let (code, printed) = schema_check(ws);
    assert_eq!(code, 1, "generated/ is stale after the edit: {printed}");

    let after = build(ws, &["heycat-module", "heycat-app"]);
    assert!(after.ran_module_generator, "a schema edit reruns the generator");
    assert!(after.module.contains("pub spoken_language: Option<String>,"), "the module has the new column");
    assert!(
        read(ws, "generated/typescript/heycat.ts").contains("  spokenLanguage: string | null;"),
        "TypeScript row type"
    );
    assert!(read(ws, "generated/rust/sdk/dictionary_entry_type.rs").contains("pub spoken_language: Option::<String>,"));
    assert!(read(ws, "generated/rust/commands.rs").contains("dictionary_entry_insert"));
    // The build brought generated/ up to date; what is left is recording the new version.
    let (code, printed) = schema_check(ws);
    assert_eq!(code, 1);
    assert!(!printed.contains("stale:") && printed.contains("unreleased:"), "{printed}");
    let out = cargo(ws, &["run", "-q", "-p", "heycat-codegen", "--bin", "heycat-schema", "--", "release"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, printed) = schema_check(ws);
    assert_eq!(code, 0, "{printed}");
}

#[test]
fn macro_errors_point_into_the_schema_file() {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&workspace_root(), copy.path());
    let probe = copy.path().join("macro-probe");
    std::fs::create_dir_all(probe.join("src")).unwrap();
    std::fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"macro-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[workspace]\n\
             [dependencies]\nheycat = {{ path = {:?} }}\n",
            copy.path().join("macros/heycat")
        ),
    )
    .unwrap();
    std::fs::copy(copy.path().join("Cargo.lock"), probe.join("Cargo.lock")).unwrap();
    std::fs::write(
        probe.join("src/lib.rs"),
        "use heycat::prelude::*;\n\n#[heycat_table]\npub struct Note {\n    #[primary_key]\n    pub id: String,\n    #[index(hash)]\n    pub body: String,\n}\n",
    )
    .unwrap();
    let out = cargo(&probe, &["build", "--message-format=short"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(log.contains("src/lib.rs:7:13: error: unsupported index kind `hash`"), "{log}");
    assert!(log.contains("help: write #[index(btree)]"), "{log}");
    // One error, not a cascade: the macro still emits the plain struct.
    assert_eq!(log.matches(": error").count(), 1, "{log}");
}

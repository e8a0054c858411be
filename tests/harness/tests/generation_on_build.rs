//! What `cargo build` generates: the module and every committed output are regenerated when
//! (and only when) a schema file changed, and the `#[heycat_table]` macro points its errors at
//! the schema file. (The README's adoption steps are `adoption.rs`'s.)
//!
//! Works on copies, so editing a schema cannot disturb anything else; the copies build into a
//! target dir kept beside the real one, so registry crates compile once.

use std::path::Path;
use std::process::{Command, Output};

use heycat_harness::{copy_tree, probe_target_dir, workspace_root};

/// Runs `cargo SUBCOMMAND --target-dir <probe> ARGS...` in `dir`. Modules build into the
/// real target dir (`HEYCAT_MODULE_TARGET_DIR`), so the wasm dependencies compile once.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    Command::new(env!("CARGO"))
        .arg(subcommand)
        .arg("--target-dir")
        .arg(probe_target_dir())
        .args(rest)
        .current_dir(dir)
        .env(heycat_contract::env::MODULE_TARGET_DIR, heycat_harness::target_dir())
        .output()
        .expect("run cargo")
}

struct Build {
    ran_generator: bool,
    /// The app module the build script wrote (`heycat_data.rs`).
    app_module: String,
}

fn build_app(workspace: &Path) -> Build {
    let out = cargo(workspace, &["build", "-v", "-p", "heycat-app", "--lib"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo build failed:\n{log}");
    let ran_generator = log.lines().any(|l| {
        l.trim_start().starts_with("Running") && l.contains("heycat-app-") && l.contains("build-script-build")
    });
    let app_module = std::fs::read_dir(probe_target_dir().join("debug/build"))
        .unwrap()
        .map(|e| e.unwrap().path().join("out/heycat_data.rs"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .expect("the build script wrote the app module");
    Build { ran_generator, app_module }
}

/// `heycat-schema ARGS` on heycat's schema and TypeScript (with its React hooks): its exit code,
/// and what it printed.
fn heycat_schema(workspace: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["run", "-q", "-p", "heycat-schema", "--"];
    all.extend(args);
    all.extend(["--schema", "app/schema", "--typescript", "app/ui/src/heycat", "--react"]);
    let out = cargo(workspace, &all);
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

    let first = build_app(ws);
    assert!(first.ran_generator, "a first build runs the generator");
    let unchanged = build_app(ws);
    assert!(!unchanged.ran_generator, "an unchanged build must not rerun the generator");
    let (code, printed) = heycat_schema(ws, &["check"]);
    assert_eq!(code, 0, "the committed outputs start current: {printed}");

    let schema_file = ws.join("app/schema/dictionary.rs");
    let text = std::fs::read_to_string(&schema_file).unwrap();
    let edited = text.replace(
        "    pub created_at: Timestamp,",
        "    #[default(None)]\n    pub spoken_language: Option<String>,\n    pub created_at: Timestamp,",
    );
    assert_ne!(text, edited);
    std::fs::write(&schema_file, edited).unwrap();
    let (code, printed) = heycat_schema(ws, &["check"]);
    assert_eq!(code, 1, "the TypeScript is stale after the edit: {printed}");
    assert!(printed.contains("stale:") && printed.contains("schema.ts"), "{printed}");

    let after = build_app(ws);
    assert!(after.ran_generator, "a schema edit reruns the generator");
    assert!(
        after.app_module.contains("pub spoken_language: Option::<String>,"),
        "the SDK bindings have the new column"
    );
    assert!(after.app_module.contains("dictionary_entry_insert"), "the commands are there");
    let module = std::fs::read_dir(heycat_harness::target_dir().join("heycat-module"))
        .unwrap()
        .map(|e| e.unwrap().path().join("lib.rs"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap();
    assert!(module.contains("pub spoken_language: Option<String>,"), "the module has the new column");
    assert!(
        read(ws, "app/ui/src/heycat/schema.ts").contains("  spokenLanguage: string | null;"),
        "TypeScript row type"
    );
    // The build brought the TypeScript up to date; what is left is recording the new version.
    let (code, printed) = heycat_schema(ws, &["check"]);
    assert_eq!(code, 1);
    assert!(!printed.contains("stale:") && printed.contains("unreleased:"), "{printed}");
    let (code, printed) = heycat_schema(ws, &["release"]);
    assert_eq!(code, 0, "{printed}");
    let (code, printed) = heycat_schema(ws, &["check"]);
    assert_eq!(code, 0, "{printed}");

    // A schema error fails the build, said where its author reads it: the build script returns
    // the error from `main`, and cargo shows it in words at the file, line and column.
    let broken = read(ws, "app/schema/dictionary.rs")
        .replace("pub spoken_language: Option<String>,", "pub spoken_language: Option<Langage>,");
    std::fs::write(&schema_file, broken).unwrap();
    let out = cargo(ws, &["build", "-p", "heycat-app", "--lib"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a schema error fails the build");
    assert!(
        log.contains("unknown column type `Langage`") && log.contains("schema/dictionary.rs:"),
        "the error at its place: {log}"
    );
    assert!(!log.contains("Schema(SchemaError"), "the error in words, not as a Rust value: {log}");
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
            copy.path().join("heycat")
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

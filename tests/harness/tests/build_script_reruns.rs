//! `cargo build` regenerates the module when (and only when) a schema file changed.
//!
//! Works on a copy of the workspace, so editing its schema cannot disturb anything else; the
//! copy builds into a target dir kept beside the real one, so registry crates compile once.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// The target dir of the running tests (`.../target`), from this binary's own path.
fn main_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("target/debug/deps/<test>").to_owned()
}

struct Build {
    ran_generator: bool,
    generated: String,
}

fn build(workspace: &Path, target: &Path) -> Build {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-v", "-p", "heycat-module", "--target-dir"])
        .arg(target)
        .current_dir(workspace)
        .output()
        .expect("run cargo");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo build failed:\n{log}");
    let ran_generator = log.lines().any(|l| {
        l.trim_start().starts_with("Running") && l.contains("heycat-module-") && l.contains("build-script-build")
    });
    let generated = std::fs::read_dir(target.join("debug/build"))
        .unwrap()
        .map(|e| e.unwrap().path().join("out/heycat_module.rs"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .expect("the build script wrote the module");
    Build { ran_generator, generated }
}

#[test]
fn editing_a_schema_file_regenerates_the_module_and_nothing_else_does() {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&workspace_root(), copy.path());
    let target = main_target_dir().join("build-script-probe");

    let first = build(copy.path(), &target);
    assert!(first.ran_generator, "a first build runs the generator");
    assert!(!first.generated.contains("spoken_language"));

    let unchanged = build(copy.path(), &target);
    assert!(!unchanged.ran_generator, "an unchanged build must not rerun the generator");

    let schema_file = copy.path().join("schema/dictionary.rs");
    let text = std::fs::read_to_string(&schema_file).unwrap();
    let edited = text.replace(
        "    pub created_at: Timestamp,",
        "    #[default(None)]\n    pub spoken_language: Option<String>,\n    pub created_at: Timestamp,",
    );
    assert_ne!(text, edited);
    std::fs::write(&schema_file, edited).unwrap();

    let after_edit = build(copy.path(), &target);
    assert!(after_edit.ran_generator, "a schema edit reruns the generator");
    assert!(after_edit.generated.contains("pub spoken_language: Option<String>,"), "the module has the new column");
}

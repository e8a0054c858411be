//! The generated module compiles without a warning in an app's crate, whatever the app uses of
//! it: an app includes it as a private module (`mod data { heycat_runtime::include_generated!(); }`,
//! as the README says), where rustc reports every item the app does not use as dead code.
//!
//! For each schema here, two small apps deny warnings: one calls `plugin` and `handler` as the
//! README's adoption steps do, the other uses nothing of the module (so every item of it is
//! unused, as some item is in any app). They are checked (`cargo check`: the lints are all there)
//! into a target dir kept beside the real one, so their dependencies compile once.

use std::path::Path;
use std::process::Command;

use heycat_harness::{probe_target_dir, workspace_root};

/// The schemas of this repository, by a short name.
const SCHEMAS: [(&str, &str); 3] =
    [("heycat", "app/schema"), ("zoo", "tests/zoo/schema"), ("notes", "examples/notes/schema")];

/// `src/lib.rs` of an app that uses the module as the README's adoption steps do.
const PLUGIN_AND_HANDLER: &str = r#"#![deny(warnings)]

mod data {
    heycat_runtime::include_generated!();
}

pub fn with_data<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(data::plugin(heycat_runtime::Options::new("adopter")))
        .invoke_handler(data::handler(tauri::generate_handler![]))
}
"#;

/// `src/lib.rs` of an app that uses nothing of the module.
const NOTHING: &str = r#"#![deny(warnings)]

mod data {
    heycat_runtime::include_generated!();
}
"#;

/// Writes the crate `name` (the schema in `schema_dir`, `lib` its `src/lib.rs`) into `dir`.
fn write_app(dir: &Path, name: &str, schema_dir: &str, lib: &str) {
    let root = workspace_root();
    let path = |p: &str| format!("{:?}", root.join(p));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nheycat = {{ path = {} }}\nheycat-runtime = {{ path = {} }}\ntauri = {{ version = \"2\", features = [] }}\n\n\
             [build-dependencies]\nheycat-codegen = {{ path = {} }}\n",
            path("heycat"),
            path("runtime"),
            path("codegen"),
        ),
    )
    .unwrap();
    // No TypeScript: these apps only compile the Rust side.
    std::fs::write(
        dir.join("build.rs"),
        format!(
            "fn main() -> Result<(), heycat_codegen::Error> {{\n    heycat_codegen::Builder::new().schema_dir({}).generate()\n}}\n",
            path(schema_dir)
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
}

#[test]
fn the_generated_module_compiles_without_warnings_whatever_the_app_uses_of_it() {
    let apps = tempfile::tempdir().unwrap();
    let mut members = Vec::new();
    for (schema, dir) in SCHEMAS {
        for (usage, lib) in [("plugin-and-handler", PLUGIN_AND_HANDLER), ("nothing", NOTHING)] {
            let name = format!("{schema}-uses-{usage}");
            write_app(&apps.path().join(&name), &name, dir, lib);
            members.push(format!("{name:?}"));
        }
    }
    std::fs::write(
        apps.path().join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    // The versions this repository is built and tested with.
    std::fs::copy(workspace_root().join("Cargo.lock"), apps.path().join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["check", "--workspace", "--message-format=short", "--target-dir"])
        .arg(probe_target_dir())
        .current_dir(apps.path())
        .env(heycat_contract::env::MODULE_TARGET_DIR, heycat_harness::target_dir())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the generated module warns in an app's crate:\n{log}");
}

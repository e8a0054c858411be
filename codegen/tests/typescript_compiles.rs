//! The TypeScript bindings of every schema here type-check in a stock Tauri app: the project
//! `create-tauri-app` 4.7.4 makes (`npx create-tauri-app tauri-app -m npm -t react-ts -y`),
//! whose `npm run build` runs `tsc` under its `tsconfig.json` (ES2020 and the DOM's library,
//! strict, no unused locals or parameters). Its two tsconfig files are the adoption template's
//! (`examples/template`, that project as the tool made it); the bindings go where an app keeps
//! them (`src/data/`).
//!
//! `tsc`, React's types and Tauri's API come from `app/ui/node_modules` (TypeScript ~5.9, React
//! 18's types: older than the ~6.0 and 19 `create-tauri-app` asks for).

use std::path::{Path, PathBuf};
use std::process::Command;

use heycat_codegen::{outputs, Schema, TypeScriptOptions};

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).canonicalize().unwrap()
}

/// `tsc`'s complaints about the bindings of the schema in `schema_dir` in a fresh
/// `create-tauri-app` project, or `None` when it has none.
fn tsc_errors(schema_dir: &str, react: bool) -> Option<String> {
    let node_modules = root().join("app/ui/node_modules");
    assert!(
        node_modules.join(".bin/tsc").is_file(),
        "app/ui/node_modules has no tsc: run `npm ci` in app/ui (scripts/setup.sh does)"
    );
    let dir = root().join(schema_dir);
    let (sources, schema) = Schema::load_versioned(&dir, &dir.join("versions")).expect("the schema is valid");
    let app = tempfile::tempdir().unwrap();
    let template = root().join("examples/template");
    for file in ["tsconfig.json", "tsconfig.node.json"] {
        std::fs::copy(template.join(file), app.path().join(file)).unwrap();
    }
    let data = app.path().join("src/data");
    std::fs::create_dir_all(&data).unwrap();
    for (name, text) in outputs::typescript_files(&schema, &sources, TypeScriptOptions { react }) {
        std::fs::write(data.join(name), text).unwrap();
    }
    std::os::unix::fs::symlink(&node_modules, app.path().join("node_modules")).unwrap();
    // What the app's `npm run build` runs first.
    let tsc = Command::new(node_modules.join(".bin/tsc")).current_dir(app.path()).output().unwrap();
    (!tsc.status.success())
        .then(|| format!("{}{}", String::from_utf8_lossy(&tsc.stdout), String::from_utf8_lossy(&tsc.stderr)))
}

#[test]
fn every_schemas_bindings_type_check_under_create_tauri_apps_tsconfig() {
    let schemas = [("app/schema", true), ("tests/zoo/schema", true), ("examples/notes/schema", false)];
    let failures: Vec<String> = schemas
        .iter()
        .filter_map(|(dir, react)| tsc_errors(dir, *react).map(|errors| format!("{dir}:\n{errors}")))
        .collect();
    assert!(failures.is_empty(), "tsc refuses the bindings:\n{}", failures.join("\n"));
}

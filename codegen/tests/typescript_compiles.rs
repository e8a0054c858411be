//! The TypeScript bindings of every schema here type-check in a stock Tauri app: the project
//! `create-tauri-app` 4.7.4 makes (`npx create-tauri-app tauri-app -m npm -t react-ts -y`),
//! whose `npm run build` runs `tsc` under its `tsconfig.json` (ES2020 and the DOM's library,
//! strict, no unused locals or parameters). Its two tsconfig files are the adoption template's
//! (`examples/template`, that project as the tool made it); the bindings go where an app keeps
//! them (`src/data/`), and the runtime's package, `@heycat/runtime`, is installed as `npm pack`
//! makes it (its JavaScript and `.d.ts`, built from `runtime/ts`): what an app gets from the
//! registry.
//!
//! `tsc`, React's types and Tauri's API come from the repository's npm workspace (`npm install`
//! at its root; TypeScript ~5.9, React 18's types: older than the ~6.0 and 19 `create-tauri-app`
//! asks for).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use heycat_codegen::backend::react::RUNTIME_HOOKS;
use heycat_codegen::{outputs, Schema, TypeScriptOptions};

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).canonicalize().unwrap()
}

/// The workspace's `node_modules`, with `tsc`.
fn node_modules() -> PathBuf {
    let node_modules = root().join("node_modules");
    assert!(
        node_modules.join(".bin/tsc").is_file(),
        "the repository's node_modules has no tsc: run `npm install` at its root (scripts/setup.sh does)"
    );
    node_modules
}

/// `@heycat/runtime` as `npm pack` makes it (built from `runtime/ts` by its `prepare` script),
/// unpacked once per test process into the target dir's folder for test data.
fn packed_runtime() -> &'static Path {
    static PACKED: OnceLock<PathBuf> = OnceLock::new();
    PACKED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("heycat-runtime-pack");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let pack = Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(&dir)
            .current_dir(root().join("runtime/ts"))
            .output()
            .expect("run npm pack");
        let said = String::from_utf8_lossy(&pack.stdout);
        assert!(pack.status.success(), "npm pack failed:\n{said}{}", String::from_utf8_lossy(&pack.stderr));
        let tarball = dir.join(said.trim().lines().last().expect("npm pack names the tarball"));
        let untar = Command::new("tar").arg("-xzf").arg(&tarball).current_dir(&dir).status().unwrap();
        let package = dir.join("package");
        assert!(untar.success() && package.join("package.json").is_file(), "{} unpacks", tarball.display());
        package
    })
}

/// A `node_modules` for a fresh app in `app`: the workspace's packages, linked, with the packed
/// `@heycat/runtime` in place of the workspace's own.
fn install(app: &Path) {
    let modules = app.join("node_modules");
    std::fs::create_dir_all(modules.join("@heycat")).unwrap();
    for entry in std::fs::read_dir(node_modules()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "@heycat" {
            std::os::unix::fs::symlink(entry.path(), modules.join(entry.file_name())).unwrap();
        }
    }
    std::os::unix::fs::symlink(packed_runtime(), modules.join("@heycat/runtime")).unwrap();
}

/// `tsc`'s complaints about the bindings of the schema in `schema_dir` in a fresh
/// `create-tauri-app` project, or `None` when it has none.
fn tsc_errors(schema_dir: &str, react: bool) -> Option<String> {
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
    install(app.path());
    // What the app's `npm run build` runs first.
    let tsc = Command::new(node_modules().join(".bin/tsc")).current_dir(app.path()).output().unwrap();
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

/// The hooks a table's hook is named around are the ones the packed `@heycat/runtime/react`
/// declares, no more and no fewer.
#[test]
fn the_runtime_hooks_the_names_avoid_are_the_packages() {
    let declared = std::fs::read_to_string(packed_runtime().join("dist/react.d.ts")).unwrap();
    let exported = declared.split("export declare function ").skip(1);
    let names = exported.map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>());
    let hooks: BTreeSet<String> = names.filter(|name| name.starts_with("use")).collect();
    let listed: BTreeSet<String> = RUNTIME_HOOKS.iter().map(|hook| (*hook).to_owned()).collect();
    assert_eq!(listed, hooks, "heycat_codegen::backend::react::RUNTIME_HOOKS");
}

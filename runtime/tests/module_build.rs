//! A development build's module builds by itself while the app compiles: the build script goes
//! on at once (`ModuleBuild::start`), and the app, when it starts, waits for the wasm built from
//! its own source, which the server takes.

use heycat_codegen::ModuleBuild;
use heycat_harness::{target_dir, Server};
use heycat_runtime::__private::ModuleWasm;

const SCHEMA: &str = r#"
use heycat::prelude::*;

#[heycat_table(sync = false)]
pub struct Started {
    #[primary_key]
    pub id: String,
    pub name: String,
}
"#;

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[test]
fn a_started_build_goes_on_by_itself_and_the_app_waits_for_its_wasm() {
    // A folder of its own: a module crate no earlier run built.
    let schema = tempfile::tempdir().unwrap();
    std::fs::write(schema.path().join("tables.rs"), SCHEMA).unwrap();
    let build = ModuleBuild::new(schema.path(), target_dir());

    let building = build.start().expect("start the module's build");
    assert!(!building.is_built(), "start returned before the wasm was built");
    // What the generated code of a development build says of its module.
    let module = ModuleWasm::Building {
        wasm: leak(building.wasm.display().to_string()),
        dir: leak(building.dir.display().to_string()),
        source_id: leak(building.source_id.clone()),
    };
    let wasm = module.wasm().unwrap_or_else(|failure| panic!("{}", failure.message));
    assert!(building.is_built());
    assert_eq!(wasm.as_ref(), std::fs::read(&building.wasm).unwrap(), "the wasm of this source");

    // The server takes it, with its mark.
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish("started", &wasm).expect("publish the module");

    // Started again for the same source, there is nothing to build.
    assert!(build.start().unwrap().is_built());
}

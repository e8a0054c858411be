//! Every generated output for heycat's schema and for the zoo schema (tests/zoo: enums with
//! values, bytes, 256-bit integers, options of options, reserved words), as reviewed snapshots,
//! and their properties: deterministic, headed, no machine-specific text, and (the TypeScript)
//! identical to what is committed.

use std::path::Path;

use heycat_codegen::backend::tauri::{AppInputs, ModuleInput};
use heycat_codegen::versions::load_snapshots;
use heycat_codegen::{backend, migration_plans, outputs, ParsedItem, Schema, SourceSet, TypeScriptOptions};

fn heycat_schema() -> (SourceSet, Schema) {
    Schema::load_versioned(&root().join("app/schema"), &root().join("app/schema/versions"))
        .expect("heycat's schema is valid")
}

fn zoo_schema() -> (SourceSet, Schema) {
    Schema::load_versioned(&root().join("tests/zoo/schema"), &root().join("tests/zoo/schema/versions"))
        .expect("the zoo schema is valid")
}

/// The zoo's module, app types with conversions, SDK bindings and TypeScript, in one snapshot.
#[test]
fn zoo_outputs_snapshot() {
    let (sources, schema) = zoo_schema();
    let sdk: Vec<String> = backend::sdk::generate(&schema)
        .into_iter()
        .map(|(name, text)| format!("==== sdk/{name} ====\n{text}"))
        .collect();
    insta::assert_snapshot!(format!(
        "==== module ====\n{}\n==== app types ====\n{}\n{}\n==== typescript ====\n{}\n==== react hooks ====\n{}",
        backend::module::generate(&schema, &sources),
        zoo_app_types(&schema),
        sdk.join("\n"),
        backend::typescript::generate(&schema, &sources),
        backend::react::generate(&schema, &sources)
    ));
}

/// The zoo's app types and their conversions to and from the SDK's, formatted.
fn zoo_app_types(schema: &Schema) -> String {
    let types = schema.types.iter().map(backend::app_types::type_def);
    let tables = schema.user_tables().map(backend::app_types::table);
    let conversions = backend::app_types::conversions(schema, &quote::quote!(app), &quote::quote!(sdk));
    prettyplease::unparse(&syn::parse2(quote::quote!(#(#types)* #(#tables)* #conversions)).unwrap())
}

/// The app module as a build writes it, with relative paths where a build has absolute ones.
fn app_module(schema: &Schema, sources: &SourceSet) -> String {
    let snapshots = load_snapshots(&root().join("app/schema/versions")).unwrap();
    let plans = migration_plans(sources, schema, &snapshots, &[]).unwrap();
    let schema_files = sources
        .files()
        .map(|(_, f)| {
            let file = f.display_path.rsplit('/').next().unwrap().to_owned();
            (file.trim_end_matches(".rs").to_owned(), f.display_path.clone())
        })
        .collect();
    let inputs =
        AppInputs { schema_files, module: ModuleInput::Built("heycat_module.wasm".into()), migration_plans: &plans };
    backend::tauri::app_module(schema, sources, &inputs)
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn module_snapshot() {
    let (sources, schema) = heycat_schema();
    insta::assert_snapshot!(backend::module::generate(&schema, &sources));
}

#[test]
fn typescript_snapshot() {
    let (sources, schema) = heycat_schema();
    insta::assert_snapshot!(backend::typescript::generate(&schema, &sources));
}

#[test]
fn react_hooks_snapshot() {
    let (sources, schema) = heycat_schema();
    insta::assert_snapshot!(backend::react::generate(&schema, &sources));
}

/// React is the app's choice: without it no file imports it (nor the runtime's hooks), with it
/// `index.ts` exports the hooks, the schema's and the runtime's.
#[test]
fn only_the_react_option_brings_react() {
    let (sources, schema) = heycat_schema();
    let neutral = outputs::typescript_files(&schema, &sources, TypeScriptOptions::default());
    assert_eq!(neutral.keys().collect::<Vec<_>>(), ["index.ts", "schema.ts"]);
    for (path, text) in &neutral {
        assert!(!text.contains("from \"react\"") && !text.contains("@heycat/runtime/react"), "{path} imports React");
    }
    let react = outputs::typescript_files(&schema, &sources, TypeScriptOptions { react: true });
    assert_eq!(react.keys().collect::<Vec<_>>(), ["hooks.ts", "index.ts", "schema.ts"]);
    assert!(react["hooks.ts"].contains("export function useDictionaryEntries("), "{}", react["hooks.ts"]);
    assert!(react["hooks.ts"].contains("export function useSettings("));
    assert!(react["hooks.ts"].contains("} from \"@heycat/runtime/react\";"));
    assert!(react["index.ts"].contains("export * from \"./hooks\";"));
    assert!(react["index.ts"].contains("export * from \"@heycat/runtime/react\";"));
    for (path, text) in &neutral {
        assert!(path == "index.ts" || react[path] == *text, "{path} is the same with React");
    }
}

/// The app module, without the bindings (the SDK snapshot shows those).
#[test]
fn app_module_snapshot() {
    let (sources, schema) = heycat_schema();
    let module = app_module(&schema, &sources);
    let start = module.find("pub mod sdk {").unwrap();
    let end = module.find("/// The schema files").unwrap();
    insta::assert_snapshot!(format!(
        "{}pub mod sdk {{ /* the SDK bindings snapshot */ }}\n\n{}",
        &module[..start],
        &module[end..]
    ));
}

#[test]
fn sdk_bindings_snapshot() {
    let (_, schema) = heycat_schema();
    let files: Vec<String> =
        backend::sdk::generate(&schema).into_iter().map(|(name, text)| format!("==== {name} ====\n{text}")).collect();
    insta::assert_snapshot!(files.join("\n"));
}

/// What `#[heycat_table]` expands one table to (what `cargo expand` would show).
#[test]
fn macro_expansion_snapshot() {
    let text = std::fs::read_to_string(root().join("app/schema/recording.rs")).unwrap();
    let file = syn::parse_file(&text).unwrap();
    let mut expanded = String::new();
    for item in &file.items {
        let tokens = match heycat_codegen::parse_item(item) {
            Ok(ParsedItem::Table(table)) => backend::app_types::table(&table),
            Ok(ParsedItem::Type(ty)) => backend::app_types::type_def(&ty),
            Ok(ParsedItem::Removed) => continue,
            Err(_) => continue, // `use` items
        };
        expanded.push_str(&prettyplease::unparse(&syn::parse2(tokens).unwrap()));
    }
    insta::assert_snapshot!(expanded);
}

#[test]
fn outputs_are_deterministic_and_headed() {
    let generate = || {
        let (sources, schema) = heycat_schema();
        let mut files = outputs::typescript_files(&schema, &sources, TypeScriptOptions { react: true });
        files.insert("heycat_data.rs".into(), app_module(&schema, &sources));
        files
    };
    let first = generate();
    assert_eq!(first, generate(), "two runs give the same bytes");
    let root = root().canonicalize().unwrap();
    for (path, text) in &first {
        assert!(text.contains("@generated by heycat-codegen from schema/dictionary.rs"), "{path} names its sources");
        assert!(text.contains("Do not edit"), "{path} says it is generated");
        assert!(!text.contains(root.to_str().unwrap()), "{path} holds an absolute path");
        assert!(!text.contains("/root/") && !text.contains("/home/"), "{path} holds a home path");
    }
}

/// The app module compiles in any crate that depends on the runtime: it names the runtime, Tauri
/// and the `heycat` crate by absolute paths and its own parts relative to itself, never a path of
/// the crate that includes it.
#[test]
fn the_app_module_reaches_nothing_of_the_app_crate() {
    let (sources, schema) = heycat_schema();
    let module = app_module(&schema, &sources);
    assert!(!module.contains("crate::"), "the generated module names a path of the app crate");
    for line in module.lines().filter(|l| l.contains("spacetimedb_sdk")) {
        assert!(
            line.contains("::heycat_runtime::__private::spacetimedb_sdk"),
            "the SDK is reached through the runtime: {line}"
        );
    }
}

#[test]
fn committed_typescript_is_current() {
    let (sources, schema) = heycat_schema();
    // heycat's demo UI uses the React hooks.
    let files = outputs::typescript_files(&schema, &sources, TypeScriptOptions { react: true });
    let staleness = outputs::compare_bindings(&root().join("app/ui/src/heycat"), &files);
    assert!(
        staleness.is_current(),
        "app/ui/src/heycat is stale; build the app (or `heycat-schema generate`):\n{staleness}"
    );
}

/// Names with digits and runs of capitals: the app module calls the bindings by
/// spacetimedb-codegen's own spelling (`note2_tag` is `conn.db.note_2_tag()`, `HTTPMode` is
/// `sdk::HttpMode`), while the JSON and TypeScript keep camelCase (`note2TagList`, `v2Id`).
#[test]
fn the_app_module_calls_the_bindings_by_their_names() {
    let mut sources = SourceSet::default();
    sources.add(
        "schema/digits.rs",
        "use heycat::prelude::*;\n\
         #[heycat_type]\npub enum HTTPMode { Get, PostV2 }\n\
         #[heycat_type]\npub struct Point3 { pub x1: f64 }\n\
         #[heycat_table]\npub struct Note2Tag {\n    #[primary_key]\n    pub v2_id: u64,\n    #[index(btree)]\n    \
         pub tag3: String,\n    pub mode: HTTPMode,\n    pub at: Point3,\n}\n",
    );
    let schema = Schema::from_sources(&sources).expect("a valid schema");
    let schema = Schema { version: 2, ..schema };
    let inputs =
        AppInputs { schema_files: Vec::new(), module: ModuleInput::Built("m.wasm".into()), migration_plans: "[]" };
    let module = backend::tauri::app_module(&schema, &sources, &inputs);
    let bindings = backend::sdk::inline_module(&backend::sdk::generate(&schema));
    let called = |prefix: &str| -> Vec<String> {
        module
            .split(prefix)
            .skip(1)
            .map(|rest| rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
            .collect()
    };
    let (tables, reducers) = (called("conn.db."), called("conn.reducers."));
    assert!(tables.contains(&"note_2_tag".to_owned()) && reducers.contains(&"heycat_schema_v_2".to_owned()));
    for name in tables.iter().chain(&reducers) {
        assert!(bindings.contains(&format!("fn {name}(")), "the bindings have no `{name}`");
    }
    for (app, sdk) in [("Note2Tag", "Note2Tag"), ("Point3", "Point3"), ("HTTPMode", "HttpMode")] {
        assert!(module.contains(&format!("From<sdk::{sdk}> for schema::{app}")), "{app} from sdk::{sdk}");
        assert!(bindings.contains(&format!("pub struct {sdk}")) || bindings.contains(&format!("pub enum {sdk}")));
    }
    for conversion in
        ["v2_id: value.v_2_id", "v_2_id: value.v2_id", "x1: value.x_1", "sdk::HttpMode::PostV2 => Self::PostV2"]
    {
        assert!(module.contains(conversion), "{conversion}");
    }
    let typescript = backend::typescript::generate(&schema, &sources);
    for name in ["export async function note2TagListByTag3(tag3: string)", "v2Id: bigint;", "x1: number;"] {
        assert!(typescript.contains(name), "{name} in:\n{typescript}");
    }
}

/// The module's fixed part (`codegen/module/*.rs`) is Rust the generator includes as it is.
#[test]
fn the_modules_fixed_part_is_rust() {
    for file in ["auth.rs", "sync.rs"] {
        let text = std::fs::read_to_string(root().join("codegen/module").join(file)).unwrap();
        let items = syn::parse_file(&text).expect("a Rust file").items;
        assert!(!items.is_empty(), "{file} has items");
    }
}

/// The module declares exactly the error codes its reducers use (decided from the schema, not
/// from the generated text) and defines every reducer the schema's module definition lists.
#[test]
fn the_module_declares_the_error_codes_it_uses_and_every_reducer() {
    let small = |text: &str| {
        let mut sources = SourceSet::default();
        sources.add("schema/t.rs", format!("use heycat::prelude::*;\n{text}"));
        let schema = Schema::from_sources(&sources).expect("a valid schema");
        (sources, schema)
    };
    let note = "#[heycat_table(sync = false)]\npub struct Note {\n    #[primary_key]\n    pub id: u32,\n}\n";
    let schemas = [
        heycat_schema(),
        zoo_schema(),
        Schema::load(&root().join("examples/notes/schema")).unwrap(),
        small("#[heycat_table(singleton, sync = false)]\npub struct Prefs {\n    #[default(0)]\n    pub n: u32,\n}\n"),
        small("#[heycat_table(singleton)]\npub struct Prefs {\n    #[default(0)]\n    pub n: u32,\n}\n"),
        small(note),
        small(&format!(
            "{note}#[heycat_table(sync = false)]\npub struct Tag {{\n    #[primary_key]\n    pub id: u32,\n    \
             #[references(Note)]\n    pub note: u32,\n}}\n"
        )),
        small(&format!(
            "{note}#[heycat_table(sync = false)]\npub struct Tag {{\n    #[primary_key]\n    pub id: u32,\n    \
             #[references(Note, on_delete = cascade)]\n    pub note: u32,\n}}\n"
        )),
    ];
    let mut declared_in = std::collections::BTreeMap::<String, usize>::new();
    for (i, (sources, schema)) in schemas.iter().enumerate() {
        let module = backend::module::generate(schema, sources);
        for error in heycat_contract::ReducerError::ALL {
            let constant = error.code().to_uppercase();
            let declared = module.contains(&format!("const {constant}: &str"));
            // `heycat_error(CODE, ...)`, on one line or spread over several.
            let used = module.split(|c: char| c.is_whitespace() || c == '(').any(|word| word == format!("{constant},"));
            assert_eq!(declared, used, "{constant} in module {i}");
            *declared_in.entry(constant).or_default() += usize::from(declared);
        }
        for reducer in schema.reducers() {
            assert!(module.contains(&format!("pub fn {}(", reducer.name)), "reducer {} is defined", reducer.name);
        }
    }
    for code in ["NOT_FOUND", "IN_USE"] {
        assert!((1..schemas.len()).contains(&declared_in[code]), "some modules declare {code}, some do not");
    }
}

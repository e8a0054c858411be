//! Client bindings for spacetimedb-sdk 1.2.0, made by `spacetimedb-codegen` itself from the
//! validated module definition (the same code `spacetime generate --lang rust` writes).

use spacetimedb_schema::def::ModuleDef;

use crate::model::Schema;
use crate::raw_def::raw_module_def;

/// `(file name, contents)` of every bindings file, sorted by name.
pub fn generate(schema: &Schema) -> Vec<(String, String)> {
    let Ok(module) = ModuleDef::try_from(raw_module_def(schema)) else {
        // Schema::load validated this definition already; a schema that fails here never
        // reaches a backend.
        return Vec::new();
    };
    let mut files = spacetimedb_codegen::generate(&module, &spacetimedb_codegen::Rust);
    files.sort();
    files
}

/// The bindings as the body of one module: `mod.rs`, with each `pub mod x;` replaced by file
/// `x.rs` inline, and the SDK reached through the runtime
/// (`::heycat_runtime::__private::spacetimedb_sdk`), so the app needs no SDK dependency of its
/// own.
pub fn inline_module(files: &[(String, String)]) -> String {
    let through_runtime =
        |text: &str| text.replace("spacetimedb_sdk::", "::heycat_runtime::__private::spacetimedb_sdk::");
    let Some((_, root)) = files.iter().find(|(name, _)| name == "mod.rs") else { return String::new() };
    let mut out = String::new();
    for line in root.lines() {
        let inlined = line
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(';'))
            .and_then(|module| files.iter().find(|(name, _)| *name == format!("{module}.rs")).map(|f| (module, f)));
        match inlined {
            Some((module, (_, text))) => {
                out.push_str(&format!("pub mod {module} {{\n"));
                out.push_str(&through_runtime(text));
                out.push_str("}\n");
            }
            None => {
                out.push_str(&through_runtime(line));
                out.push('\n');
            }
        }
    }
    out
}

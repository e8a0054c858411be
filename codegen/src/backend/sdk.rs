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

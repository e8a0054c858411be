//! Regenerates the committed outputs under `generated/` (SDK bindings, Tauri commands,
//! TypeScript) when a schema file changed, writes the schema description the app checks
//! servers against, then runs Tauri's build step.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    heycat_codegen::Builder::new()
        .schema_dir("../schema")
        .snapshots_dir("../generated/schema")
        .generated_dir("../generated")
        .expected_schema_out(out.join("expected-schema.txt"))
        .plans_out(out.join("migration-plans.json"))
        .generate_or_exit();
    tauri_build::build();
}

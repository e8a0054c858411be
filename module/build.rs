//! Generates the module's tables and reducers from ../schema on every build where a schema
//! file changed. `HEYCAT_SCHEMA_VERSION=N` builds released version N instead (from
//! ../generated/schema/vN.json), `HEYCAT_SCHEMA_DIR` another schema folder (for tests).

fn main() {
    println!("cargo:rerun-if-env-changed=HEYCAT_SCHEMA_VERSION");
    println!("cargo:rerun-if-env-changed=HEYCAT_SCHEMA_DIR");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut builder = heycat_codegen::Builder::new().module_out(out.join("heycat_module.rs"));
    builder = match std::env::var_os("HEYCAT_SCHEMA_DIR") {
        // Another schema: heycat's released versions are not its history.
        Some(dir) => builder.schema_dir(dir),
        None => builder.schema_dir("../schema").snapshots_dir("../generated/schema"),
    };
    if let Some(version) = std::env::var("HEYCAT_SCHEMA_VERSION").ok().and_then(|v| v.parse().ok()) {
        builder = builder.snapshot_version(version);
    }
    builder.generate_or_exit();
}

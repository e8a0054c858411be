//! Generates the module's tables and reducers from ../schema on every build where a schema
//! file changed.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    heycat_codegen::Builder::new().schema_dir("../schema").module_out(out.join("heycat_module.rs")).generate_or_exit();
}

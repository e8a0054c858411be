//! Regenerates the committed outputs under `generated/` (SDK bindings, Tauri commands,
//! TypeScript) when a schema file changed, then runs Tauri's build step.

fn main() {
    heycat_codegen::Builder::new().schema_dir("../schema").generated_dir("../generated").generate_or_exit();
    tauri_build::build();
}

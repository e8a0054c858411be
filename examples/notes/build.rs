//! Everything the notes schema (`schema/`) makes: the data layer's Rust module (included by
//! `src/lib.rs`), the SpacetimeDB module built to wasm (embedded in the app), and the
//! frontend's TypeScript bindings (`ui/src/data/`, committed); then Tauri's build step.

fn main() -> Result<(), heycat_codegen::Error> {
    heycat_codegen::Builder::new().schema_dir("schema").typescript_dir("ui/src/data").generate()?;
    tauri_build::build();
    Ok(())
}

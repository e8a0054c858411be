//! Everything heycat's schema (`schema/`) makes: the data layer's Rust module (included by
//! `src/lib.rs`), the SpacetimeDB module built to wasm, and the frontend's TypeScript bindings
//! with React hooks for every table (`ui/src/heycat/`); then Tauri's build step.

fn main() -> Result<(), heycat_codegen::Error> {
    heycat_codegen::Builder::new().schema_dir("schema").typescript_dir("ui/src/heycat").react(true).generate()?;
    tauri_build::build();
    Ok(())
}

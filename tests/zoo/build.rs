//! The zoo schema's outputs: the data layer's Rust module (included by `src/lib.rs`), its
//! module built to wasm, and the TypeScript bindings (`ts/`, committed; vitest checks them).

fn main() {
    heycat_codegen::Builder::new().schema_dir("schema").typescript_dir("ts").generate_or_exit();
}

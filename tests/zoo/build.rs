//! The zoo schema's outputs: the data layer's Rust module (included by `src/lib.rs`), its
//! module built to wasm, and the TypeScript bindings with React hooks (`ts/`, committed; the npm
//! package of this folder checks them: `tsc` the hooks of its odd shapes, vitest the values).

fn main() -> Result<(), heycat_codegen::Error> {
    heycat_codegen::Builder::new().schema_dir("schema").typescript_dir("ts").react(true).generate()
}

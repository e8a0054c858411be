//! The notes app's data layer: heycat-data with the notes schema (`schema/`). Everything in
//! [`data`] is generated from the schema by the build script; the runtime is `heycat-runtime`.

/// The code generated from `schema/`: row types (`data::schema`), a Tauri command per table
/// operation, the SpacetimeDB bindings, and `plugin` / `handler` / `start` for the Tauri builder.
pub mod data {
    heycat_runtime::include_generated!();
}

/// The database the notes live in.
pub const DATABASE: &str = "notes";

/// The data layer's options: the database name (the data dir is the app's own).
pub fn options() -> heycat_runtime::Options {
    heycat_runtime::Options::new(DATABASE)
}

//! heycat's data layer: heycat-data with heycat's schema (`schema/`). Everything in [`data`]
//! is generated from the schema by the build script; the runtime is `heycat-runtime`.

/// The code generated from `schema/`: row types (`data::schema`), Tauri commands, the
/// SpacetimeDB bindings, and `plugin` / `handler` / `start` for the Tauri builder.
pub mod data {
    heycat_runtime::include_generated!();
}

/// The database heycat's data lives in.
pub const DATABASE: &str = "heycat";

/// How the data layer names the app to its user.
pub const APP_NAME: &str = "heycat";

/// heycat's data layer options: its database name.
pub fn options() -> heycat_runtime::Options {
    heycat_runtime::Options::new(DATABASE).app_name(APP_NAME)
}

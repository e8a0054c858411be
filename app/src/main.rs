//! heycat's data layer as a desktop app.

fn main() {
    tauri::Builder::default()
        // Before the data layer's plugin: what it says while it starts goes to stderr too.
        .plugin(
            tauri_plugin_log::Builder::new()
                .clear_targets()
                .target(tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stderr))
                .level(log::LevelFilter::Info)
                .build(),
        )
        .plugin(heycat_app::data::plugin(heycat_app::options()))
        .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("heycat: cannot start: {e}");
            std::process::exit(1);
        });
}

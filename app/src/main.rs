//! heycat's data layer as a desktop app.

fn main() {
    tauri::Builder::default()
        .plugin(heycat_app::data::plugin(heycat_app::options()))
        .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("heycat: cannot start: {e}");
            std::process::exit(1);
        });
}

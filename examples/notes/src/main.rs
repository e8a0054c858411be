//! The notes app: a Tauri window on the data layer the schema generates.

fn main() {
    tauri::Builder::default()
        .plugin(heycat_notes::data::plugin(heycat_notes::options()))
        .invoke_handler(heycat_notes::data::handler(tauri::generate_handler![]))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("notes: cannot start: {e}");
            std::process::exit(1);
        });
}

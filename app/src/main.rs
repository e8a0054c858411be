//! heycat's data layer as a desktop app.

fn main() {
    let app =
        heycat_app::data_layer(tauri::Builder::default(), None).build(tauri::generate_context!()).unwrap_or_else(|e| {
            eprintln!("heycat: cannot start: {e}");
            std::process::exit(1);
        });
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            heycat_app::shutdown(handle);
        }
    });
}

//! heycat's data layer as a desktop app.

fn main() {
    let app = tauri::Builder::default()
        .plugin(heycat_app::data::plugin(heycat_app::options()))
        .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("heycat: cannot start: {e}");
            std::process::exit(1);
        });
    // Ctrl-C or a termination request closes the app the normal way, so the embedded server
    // is stopped after its data reached the disk.
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        termination_requested().await;
        handle.exit(0);
    });
    app.run(|_, _| {});
}

/// Resolves on SIGINT or SIGTERM.
async fn termination_requested() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        // Without signal handlers the default (immediate exit) stays; wait forever.
        _ => std::future::pending().await,
    }
}

//! heycat as a person uses it: the app binary `scripts/run.sh` builds, in its real WebKitGTK
//! window on a virtual display, driven through WebDriver (tauri-driver + WebKitWebDriver) by
//! what is on screen: the forms' labels, the buttons' words, the banners' sentences. Data
//! checks read the real server. A failing test saves the window's screenshot and HTML under
//! `target/e2e-failures/` and names them.

mod common;

use std::ffi::OsString;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use common::{device, entry, Frontend, Proxy, DB};
use heycat_harness::display::VirtualDisplay;
use heycat_harness::window::AppWindow;
use heycat_harness::{as_user_of, embedded_server_pids, module_wasm, sql_rows, wait_for, Api, Server};
use heycat_runtime::config::ServerChoice;
use heycat_runtime::Schema;
use serde_json::{json, Value};

/// One window at a time: each runs a WebKit process tree and a server, and two cores are
/// what CI has.
static ONE_WINDOW: Mutex<()> = Mutex::new(());

const APP: &str = env!("CARGO_BIN_EXE_heycat-data");

/// The app's window, with its data in `data_dir`, on `server` (its own embedded one when `None`).
fn open(display: &VirtualDisplay, data_dir: &Path, server: Option<&str>, name: &str) -> AppWindow {
    let mut env = vec![(heycat_runtime::env::DATA_DIR, OsString::from(data_dir))];
    if let Some(url) = server {
        env.push((heycat_runtime::env::SERVER_URL, OsString::from(url)));
    }
    AppWindow::open(display, Path::new(APP), &env, name)
}

const CONNECTED: &str = "//*[@role='status'][starts-with(normalize-space(), 'Connected to')]";

fn form(name: &str) -> String {
    format!("//form[@aria-label='{name}']")
}

fn input(form: &str, label: &str) -> String {
    format!("{form}//label[span='{label}']/input")
}

fn button(scope: &str, words: &str) -> String {
    format!("{scope}//button[normalize-space()='{words}']")
}

/// The table row of `section` that has a cell showing exactly `text`.
fn row(section: &str, text: &str) -> String {
    format!("//section[@aria-label='{section}']//tr[td[normalize-space()='{text}']]")
}

/// The Storage tab's row for `table` when it shows `rows` rows.
fn usage_row(table: &str, rows: usize) -> String {
    format!("//table[@aria-label='Usage by table']//tr[td[1]='{table}'][td[2]='{rows}']")
}

/// The dictionary's row for `trigger` when its expansion is exactly `expansion`.
fn entry_row(trigger: &str, expansion: &str) -> String {
    format!("//section[@aria-label='Dictionary']//tr[td[1]='{trigger}'][td[2]='{expansion}']")
}

/// The dictionary's triggers, top to bottom.
fn triggers(w: &AppWindow) -> Vec<String> {
    (1..).map_while(|n| w.text(&format!("(//section[@aria-label='Dictionary']//tbody/tr)[{n}]/td[1]")).ok()).collect()
}

/// Waits for the banner a person sees while the server is away: the connection lost, then (at
/// the first retry) the server unreachable, which stays until it answers again. Only then does
/// the page hold still under the pointer.
fn wait_offline(w: &AppWindow) {
    w.wait_for("//*[@role='alert']//strong[normalize-space()='The connection to the database was lost.']");
    w.wait_for("//*[@role='alert']//strong[normalize-space()='The database server cannot be reached.']");
}

fn tab(w: &AppWindow, name: &str) {
    w.click(&button("//nav", name));
}

/// Adds a dictionary entry with the Add form, as a person does.
fn add_entry(w: &AppWindow, trigger: &str, expansion: &str) {
    let add = form("Add to Dictionary");
    w.type_into(&input(&add, "Trigger"), trigger);
    w.type_into(&input(&add, "Expansion"), expansion);
    w.click(&button(&add, "Add"));
}

/// `row` with the fields of `fields` set.
fn merged(row: &Value, fields: Value) -> Value {
    let mut row = row.clone();
    row.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    row
}

fn server_entries(server: &Server) -> Vec<(String, String)> {
    entries_read_by(&server.api())
}

/// The dictionary entries `api`'s identity reads on its server, as (trigger, expansion), sorted.
fn entries_read_by(api: &Api) -> Vec<(String, String)> {
    let rows = sql_rows(api, DB, "SELECT * FROM dictionary_entry").unwrap();
    let mut entries: Vec<_> = rows
        .iter()
        .map(|r| (r["trigger"].as_str().unwrap().to_owned(), r["expansion"].as_str().unwrap().to_owned()))
        .collect();
    entries.sort();
    entries
}

#[test]
fn a_person_adds_edits_and_deletes_dictionary_entries_and_storage_follows() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let display = VirtualDisplay::start();
    let dir = tempfile::tempdir().unwrap();
    let w = open(&display, dir.path(), None, "crud");
    w.wait_for(CONNECTED);

    add_entry(&w, "brb", "be right back");
    w.wait_for(&entry_row("brb", "be right back"));
    add_entry(&w, "omw", "on my way");
    w.wait_for(&entry_row("omw", "on my way"));

    // A trigger already used is refused in the form's words.
    add_entry(&w, "brb", "bye");
    w.wait_text(
        &format!("{}//*[@role='alert']", form("Add to Dictionary")),
        "The trigger \"brb\" is already used by another entry.",
    );
    // The list keeps its order (the triggers'), also after a write to one of its rows.
    add_entry(&w, "afk", "away from keyboard");
    w.wait_for(&entry_row("afk", "away from keyboard"));
    assert_eq!(triggers(&w), ["afk", "brb", "omw"]);

    // The Storage tab counts them (it showed the figures of the start before).
    tab(&w, "Storage");
    w.wait_for(&usage_row("dictionary_entry", 3));
    tab(&w, "Dictionary");

    w.click(&button(&row("Dictionary", "brb"), "Edit"));
    let edit = form("Edit Dictionary");
    w.type_into(&input(&edit, "Expansion"), "be right back!");
    w.click(&button(&edit, "Save"));
    w.wait_for(&entry_row("brb", "be right back!"));
    assert_eq!(triggers(&w), ["afk", "brb", "omw"]);

    w.click(&button(&row("Dictionary", "omw"), "Delete"));
    w.wait_gone(&row("Dictionary", "omw"));
    w.wait_for(&entry_row("brb", "be right back!"));

    tab(&w, "Storage");
    w.wait_for(&usage_row("dictionary_entry", 2));
    drop(w);
    // Closing the window ended the app, and its embedded server with it.
    wait_for(Duration::from_secs(30), "the embedded server to stop", || embedded_server_pids(dir.path()).is_empty());
}

/// A server with heycat's database, behind a proxy the test can take offline; the app and a
/// second device (a process of its own) both act as its user.
struct Shared {
    server: Server,
    proxy: Proxy,
    app_dir: tempfile::TempDir,
    device_dir: tempfile::TempDir,
}

fn shared() -> Shared {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let proxy = Proxy::start(server.port());
    let (app_dir, device_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    as_user_of(&server, app_dir.path());
    as_user_of(&server, device_dir.path());
    Shared { server, proxy, app_dir, device_dir }
}

#[test]
fn a_row_written_on_another_device_appears_in_the_window() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let s = shared();
    let display = VirtualDisplay::start();
    let w = open(&display, s.app_dir.path(), Some(&s.proxy.url()), "second-device");
    w.wait_for(CONNECTED);
    let other = device(s.device_dir.path(), ServerChoice::Remote(s.server.url()));
    other.wait_connected();
    other.ok("dictionary_entry_insert", json!({"row": entry("d9", "ttyl", "talk to you later")}));
    w.wait_for(&entry_row("ttyl", "talk to you later"));
    other.shutdown();
}

#[test]
fn a_long_list_shows_its_first_page_and_the_rest_when_the_person_asks() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let s = shared();
    // 130 entries on the server before the app starts (through the import reducer: one call).
    let rows: Vec<Value> = (0..130)
        .map(|n| {
            json!({"id": format!("e{n:03}"), "trigger": format!("t{n:03}"), "expansion": "x", "suffix": {"none": []},
                   "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                   "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 1})
        })
        .collect();
    s.server.api().call(DB, "heycat_import_dictionary_entry", &json!([rows, false])).unwrap();
    let display = VirtualDisplay::start();
    let w = open(&display, s.app_dir.path(), Some(&s.proxy.url()), "long-list");
    w.wait_for(CONNECTED);

    let list = "//section[@aria-label='Dictionary']";
    w.wait_text(list, "Showing 100 of 130.");
    let first: Vec<String> = (0..100).map(|n| format!("t{n:03}")).collect();
    assert_eq!(triggers(&w), first, "the first page, in the list's order");
    w.click(&button(list, "Show more"));
    w.wait_for(&entry_row("t129", "x"));
    let all: Vec<String> = (0..130).map(|n| format!("t{n:03}")).collect();
    assert_eq!(triggers(&w), all, "the rest follows in order");
    w.wait_gone(&button(list, "Show more"));
}

#[test]
fn the_server_goes_away_and_comes_back_and_the_write_made_meanwhile_syncs() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let s = shared();
    let display = VirtualDisplay::start();
    let w = open(&display, s.app_dir.path(), Some(&s.proxy.url()), "server-away");
    w.wait_for(CONNECTED);

    s.proxy.go_offline();
    wait_offline(&w);
    add_entry(&w, "gtg", "got to go");
    w.wait_text(&row("Dictionary", "gtg"), "not synced yet");
    assert!(server_entries(&s.server).is_empty(), "nothing reached the server while it was away");

    s.proxy.go_online();
    w.wait_for(CONNECTED);
    w.wait_gone(&format!("{}//*[normalize-space()='not synced yet']", row("Dictionary", "gtg")));
    wait_for(Duration::from_secs(20), "the write to reach the server", || {
        server_entries(&s.server) == [("gtg".to_owned(), "got to go".to_owned())]
    });
}

#[test]
fn a_conflict_is_shown_side_by_side_and_settled_in_the_window() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let s = shared();
    let display = VirtualDisplay::start();
    let w = open(&display, s.app_dir.path(), Some(&s.proxy.url()), "conflict");
    w.wait_for(CONNECTED);
    let other = device(s.device_dir.path(), ServerChoice::Remote(s.server.url()));
    other.wait_connected();
    let base = other.ok("dictionary_entry_insert", json!({"row": entry("c1", "brb", "be right back")}));
    w.wait_for(&entry_row("brb", "be right back"));

    // Edited here while offline, and on the other device meanwhile.
    s.proxy.go_offline();
    wait_offline(&w);
    w.click(&button(&row("Dictionary", "brb"), "Edit"));
    let edit = form("Edit Dictionary");
    w.type_into(&input(&edit, "Expansion"), "mine: be right back");
    w.click(&button(&edit, "Save"));
    w.wait_for(&entry_row("brb", "mine: be right back"));
    other.ok("dictionary_entry_update", json!({"row": heycat_harness::with(&base, "expansion", json!("theirs: brb"))}));
    s.proxy.go_online();

    // Both versions side by side, field by field.
    let card = "//article[starts-with(@aria-label, 'Conflict on dictionary_entry')]";
    w.wait_for(&format!("{card}//tr[td[1]='expansion'][td[2]='mine: be right back'][td[3]='theirs: brb']"));
    w.click(&button(card, "Keep mine"));
    w.wait_gone(card);
    w.wait_for(&entry_row("brb", "mine: be right back"));
    wait_for(Duration::from_secs(20), "the other device to have mine", || {
        other.ok("dictionary_entry_get", json!({"id": "c1"}))["expansion"] == "mine: be right back"
    });
    other.shutdown();
}

#[test]
fn at_the_storage_limit_free_space_is_followed_through_from_the_refused_write() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let display = VirtualDisplay::start();
    let dir = tempfile::tempdir().unwrap();
    let w = open(&display, dir.path(), None, "storage-limit");
    w.wait_for(CONNECTED);

    tab(&w, "Storage");
    let limit = form("Raise the limit");
    w.type_into(&format!("{limit}//input"), "1");
    w.click(&button(&limit, "Save limit"));
    w.wait_for("//*[normalize-space()='The limit is now 1 MB.']");

    // Recordings with transcriptions of about 10 KB each until a write is refused (a person's
    // months of dictation).
    let sample = |table: &str| common::rows().into_iter().find(|(t, ..)| *t == table).unwrap().1;
    let (recording, transcription) = (sample("recording"), sample("transcription"));
    let text = "and then I said ".repeat(640);
    let (mut recordings, mut transcriptions) = (0usize, 0usize);
    let refused = loop {
        assert!(recordings < 300, "300 transcriptions of 10 KB fit a 1 MB limit");
        let (id, at) = (format!("r{recordings:03}"), json!(format!("{}", 1_700_000_000_000_000 + recordings)));
        let recording =
            merged(&recording, json!({"id": id, "filePath": format!("/recordings/{id}.wav"), "createdAt": at}));
        if let Err(error) = w.invoke("recording_insert", json!({ "row": recording })) {
            break error;
        }
        recordings += 1;
        let transcription =
            merged(&transcription, json!({"id": format!("t{id}"), "recordingId": id, "text": text, "createdAt": at}));
        if let Err(error) = w.invoke("transcription_insert", json!({ "row": transcription })) {
            break error;
        }
        transcriptions += 1;
    };
    assert_eq!(refused["kind"], "storageFull", "{}", refused["kind"]);
    // Then short dictionary entries until one is refused: what is left is less than any entry.
    for n in 0.. {
        let filler = entry(&format!("fill{n:03}"), &format!("f{n:03}"), "x");
        if w.invoke("dictionary_entry_insert", json!({ "row": filler })).is_err() {
            break;
        }
        assert!(n < 100, "a 1 MB limit this near full leaves no room for 100 entries");
    }
    // Nearly at the limit (the refused write did not fit in what is left): the banner says so.
    w.wait_text("//*[@role='alert'][@aria-label='Storage']", "of its 1.0 MB limit");

    // The person's own write is refused, with the way out.
    tab(&w, "Dictionary");
    add_entry(&w, "brb", "be right back, with a longer expansion than any entry that did not fit");
    let alert = format!("{}//*[@role='alert']", form("Add to Dictionary"));
    w.wait_text(&alert, "storage limit");
    w.click(&button(&alert, "Free space…"));

    let cleanup = form("Delete old recordings");
    w.type_into(&format!("{cleanup}//input"), "50");
    w.click(&button(&cleanup, "Preview"));
    w.click(&button(&cleanup, "Delete 50 recordings"));
    w.wait_text("//*[@aria-label='Storage result']", "freed");
    w.wait_gone("//*[@role='alert'][@aria-label='Storage']");
    w.wait_for(&usage_row("recording", recordings - 50));
    w.wait_for(&usage_row("transcription", transcriptions - 50));

    tab(&w, "Dictionary");
    add_entry(&w, "brb", "be right back, with a longer expansion than any entry that did not fit");
    w.wait_for(&entry_row("brb", "be right back, with a longer expansion than any entry that did not fit"));
}

#[test]
fn a_migration_on_start_is_shown_in_the_banner_and_the_data_is_there() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    // As a version 1 app left its data dir.
    let dir = common::version_1_data_dir_with_an_entry();
    let display = VirtualDisplay::start();
    let w = open(&display, dir.path(), None, "migration");
    let latest = heycat_app::data::SCHEMA.info().version;
    w.wait_text("//*[@aria-label='Migration']", &format!("Your data was updated from version 1 to {latest}."));
    w.wait_for(CONNECTED);
    w.wait_for(&entry_row("brb", "be right back"));
}

/// The user's entries on the server, read as the user (the token `data_dir` keeps).
fn entries_of_user(server: &Server, data_dir: &Path) -> Vec<(String, String)> {
    let token = std::fs::read_to_string(data_dir.join("identity-token")).expect("the device keeps the user's token");
    entries_read_by(&Api::new(server.url(), Some(token)))
}

#[test]
fn a_person_sets_up_sync_in_settings_and_the_server_then_holds_their_entries() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    // A server of the person's own, with nothing on it yet.
    let server = Server::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let display = VirtualDisplay::start();
    let w = open(&display, dir.path(), None, "sync-setup");
    w.wait_for(CONNECTED);
    add_entry(&w, "brb", "be right back");
    w.wait_for(&entry_row("brb", "be right back"));
    add_entry(&w, "omw", "on my way");
    w.wait_for(&entry_row("omw", "on my way"));

    tab(&w, "Settings");
    let sync = "//section[@aria-label='Sync']";
    w.type_into(&format!("{sync}//label[span='Sync server address']/input"), &server.url());
    w.click(&button(sync, "Set up sync"));
    // The two entries and the settings.
    w.wait_text(
        &format!("{sync}//p[@role='status']"),
        &format!("This device now syncs with {}: 3 items were copied there.", server.url()),
    );
    let on_server = format!("//*[@role='status'][normalize-space()='Connected to {}']", server.url());
    w.wait_for(&on_server);
    let theirs = vec![("brb".to_owned(), "be right back".to_owned()), ("omw".to_owned(), "on my way".to_owned())];
    assert_eq!(entries_of_user(&server, dir.path()), theirs, "the server holds exactly the person's entries");
    drop(w);

    // Opened again, the app syncs with the server and shows the entries from there.
    let w = open(&display, dir.path(), None, "sync-setup-reopened");
    w.wait_for(&on_server);
    tab(&w, "Dictionary");
    w.wait_for(&entry_row("omw", "on my way"));
    add_entry(&w, "ty", "thank you");
    w.wait_for(&entry_row("ty", "thank you"));
    wait_for(Duration::from_secs(10), "the new entry to reach the server", || {
        entries_of_user(&server, dir.path()).len() == 3
    });
}

#[test]
fn a_person_forgets_a_lost_device_in_settings_and_its_token_then_opens_nothing() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::start().unwrap();
    let (dir, tablet_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let display = VirtualDisplay::start();
    let w = open(&display, dir.path(), None, "forget-device");
    w.wait_for(CONNECTED);
    add_entry(&w, "brb", "be right back");
    w.wait_for(&entry_row("brb", "be right back"));
    tab(&w, "Settings");
    let sync = "//section[@aria-label='Sync']";
    w.type_into(&format!("{sync}//label[span='Sync server address']/input"), &server.url());
    w.click(&button(sync, "Set up sync"));
    w.wait_for(&format!("//*[@role='status'][normalize-space()='Connected to {}']", server.url()));

    // The person adds their tablet with the code the window shows.
    let devices = "//section[@aria-label='Your devices']";
    w.click(&button(devices, "Add another device…"));
    let code = w.wait_text(&format!("{devices}//p[@role='status']/code"), "-");
    let tablet = device(tablet_dir.path(), ServerChoice::Local);
    tablet.wait_connected();
    tablet.ok("device_join", json!({ "code": code, "url": server.url() }));
    tablet.ok("device_rename", json!({ "name": "Old tablet" }));
    tablet.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == server.url());
    let lost_token = std::fs::read_to_string(tablet_dir.path().join("identity-token")).unwrap();
    tablet.shutdown();

    // Lost: the person forgets it from the window, saying so twice.
    tab(&w, "Dictionary");
    tab(&w, "Settings");
    w.wait_for(&format!("{devices}//li[starts-with(normalize-space(), 'Old tablet (last seen')]"));
    w.wait_for(&format!("{devices}//li[contains(normalize-space(), '(this device)')]"));
    w.click(&button(devices, "Forget Old tablet…"));
    w.click(&button(devices, "Forget Old tablet for good"));
    // The entry and the settings.
    w.wait_text(
        &format!("{devices}//p[@role='status']"),
        "Old tablet is forgotten: your data (2 items) moved where it cannot reach it.",
    );
    w.wait_for(&format!("//*[@role='status'][normalize-space()='Connected to {}']", server.url()));
    assert!(w.text(&format!("{devices}//li[starts-with(normalize-space(), 'Old tablet')]")).is_err(), "not listed");

    // Checked against the server: the tablet's token opens nothing; the person's entries are
    // in the new database, and what they add goes there.
    let lost = Api::new(server.url(), Some(lost_token));
    assert!(!lost.database_exists(DB).unwrap());
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("server.json")).unwrap()).unwrap();
    let moved_to = kept["database"].as_str().expect("the window's device names the new database").to_owned();
    assert!(sql_rows(&lost, &moved_to, "SELECT * FROM dictionary_entry").map_or(true, |rows| rows.is_empty()));
    tab(&w, "Dictionary");
    add_entry(&w, "omw", "on my way");
    w.wait_for(&entry_row("omw", "on my way"));
    let token = std::fs::read_to_string(dir.path().join("identity-token")).unwrap();
    let user = Api::new(server.url(), Some(token));
    wait_for(Duration::from_secs(10), "the new entry to reach the new database", || {
        sql_rows(&user, &moved_to, "SELECT * FROM dictionary_entry").is_ok_and(|rows| rows.len() == 2)
    });
}

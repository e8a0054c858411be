//! `heycat-schema`: exit codes and what it prints.

use std::path::Path;
use std::process::{Command, Output};

fn heycat_schema(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heycat-schema")).args(args).current_dir(dir).output().expect("run heycat-schema")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A project folder with heycat's schema and its released versions (`schema/versions`), and
/// no TypeScript yet.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app");
    for folder in ["schema", "schema/versions"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            std::fs::copy(&path, dir.path().join(folder).join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The latest released schema version in `ws`.
fn latest_version(ws: &Path) -> u32 {
    std::fs::read_dir(ws.join("schema/versions"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_prefix('v')?.strip_suffix(".json")?.parse().ok())
        .max()
        .unwrap()
}

/// The TypeScript folder the tests generate into.
const TS: &[&str] = &["--typescript", "ui/heycat"];

fn with_ts<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().chain(TS).copied().collect()
}

#[test]
fn check_is_1_when_stale_and_0_after_generate() {
    let ws = workspace();
    let missing = heycat_schema(ws.path(), &with_ts(&["check"]));
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(text(&missing).contains("missing: ui/heycat/schema.ts"), "{}", text(&missing));
    assert_eq!(heycat_schema(ws.path(), &["check"]).status.code(), Some(0), "without --typescript only the schema");

    let generate = heycat_schema(ws.path(), &with_ts(&["generate"]));
    assert_eq!(generate.status.code(), Some(0), "{}", text(&generate));
    for file in ["index.ts", "schema.ts"] {
        assert!(text(&generate).contains(&format!("wrote ui/heycat/{file}")), "{}", text(&generate));
    }
    let written: Vec<_> =
        std::fs::read_dir(ws.path().join("ui/heycat")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(written.len(), 2, "only the schema's bindings, nothing of the runtime's: {written:?}");
    assert_eq!(heycat_schema(ws.path(), &with_ts(&["check"])).status.code(), Some(0));
    let again = heycat_schema(ws.path(), &with_ts(&["generate"]));
    assert!(text(&again).contains("ui/heycat is current"), "nothing rewritten: {}", text(&again));

    // A schema change makes the bindings stale.
    let file = ws.path().join("schema/dictionary.rs");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("pub expansion: String,", "pub expansion: String,\n    #[default(0)]\n    pub uses: u32,");
    std::fs::write(&file, edited).unwrap();
    let stale = heycat_schema(ws.path(), &with_ts(&["check"]));
    assert_eq!(stale.status.code(), Some(1));
    let report = text(&stale);
    assert!(report.contains("stale:   ui/heycat/schema.ts (first difference at line"), "{report}");
    assert!(report.contains("run `heycat-schema generate`"), "{report}");
    assert!(report.contains("unreleased: the schema differs from the latest released version"), "{report}");

    // Generating is not enough: the change must be released as a version.
    heycat_schema(ws.path(), &with_ts(&["generate"]));
    assert_eq!(heycat_schema(ws.path(), &with_ts(&["check"])).status.code(), Some(1));
    let latest = latest_version(ws.path());
    let diff = text(&heycat_schema(ws.path(), &["diff"]));
    assert!(diff.contains(&format!("migration from version {latest} to version {}", latest + 1)), "{diff}");
    assert!(diff.contains("add column dictionary_entry.uses with default 0"), "{diff}");
    let release = heycat_schema(ws.path(), &with_ts(&["release"]));
    assert!(text(&release).contains(&format!("released schema version {}", latest + 1)), "{}", text(&release));
    assert!(ws.path().join(format!("schema/versions/v{}.json", latest + 1)).is_file());
    assert_eq!(heycat_schema(ws.path(), &with_ts(&["check"])).status.code(), Some(0));
}

/// The copies of the runtime's TypeScript that earlier versions wrote beside the bindings (now
/// the npm package the bindings import): `check` names them, `generate` deletes them, and a file
/// of the app's own by one of their names stays.
#[test]
fn left_over_copies_of_the_runtime_fail_check_and_generate_deletes_them() {
    let ws = workspace();
    let react = |command: &'static str| with_ts(&[command, "--react"]);
    assert_eq!(heycat_schema(ws.path(), &react("generate")).status.code(), Some(0));
    let dir = ws.path().join("ui/heycat");
    // As earlier versions wrote them (their first lines), and a file of the app's.
    let copies = [
        (
            "runtime.ts",
            "// heycat-runtime's TypeScript: what the bindings of every schema share. heycat-codegen copies it\n",
        ),
        (
            "react.ts",
            "// heycat-runtime's React hooks: what every schema's hooks share. heycat-codegen copies it next to\n",
        ),
    ];
    for (name, text) in copies {
        std::fs::write(dir.join(name), format!("{text}export const copied = true;\n")).unwrap();
    }
    let own = "// The app's own types.\nexport type Mine = string;\n";
    std::fs::write(dir.join("types.ts"), own).unwrap();

    let check = heycat_schema(ws.path(), &react("check"));
    let report = text(&check);
    assert_eq!(check.status.code(), Some(1), "{report}");
    for name in ["runtime.ts", "react.ts"] {
        assert!(
            report.contains(&format!("left over: ui/heycat/{name} (a copy of heycat-runtime's TypeScript, which the bindings import from the npm package @heycat/runtime now")),
            "{report}"
        );
    }
    assert!(!report.contains("types.ts"), "the app's own file is not a copy: {report}");

    let generate = heycat_schema(ws.path(), &react("generate"));
    let said = text(&generate);
    assert_eq!(generate.status.code(), Some(0), "{said}");
    for name in ["runtime.ts", "react.ts"] {
        assert!(said.contains(&format!("deleted ui/heycat/{name}: a copy of heycat-runtime's TypeScript")), "{said}");
        assert!(!dir.join(name).exists(), "{name} is deleted");
    }
    assert_eq!(std::fs::read_to_string(dir.join("types.ts")).unwrap(), own, "the app's own file stays");
    assert_eq!(heycat_schema(ws.path(), &react("check")).status.code(), Some(0));
}

#[test]
fn check_is_2_on_a_schema_error() {
    let ws = workspace();
    std::fs::write(ws.path().join("schema/broken.rs"), "#[heycat_table]\nstruct Broken {\n    id: Strng,\n}\n")
        .unwrap();
    let output = heycat_schema(ws.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let report = text(&output);
    assert!(report.contains("error: unknown column type `Strng`"), "{report}");
    assert!(report.contains("--> schema/broken.rs:3:9"), "{report}");
}

#[test]
fn help_reads_well_and_bad_arguments_are_explained() {
    let ws = workspace();
    let help = heycat_schema(ws.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help);
    for needle in ["USAGE:", "generate", "check", "build-module", "--typescript DIR", "--schema DIR"] {
        assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
    }
    let bad = heycat_schema(ws.path(), &["frobnicate"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).starts_with("unexpected argument \"frobnicate\""));
}

#[test]
fn a_schema_change_heycat_cannot_carry_data_across_is_refused_with_what_to_add() {
    let ws = workspace();
    let file = ws.path().join("schema/dictionary.rs");
    let text_before = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text_before.replace("pub expansion: String,", "pub expansion: String,\n    pub uses: u32,"))
        .unwrap();
    let output = heycat_schema(ws.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let report = text(&output);
    let latest = latest_version(ws.path());
    assert!(report.contains(&format!("heycat cannot migrate data from schema version {latest}")), "{report}");
    assert!(report.contains("column dictionary_entry.uses is new and has no default"), "{report}");
    assert!(report.contains("add #[default(...)]"), "{report}");
    assert_eq!(heycat_schema(ws.path(), &["release"]).status.code(), Some(2), "not released either");
}

#[test]
fn diff_reads_well_for_heycat_history() {
    let ws = workspace();
    let one_to_two = text(&heycat_schema(ws.path(), &["diff", "--from", "1", "--to", "2"]));
    let two_to_three = text(&heycat_schema(ws.path(), &["diff", "--from", "2", "--to", "3"]));
    insta::assert_snapshot!("diff_v1_v2", one_to_two);
    insta::assert_snapshot!("diff_v2_v3", two_to_three);
    let json: serde_json::Value =
        serde_json::from_str(&text(&heycat_schema(ws.path(), &["diff", "--from", "1", "--to", "3", "--json"])))
            .unwrap();
    assert_eq!(
        (json["from"].clone(), json["to"].clone(), json["automatic"].clone()),
        (1.into(), 3.into(), false.into())
    );
    let dictionary = json["tables"].as_array().unwrap().iter().find(|t| t["table"] == "dictionary_entry").unwrap();
    assert!(dictionary["columns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c[0] == "complete_match_only" && c[1]["op"] == "default"));
}

#[test]
fn dev_says_what_it_needs_before_it_starts_anything() {
    let ws = workspace();
    let no_build = heycat_schema(ws.path(), &["dev", "--", "true"]);
    assert_eq!(no_build.status.code(), Some(2), "{}", text(&no_build));
    assert!(text(&no_build).contains("dev needs --build CMD"), "{}", text(&no_build));
    let no_app = heycat_schema(ws.path(), &["dev", "--build", "true"]);
    assert_eq!(no_app.status.code(), Some(2), "{}", text(&no_app));
    assert!(text(&no_app).contains("dev needs the app to run after `--`"), "{}", text(&no_app));
    assert!(!ws.path().join("target").exists(), "nothing was created");
}

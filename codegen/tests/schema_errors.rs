//! Every kind of schema error: its message, its line and column, and its hint.

use heycat_codegen::diagnostics::RenderedDiagnostic;
use heycat_codegen::{Schema, SourceSet};

fn errors_in(files: &[(&str, &str)]) -> Vec<RenderedDiagnostic> {
    let mut sources = SourceSet::default();
    for (path, text) in files {
        sources.add(*path, *text);
    }
    match Schema::from_sources(&sources) {
        Ok(_) => panic!("the schema was accepted"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

fn errors(text: &str) -> Vec<RenderedDiagnostic> {
    errors_in(&[("schema/test.rs", text)])
}

/// Asserts the single error's place, message and (part of) its hint.
#[track_caller]
fn assert_one(text: &str, line: usize, column: usize, message: &str, help: &str) {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "expected one error, got: {errors:#?}");
    let e = &errors[0];
    assert_eq!((e.position.line, e.position.column), (line, column), "place of: {e}");
    assert_eq!(e.message, message);
    let actual_help = e.help.as_deref().unwrap_or_default();
    assert!(actual_help.contains(help), "hint {actual_help:?} should contain {help:?}");
    assert_eq!(e.position.path, "schema/test.rs");
}

#[test]
fn unknown_column_type() {
    let text = "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    body: Strin,\n}\n";
    assert_one(text, 5, 11, "unknown column type `Strin`", "did you mean `String`?");
}

#[test]
fn unknown_type_inside_option_and_a_table_used_as_a_type() {
    let text = "#[heycat_table]\nstruct A {\n    #[primary_key]\n    id: String,\n    b: Option<B>,\n}\n\
                #[heycat_table]\nstruct B {\n    #[primary_key]\n    id: String,\n}\n";
    assert_one(text, 5, 8, "unknown column type `B`", "`B` is a table; to point at its rows store its primary key");
}

#[test]
fn unsupported_type_shapes() {
    assert_one(
        "#[heycat_table]\nstruct A {\n    #[primary_key]\n    id: String,\n    pair: (u8, u8),\n}\n",
        5,
        11,
        "unsupported column type",
        "supported column types: bool",
    );
    assert_one(
        "#[heycat_table]\nstruct A {\n    #[primary_key]\n    id: String,\n    at: std::time::Instant,\n}\n",
        5,
        9,
        "column types are written without a path",
        "write `Instant` instead of the full path",
    );
}

#[test]
fn duplicate_table_across_files() {
    let table = "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n}\n";
    let errors = errors_in(&[("schema/a.rs", table), ("schema/b.rs", &format!("\n\n{table}"))]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!((e.position.path.as_str(), e.position.line, e.position.column), ("schema/b.rs", 4, 8));
    assert_eq!(e.message, "duplicate table `note`");
    let (first, note) = e.related.clone().expect("points at the first declaration");
    assert_eq!((first.path.as_str(), first.line, first.column), ("schema/a.rs", 2, 8));
    assert_eq!(note, "table `note` is declared here");
}

#[test]
fn duplicate_column() {
    let text = "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    body: String,\n    body: String,\n}\n";
    assert_one(text, 6, 5, "duplicate column `body`", "rename one of the columns");
}

#[test]
fn missing_primary_key() {
    let text = "/// A note.\n#[heycat_table]\npub struct Note {\n    body: String,\n}\n";
    assert_one(text, 3, 12, "table `note` has no primary key", "mark one column #[primary_key]");
}

#[test]
fn duplicate_primary_key() {
    let text = "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    #[primary_key]\n    other: String,\n}\n";
    assert_one(
        text,
        6,
        5,
        "table `note` has a second primary key `other` (the first is `id`)",
        "use #[unique] for other columns",
    );
}

#[test]
fn a_default_for_a_256_bit_column_is_not_supported_yet() {
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    #[default(1)]\n    huge: u256,\n}\n",
        5,
        15,
        "a `#[default]` for a `u256` column is not supported yet",
        "leave it out",
    );
}

#[test]
fn rust_keywords_are_refused_with_why_and_typescript_and_sql_words_are_not() {
    let table = |column: &str| {
        format!("#[heycat_table]\nstruct Note {{\n    #[primary_key]\n    id: String,\n    {column}: String,\n}}\n")
    };
    assert_one(
        &table("r#type"),
        5,
        5,
        "column name `type` is a Rust keyword, which a SpacetimeDB 1.2.0 Rust module cannot use as a name",
        "its module macros would call it `r#type`, which SpacetimeDB refuses; rename it, e.g. `type_value`",
    );
    for fine in ["function", "order", "class", "select", "group", "user", "call"] {
        let mut sources = SourceSet::default();
        sources.add("schema/test.rs", table(fine));
        assert!(Schema::from_sources(&sources).is_ok(), "{fine} is a fine column name");
    }
    assert_one(
        &table("__hidden"),
        5,
        5,
        "column name `__hidden` starts with `__`, which heycat keeps for generated names",
        "choose a name",
    );
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    row_version: u64,\n}\n",
        5,
        5,
        "column name `row_version` is reserved in table `note`",
        "synced tables get a `row_version` column",
    );
}

#[test]
fn clashing_names() {
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    foo_bar: String,\n    fooBar: String,\n}\n",
        6,
        5,
        "column `fooBar` clashes with `foo_bar`: both are `fooBar` in TypeScript",
        "rename one of the columns",
    );
    assert_one(
        "#[heycat_type]\nenum NoteKind { A }\n#[heycat_table(name = \"note_kind\")]\nstruct Kind {\n    #[primary_key]\n    id: String,\n}\n",
        4,
        8,
        "table `note_kind` clashes with type `NoteKind`: both become `note_kind` in generated code",
        "rename one of them",
    );
    // A table's orders are a type of its own: `NoteOrder`, or `NoteRowOrder` when the schema has
    // a `NoteOrder`; with both taken, that is a clash too.
    assert_one(
        "#[heycat_type]\nenum NoteOrder { A }\n#[heycat_type]\nenum NoteRowOrder { A }\n#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n}\n",
        6,
        8,
        "order type `NoteRowOrder` clashes with type `NoteRowOrder`: both become `note_row_order` in generated code",
        "rename one of them",
    );
}

#[test]
fn unsupported_attributes() {
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    #[serde(rename = \"x\")]\n    body: String,\n}\n",
        5,
        5,
        "unsupported attribute `#[serde]` on a column",
        "supported column attributes: #[primary_key]",
    );
    assert_one(
        "#[heycat_table(replicated)]\nstruct Note {\n    #[primary_key]\n    id: String,\n}\n",
        1,
        16,
        "unsupported #[heycat_table] option `replicated`",
        "supported options: name",
    );
    assert_one(
        "#[derive(Debug)]\n#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n}\n",
        1,
        1,
        "unsupported attribute `#[derive]`",
        "derives are generated",
    );
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    #[index(hash)]\n    body: String,\n}\n",
        5,
        13,
        "unsupported index kind `hash`",
        "write #[index(btree)]",
    );
}

#[test]
fn defaults_that_do_not_fit_their_column() {
    let table = |column: &str| {
        format!("#[heycat_type]\nenum Mode {{ Merge, Replace }}\n#[heycat_table]\nstruct Note {{\n    #[primary_key]\n    id: String,\n    {column}\n}}\n")
    };
    assert_one(
        &table("#[default(\"yes\")] flag: bool,"),
        7,
        15,
        "default string does not fit column type `bool`",
        "e.g. #[default(false)]",
    );
    assert_one(
        &table("#[default(300)] small: u8,"),
        7,
        15,
        "default 300 is out of range for `u8` (0..=255)",
        "#[default(0)]",
    );
    assert_one(
        &table("#[default(-1)] total: u64,"),
        7,
        15,
        "default -1 is out of range for `u64` (0..=18446744073709551615)",
        "#[default(0)]",
    );
    assert_one(
        &table("#[default(Mode::Overwrite)] mode: Mode,"),
        7,
        15,
        "enum `Mode` has no variant `Overwrite`",
        "use one of: Mode::Merge, Mode::Replace",
    );
    assert_one(
        &table("#[default(Some(1))] name: Option<String>,"),
        7,
        15,
        "default integer does not fit column type `String`",
        "#[default(\"\")]",
    );
    assert_one(
        &table("#[default(None)] names: Vec<String>,"),
        7,
        15,
        "default `None` does not fit column type `Vec<String>`",
        "#[default(vec![])]",
    );
}

#[test]
fn singleton_columns_need_defaults_and_no_key() {
    let errors = errors("#[heycat_table(singleton)]\nstruct Prefs {\n    #[primary_key]\n    #[default(1)]\n    key: u32,\n    theme: String,\n}\n");
    let messages: Vec<(usize, &str)> = errors.iter().map(|e| (e.position.line, e.message.as_str())).collect();
    assert_eq!(
        messages,
        vec![
            (5, "singleton table `prefs` cannot declare a primary key"),
            (6, "column `theme` of singleton table `prefs` has no default"),
        ]
    );
}

#[test]
fn syntax_errors_point_at_the_token() {
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id String,\n}\n",
        4,
        8,
        "this is not valid Rust syntax: expected `:`",
        "schema files are Rust source",
    );
}

#[test]
fn items_that_are_not_tables_or_types() {
    assert_one(
        "fn helper() {}\n",
        1,
        1,
        "unsupported item in a schema file",
        "schema files hold #[heycat_table] structs",
    );
    assert_one(
        "struct Loose {\n    id: String,\n}\n",
        1,
        8,
        "struct `Loose` is neither a table nor a column type",
        "annotate it with #[heycat_table]",
    );
    assert_one(
        "#[heycat_type]\nenum Shape {\n    Rect(f64, f64),\n}\n",
        3,
        9,
        "variant `Rect` holds 2 values; a SpacetimeDB variant holds one",
        "put them in a #[heycat_type] struct and hold that: `Rect(RectData)`",
    );
    assert_one(
        "#[heycat_type]\nenum Shape {\n    Rect { w: f64, h: f64 },\n}\n",
        3,
        10,
        "variant `Rect` holds 2 values; a SpacetimeDB variant holds one",
        "`Rect(RectData)`",
    );
    assert_one(
        "#[heycat_type]\nenum Shape {\n    Circle(f64),\n    Empty,\n}\n#[heycat_table]\nstruct Drawing {\n    #[primary_key]\n    id: String,\n    #[default(Shape::Circle)]\n    shape: Shape,\n}\n",
        10,
        15,
        "variant `Shape::Circle` holds a value, which a default cannot give",
        "use one of: Shape::Empty",
    );
}

#[test]
fn keys_need_indexable_types_and_auto_inc_needs_integers() {
    assert_one(
        "#[heycat_table(sync = false)]\nstruct Point {\n    #[primary_key]\n    x: f64,\n}\n",
        4,
        8,
        "column `x` of type `f64` cannot be a key or index",
        "keys and indexes need bool, an integer",
    );
    assert_one(
        "#[heycat_table(sync = false)]\nstruct Log {\n    #[primary_key]\n    #[auto_inc]\n    id: String,\n}\n",
        5,
        9,
        "#[auto_inc] column `id` must be an integer, not `String`",
        "use an integer type such as u64",
    );
    assert_one(
        "#[heycat_table]\nstruct Log {\n    #[primary_key]\n    id: String,\n    #[auto_inc]\n    seq: u64,\n}\n",
        6,
        5,
        "#[auto_inc] column `seq` of synced table `log` is not its key",
        "only the primary key may be #[auto_inc]",
    );
    assert_one(
        "#[heycat_table]\nstruct Log {\n    #[primary_key]\n    #[auto_inc]\n    id: u256,\n}\n",
        5,
        9,
        "#[auto_inc] key `id` of synced table `log` cannot be 256 bits wide yet",
        "use u64",
    );
}

#[test]
fn references_must_name_a_table_with_a_matching_key() {
    let text = "#[heycat_table]\nstruct Parent {\n    #[primary_key]\n    id: u64,\n}\n\
                #[heycat_table]\nstruct Child {\n    #[primary_key]\n    id: String,\n    #[references(Parent)]\n    parent: String,\n    #[references(Nobody)]\n    other: String,\n}\n";
    let errors = errors(text);
    let found: Vec<(usize, usize, &str)> =
        errors.iter().map(|e| (e.position.line, e.position.column, e.message.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (11, 13, "column `parent` references `parent.id` of type `u64` but is `String`"),
            (12, 18, "#[references(Nobody)] names no table"),
        ]
    );
}

#[test]
fn every_error_is_reported_at_once_and_reads_well() {
    let text = "#[heycat_table]\nstruct Note {\n    body: Strin,\n    #[default(7)]\n    done: bool,\n}\n";
    let mut sources = SourceSet::default();
    sources.add("schema/notes.rs", text);
    let error = Schema::from_sources(&sources).expect_err("three problems");
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn an_empty_schema_folder_is_an_error() {
    let error = Schema::from_sources(&SourceSet::default()).expect_err("nothing to generate from");
    assert!(error.to_string().contains("the schema folder holds no `*.rs` files"), "{error}");
}

#[test]
fn spacetimedb_rules_are_reported_at_the_table_they_name() {
    use heycat_codegen::diagnostics::Errors;
    use heycat_codegen::raw_def;

    let text = "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n}\n\
                #[heycat_table]\nstruct Tag {\n    #[primary_key]\n    id: String,\n}\n";
    let mut sources = SourceSet::default();
    sources.add("schema/test.rs", text);
    let schema = Schema::from_sources(&sources).expect("valid for heycat");
    // A definition SpacetimeDB refuses: `tag` declared twice. heycat's own checks cannot let
    // this through, so the broken definition is made by hand.
    let mut def = raw_def::raw_module_def(&schema);
    def.tables.push(def.tables[1].clone());
    let mut errors = Errors::default();
    raw_def::validate(&schema, def, &mut errors);
    let error = errors.finish(&sources, ()).expect_err("SpacetimeDB rejects a duplicate table");
    let e = &error.diagnostics()[0];
    assert_eq!((e.position.line, e.position.column), (7, 8), "{error}");
    assert!(e.message.starts_with("SpacetimeDB rejects this schema: "), "{}", e.message);
    assert!(e.message.contains("tag"), "{}", e.message);
}

/// A notes table with a timestamp and a text column, cleaned up by `order`.
fn cleaned_up_by(order: &str) -> String {
    format!(
        "#[heycat_table(cleanup(oldest_first = {order}))]\nstruct Note {{\n    #[primary_key]\n    id: String,\n    body: String,\n    created_at: Timestamp,\n}}\n"
    )
}

#[test]
fn cleanup_orders_by_a_timestamp_or_integer_column_of_the_table() {
    assert!(Schema::from_sources(&{
        let mut sources = SourceSet::default();
        sources.add("schema/test.rs", cleaned_up_by("created_at"));
        sources
    })
    .is_ok());
    assert_one(
        &cleaned_up_by("body"),
        1,
        39,
        "rows cannot be ordered oldest first by `body`, a `String`",
        "order by a Timestamp or integer column",
    );
    assert_one(
        &cleaned_up_by("made_at"),
        1,
        39,
        "table `note` has no column `made_at` to clean up by",
        "id, body, created_at",
    );
    assert_one(
        "#[heycat_table(cleanup(newest_first = id))]\nstruct Note {\n    #[primary_key]\n    id: u64,\n}\n",
        1,
        24,
        "unsupported cleanup option `newest_first`; write cleanup(oldest_first = column), naming a timestamp or integer column",
        "supported options",
    );
    assert_one(
        "#[heycat_table(singleton, cleanup(oldest_first = at))]\nstruct Prefs {\n    #[default(0)]\n    at: u64,\n}\n",
        1,
        50,
        "singleton table `prefs` cannot be cleaned up",
        "remove the cleanup option",
    );
}

#[test]
fn the_storage_quota_is_one_unsigned_column_of_a_singleton() {
    let prefs = |attr: &str, ty: &str| {
        format!("#[heycat_table(singleton)]\nstruct Prefs {{\n    #[default(100)]\n    {attr}\n    quota: {ty},\n}}\n")
    };
    assert_one(
        &prefs("#[storage_quota(megabytes)]", "i32"),
        5,
        12,
        "the storage limit `quota` is a `i32`",
        "u8, u16, u32 or u64",
    );
    assert_one(
        &prefs("#[storage_quota(petabytes)]", "u32"),
        4,
        21,
        "unknown storage unit `petabytes`",
        "#[storage_quota(bytes | kilobytes | megabytes | gigabytes)]",
    );
    assert_one(
        "#[heycat_table]\nstruct Note {\n    #[primary_key]\n    id: String,\n    #[storage_quota(bytes)]\n    size: u64,\n}\n",
        5,
        5,
        "the storage limit `size` is in table `note`, which is not a singleton",
        "#[heycat_table(singleton)]",
    );
    let two = prefs("#[storage_quota(megabytes)]", "u32")
        + "#[heycat_table(singleton)]\nstruct Other {\n    #[default(1)]\n    #[storage_quota(gigabytes)]\n    cap: u8,\n}\n";
    assert_one(
        &two,
        10,
        5,
        "a second storage limit (`other.cap`; the first is `prefs.quota`)",
        "an app has one storage limit",
    );
}

#[test]
fn a_type_that_does_not_parse_or_names_nothing_is_one_error_whatever_the_column_says() {
    let column = |attrs: &str, ty: &str| {
        format!("#[heycat_table]\nstruct Note {{\n    #[primary_key]\n    id: String,\n    {attrs}\n    x: {ty},\n}}\n")
    };
    // Not also "default integer does not fit column type `bool`" (or `Foo`).
    assert_one(&column("#[default(0)]", "(u8, u8)"), 6, 8, "unsupported column type", "supported column types");
    assert_one(&column("#[default(0)]", "Foo"), 6, 8, "unknown column type `Foo`", "supported column types");
    assert_one(&column("#[default(0)]", "Option<Foo>"), 6, 8, "unknown column type `Foo`", "supported column types");
    // Nor that such a column cannot be a key, an index or a reference to `Note`'s key.
    assert_one(
        &column("#[unique]\n    #[index(btree)]\n    #[references(Note)]", "Vec<u8, u8>"),
        8,
        8,
        "`Vec` takes exactly one type argument",
        "write `Vec<T>`",
    );
    let singleton = "#[heycat_table(singleton, cleanup(oldest_first = at))]\nstruct Prefs {\n    #[default(1)]\n    \
                     #[storage_quota(bytes)]\n    at: &u64,\n}\n";
    let errors = errors(singleton);
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["singleton table `prefs` cannot be cleaned up", "unsupported column type"],
        "no word on the storage limit's or the cleanup column's type"
    );
}

/// Asserts the schema's one error is `message` at `at` (line, column), with the note "the
/// first is here" pointing at `first`.
#[track_caller]
fn assert_duplicate(text: &str, message: &str, at: (usize, usize), first: (usize, usize)) {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "expected one error, got: {errors:#?}");
    let e = &errors[0];
    assert_eq!(e.message, message);
    assert_eq!((e.position.path.as_str(), e.position.line, e.position.column), ("schema/test.rs", at.0, at.1), "{e}");
    let (first_at, note) = e.related.clone().expect("a note at the first");
    assert_eq!((first_at.path.as_str(), first_at.line, first_at.column), ("schema/test.rs", first.0, first.1), "{e}");
    assert_eq!(note, "the first is here");
    assert_eq!(e.help.as_deref(), Some("remove one of them"));
    let shown = e.to_string();
    let place = format!("= note: the first is here (schema/test.rs:{}:{})", first.0, first.1);
    assert!(shown.contains(&place), "{shown}");
}

#[test]
fn a_repeated_column_attribute_is_an_error_at_both() {
    let cases = [
        ("default", "#[default(0)]", "#[default(1)]", "u32"),
        ("renamed_from", "#[renamed_from(\"old\")]", "#[renamed_from(\"older\")]", "u32"),
        ("converted_by", "#[converted_by(widen)]", "#[converted_by(to_string)]", "u32"),
        ("references", "#[references(Note)]", "#[references(Note, on_delete = cascade)]", "String"),
        ("index", "#[index(btree)]", "#[index(btree)]", "u32"),
        ("unique", "#[unique]", "#[unique]", "u32"),
    ];
    for (name, first, second, ty) in cases {
        let text = format!(
            "#[heycat_table]\nstruct Note {{\n    #[primary_key]\n    id: String,\n    {first}\n    {second}\n    x: {ty},\n}}\n"
        );
        assert_duplicate(&text, &format!("duplicate `#[{name}]`"), (6, 5), (5, 5));
    }
    let quota =
        "#[heycat_table(singleton)]\nstruct Prefs {\n    #[default(100)]\n    #[storage_quota(megabytes)]\n    \
                 #[storage_quota(bytes)]\n    quota: u64,\n}\n";
    assert_duplicate(quota, "duplicate `#[storage_quota]`", (5, 5), (4, 5));
}

#[test]
fn a_repeated_table_option_is_an_error_at_both() {
    let table =
        |options: &str| format!("#[heycat_table({options})]\nstruct Note {{\n    #[primary_key]\n    id: u64,\n}}\n");
    let column_of = |options: &str, key: &str, nth: usize| {
        let line = format!("#[heycat_table({options})]");
        line.match_indices(key).nth(nth).map(|(i, _)| i + 1).expect("the key is in the line")
    };
    for (options, key) in [
        ("name = \"notes\", name = \"memos\"", "name"),
        ("public, public", "public"),
        ("sync = false, sync = true", "sync"),
        ("renamed_from = \"memo\", renamed_from = \"jotting\"", "renamed_from"),
        ("cleanup(oldest_first = id), private, cleanup(oldest_first = id)", "cleanup"),
        ("cleanup(oldest_first = id, oldest_first = id)", "oldest_first"),
    ] {
        let (first, second) = (column_of(options, key, 0), column_of(options, key, 1));
        assert_duplicate(&table(options), &format!("duplicate table option `{key}`"), (1, second), (1, first));
    }
    let errors = errors(&table("public, private"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].message, "table options `public` and `private` contradict each other");
    let (first, note) = errors[0].related.clone().expect("a note at the first");
    assert_eq!(
        ((errors[0].position.line, errors[0].position.column), first.column, note.as_str()),
        ((1, 24), 16, "`public` is here")
    );
}

#[test]
fn the_macro_reports_a_repeated_attribute_too() {
    let item: syn::Item = syn::parse_str(
        "#[heycat_table(sync = false)]\nstruct Note {\n    #[primary_key]\n    id: u64,\n    #[default(0)]\n    #[default(1)]\n    n: u32,\n}\n",
    )
    .unwrap();
    let Err(diagnostics) = heycat_codegen::parse_item(&item) else { panic!("a repeated #[default] was accepted") };
    let [d] = diagnostics.as_slice() else { panic!("one error: {diagnostics:#?}") };
    assert_eq!(d.message, "duplicate `#[default]`");
    let (first, note) = d.related.as_ref().expect("a note at the first");
    assert_eq!((d.loc.span.start().line, first.span.start().line, note.as_str()), (6, 5, "the first is here"));
}

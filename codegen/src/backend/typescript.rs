//! The frontend's bindings for one schema (`schema.ts`): the row types, enums as string
//! unions, one typed function per command (wrapping Tauri's `invoke`), the typed change events,
//! conflicts and cleanup candidates with their rows typed, and the codecs that carry 64-bit
//! values as `bigint` (see `heycat::wire` for the JSON side).
//!
//! What is the same for every schema is not generated: it is heycat-runtime's TypeScript, the
//! npm package `@heycat/runtime` (in heycat-data's `runtime/ts`: the runtime's functions and the
//! types derived from its Rust IPC types), which the app installs as a dependency; `schema.ts`
//! imports it, and `index.ts` re-exports it with `schema.ts`.

use std::fmt::Write;

use heycat_contract::events;

use crate::commands::{Command, CommandKind, CommandParam, CommandParamType};
use crate::model::{
    Column, ColumnOrigin, ColumnType, Payload, Schema, Table, TypeDef, TypeKind, Variant, ROW_VERSION_COLUMN,
};
use crate::names::{article, is_typescript_reserved, to_pascal_case};
use crate::orders::Order;
use crate::source::SourceSet;

/// The npm package of heycat-runtime's TypeScript, which the bindings import.
pub const RUNTIME_PACKAGE: &str = "@heycat/runtime";

/// Its React hooks, which `hooks.ts` imports.
pub const RUNTIME_REACT: &str = "@heycat/runtime/react";

/// `index.ts`: what the frontend imports, the runtime's package and the schema's bindings (with
/// `react`, the runtime's hooks and the schema's too).
pub fn index(sources: &SourceSet, react: bool) -> String {
    let mut out = super::header("//", sources);
    let _ = writeln!(out, "export * from \"{RUNTIME_PACKAGE}\";\nexport * from \"./schema\";");
    if react {
        let _ = writeln!(out, "export * from \"{RUNTIME_REACT}\";\nexport * from \"./hooks\";");
    }
    out
}

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let body = body(schema);
    format!("{}{}{body}", super::header("//", sources), imports(&body))
}

fn body(schema: &Schema) -> String {
    let mut out = String::new();
    // Object types get codecs (every row type is one, and every enum with values); plain
    // enums are their names on both sides.
    let products: Vec<&str> = schema
        .types
        .iter()
        .filter(|t| !t.kind.is_plain_enum())
        .map(|t| t.name.as_str())
        .chain(schema.user_tables().map(|t| t.row_type.as_str()))
        .collect();
    for ty in &schema.types {
        type_def(&mut out, ty, &products);
    }
    for table in schema.user_tables() {
        table_types(&mut out, table, &products);
        table_orders(&mut out, schema, table);
    }
    out.push_str("\n// ---- Commands --------------------------------------------------------------\n");
    let commands = schema.commands();
    let _ = writeln!(
        out,
        "\n/** Every command of this schema's tables, as the Rust side registers them. */\nexport const COMMANDS = {} as const;",
        list(commands.iter().map(|c| c.name.clone()))
    );
    for command in &commands {
        command_fn(&mut out, command, &products);
    }
    if schema.synced_tables().next().is_some() {
        conflicts(&mut out, schema);
    }
    cleanup(&mut out, schema);
    out.push_str("\n// ---- Change events -----------------------------------------------------------\n");
    let _ = writeln!(
        out,
        "\n/** Every change event name, one per table. */\nexport const EVENTS = {} as const;",
        list(schema.user_tables().map(event_name))
    );
    for table in schema.user_tables() {
        event_fns(&mut out, table);
    }
    out
}

/// A string array literal, one element per line (so a change reads as a one-line diff).
fn list(items: impl Iterator<Item = String>) -> String {
    let lines: Vec<String> = items.map(|item| format!("  \"{item}\",\n")).collect();
    format!("[\n{}]", lines.concat())
}

/// The Tauri event a table's changes are emitted as.
pub fn event_name(table: &Table) -> String {
    events::table_changed(&table.name)
}

/// What the runtime's package exports that `body` uses (an unused import fails a strict `tsc`):
/// its values, then its types.
fn imports(body: &str) -> String {
    const RUNTIME_VALUES: &[&str] = &[
        "bytesFromWire",
        "bytesToWire",
        "call",
        "compareValues",
        "decodeChange",
        "subscribe",
        "variantIndex",
        "DataError",
    ];
    const RUNTIME_TYPES: &[&str] = &[
        "CleanupPreview",
        "ConflictChoice",
        "ConflictView",
        "ConnectionId",
        "Identity",
        "JsonValue",
        "RowPage",
        "TableChange",
        "TimeDuration",
        "Timestamp",
        "UnlistenFn",
        "Wire",
    ];
    let code = without_comments(body);
    let words: std::collections::BTreeSet<&str> =
        code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
    let used =
        |names: &[&'static str]| -> Vec<&'static str> { names.iter().copied().filter(|n| words.contains(n)).collect() };
    let runtime: Vec<String> = used(RUNTIME_VALUES)
        .into_iter()
        .map(str::to_owned)
        .chain(used(RUNTIME_TYPES).into_iter().map(|t| format!("type {t}")))
        .collect();
    let mut out = String::from("\n");
    if !runtime.is_empty() {
        let _ = writeln!(out, "import {{ {} }} from \"{RUNTIME_PACKAGE}\";", runtime.join(", "));
    }
    out
}

/// `text` without its `/* */` and `//` comments (string contents are kept).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else if let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '`')) {
            let end = rest[1..].find(quote).map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn doc(out: &mut String, indent: &str, docs: &[String]) {
    match docs {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{indent}/** {} */", one.replace("*/", "* /"));
        }
        many => {
            let _ = writeln!(out, "{indent}/**");
            for line in many {
                let _ = writeln!(out, "{indent} * {}", line.replace("*/", "* /"));
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

/// The TypeScript type of a column.
fn ts_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Bool => "boolean".into(),
        ColumnType::U8 | ColumnType::U16 | ColumnType::U32 | ColumnType::I8 | ColumnType::I16 | ColumnType::I32 => {
            "number".into()
        }
        ColumnType::F32 | ColumnType::F64 => "number".into(),
        ColumnType::U64
        | ColumnType::U128
        | ColumnType::U256
        | ColumnType::I64
        | ColumnType::I128
        | ColumnType::I256 => "bigint".into(),
        ColumnType::String => "string".into(),
        ColumnType::Identity => "Identity".into(),
        ColumnType::ConnectionId => "ConnectionId".into(),
        ColumnType::Timestamp => "Timestamp".into(),
        ColumnType::TimeDuration => "TimeDuration".into(),
        // `T | null | null` would be `T | null`: a `Some` that may hold null says so.
        ColumnType::Option(inner) if matches!(**inner, ColumnType::Option(_)) => {
            format!("{{ some: {} }} | null", ts_type(inner))
        }
        ColumnType::Option(inner) => format!("{} | null", ts_type(inner)),
        ColumnType::Vec(inner) if **inner == ColumnType::U8 => "Uint8Array".into(),
        ColumnType::Vec(inner) => match &**inner {
            ColumnType::Option(_) => format!("({})[]", ts_type(inner)),
            _ => format!("{}[]", ts_type(inner)),
        },
        ColumnType::Named(name) => name.clone(),
        // Not reached: a schema with a type that did not parse fails its checks first.
        ColumnType::Error => "never".into(),
    }
}

/// Whether values of `ty` differ between wire form and TypeScript form. Product types always
/// get codecs (their fields may need one); enums are their names on both sides.
fn needs_conversion(ty: &ColumnType, products: &[&str]) -> bool {
    match ty {
        ColumnType::U64
        | ColumnType::U128
        | ColumnType::U256
        | ColumnType::I64
        | ColumnType::I128
        | ColumnType::I256
        | ColumnType::Timestamp
        | ColumnType::TimeDuration => true,
        ColumnType::Vec(inner) if **inner == ColumnType::U8 => true,
        ColumnType::Option(inner) | ColumnType::Vec(inner) => needs_conversion(inner, products),
        ColumnType::Named(name) => products.contains(&name.as_str()),
        _ => false,
    }
}

/// An expression converting `value` from wire form (`decode`) or to it.
fn convert(value: &str, ty: &ColumnType, decode: bool, products: &[&str]) -> String {
    if !needs_conversion(ty, products) {
        return value.into();
    }
    match ty {
        ColumnType::Option(inner) if matches!(**inner, ColumnType::Option(_)) => {
            let some = format!("{value}.some");
            format!("{value} === null ? null : {{ some: {} }}", convert(&some, inner, decode, products))
        }
        ColumnType::Option(inner) => format!("{value} === null ? null : {}", convert(value, inner, decode, products)),
        ColumnType::Vec(inner) if **inner == ColumnType::U8 => {
            format!("{}({value})", if decode { "bytesFromWire" } else { "bytesToWire" })
        }
        ColumnType::Vec(inner) => format!("{value}.map((v: Wire) => {})", convert("v", inner, decode, products)),
        ColumnType::Named(name) => format!("{}{name}({value})", if decode { "decode" } else { "encode" }),
        _ if decode => format!("BigInt({value})"),
        _ => format!("{value}.toString()"),
    }
}

fn type_def(out: &mut String, ty: &TypeDef, products: &[&str]) {
    out.push('\n');
    doc(out, "", &ty.docs);
    match &ty.kind {
        TypeKind::Enum { variants } if !ty.kind.is_plain_enum() => tagged_union(out, &ty.name, variants, products),
        TypeKind::Enum { variants } => {
            let names: Vec<String> = variants.iter().map(|v| format!("\"{}\"", v.name)).collect();
            let _ = writeln!(out, "export type {} = {};", ty.name, names.join(" | "));
            let _ = writeln!(
                out,
                "/** Every `{}`, in declaration order. */\nexport const {}_VALUES: readonly {}[] = [{}];",
                ty.name,
                ty.constant,
                ty.name,
                names.join(", ")
            );
        }
        TypeKind::Product { fields } => {
            let _ = writeln!(out, "export interface {} {{", ty.name);
            for f in fields {
                doc(out, "  ", &f.docs);
                let _ = writeln!(out, "  {}: {};", f.js_name, ts_type(&f.ty));
            }
            out.push_str("}\n");
            let fields: Vec<(String, &ColumnType)> = fields.iter().map(|f| (f.js_name.clone(), &f.ty)).collect();
            codecs(out, &ty.name, &ty.name, &fields, &[], products);
        }
    }
}

/// An enum with values: a union tagged by `tag` (`{ tag: "Circle"; value: { radius: number } }
/// | { tag: "Empty" }`), which a `switch` on `tag` narrows, and its codecs.
fn tagged_union(out: &mut String, name: &str, variants: &[Variant], products: &[&str]) {
    let member = |v: &Variant| -> String {
        let tag = format!("tag: \"{}\"", v.name);
        match &v.payload {
            None => format!("{{ {tag} }}"),
            Some(Payload { ty, field_js: None, .. }) => format!("{{ {tag}; value: {} }}", ts_type(ty)),
            Some(Payload { ty, field_js: Some(field), .. }) => {
                format!("{{ {tag}; value: {{ {field}: {} }} }}", ts_type(ty))
            }
        }
    };
    let members: Vec<String> = variants
        .iter()
        .map(|v| {
            let mut line = String::new();
            doc(&mut line, "  ", &v.docs);
            format!("{line}  | {}", member(v))
        })
        .collect();
    let _ = writeln!(
        out,
        "export type {name} =
{};",
        members.join("\n")
    );
    let codec = |decode: bool| -> String {
        let cases: Vec<String> = variants
            .iter()
            .map(|v| {
                let body = match &v.payload {
                    None => format!("{{ tag: \"{}\" }}", v.name),
                    Some(Payload { ty, field_js: None, .. }) => {
                        format!("{{ tag: \"{}\", value: {} }}", v.name, convert("value.value", ty, decode, products))
                    }
                    Some(Payload { ty, field_js: Some(field), .. }) => {
                        let value = convert(&format!("value.value.{field}"), ty, decode, products);
                        format!("{{ tag: \"{}\", value: {{ {field}: {value} }} }}", v.name)
                    }
                };
                format!("    case \"{}\":\n      return {body};", v.name)
            })
            .collect();
        let (function, input, output) =
            if decode { ("decode", "Wire", name.to_owned()) } else { ("encode", name, "Wire".to_owned()) };
        format!(
            "function {function}{name}(value: {input}): {output} {{\n  switch (value.tag) {{\n{}\n    default:\n      throw new DataError(\"badInput\", `not a {name}: ${{JSON.stringify(value)}}`);\n  }}\n}}",
            cases.join("\n")
        )
    };
    let _ = writeln!(out, "{}\n{}", codec(true), codec(false));
}

/// `decodeX` (wire to TypeScript) and `encodeX` (back) for an object type. The fields in
/// `optional_on_encode` may be missing on input (what inserts leave out), each sent as the
/// given wire value then.
fn codecs(
    out: &mut String,
    name: &str,
    encode_input: &str,
    fields: &[(String, &ColumnType)],
    optional_on_encode: &[(&str, &str)],
    products: &[&str],
) {
    let line = |decode: bool| -> String {
        fields
            .iter()
            .map(|(f, ty)| {
                let value = format!("value.{f}");
                let converted = convert(&value, ty, decode, products);
                match optional_on_encode.iter().find(|(optional, _)| optional == f) {
                    // Sent as `undefined` either way: the field is left out of the JSON.
                    Some((_, "undefined")) if converted == value => format!("    {f}: {converted},"),
                    Some((_, missing)) if !decode => {
                        format!("    {f}: {value} === undefined ? {missing} : {converted},")
                    }
                    _ => format!("    {f}: {converted},"),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let _ = writeln!(out, "function decode{name}(value: Wire): {name} {{\n  return {{\n{}\n  }};\n}}", line(true));
    let _ =
        writeln!(out, "function encode{name}(value: {encode_input}): Wire {{\n  return {{\n{}\n  }};\n}}", line(false));
}

fn visible_columns(table: &Table) -> impl Iterator<Item = &Column> {
    table.columns.iter().filter(|c| c.origin != ColumnOrigin::SingletonKey)
}

fn table_types(out: &mut String, table: &Table, products: &[&str]) {
    out.push('\n');
    doc(out, "", &table.docs);
    let _ = writeln!(out, "export interface {} {{", table.row_type);
    for c in visible_columns(table) {
        let docs: Vec<String> = match c.origin {
            ColumnOrigin::RowVersion => vec!["Bumped by every write; the version an update is based on.".into()],
            _ => c.docs.clone(),
        };
        doc(out, "  ", &docs);
        let _ = writeln!(out, "  {}: {};", c.names.js, ts_type(&c.ty));
    }
    out.push_str("}\n");
    // What an insert may leave out (field, TypeScript type, what is sent then): the row
    // version (the module sets it; a singleton is never inserted), a key the module gives
    // (`#[auto_inc]`: sent as 0, which it replaces), and the columns with a default (left out of
    // what is sent: the Rust side fills in the default).
    let version = table.row_version().map(|v| (v.names.js.clone(), ts_type(&v.ty), "undefined"));
    let key = table.auto_inc_key().map(|k| {
        let ty = ts_type(&k.ty);
        let zero = if ty == "bigint" { "\"0\"" } else { "0" };
        (k.names.js.clone(), ty, zero)
    });
    let defaulted: Vec<(String, String, &str)> =
        table.insert_defaults().map(|c| (c.names.js.clone(), ts_type(&c.ty), "undefined")).collect();
    let left_out: Vec<&(String, String, &str)> =
        version.iter().filter(|_| !table.singleton).chain(key.iter()).chain(defaulted.iter()).collect();
    let encode_input = if left_out.is_empty() {
        table.row_type.clone()
    } else {
        let new = format!("New{}", table.row_type);
        let names: Vec<String> = left_out.iter().map(|(f, ..)| format!("\"{f}\"")).collect();
        let fields: Vec<String> = left_out.iter().map(|(f, ty, _)| format!("{f}?: {ty}")).collect();
        let sets = match (&version, &key) {
            (Some(_), Some(_)) => Some("the module sets its row version and its key"),
            (Some(_), None) => Some("the module sets its row version"),
            _ => None,
        };
        let defaults = (!defaulted.is_empty()).then(|| {
            let names: Vec<String> = defaulted.iter().map(|(f, ..)| format!("`{f}`")).collect();
            format!("a column left out gets its default ({})", names.join(", "))
        });
        let _ = writeln!(
            out,
            "/** {} `{}` to insert: {}. */\nexport type {new} = Omit<{1}, {}> & {{ {} }};",
            to_pascal_case(article(&table.row_type)),
            table.row_type,
            sets.into_iter().map(str::to_owned).chain(defaults).collect::<Vec<_>>().join("; "),
            names.join(" | "),
            fields.join("; "),
        );
        new
    };
    let fields: Vec<(String, &ColumnType)> = visible_columns(table).map(|c| (c.names.js.clone(), &c.ty)).collect();
    let optional: Vec<(&str, &str)> = version
        .iter()
        .chain(key.iter())
        .chain(defaulted.iter())
        .map(|(f, _, missing)| (f.as_str(), *missing))
        .collect();
    codecs(out, &table.row_type, &encode_input, &fields, &optional, products);
}

/// The table's orders (`DictionaryEntryOrder`, what its `page` command takes) and each as a
/// comparison (`DICTIONARY_ENTRY_ORDERS`), exactly as the runtime orders rows in Rust.
fn table_orders(out: &mut String, schema: &Schema, table: &Table) {
    let orders = schema.orders(table);
    let Some(key) = orders.iter().find(|o| o.column.primary_key) else { return };
    let (row, order_type) = (&table.row_type, &table.names.order_type);
    let names: Vec<String> = orders.iter().map(|o| format!("\"{}\"", o.name)).collect();
    let _ = writeln!(
        out,
        "\n/** The orders `{}` rows can be paged in (`{}`): by a column, ties by `{}`. */\nexport type {order_type} = {};",
        table.name,
        table.names.commands.page.js,
        key.column.name,
        names.join(" | ")
    );
    let by_key = format!("compareValues(a.{0}, b.{0})", key.name);
    let _ = writeln!(
        out,
        "/** Each `{order_type}` as a comparison, exactly as the runtime orders the rows it pages (ties by `{}`). */\n\
         export const {}: Record<{order_type}, (a: {row}, b: {row}) => number> = {{",
        key.column.name,
        table.comparators()
    );
    for order in &orders {
        let compare = if order.column.primary_key {
            by_key.clone()
        } else {
            format!(
                "compareValues({}, {}) || {by_key}",
                order_value(schema, order, "a"),
                order_value(schema, order, "b")
            )
        };
        let _ = writeln!(out, "  {}: (a, b) => {compare},", order.name);
    }
    out.push_str("};\n");
}

/// A row's value in `order` as `compareValues` orders it: a plain enum's by its place among
/// the variants (`<ENUM>_VALUES`, declaration order, as Rust compares them).
fn order_value(schema: &Schema, order: &Order<'_>, row: &str) -> String {
    let value = format!("{row}.{}", order.name);
    match order.plain_enum().and_then(|name| schema.type_def(name)) {
        Some(ty) => format!("variantIndex({}_VALUES, {value})", ty.constant),
        None => value,
    }
}

/// A command parameter's name in TypeScript: the argument's (camelCase) name, with `_` after
/// a word a parameter cannot be (`class_`); the argument keeps its name.
fn parameter(param: &CommandParam) -> String {
    let name = param.js_name.clone();
    if is_typescript_reserved(&name) {
        format!("{name}_")
    } else {
        name
    }
}

fn command_fn(out: &mut String, command: &Command<'_>, products: &[&str]) {
    let table = command.table;
    let row = &table.row_type;
    let params: Vec<String> = command
        .params
        .iter()
        .map(|p| {
            let ty = match (&p.ty, &command.kind) {
                (CommandParamType::Row, CommandKind::Insert) => format!("New{row}"),
                (CommandParamType::Row, _) => row.clone(),
                (CommandParamType::OptionalRow, _) => format!("{row} | null"),
                (CommandParamType::Order, _) => table.names.order_type.clone(),
                (CommandParamType::Column(ty), _) => ts_type(ty),
            };
            // A delete's base version may be left out: then whatever is there is deleted.
            let default = if p.name == ROW_VERSION_COLUMN { " = null" } else { "" };
            format!("{}: {ty}{default}", parameter(p))
        })
        .collect();
    let args: Vec<String> = command
        .params
        .iter()
        .map(|p| {
            let value = match &p.ty {
                CommandParamType::Row => format!("encode{row}({})", parameter(p)),
                CommandParamType::OptionalRow => {
                    format!("{0} === null ? null : encode{row}({0})", parameter(p))
                }
                CommandParamType::Order => parameter(p),
                CommandParamType::Column(ty) => convert(&parameter(p), ty, false, products),
            };
            if value == p.js_name {
                value
            } else {
                format!("{}: {value}", p.js_name)
            }
        })
        .collect();
    let args = if args.is_empty() { String::new() } else { format!(", {{ {} }}", args.join(", ")) };
    let (returns, wire, result) = match command.kind {
        CommandKind::List | CommandKind::ListBy { .. } => {
            (format!("{row}[]"), "Wire[]", format!("result.map(decode{row})"))
        }
        CommandKind::Page => {
            (format!("RowPage<{row}>"), "RowPage<Wire>", format!("{{ ...result, rows: result.rows.map(decode{row}) }}"))
        }
        CommandKind::Get => {
            (format!("{row} | null"), "Wire | null", format!("result === null ? null : decode{row}(result)"))
        }
        CommandKind::Delete => ("void".into(), "null", String::new()),
        _ => (row.clone(), "Wire", format!("decode{row}(result)")),
    };
    let summary = match &command.kind {
        CommandKind::List => format!("Every `{}` row, in key order.", table.name),
        CommandKind::Page => format!(
            "The `{}` rows after `after` (null: from the first) in `order`, at most `limit` (at most {}); `more` says whether rows follow them, `total` counts every row.",
            table.name,
            heycat_contract::commands::MAX_PAGE_ROWS
        ),
        CommandKind::Get => format!("The `{}` row with this key, or null.", table.name),
        CommandKind::Insert => {
            format!("Inserts {} `{}` row; resolves to it as stored.", article(&table.name), table.name)
        }
        CommandKind::Update => {
            format!("Updates {} `{}` row by key; resolves to it as stored.", article(&table.name), table.name)
        }
        CommandKind::Delete => format!("Deletes the `{}` row with this key.", table.name),
        CommandKind::ListBy { column } => {
            format!("The `{}` rows whose `{column}` is this value, in key order.", table.name)
        }
        CommandKind::GetSingleton => format!("The `{}` row.", table.name),
        CommandKind::UpdateSingleton => format!("Writes the `{}` row; resolves to it as stored.", table.name),
        CommandKind::ResetSingleton => format!("Puts `{}` back to its defaults; resolves to the row.", table.name),
    };
    let _ = writeln!(out, "\n/** {summary} Invokes `{}`. */", command.name);
    let name = &command.js_name;
    if result.is_empty() {
        let _ = writeln!(
            out,
            "export async function {name}({}): Promise<void> {{\n  await call<{wire}>(\"{}\"{args});\n}}",
            params.join(", "),
            command.name
        );
    } else {
        let _ = writeln!(
            out,
            "export async function {name}({}): Promise<{returns}> {{\n  const result = await call<{wire}>(\"{}\"{args});\n  return {result};\n}}",
            params.join(", "),
            command.name
        );
    }
}

fn event_fns(out: &mut String, table: &Table) {
    let row = &table.row_type;
    let _ = writeln!(
        out,
        "\n/** Calls `handler` for every change to `{0}` rows. Resolves to a function that stops listening. */\n\
         export function on{row}Changed(handler: (change: TableChange<{row}>) => void): Promise<UnlistenFn> {{\n  \
         return subscribe(\"{1}\", (payload) => handler(decodeChange(payload, decode{row})));\n}}",
        table.name,
        event_name(table)
    );
}

/// The conflict types (one variant per synced table, with its row type), their decoding, and
/// the conflict commands and event.
fn conflicts(out: &mut String, schema: &Schema) {
    let synced: Vec<&Table> = schema.synced_tables().collect();
    out.push_str("\n// ---- Conflicts ---------------------------------------------------------------\n\n");
    out.push_str(
        "/** A write of yours the server did not apply: the row had changed since the version it was based on. */\n",
    );
    out.push_str("export type Conflict = {\n  /** The write's operation id. */\n  id: string;\n  /** The row's key, as text. */\n  key: string;\n  operation: \"update\" | \"delete\";\n  /** The version your write was based on. */\n  baseVersion: bigint;\n  createdAt: Timestamp;\n} & (\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "  | {{ table: \"{}\"; /** Your row; null for a delete. */ mine: {row} | null; /** The server's row now; null when deleted. */ theirs: {row} | null }}",
            t.name,
            row = t.row_type
        );
    }
    out.push_str(");\n\n");
    out.push_str("/** How to settle a conflict: your row (or delete), the server's, or a merged row. */\nexport type ConflictResolution<C extends Conflict = Conflict> =\n  | { choice: \"keepMine\" }\n  | { choice: \"keepTheirs\" }\n  | { choice: \"merge\"; row: NonNullable<C[\"mine\"]> };\n\n");
    out.push_str("function decodeConflict(value: ConflictView): Conflict {\n  const common = {\n    id: value.id,\n    key: value.key,\n    operation: value.operation as Conflict[\"operation\"],\n    baseVersion: BigInt(value.baseVersion),\n    createdAt: BigInt(value.createdAt),\n  };\n  switch (value.table) {\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "    case \"{0}\":\n      return {{\n        ...common,\n        table: \"{0}\",\n        mine: value.mine === null ? null : decode{1}(value.mine),\n        theirs: value.theirs === null ? null : decode{1}(value.theirs),\n      }};",
            t.name, t.row_type
        );
    }
    out.push_str("    default:\n      throw new DataError(\"server\", `a conflict on a table this app does not know: ${value.table}`);\n  }\n}\n\n");
    out.push_str("function encodeResolution(conflict: Conflict, resolution: ConflictResolution): ConflictChoice {\n  if (resolution.choice !== \"merge\") return resolution;\n  switch (conflict.table) {\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "    case \"{}\":\n      return {{ choice: \"merge\", row: encode{1}(resolution.row as {1}) }};",
            t.name, t.row_type
        );
    }
    out.push_str("  }\n}\n");
    let _ = write!(
        out,
        r#"
/** Your writes the server kept as conflicts, oldest first. Invokes `conflict_list`. */
export async function conflictList(): Promise<Conflict[]> {{
  const result = await call<ConflictView[]>("{list}");
  return result.map(decodeConflict);
}}

/** Settles a conflict. Invokes `conflict_resolve`. */
export async function conflictResolve<C extends Conflict>(conflict: C, resolution: ConflictResolution<C>): Promise<void> {{
  await call<null>("{resolve}", {{ id: conflict.id, resolution: encodeResolution(conflict, resolution) }});
}}

/** Calls `handler` when a conflict of yours appears (insert) or is settled (delete). */
export function onConflictChanged(handler: (change: TableChange<Conflict>) => void): Promise<UnlistenFn> {{
  return subscribe("{event}", (payload) => handler(decodeChange(payload, decodeConflict)));
}}
"#,
        list = heycat_contract::commands::CONFLICT_LIST,
        resolve = heycat_contract::commands::CONFLICT_RESOLVE,
        event = events::CONFLICT_CHANGED,
    );
}

/// The tables the schema lets the user clean up (`cleanup(oldest_first = ..)`): previews with
/// their rows typed.
fn cleanup(out: &mut String, schema: &Schema) {
    let tables: Vec<&Table> = schema.user_tables().filter(|t| t.cleanup.is_some()).collect();
    if tables.is_empty() {
        return;
    }
    out.push_str("\n// ---- Cleanup -----------------------------------------------------------------\n\n");
    let names: Vec<String> = tables.iter().map(|t| format!("\"{}\"", t.name)).collect();
    let _ = writeln!(
        out,
        "/** The tables whose oldest rows the app may delete to free space, oldest first by the column the schema names. */\nexport const CLEANUP_TABLES = [{}] as const;\n",
        names.join(", ")
    );
    out.push_str("/** Rows that deleting frees space from: the oldest of a table, each with what deleting it (and what cascades) frees; `key` is what `storageCleanup` takes. */\nexport type Cleanup =");
    for t in &tables {
        let _ = write!(
            out,
            "\n  | {{ table: \"{}\"; items: {{ key: JsonValue; row: {}; bytes: number }}[]; freedBytes: number }}",
            t.name, t.row_type
        );
    }
    out.push_str(";\n\nfunction decodeCleanup(value: CleanupPreview): Cleanup {\n  switch (value.table) {\n");
    for t in &tables {
        let _ = writeln!(
            out,
            "    case \"{0}\":\n      return {{\n        table: \"{0}\",\n        items: value.items.map((item) => ({{ key: item.key, row: decode{1}(item.row), bytes: item.bytes }})),\n        freedBytes: value.freedBytes,\n      }};",
            t.name, t.row_type
        );
    }
    out.push_str("    default:\n      throw new DataError(\"server\", `cleanup of a table this app does not know: ${value.table}`);\n  }\n}\n");
    let _ = write!(
        out,
        r#"
/** The `count` oldest rows of `table` (the first cleanup table by default) and what deleting them frees. Invokes `storage_cleanup_preview`. */
export async function storageCleanupPreview(count: number, table?: (typeof CLEANUP_TABLES)[number]): Promise<Cleanup> {{
  return decodeCleanup(await call<CleanupPreview>("{preview}", {{ count, table: table ?? null }}));
}}
"#,
        preview = heycat_contract::commands::STORAGE_CLEANUP_PREVIEW,
    );
}

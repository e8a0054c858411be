//! The React hooks of one schema (`hooks.ts`), for apps that ask for them: a hook per table
//! (`useDictionaryEntries()`, for a singleton `useSettings()`) and `useConflicts()`. Each is a
//! few lines over heycat-runtime's `react.ts` (copied beside it): the table's name, key and
//! functions from `schema.ts`; the loading, live updates, order and markers are the runtime's.
//! Only this file and `react.ts` import React: the framework-neutral bindings never do.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::{ColumnType, Schema, Table};
use crate::names::to_camel_case;
use crate::source::SourceSet;

/// The runtime's React hooks, copied next to the schema's hooks.
pub const RUNTIME_FILE: (&str, &str) = ("react.ts", include_str!("../../../runtime/ts/react.ts"));

/// The hooks `react.ts` exports (`export function use...`): a table's hook may not take one of
/// their names.
fn runtime_hooks() -> BTreeSet<String> {
    let exported = RUNTIME_FILE.1.split("export function ").skip(1);
    let names = exported.map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>());
    names.filter(|name| name.starts_with("use")).collect()
}

/// The hook that lists the conflicts (for schemas with synced tables).
const CONFLICTS_HOOK: &str = "useConflicts";

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let mut out = super::header("//", sources);
    let mut body = String::new();
    let mut taken = runtime_hooks();
    let synced = schema.synced_tables().next().is_some();
    if synced {
        taken.insert(CONFLICTS_HOOK.to_owned());
    }
    let mut runtime = BTreeSet::new();
    let mut schema_names = BTreeSet::new();
    for table in schema.user_tables() {
        let row = &table.row_type;
        let name = hook_name(table, &mut taken);
        let constant = table.name.to_uppercase();
        let changed = format!("on{row}Changed");
        schema_names.extend([row.clone(), changed.clone()]);
        if table.singleton {
            let get = to_camel_case(&format!("{}_get", table.name));
            schema_names.insert(get.clone());
            runtime.extend(["useSingleton", "SingletonSource", "SingletonState"]);
            let _ = write!(
                body,
                "\nconst {constant}: SingletonSource<{row}> = {{ table: \"{}\", get: {get}, onChanged: {changed} }};\n\n\
                 /** The `{}` row (its defaults until the server has one), kept current, with its pending and conflict markers. */\n\
                 export function {name}(): SingletonState<{row}> {{\n  return useSingleton({constant});\n}}\n",
                table.name, table.name
            );
            continue;
        }
        let Some(key) = table.primary_key() else { continue };
        let list = to_camel_case(&format!("{}_list", table.name));
        let page = to_camel_case(&format!("{}_page", table.name));
        let (order, orders) = (schema.order_type(table), table.comparators());
        schema_names.extend([list.clone(), page.clone(), order.clone(), orders.clone()]);
        runtime.extend(["compareKeys", "useTable", "TableOptions", "TableSource", "TableState"]);
        let field = to_camel_case(&key.name);
        let key_text = match key.ty {
            // 64-bit and wider integers cross as decimal text.
            ColumnType::U64
            | ColumnType::U128
            | ColumnType::U256
            | ColumnType::I64
            | ColumnType::I128
            | ColumnType::I256 => format!("JSON.stringify(row.{field}.toString())"),
            _ => format!("JSON.stringify(row.{field})"),
        };
        let _ = write!(
            body,
            "\nconst {constant}: TableSource<{row}, {order}> = {{\n  table: \"{}\",\n  keyField: \"{field}\",\n  list: {list},\n  \
             page: {page},\n  orders: {orders},\n  onChanged: {changed},\n  key: (row) => {key_text},\n  \
             byKey: (a, b) => compareKeys(a.{field}, b.{field}),\n}};\n\n\
             /** Every `{}` row in `{}` order (or `options.compare`'s), or with `options.window` a page at a time in one of its orders, kept current, with each row's pending and conflict markers. */\n\
             export function {name}(options?: TableOptions<{row}, {order}>): TableState<{row}> {{\n  return useTable({constant}, options);\n}}\n",
            table.name, table.name, key.name
        );
    }
    if synced {
        schema_names.extend(["Conflict".to_owned(), "conflictList".to_owned(), "onConflictChanged".to_owned()]);
        runtime.extend(["compareKeys", "useDataRevision", "useList", "ListState"]);
        let _ = write!(
            body,
            "\nconst conflictId = (conflict: Conflict) => conflict.id;\n\
             const oldestFirst = (a: Conflict, b: Conflict) => compareKeys(a.createdAt, b.createdAt);\n\n\
             /** Your writes the server kept as conflicts, oldest first, kept current and listed again on each (re)connect. */\n\
             export function {CONFLICTS_HOOK}(): ListState<Conflict> {{\n  \
             return useList(conflictList, onConflictChanged, conflictId, oldestFirst, useDataRevision());\n}}\n"
        );
    }
    let _ = writeln!(out, "\nimport {{ {} }} from \"./react\";", imports(runtime));
    let _ = writeln!(out, "import {{ {} }} from \"./schema\";", imports(schema_names));
    out + &body
}

/// An import list: values first, then types (names in PascalCase; constants are all capitals),
/// each sorted.
fn imports<S: AsRef<str> + Ord>(names: BTreeSet<S>) -> String {
    let is_value = |name: &str| name.starts_with(char::is_lowercase) || !name.contains(char::is_lowercase);
    let (values, types): (Vec<S>, Vec<S>) = names.into_iter().partition(|n| is_value(n.as_ref()));
    let types = types.iter().map(|t| format!("type {}", t.as_ref()));
    values.iter().map(|v| v.as_ref().to_owned()).chain(types).collect::<Vec<_>>().join(", ")
}

/// `useDictionaryEntries` for a table of `DictionaryEntry` rows, `useSettings` for a singleton;
/// a name already taken (by the runtime's hooks or another table's) gets `Rows` (`Row`) instead.
fn hook_name(table: &Table, taken: &mut BTreeSet<String>) -> String {
    let row = &table.row_type;
    let (name, fallback) = if table.singleton {
        (format!("use{row}"), format!("use{row}Row"))
    } else {
        (format!("use{}", plural(row)), format!("use{row}Rows"))
    };
    let name = if taken.contains(&name) { fallback } else { name };
    taken.insert(name.clone());
    name
}

/// The English plural of a PascalCase name's last word: `Entries`, `Boxes`, `Notes`; a name
/// that ends in `s` stays as it is (`Extremes`).
fn plural(name: &str) -> String {
    let consonant_y = name.ends_with('y') && !name[..name.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if name.ends_with('s') {
        name.to_owned()
    } else if consonant_y {
        format!("{}ies", &name[..name.len() - 1])
    } else if name.ends_with(['x', 'z']) || name.ends_with("ch") || name.ends_with("sh") {
        format!("{name}es")
    } else {
        format!("{name}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_hooks_are_read_from_react_ts() {
        let hooks = runtime_hooks();
        for hook in ["useTable", "useList", "useSingleton", "useConnectionStatus", "useSyncStatus", "useDataRevision"] {
            assert!(hooks.contains(hook), "{hook} in {hooks:?}");
        }
    }

    #[test]
    fn a_hook_name_taken_by_the_runtime_or_another_table_falls_back() {
        let mut sources = SourceSet::default();
        sources.add(
            "schema/t.rs",
            "use heycat::prelude::*;\n\
             #[heycat_table(singleton)]\npub struct Table {\n    #[default(0)]\n    pub n: u32,\n}\n\
             #[heycat_table]\npub struct Item {\n    #[primary_key]\n    pub id: u64,\n}\n\
             #[heycat_table(singleton)]\npub struct Items {\n    #[default(0)]\n    pub n: u32,\n}\n",
        );
        let schema = Schema::from_sources(&sources).expect("a valid schema");
        let hooks = generate(&schema, &sources);
        for hook in
            ["useTableRow(): SingletonState<Table>", "useItems(options?", "useItemsRow(): SingletonState<Items>"]
        {
            assert!(hooks.contains(&format!("export function {hook}")), "{hook}:\n{hooks}");
        }
        assert!(hooks.contains("key: (row) => JSON.stringify(row.id.toString()),"), "a u64 key crosses as text");
    }

    #[test]
    fn plurals() {
        let cases = [
            ("DictionaryEntry", "DictionaryEntries"),
            ("Day", "Days"),
            ("Box", "Boxes"),
            ("Match", "Matches"),
            ("Note", "Notes"),
            ("Extremes", "Extremes"),
        ];
        for (one, many) in cases {
            assert_eq!(plural(one), many);
        }
    }
}

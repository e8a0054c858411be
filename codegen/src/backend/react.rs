//! The React hooks of one schema (`hooks.ts`), for apps that ask for them: a hook per table
//! (`useDictionaryEntries()`, for a singleton `useSettings()`) and `useConflicts()`. Each is a
//! few lines over heycat-runtime's hooks (`@heycat/runtime/react`): the table's name, key and
//! functions from `schema.ts`; the loading, live updates, order and markers are the runtime's.
//! Only this file imports React (through the runtime's hooks): the framework-neutral bindings
//! never do.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::typescript::RUNTIME_REACT;
use crate::model::{ColumnType, Schema};
use crate::source::SourceSet;

/// The hooks `@heycat/runtime/react` exports, which `index.ts` re-exports beside the schema's:
/// a table's hook is named around them (see `resolve`).
pub const RUNTIME_HOOKS: &[&str] = &[
    "useConnectionStatus",
    "useDataRevision",
    "useList",
    "useMigrationStatus",
    "useRowMarkers",
    "useSingleton",
    "useSyncStatus",
    "useTable",
];

/// The hook that lists the conflicts (for schemas with synced tables).
pub const CONFLICTS_HOOK: &str = "useConflicts";

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let mut out = super::header("//", sources);
    let mut body = String::new();
    let synced = schema.synced_tables().next().is_some();
    let mut runtime = BTreeSet::new();
    let mut schema_names = BTreeSet::new();
    for table in schema.user_tables() {
        let (row, name, constant) = (&table.row_type, &table.names.hook, &table.names.constant);
        let changed = &table.names.on_changed;
        schema_names.extend([row.clone(), changed.clone()]);
        if table.singleton {
            let get = &table.names.commands.get.js;
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
        let (list, page) = (&table.names.commands.list.js, &table.names.commands.page.js);
        let (order, orders) = (&table.names.order_type, table.comparators());
        schema_names.extend([list.clone(), page.clone(), order.clone(), orders.clone()]);
        runtime.extend(["compareKeys", "useTable", "TableOptions", "TableSource", "TableState"]);
        let field = &key.names.js;
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
    let _ = writeln!(out, "\nimport {{ {} }} from \"{RUNTIME_REACT}\";", imports(runtime));
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

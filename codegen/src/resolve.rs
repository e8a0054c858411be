//! Resolves every spelling of every name once, into the model (serde_derive's
//! `rename_by_rules`): the SQL and Rust names are the schema's, and from them the TypeScript
//! and JSON names, the order types, hooks and commands, and spacetimedb-sdk's names. The
//! checks and the backends read these; none of them converts a name's case.

use std::collections::BTreeSet;

use crate::backend::react::{CONFLICTS_HOOK, RUNTIME_HOOKS};
use crate::model::*;
use crate::names::{to_camel_case, to_pascal_case, to_sdk_pascal_case, to_sdk_snake_case, to_snake_case};

/// Fills in the names of every table, column and type of `schema`.
pub fn resolve(schema: &mut Schema) {
    let order_types: Vec<String> = schema.tables.iter().map(|t| order_type(schema, t)).collect();
    let mut taken_hooks: BTreeSet<String> = RUNTIME_HOOKS.iter().map(|hook| (*hook).to_owned()).collect();
    if schema.synced_tables().next().is_some() {
        taken_hooks.insert(CONFLICTS_HOOK.to_owned());
    }
    for (table, order_type) in schema.tables.iter_mut().zip(order_types) {
        let hook = if table.system { String::new() } else { hook(table, &mut taken_hooks) };
        let command = |suffix: &str| name(&format!("{}_{suffix}", table.name));
        table.names = TableNames {
            constant: table.name.to_uppercase(),
            order_type,
            on_changed: format!("on{}Changed", table.row_type),
            hook,
            sdk_accessor: to_sdk_snake_case(&table.name),
            sdk_row: to_sdk_pascal_case(&table.row_type),
            commands: CommandNames {
                list: command("list"),
                page: command("page"),
                get: command("get"),
                insert: command("insert"),
                update: command("update"),
                delete: command("delete"),
                reset: command("reset"),
            },
        };
        for column in &mut table.columns {
            column.names = ColumnNames {
                js: to_camel_case(&column.name),
                sdk: to_sdk_snake_case(&column.name),
                order_variant: to_pascal_case(&column.name),
                list_by: name(&format!("{}_list_by_{}", table.name, column.name)),
            };
        }
    }
    for ty in &mut schema.types {
        ty.constant = to_snake_case(&ty.name).to_uppercase();
        ty.sdk_name = to_sdk_pascal_case(&ty.name);
        match &mut ty.kind {
            TypeKind::Enum { variants } => {
                for variant in variants {
                    variant.sdk_name = to_sdk_pascal_case(&variant.name);
                    if let Some(payload) = &mut variant.payload {
                        payload.field_js = payload.field.as_deref().map(to_camel_case);
                    }
                }
            }
            TypeKind::Product { fields } => {
                for field in fields {
                    field.js_name = to_camel_case(&field.name);
                    field.sdk_name = to_sdk_snake_case(&field.name);
                }
            }
        }
    }
}

/// A snake_case name and its camelCase twin.
pub fn name(rust: &str) -> Name {
    Name { rust: rust.to_owned(), js: to_camel_case(rust) }
}

/// `DictionaryEntryOrder`, or, where the schema has a type or table of that name already (the
/// notes example's `NoteOrder` enum, how its preferences sort notes), `DictionaryEntryRowOrder`.
fn order_type(schema: &Schema, table: &Table) -> String {
    let name = format!("{}Order", table.row_type);
    let form = to_snake_case(&name);
    let schema_names =
        schema.types.iter().map(|t| &t.name).chain(schema.user_tables().flat_map(|t| [&t.name, &t.row_type]));
    let taken = schema_names.map(|n| to_snake_case(n)).any(|n| n == form);
    if taken {
        format!("{}RowOrder", table.row_type)
    } else {
        name
    }
}

/// `useDictionaryEntries` for a table of `DictionaryEntry` rows, `useSettings` for a singleton;
/// a name already taken (by the runtime's hooks or another table's) gets `Rows` (`Row`) instead.
fn hook(table: &Table, taken: &mut BTreeSet<String>) -> String {
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
    use crate::source::SourceSet;

    fn schema(text: &str) -> Schema {
        let mut sources = SourceSet::default();
        sources.add("schema/t.rs", text);
        Schema::from_sources(&sources).expect("a valid schema")
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

    #[test]
    fn an_order_type_the_schema_names_already_falls_back() {
        let schema = schema(
            "use heycat::prelude::*;\n#[heycat_type]\npub enum NoteOrder { Title, Created }\n\
             #[heycat_table]\npub struct Note {\n    #[primary_key]\n    pub id: String,\n}\n",
        );
        assert_eq!(schema.table("note").unwrap().names.order_type, "NoteRowOrder");
    }

    /// Every spelling of a table and a column with digits, as each side reads them: the schema's
    /// own names untouched, camelCase keeping the digit in its word, spacetimedb-sdk's snake
    /// case splitting it off (`spacetime generate` names the accessor `note_2_tags`).
    #[test]
    fn names_with_digits() {
        let schema = schema(
            "use heycat::prelude::*;\n#[heycat_table]\npub struct Note2Tag {\n    #[primary_key]\n    pub v2_id: u64,\n    \
             #[index(btree)]\n    pub tag3: String,\n}\n",
        );
        let table = schema.table("note2_tag").expect("the table keeps the digit in its SQL name");
        let names = &table.names;
        assert_eq!((table.row_type.as_str(), names.sdk_row.as_str()), ("Note2Tag", "Note2Tag"));
        assert_eq!(names.sdk_accessor, "note_2_tag");
        assert_eq!(
            (names.commands.page.rust.as_str(), names.commands.page.js.as_str()),
            ("note2_tag_page", "note2TagPage")
        );
        assert_eq!(
            (names.constant.as_str(), names.order_type.as_str(), names.hook.as_str()),
            ("NOTE2_TAG", "Note2TagOrder", "useNote2Tags")
        );
        let key = table.column("v2_id").unwrap();
        assert_eq!(
            (key.names.js.as_str(), key.names.sdk.as_str(), key.names.order_variant.as_str()),
            ("v2Id", "v_2_id", "V2Id")
        );
        let tag = &table.column("tag3").unwrap().names;
        assert_eq!(
            (tag.list_by.rust.as_str(), tag.list_by.js.as_str()),
            ("note2_tag_list_by_tag3", "note2TagListByTag3")
        );
    }
}

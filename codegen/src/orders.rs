//! The orders a table's rows can be paged in (`<table>_page`): derived from the model in one
//! place, so the Rust backend (the order enum and `OrderedTable`) and the TypeScript backend
//! (the order type and its comparators) have the same orders under the same names.

use crate::model::{Column, ColumnOrigin, ColumnType, Schema, Table};

/// An order of a table's rows: by one column's values, ties broken by the primary key.
#[derive(Debug, Clone)]
pub struct Order<'s> {
    pub column: &'s Column,
    /// What the frontend calls it: the column's field in the rows (`createdAt`).
    pub name: String,
    /// The order enum's variant in Rust (`CreatedAt`).
    pub variant: String,
}

impl<'s> Order<'s> {
    /// The plain enum whose values this order compares (by their variants' declaration order),
    /// if it compares one.
    pub fn plain_enum(&self) -> Option<&'s str> {
        let inner = match &self.column.ty {
            ColumnType::Option(inner) => inner,
            other => other,
        };
        match inner {
            ColumnType::Named(name) => Some(name),
            _ => None,
        }
    }
}

impl Table {
    /// The TypeScript constant holding the table's orders as comparisons:
    /// `DICTIONARY_ENTRY_ORDERS`.
    pub fn comparators(&self) -> String {
        format!("{}_ORDERS", self.names.constant)
    }
}

impl Schema {
    /// The orders of `table`'s rows (none for a singleton): its primary key and each column
    /// declared with a type both sides order alike, in declaration order.
    pub fn orders<'s>(&'s self, table: &'s Table) -> Vec<Order<'s>> {
        if table.singleton {
            return Vec::new();
        }
        table
            .columns
            .iter()
            .filter(|c| c.primary_key || (c.origin == ColumnOrigin::Declared && self.is_orderable(&c.ty)))
            .map(|column| Order { column, name: column.names.js.clone(), variant: column.names.order_variant.clone() })
            .collect()
    }

    /// Numbers, text, bools, times, identities (their hex text is in their numeric order),
    /// plain enums (in declaration order) and options of those (none first). Not lists, bytes,
    /// structs or enums with values, which have no order a person expects; not an option of an
    /// option.
    fn is_orderable(&self, ty: &ColumnType) -> bool {
        match ty {
            ColumnType::Option(inner) => !matches!(**inner, ColumnType::Option(_)) && self.is_orderable(inner),
            ColumnType::Named(name) => self.types.iter().any(|t| t.name == *name && t.kind.is_plain_enum()),
            ColumnType::Vec(_) => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Schema;
    use crate::source::SourceSet;

    fn schema(text: &str) -> Schema {
        let mut sources = SourceSet::default();
        sources.add("schema/t.rs", text);
        Schema::from_sources(&sources).expect("a valid schema")
    }

    #[test]
    fn a_table_is_ordered_by_its_key_and_each_column_both_sides_order_alike() {
        let schema = schema(
            "use heycat::prelude::*;\n\
             #[heycat_type]\npub enum Kind { A, B }\n\
             #[heycat_type]\npub enum Shape { Dot, Line(f64) }\n\
             #[heycat_type]\npub struct Point { pub x: f64 }\n\
             #[heycat_table]\npub struct Item {\n    pub title: String,\n    #[primary_key]\n    pub id: u64,\n    \
             pub created_at: Timestamp,\n    pub kind: Option<Kind>,\n    pub shape: Shape,\n    pub at: Point,\n    \
             pub tags: Vec<String>,\n    pub data: Vec<u8>,\n    pub owner: Identity,\n    pub twice: Option<Option<u32>>,\n    \
             pub ratio: Option<f32>,\n}\n\
             #[heycat_table(singleton)]\npub struct Settings {\n    #[default(0)]\n    pub n: u32,\n}\n",
        );
        let item = schema.table("item").unwrap();
        let orders: Vec<(String, String)> = schema.orders(item).into_iter().map(|o| (o.name, o.variant)).collect();
        let expected = [
            ("title", "Title"),
            ("id", "Id"),
            ("createdAt", "CreatedAt"),
            ("kind", "Kind"),
            ("owner", "Owner"),
            ("ratio", "Ratio"),
        ];
        assert_eq!(
            orders,
            expected.map(|(n, v)| (n.to_owned(), v.to_owned())),
            "no row version, lists, bytes, structs, enums with values, options of options"
        );
        assert_eq!(item.names.order_type, "ItemOrder");
        assert!(schema.orders(schema.table("settings").unwrap()).is_empty(), "a singleton is not paged");
    }
}

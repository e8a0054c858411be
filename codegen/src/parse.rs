//! Reads schema files with syn and builds the [`Schema`] model.
//!
//! Only syntax is judged here (which items and attributes exist, how types and defaults are
//! spelled). Everything that needs the whole schema (names, keys, type resolution, whether a
//! default fits) is in `check.rs`. Every problem is collected; parsing goes on after an error so
//! the user sees all of them at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Fields, Lit, Meta, Token};

use crate::diagnostics::{Diagnostic, Errors};
use crate::model::*;
use crate::names::to_snake_case;
use crate::source::Loc;
use crate::source::{FileId, SourceSet};

const TABLE_ATTR: &str = "heycat_table";
const TYPE_ATTR: &str = "heycat_type";

const TABLE_OPTIONS_HELP: &str = "supported options: name = \"snake_case_name\", public, private, singleton, \
                                  sync = false, renamed_from = \"old_name\", removed, cleanup(oldest_first = column)";
/// The options `#[heycat_table(...)]` takes.
pub const TABLE_OPTIONS: &[&str] =
    &["name", "public", "private", "singleton", "sync", "renamed_from", "removed", "cleanup"];
const CLEANUP_HELP: &str = "write cleanup(oldest_first = column), naming a timestamp or integer column";
const QUOTA_HELP: &str = "write #[storage_quota(bytes | kilobytes | megabytes | gigabytes)]";
const CONVERSIONS_HELP: &str = "write #[converted_by(to_string | parse | widen | some | unwrap_or_default)]";
/// The attributes a column may carry (each at most once), besides doc comments.
pub const COLUMN_ATTRS: &[&str] = &[
    "primary_key",
    "auto_inc",
    "unique",
    "index",
    "default",
    "renamed_from",
    "converted_by",
    "storage_quota",
    "references",
];
const COLUMN_ATTRS_HELP: &str =
    "supported column attributes: #[primary_key], #[auto_inc], #[unique], #[index(btree)], \
     #[default(value)], #[references(Table)] or #[references(Table, on_delete = cascade)], \
     #[renamed_from(\"old_name\")], #[converted_by(conversion)], #[storage_quota(unit)]";
pub(crate) const SUPPORTED_TYPES_HELP: &str = "supported column types: bool, u8, u16, u32, u64, u128, i8, i16, i32, \
     i64, i128, f32, f64, String, Identity, ConnectionId, Timestamp, TimeDuration, Option<T>, Vec<T>, and enums or \
     structs declared with #[heycat_type] in schema/";

/// Parses every file of `sources`. Syntax problems are added to `errors`; the schema holds
/// whatever could be read.
pub fn parse(sources: &SourceSet, errors: &mut Errors) -> Schema {
    let mut schema = Schema { version: 0, tables: Vec::new(), types: Vec::new(), removed_tables: Vec::new() };
    for (file_id, file) in sources.files() {
        match syn::parse_file(&file.text) {
            Ok(ast) => {
                let mut parser = FileParser { file: file_id, errors };
                for item in &ast.items {
                    parser.item(item, &mut schema);
                }
            }
            Err(err) => {
                for e in err {
                    errors.push(
                        Diagnostic::new(Loc::new(file_id, e.span()), format!("this is not valid Rust syntax: {e}"))
                            .help("schema files are Rust source; fix the syntax at this position"),
                    );
                }
            }
        }
    }
    if let Some(first) = schema.tables.iter().find(|t| t.synced) {
        let loc = first.loc;
        schema.tables.extend(crate::system::sync_tables(loc));
    }
    if let Some(first) = schema.tables.iter().find(|t| t.auto_inc_key().is_some()) {
        let loc = first.loc;
        schema.tables.push(crate::system::assigned_key_table(loc));
    }
    if let Some(first) = schema.tables.first() {
        let loc = first.loc;
        schema.tables.extend(crate::system::auth_tables(loc));
    }
    crate::resolve::resolve(&mut schema);
    schema
}

/// What a `#[heycat_table]` struct declares.
enum TableItem {
    Table(Box<Table>),
    /// `#[heycat_table(removed)]`: a table of an earlier version that is gone, by name.
    Removed(String),
}

/// One schema item, read on its own (by the `#[heycat_table]` / `#[heycat_type]` macros).
pub enum ParsedItem {
    Table(Box<Table>),
    Type(TypeDef),
    /// A table of an earlier version, declared removed: nothing of it exists in the app.
    Removed,
}

/// Parses a single item with the same rules as `parse`. Checks that need the whole schema
/// (duplicates, unknown types, references) are the build script's; the macro reports only what
/// this item shows. Errors carry the spans of the item's own tokens.
pub fn parse_item(item: &syn::Item) -> Result<ParsedItem, Vec<Diagnostic>> {
    let mut errors = Errors::default();
    let mut schema = Schema { version: 0, tables: Vec::new(), types: Vec::new(), removed_tables: Vec::new() };
    FileParser { file: FileId(0), errors: &mut errors }.item(item, &mut schema);
    if !errors.is_empty() {
        return Err(errors.into_vec());
    }
    crate::resolve::resolve(&mut schema);
    match (schema.tables.pop(), schema.types.pop()) {
        (Some(table), _) => Ok(ParsedItem::Table(Box::new(table))),
        (None, Some(ty)) => Ok(ParsedItem::Type(ty)),
        (None, None) if !schema.removed_tables.is_empty() => Ok(ParsedItem::Removed),
        (None, None) => Err(Vec::new()),
    }
}

struct FileParser<'e> {
    file: FileId,
    errors: &'e mut Errors,
}

impl FileParser<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn error(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.errors.error(self.loc(span), message, help);
    }

    fn syn_error(&mut self, err: syn::Error, help: &str) {
        for e in err {
            self.error(e.span(), e.to_string(), help);
        }
    }

    fn item(&mut self, item: &syn::Item, schema: &mut Schema) {
        match item {
            syn::Item::Use(_) => {}
            syn::Item::Struct(s) => match self.heycat_attr(&s.attrs) {
                Some((TABLE_ATTR, attr)) => match self.table(s, attr) {
                    Some(TableItem::Table(table)) => schema.tables.push(*table),
                    Some(TableItem::Removed(name)) => schema.removed_tables.push(name),
                    None => {}
                },
                Some((_, attr)) => {
                    self.no_options(attr);
                    if let Some(ty) = self.product_type(s) {
                        schema.types.push(ty);
                    }
                }
                None => self.error(
                    s.ident.span(),
                    format!("struct `{}` is neither a table nor a column type", s.ident),
                    "annotate it with #[heycat_table] to make it a table, or #[heycat_type] to use it as a column type",
                ),
            },
            syn::Item::Enum(e) => match self.heycat_attr(&e.attrs) {
                Some((TYPE_ATTR, attr)) => {
                    self.no_options(attr);
                    if let Some(ty) = self.enum_type(e) {
                        schema.types.push(ty);
                    }
                }
                Some((_, attr)) => {
                    self.error(attr.span(), "#[heycat_table] applies to structs only", "use #[heycat_type] on enums")
                }
                None => self.error(
                    e.ident.span(),
                    format!("enum `{}` is not marked as a column type", e.ident),
                    "annotate it with #[heycat_type]",
                ),
            },
            other => self.error(
                other.span(),
                "unsupported item in a schema file",
                "schema files hold #[heycat_table] structs, #[heycat_type] enums and structs, and `use` items",
            ),
        }
    }

    /// Finds the one `#[heycat_table]` / `#[heycat_type]` attribute of an item and reports any
    /// other non-doc attribute.
    fn heycat_attr<'a>(&mut self, attrs: &'a [Attribute]) -> Option<(&'static str, &'a Attribute)> {
        let mut found: Option<(&'static str, &'a Attribute)> = None;
        for attr in attrs {
            if attr.path().is_ident("doc") {
                continue;
            }
            let kind = match attr.path().segments.last().map(|s| s.ident.to_string()).as_deref() {
                Some(TABLE_ATTR) => TABLE_ATTR,
                Some(TYPE_ATTR) => TYPE_ATTR,
                _ => {
                    let help = if attr.path().is_ident("derive") {
                        "derives are generated for every output; remove this attribute"
                    } else {
                        "items in schema files take only #[heycat_table(...)] or #[heycat_type], and doc comments"
                    };
                    self.error(attr.span(), format!("unsupported attribute `#[{}]`", path_text(attr.path())), help);
                    continue;
                }
            };
            if let Some((_, first)) = found {
                self.errors.push(
                    Diagnostic::new(
                        self.loc(attr.span()),
                        "an item can carry only one #[heycat_table] or #[heycat_type]",
                    )
                    .help("remove this attribute")
                    .related(self.loc(first.span()), "the first is here"),
                );
                continue;
            }
            found = Some((kind, attr));
        }
        found
    }

    fn no_options(&mut self, attr: &Attribute) {
        if !matches!(attr.meta, Meta::Path(_)) {
            self.error(attr.span(), "#[heycat_type] takes no options", "write it as #[heycat_type]");
        }
    }

    fn table(&mut self, s: &syn::ItemStruct, attr: &Attribute) -> Option<TableItem> {
        let row_type = s.ident.to_string();
        let mut table = Table {
            name: to_snake_case(&row_type),
            row_type,
            docs: docs(&s.attrs),
            access: Access::Private,
            singleton: false,
            synced: true,
            system: false,
            renamed_from: None,
            cleanup: None,
            columns: Vec::new(),
            names: TableNames::default(),
            loc: self.loc(s.ident.span()),
        };
        let removed = self.table_options(attr, &mut table);
        if removed {
            // Only its name matters: the table is gone, its rows may go with it.
            return Some(TableItem::Removed(table.name));
        }
        if !s.generics.params.is_empty() {
            self.error(s.generics.span(), "tables cannot be generic", "remove the generic parameters");
        }
        let Fields::Named(fields) = &s.fields else {
            self.error(
                s.ident.span(),
                format!("table `{}` needs named fields", s.ident),
                "declare it as `struct Name { pub column: Type, ... }`",
            );
            return None;
        };
        if table.singleton {
            table.columns.push(self.implicit_column(
                SINGLETON_KEY_COLUMN,
                ColumnType::U32,
                ColumnOrigin::SingletonKey,
                s,
            ));
        }
        for field in &fields.named {
            table.columns.push(self.column(field));
        }
        // The row version is added here, unless a declared column already took the name; the
        // checks report that clash.
        if table.synced && !table.columns.iter().any(|c| c.name == ROW_VERSION_COLUMN) {
            table.columns.push(self.implicit_column(ROW_VERSION_COLUMN, ColumnType::U64, ColumnOrigin::RowVersion, s));
        }
        Some(TableItem::Table(Box::new(table)))
    }

    /// Reads `#[heycat_table(...)]`'s options into `table`; true when it says `removed`. Each
    /// option is given once (`public` and `private` set the same thing): a repeat is reported
    /// and does not replace the first.
    fn table_options(&mut self, attr: &Attribute, table: &mut Table) -> bool {
        let mut removed = false;
        if matches!(attr.meta, Meta::Path(_)) {
            return removed;
        }
        let mut first_spans: Vec<(String, Span)> = Vec::new();
        // (repeat, where, the first, where): reported after parsing, which holds `self`.
        let mut repeats: Vec<(String, Span, String, Span)> = Vec::new();
        let mut first_order: Option<Span> = None;
        let result = attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            if !TABLE_OPTIONS.contains(&key.as_str()) {
                return Err(meta.error(format!("unsupported #[heycat_table] option `{key}`")));
            }
            let same_setting =
                |a: &str, b: &str| a == b || (a == "public" && b == "private") || (a == "private" && b == "public");
            let span = meta.path.span();
            if let Some((first, first_span)) = first_spans.iter().find(|(first, _)| same_setting(first, &key)) {
                repeats.push((key, span, first.clone(), *first_span));
                skip_option_value(&meta)?;
                return Ok(());
            }
            first_spans.push((key.clone(), span));
            match key.as_str() {
                "name" => table.name = meta.value()?.parse::<syn::LitStr>()?.value(),
                "public" => table.access = Access::Public,
                "private" => table.access = Access::Private,
                "singleton" => table.singleton = true,
                "sync" => table.synced = meta.value()?.parse::<syn::LitBool>()?.value,
                "renamed_from" => table.renamed_from = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                "removed" => removed = true,
                "cleanup" => {
                    meta.parse_nested_meta(|order| {
                        if !order.path.is_ident("oldest_first") {
                            return Err(order.error(format!(
                                "unsupported cleanup option `{}`; {CLEANUP_HELP}",
                                path_text(&order.path)
                            )));
                        }
                        let span = order.path.span();
                        let column: syn::Ident = order.value()?.parse()?;
                        if let Some(first) = first_order {
                            repeats.push(("oldest_first".into(), span, "oldest_first".into(), first));
                        } else {
                            first_order = Some(span);
                            let loc = self.loc(column.span());
                            table.cleanup = Some(Cleanup { oldest_first: column.to_string(), loc });
                        }
                        Ok(())
                    })?;
                    if table.cleanup.is_none() {
                        return Err(meta.error(format!("cleanup needs an order; {CLEANUP_HELP}")));
                    }
                }
                _ => {} // not in TABLE_OPTIONS: refused above
            }
            Ok(())
        });
        if let Err(e) = result {
            self.syn_error(e, TABLE_OPTIONS_HELP);
        }
        for (key, span, first, first_span) in repeats {
            if key == first {
                self.duplicate(format!("table option `{key}`"), span, first_span);
            } else {
                self.errors.push(
                    Diagnostic::new(
                        self.loc(span),
                        format!("table options `{first}` and `{key}` contradict each other"),
                    )
                    .help("keep one of them")
                    .related(self.loc(first_span), format!("`{first}` is here")),
                );
            }
        }
        removed
    }

    fn implicit_column(&self, name: &str, ty: ColumnType, origin: ColumnOrigin, s: &syn::ItemStruct) -> Column {
        let loc = self.loc(s.ident.span());
        Column {
            primary_key: origin == ColumnOrigin::SingletonKey,
            ..Column::plain(name.to_owned(), ty, loc, origin, loc)
        }
    }

    fn column(&mut self, field: &syn::Field) -> Column {
        let ident = field.ident.as_ref().expect("named fields have idents");
        let ty = self.column_type(&field.ty).unwrap_or(ColumnType::Error);
        let plain = Column::plain(
            ident.to_string(),
            ty,
            self.loc(field.ty.span()),
            ColumnOrigin::Declared,
            self.loc(ident.span()),
        );
        let mut column = Column { docs: docs(&field.attrs), ..plain };
        // Each attribute says one thing once: a second one is reported, not read over the first.
        let mut first_spans: Vec<(String, Span)> = Vec::new();
        for attr in &field.attrs {
            let name = path_text(attr.path());
            if COLUMN_ATTRS.contains(&name.as_str()) {
                if let Some((_, first)) = first_spans.iter().find(|(n, _)| *n == name) {
                    self.duplicate(format!("`#[{name}]`"), attr.span(), *first);
                    continue;
                }
                first_spans.push((name, attr.span()));
            }
            self.column_attr(attr, &mut column);
        }
        column
    }

    /// A repeated attribute or option, reported at the repeat with a note at the first.
    fn duplicate(&mut self, what: String, at: Span, first: Span) {
        self.errors.push(
            Diagnostic::new(self.loc(at), format!("duplicate {what}"))
                .help("remove one of them")
                .related(self.loc(first), "the first is here"),
        );
    }

    fn column_attr(&mut self, attr: &Attribute, column: &mut Column) {
        let name = path_text(attr.path());
        let flag = |parser: &mut Self, set: &mut bool| match &attr.meta {
            Meta::Path(_) => *set = true,
            _ => parser.error(attr.span(), format!("#[{name}] takes no arguments"), format!("write it as #[{name}]")),
        };
        match name.as_str() {
            "doc" => {}
            "primary_key" => flag(self, &mut column.primary_key),
            "auto_inc" => flag(self, &mut column.auto_inc),
            "unique" => flag(self, &mut column.unique),
            "index" => {
                let result = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("btree") {
                        Ok(())
                    } else {
                        Err(meta.error(format!("unsupported index kind `{}`", path_text(&meta.path))))
                    }
                });
                match result {
                    Ok(()) => column.indexed = true,
                    Err(e) => self.syn_error(e, "write #[index(btree)]; btree is the index kind heycat supports"),
                }
            }
            "default" => match attr.parse_args::<Expr>() {
                Ok(expr) => {
                    let loc = self.loc(expr.span());
                    if let Some(value) = self.default_value(&expr) {
                        column.default = Some(ColumnDefault { value, loc });
                    }
                }
                Err(e) => self.syn_error(
                    e,
                    "write a value, e.g. #[default(false)], #[default(0)], #[default(\"text\")], #[default(None)]",
                ),
            },
            "renamed_from" => match attr.parse_args::<syn::LitStr>() {
                Ok(name) => column.renamed_from = Some(name.value()),
                Err(e) => self.syn_error(e, "write #[renamed_from(\"old_name\")]"),
            },
            "converted_by" => match attr.parse_args::<syn::Ident>() {
                Ok(name) => match Conversion::ALL.iter().find(|(n, _)| name == n) {
                    Some((_, conversion)) => column.converted_by = Some(*conversion),
                    None => self.error(name.span(), format!("unknown conversion `{name}`"), CONVERSIONS_HELP),
                },
                Err(e) => self.syn_error(e, CONVERSIONS_HELP),
            },
            "storage_quota" => match attr.parse_args::<syn::Ident>() {
                Ok(unit) => match QuotaUnit::ALL.iter().find(|(n, _)| unit == n) {
                    Some((_, u)) => column.storage_quota = Some(StorageQuota { unit: *u, loc: self.loc(attr.span()) }),
                    None => self.error(unit.span(), format!("unknown storage unit `{unit}`"), QUOTA_HELP),
                },
                Err(e) => self.syn_error(e, QUOTA_HELP),
            },
            "references" => {
                match attr.parse_args_with(syn::punctuated::Punctuated::<Meta, Token![,]>::parse_terminated) {
                    Ok(args) => column.references = self.reference(attr, &args),
                    Err(e) => {
                        self.syn_error(e, "write #[references(Table)] or #[references(Table, on_delete = cascade)]")
                    }
                }
            }
            _ => self.error(attr.span(), format!("unsupported attribute `#[{name}]` on a column"), COLUMN_ATTRS_HELP),
        }
    }

    fn reference(
        &mut self,
        attr: &Attribute,
        args: &syn::punctuated::Punctuated<Meta, Token![,]>,
    ) -> Option<Reference> {
        const HELP: &str = "write #[references(Table)] or #[references(Table, on_delete = cascade | restrict)]";
        let mut iter = args.iter();
        let Some(Meta::Path(table)) = iter.next() else {
            self.error(attr.span(), "#[references] needs the referenced table first", HELP);
            return None;
        };
        let mut reference =
            Reference { table: path_text(table), on_delete: OnDelete::Restrict, loc: self.loc(table.span()) };
        for meta in iter {
            match meta {
                Meta::NameValue(nv) if nv.path.is_ident("on_delete") => match expr_ident(&nv.value).as_deref() {
                    Some("cascade") => reference.on_delete = OnDelete::Cascade,
                    Some("restrict") => reference.on_delete = OnDelete::Restrict,
                    _ => self.error(nv.value.span(), "on_delete must be `cascade` or `restrict`", HELP),
                },
                other => self.error(other.span(), "unsupported #[references] option", HELP),
            }
        }
        Some(reference)
    }

    fn column_type(&mut self, ty: &syn::Type) -> Option<ColumnType> {
        let syn::Type::Path(path) = ty else {
            self.error(ty.span(), "unsupported column type", SUPPORTED_TYPES_HELP);
            return None;
        };
        if path.qself.is_some() || path.path.segments.len() != 1 {
            let last = path.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            self.error(
                ty.span(),
                "column types are written without a path",
                format!("write `{last}` instead of the full path"),
            );
            return None;
        }
        let segment = &path.path.segments[0];
        let name = segment.ident.to_string();
        let args: Vec<&syn::Type> = match &segment.arguments {
            syn::PathArguments::None => Vec::new(),
            syn::PathArguments::AngleBracketed(a) => a
                .args
                .iter()
                .filter_map(|arg| match arg {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            syn::PathArguments::Parenthesized(_) => {
                self.error(ty.span(), "unsupported column type", SUPPORTED_TYPES_HELP);
                return None;
            }
        };
        let arg_count = match &segment.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.len(),
            _ => 0,
        };
        match name.as_str() {
            "Option" | "Vec" => {
                if arg_count != 1 || args.len() != 1 {
                    self.error(
                        ty.span(),
                        format!("`{name}` takes exactly one type argument"),
                        format!("write `{name}<T>`"),
                    );
                    return None;
                }
                let inner = Box::new(self.column_type(args[0])?);
                Some(if name == "Option" { ColumnType::Option(inner) } else { ColumnType::Vec(inner) })
            }
            _ if arg_count > 0 => {
                self.error(ty.span(), format!("`{name}` does not take type arguments"), SUPPORTED_TYPES_HELP);
                None
            }
            _ => Some(
                ColumnType::PRIMITIVES
                    .iter()
                    .find(|(spelling, _)| *spelling == name)
                    .map(|(_, t)| t.clone())
                    .unwrap_or(ColumnType::Named(name)),
            ),
        }
    }

    fn default_value(&mut self, expr: &Expr) -> Option<DefaultValue> {
        const HELP: &str = "a default is a literal (false, 0, -1, 1.5, \"text\"), None, Some(literal), \
                            an enum variant (Mode::Merge) or an empty list (vec![])";
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Bool(b) => Some(DefaultValue::Bool(b.value)),
                Lit::Str(s) => Some(DefaultValue::String(s.value())),
                Lit::Int(i) => match i.base10_parse::<i128>() {
                    Ok(v) => Some(DefaultValue::Int(v)),
                    Err(_) => match i.base10_parse::<u128>() {
                        Ok(v) => Some(DefaultValue::BigUint(v)),
                        Err(_) => {
                            self.error(i.span(), "this integer is too large for any column type", HELP);
                            None
                        }
                    },
                },
                Lit::Float(f) => match f.base10_parse::<f64>() {
                    Ok(v) => Some(DefaultValue::Float(v)),
                    Err(e) => {
                        self.error(f.span(), format!("not a number: {e}"), HELP);
                        None
                    }
                },
                other => {
                    self.error(other.span(), "unsupported default literal", HELP);
                    None
                }
            },
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match self.default_value(&u.expr)? {
                DefaultValue::Int(v) => Some(DefaultValue::Int(-v)),
                DefaultValue::Float(v) => Some(DefaultValue::Float(-v)),
                _ => {
                    self.error(expr.span(), "only numbers can be negated", HELP);
                    None
                }
            },
            Expr::Path(p) if p.path.is_ident("None") => Some(DefaultValue::None),
            Expr::Path(p) if p.path.segments.len() == 2 => Some(DefaultValue::EnumVariant {
                ty: p.path.segments[0].ident.to_string(),
                variant: p.path.segments[1].ident.to_string(),
            }),
            Expr::Call(call)
                if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Some")) && call.args.len() == 1 =>
            {
                Some(DefaultValue::Some(Box::new(self.default_value(&call.args[0])?)))
            }
            Expr::Macro(m) if m.mac.path.is_ident("vec") && m.mac.tokens.is_empty() => Some(DefaultValue::EmptyVec),
            Expr::Array(a) if a.elems.is_empty() => Some(DefaultValue::EmptyVec),
            other => {
                self.error(other.span(), "unsupported default value", HELP);
                None
            }
        }
    }

    fn enum_type(&mut self, e: &syn::ItemEnum) -> Option<TypeDef> {
        if !e.generics.params.is_empty() {
            self.error(e.generics.span(), "column types cannot be generic", "remove the generic parameters");
        }
        let mut variants = Vec::new();
        for v in &e.variants {
            let fields: Vec<&syn::Field> = v.fields.iter().collect();
            let payload = match fields.as_slice() {
                [] => None,
                [field] => {
                    let ty = self.column_type(&field.ty).unwrap_or(ColumnType::Error);
                    let field_name = field.ident.as_ref().map(|i| i.to_string().trim_start_matches("r#").to_owned());
                    Some(Payload { ty, ty_loc: self.loc(field.ty.span()), field: field_name, field_js: None })
                }
                _ => {
                    self.error(
                        v.fields.span(),
                        format!("variant `{}` holds {} values; a SpacetimeDB variant holds one", v.ident, fields.len()),
                        format!("put them in a #[heycat_type] struct and hold that: `{}({}Data)`", v.ident, v.ident),
                    );
                    None
                }
            };
            if let Some((_, d)) = &v.discriminant {
                self.error(d.span(), "enum variants cannot have explicit values", "remove `= value`");
            }
            variants.push(Variant {
                name: v.ident.to_string(),
                sdk_name: String::new(),
                docs: docs(&v.attrs),
                loc: self.loc(v.ident.span()),
                payload,
            });
        }
        Some(TypeDef {
            name: e.ident.to_string(),
            docs: docs(&e.attrs),
            kind: TypeKind::Enum { variants },
            constant: String::new(),
            sdk_name: String::new(),
            loc: self.loc(e.ident.span()),
        })
    }

    fn product_type(&mut self, s: &syn::ItemStruct) -> Option<TypeDef> {
        if !s.generics.params.is_empty() {
            self.error(s.generics.span(), "column types cannot be generic", "remove the generic parameters");
        }
        let Fields::Named(named) = &s.fields else {
            self.error(
                s.ident.span(),
                format!("struct `{}` needs named fields", s.ident),
                "declare it as `struct Name { pub field: Type }`",
            );
            return None;
        };
        let mut fields = Vec::new();
        for f in &named.named {
            let ident = f.ident.as_ref().expect("named fields have idents");
            for attr in &f.attrs {
                if !attr.path().is_ident("doc") {
                    self.error(
                        attr.span(),
                        format!(
                            "unsupported attribute `#[{}]` on a field of a #[heycat_type] struct",
                            path_text(attr.path())
                        ),
                        "keys, indexes and defaults belong to table columns",
                    );
                }
            }
            let ty = self.column_type(&f.ty).unwrap_or(ColumnType::Error);
            fields.push(Field {
                name: ident.to_string(),
                js_name: String::new(),
                sdk_name: String::new(),
                ty,
                ty_loc: self.loc(f.ty.span()),
                docs: docs(&f.attrs),
                loc: self.loc(ident.span()),
            });
        }
        Some(TypeDef {
            name: s.ident.to_string(),
            docs: docs(&s.attrs),
            kind: TypeKind::Product { fields },
            constant: String::new(),
            sdk_name: String::new(),
            loc: self.loc(s.ident.span()),
        })
    }
}

/// Reads past a repeated option's value (`= value` or `(...)`) so the options after it are read.
fn skip_option_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_option_value(&inner))?;
    }
    Ok(())
}

fn path_text(path: &syn::Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

fn expr_ident(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

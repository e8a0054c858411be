//! Checks that need the whole schema: names, keys, type resolution, defaults, references.
//!
//! Runs after parsing, over the model only (serde_derive's `check.rs`). Every problem is
//! reported with the place it is about and a hint; nothing here stops at the first error.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, Errors};
use crate::model::*;
use crate::names::{is_rust_keyword, to_pascal_case, to_snake_case, RESERVED_PREFIXES};
use crate::parse::SUPPORTED_TYPES_HELP;
use crate::source::Loc;

pub fn check(schema: &Schema, errors: &mut Errors) {
    let mut names = NameRegistry::default();
    for ty in &schema.types {
        check_name(errors, "type", &ty.name, ty.loc);
        names.claim(errors, "type", &ty.name, ty.loc);
        check_type_def(schema, ty, errors);
    }
    for table in schema.user_tables() {
        check_name(errors, "table", &table.name, table.loc);
        if table.name != to_snake_case(&table.name) {
            errors.error(
                table.loc,
                format!("table name `{}` is not snake_case", table.name),
                format!("use name = \"{}\"", to_snake_case(&table.name)),
            );
        }
        let claimed = names.claim(errors, "table", &table.name, table.loc);
        if table.row_type != to_pascal_case(&table.name) {
            names.claim(errors, "row type", &table.row_type, table.loc);
        }
        // (A table declared twice has its orders reported once, with it.)
        if claimed && !table.singleton {
            names.claim(errors, "order type", &table.names.order_type, table.loc);
        }
        check_table(schema, table, errors);
    }
    check_policies(schema, errors);
}

/// The declarations the runtime reads as policy: the storage limit's column (one per schema,
/// an unsigned integer of a singleton) and the cleanup order of tables.
fn check_policies(schema: &Schema, errors: &mut Errors) {
    let mut first_quota: Option<(&Table, &Column)> = None;
    for table in schema.user_tables() {
        for column in &table.columns {
            let Some(quota) = column.storage_quota else { continue };
            if let Some((t, c)) = first_quota {
                errors.error(
                    quota.loc,
                    format!(
                        "a second storage limit (`{}.{}`; the first is `{}.{}`)",
                        table.name, column.name, t.name, c.name
                    ),
                    "an app has one storage limit; remove one of the #[storage_quota] attributes",
                );
                continue;
            }
            first_quota = Some((table, column));
            if !table.singleton {
                errors.error(
                    quota.loc,
                    format!(
                        "the storage limit `{}` is in table `{}`, which is not a singleton",
                        column.name, table.name
                    ),
                    "put #[storage_quota] on a column of a #[heycat_table(singleton)] table (the app's settings)",
                );
            }
            let unsigned = matches!(column.ty, ColumnType::U8 | ColumnType::U16 | ColumnType::U32 | ColumnType::U64);
            if !unsigned && is_known(schema, &column.ty) {
                errors.error(
                    column.ty_loc,
                    format!("the storage limit `{}` is a `{}`", column.name, column.ty.schema_spelling()),
                    "a storage limit is an unsigned integer: u8, u16, u32 or u64",
                );
            }
        }
        let Some(cleanup) = &table.cleanup else { continue };
        match table.column(&cleanup.oldest_first) {
            None => errors.error(
                cleanup.loc,
                format!("table `{}` has no column `{}` to clean up by", table.name, cleanup.oldest_first),
                format!(
                    "name one of its columns: {}",
                    table.declared_columns().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
            Some(column)
                if !(column.ty == ColumnType::Timestamp || column.ty.is_integer()) && is_known(schema, &column.ty) =>
            {
                errors.error(
                    cleanup.loc,
                    format!(
                        "rows cannot be ordered oldest first by `{}`, a `{}`",
                        column.name,
                        column.ty.schema_spelling()
                    ),
                    "order by a Timestamp or integer column (e.g. created_at: Timestamp)",
                )
            }
            Some(_) => {}
        }
        if table.singleton {
            errors.error(
                cleanup.loc,
                format!("singleton table `{}` cannot be cleaned up", table.name),
                "a singleton always holds its one row; remove the cleanup option",
            );
        }
    }
}

/// Rejects names that cannot be represented, and prefixes the toolkit keeps for itself. Words
/// reserved in TypeScript or SQL are fine: TypeScript properties may be any name (parameters
/// are renamed), and the SQL the toolkit sends quotes its names. A Rust keyword is not:
/// SpacetimeDB 1.2.0's module macros name a column, field or variant after its Rust
/// identifier, so `r#type` would be the name in the database, which SpacetimeDB does not
/// accept (`#` is not an identifier character).
fn check_name(errors: &mut Errors, what: &str, name: &str, loc: Loc) {
    let bare = name.strip_prefix("r#").unwrap_or(name);
    if is_rust_keyword(bare) {
        errors.error(
            loc,
            format!(
                "{what} name `{bare}` is a Rust keyword, which a SpacetimeDB 1.2.0 Rust module cannot use as a name"
            ),
            format!(
                "its module macros would call it `r#{bare}`, which SpacetimeDB refuses; rename it, e.g. `{bare}_value` \
                 (words reserved in TypeScript or SQL, such as `function` or `order`, are fine)"
            ),
        );
    } else if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| bare.starts_with(**p)) {
        errors.error(
            loc,
            format!("{what} name `{bare}` starts with `{prefix}`, which heycat keeps for generated names"),
            "choose a name without that prefix",
        );
    }
}

/// Tables and types share the generated namespaces: Rust types (PascalCase), TypeScript types,
/// SQL tables and generated file names (snake_case). Two names that collide in any of these
/// forms are reported at the second one.
#[derive(Default)]
struct NameRegistry {
    by_form: BTreeMap<String, (String, String, Loc)>,
}

impl NameRegistry {
    /// Claims `name` for `what`; false (and reported) when another declaration has it.
    fn claim(&mut self, errors: &mut Errors, what: &str, name: &str, loc: Loc) -> bool {
        let forms = [to_snake_case(name), to_pascal_case(&to_snake_case(name))];
        for form in forms {
            if let Some((first_what, first_name, first_loc)) = self.by_form.get(&form) {
                let message = if first_name == name && first_what == what {
                    format!("duplicate {what} `{name}`")
                } else {
                    format!("{what} `{name}` clashes with {first_what} `{first_name}`: both become `{form}` in generated code")
                };
                errors.push(
                    Diagnostic::new(loc, message)
                        .help("rename one of them")
                        .related(*first_loc, format!("{first_what} `{first_name}` is declared here")),
                );
                return false;
            }
        }
        for form in [to_snake_case(name), to_pascal_case(&to_snake_case(name))] {
            self.by_form.insert(form, (what.to_owned(), name.to_owned(), loc));
        }
        true
    }
}

fn check_type_def(schema: &Schema, ty: &TypeDef, errors: &mut Errors) {
    match &ty.kind {
        TypeKind::Enum { variants } => {
            if variants.is_empty() {
                errors.error(ty.loc, format!("enum `{}` has no variants", ty.name), "add at least one variant");
            }
            let mut seen = BTreeMap::new();
            for v in variants {
                check_name(errors, "variant", &v.name, v.loc);
                if seen.insert(v.name.as_str(), v.loc).is_some() {
                    errors.error(v.loc, format!("duplicate variant `{}`", v.name), "remove or rename one of them");
                }
                if let Some(payload) = &v.payload {
                    if let Some(field) = &payload.field {
                        check_name(errors, "field", field, payload.ty_loc);
                    }
                    check_type_use(schema, &payload.ty, payload.ty_loc, errors);
                }
            }
        }
        TypeKind::Product { fields } => {
            let mut seen = BTreeMap::new();
            for f in fields {
                check_name(errors, "field", &f.name, f.loc);
                if let Some(first) = seen.insert(f.js_name.as_str(), f) {
                    errors.error(f.loc, field_clash("field", &first.name, &f.name, &f.js_name), "rename one of them");
                }
                check_type_use(schema, &f.ty, f.ty_loc, errors);
            }
        }
    }
}

/// Two fields or columns whose TypeScript name is the same.
fn field_clash(what: &str, first: &str, second: &str, js: &str) -> String {
    if first == second {
        format!("duplicate {what} `{second}`")
    } else {
        format!("{what} `{second}` clashes with `{first}`: both are `{js}` in TypeScript")
    }
}

/// Every named type a column uses must be declared.
fn check_type_use(schema: &Schema, ty: &ColumnType, loc: Loc, errors: &mut Errors) {
    match ty {
        ColumnType::Option(inner) | ColumnType::Vec(inner) => check_type_use(schema, inner, loc, errors),
        ColumnType::Named(name) if schema.type_def(name).is_none() => {
            let mut help = String::new();
            if let Some(suggestion) = closest_type_name(schema, name) {
                help = format!("did you mean `{suggestion}`? ");
            }
            help.push_str(SUPPORTED_TYPES_HELP);
            if schema.tables.iter().any(|t| &t.row_type == name) {
                help = format!(
                    "`{name}` is a table; to point at its rows store its primary key and add #[references({name})]"
                );
            }
            errors.error(loc, format!("unknown column type `{name}`"), help);
        }
        _ => {}
    }
}

fn closest_type_name(schema: &Schema, name: &str) -> Option<String> {
    let candidates =
        ColumnType::PRIMITIVES.iter().map(|(n, _)| (*n).to_owned()).chain(schema.types.iter().map(|t| t.name.clone()));
    candidates
        .map(|c| (edit_distance(&c.to_lowercase(), &name.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn check_table(schema: &Schema, table: &Table, errors: &mut Errors) {
    let mut seen: BTreeMap<&str, &Column> = BTreeMap::new();
    for column in &table.columns {
        if let Some(first) = seen.get(column.names.js.as_str()) {
            let clash = field_clash("column", &first.name, &column.name, &column.names.js);
            errors.error(column.loc, clash, "rename one of the columns");
        } else {
            seen.insert(&column.names.js, column);
        }
        if column.origin != ColumnOrigin::Declared {
            continue;
        }
        check_name(errors, "column", &column.name, column.loc);
        check_implicit_clash(table, column, errors);
        check_type_use(schema, &column.ty, column.ty_loc, errors);
        check_column_keys(schema, table, column, errors);
        match &column.default {
            Some(default) if is_known(schema, &column.ty) => {
                check_default(schema, &column.ty, &default.value, default.loc, errors)
            }
            Some(_) => {}
            None if table.singleton => errors.error(
                column.loc,
                format!("column `{}` of singleton table `{}` has no default", column.name, table.name),
                "a singleton starts as one row made of defaults; add #[default(...)]",
            ),
            None => {}
        }
        if let Some(reference) = &column.references {
            check_reference(schema, column, reference, errors);
        }
    }

    let keys: Vec<&Column> = table.columns.iter().filter(|c| c.primary_key).collect();
    if table.singleton {
        for key in keys.iter().filter(|c| c.origin == ColumnOrigin::Declared) {
            errors.error(
                key.loc,
                format!("singleton table `{}` cannot declare a primary key", table.name),
                "heycat gives singleton tables their key; remove #[primary_key]",
            );
        }
    } else if keys.is_empty() {
        errors.error(
            table.loc,
            format!("table `{}` has no primary key", table.name),
            "mark one column #[primary_key], e.g. `#[primary_key] pub id: String`",
        );
    } else {
        for extra in &keys[1..] {
            errors.error(
                extra.loc,
                format!(
                    "table `{}` has a second primary key `{}` (the first is `{}`)",
                    table.name, extra.name, keys[0].name
                ),
                "a table has exactly one primary key; use #[unique] for other columns",
            );
        }
    }
}

/// A declared column may not take the name of a column heycat adds.
fn check_implicit_clash(table: &Table, column: &Column, errors: &mut Errors) {
    let implicit = [
        (
            table.synced,
            ROW_VERSION_COLUMN,
            "synced tables get a `row_version` column; use another name, or #[heycat_table(sync = false)]",
        ),
        (table.singleton, SINGLETON_KEY_COLUMN, "singleton tables get an `id` key column; use another name"),
    ];
    for (applies, name, help) in implicit {
        if applies && column.name == name {
            errors.error(column.loc, format!("column name `{name}` is reserved in table `{}`", table.name), help);
        }
    }
}

/// Whether the checks can judge values of `ty`: it parsed and names only declared types. (One
/// that does not was reported where it is written; judging it again would say the same twice.)
fn is_known(schema: &Schema, ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Error => false,
        ColumnType::Named(name) => schema.type_def(name).is_some(),
        ColumnType::Option(inner) | ColumnType::Vec(inner) => is_known(schema, inner),
        _ => true,
    }
}

fn check_column_keys(schema: &Schema, table: &Table, column: &Column, errors: &mut Errors) {
    let known = is_known(schema, &column.ty);
    if column.auto_inc && !column.ty.is_integer() && known {
        errors.error(
            column.ty_loc,
            format!("#[auto_inc] column `{}` must be an integer, not `{}`", column.name, column.ty.schema_spelling()),
            "use an integer type such as u64, or remove #[auto_inc]",
        );
    }
    if column.auto_inc && table.synced && matches!(column.ty, ColumnType::U256 | ColumnType::I256) {
        errors.error(
            column.ty_loc,
            format!("#[auto_inc] key `{}` of synced table `{}` cannot be 256 bits wide yet", column.name, table.name),
            "use u64 (or any integer type up to 128 bits)",
        );
    }
    if column.auto_inc && table.synced && !column.primary_key {
        errors.error(
            column.loc,
            format!("#[auto_inc] column `{}` of synced table `{}` is not its key", column.name, table.name),
            "in a synced table only the primary key may be #[auto_inc] (a row written offline gets a provisional key \
             that the server's replaces); make it the key, or set the value yourself",
        );
    }
    let keyed = column.primary_key || column.unique || column.indexed || column.references.is_some();
    if keyed && !is_indexable(&column.ty) && known {
        errors.error(
            column.ty_loc,
            format!("column `{}` of type `{}` cannot be a key or index", column.name, column.ty.schema_spelling()),
            "keys and indexes need bool, an integer, String, Identity or ConnectionId (what SpacetimeDB 1.2.0 can index)",
        );
    }
}

fn is_indexable(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Bool | ColumnType::String | ColumnType::Identity | ColumnType::ConnectionId)
        || ty.is_integer()
}

fn check_reference(schema: &Schema, column: &Column, reference: &Reference, errors: &mut Errors) {
    let target = schema.referenced(reference);
    let Some(target) = target else {
        errors.error(
            reference.loc,
            format!("#[references({})] names no table", reference.table),
            "write the row type of a #[heycat_table] struct, e.g. #[references(Recording)]",
        );
        return;
    };
    match target.primary_key() {
        Some(key) if key.ty != column.ty && is_known(schema, &column.ty) => errors.error(
            column.ty_loc,
            format!(
                "column `{}` references `{}.{}` of type `{}` but is `{}`",
                column.name,
                target.name,
                key.name,
                key.ty.schema_spelling(),
                column.ty.schema_spelling()
            ),
            format!("make the column `{}`", key.ty.schema_spelling()),
        ),
        _ => {}
    }
}

/// Whether `value` can be stored in a column of type `ty`.
fn check_default(schema: &Schema, ty: &ColumnType, value: &DefaultValue, loc: Loc, errors: &mut Errors) {
    let spelled = ty.schema_spelling();
    let mismatch = |errors: &mut Errors, what: &str| {
        errors.error(loc, format!("default {what} does not fit column type `{spelled}`"), default_hint(schema, ty));
    };
    match (ty, value) {
        (ColumnType::Bool, DefaultValue::Bool(_)) | (ColumnType::String, DefaultValue::String(_)) => {}
        (ColumnType::F32 | ColumnType::F64, DefaultValue::Float(_) | DefaultValue::Int(_)) => {}
        (ColumnType::U256 | ColumnType::I256, _) => errors.error(
            loc,
            format!("a `#[default]` for a `{spelled}` column is not supported yet"),
            "leave it out (add the column while the table is empty), or use `u128`/`i128`",
        ),
        (t, DefaultValue::Int(v)) if t.is_integer() => {
            let (min, max) = t.integer_range().unwrap_or((0, 0));
            if *v < min || (*v >= 0 && *v as u128 > max) {
                errors.error(
                    loc,
                    format!("default {v} is out of range for `{spelled}` ({min}..={max})"),
                    default_hint(schema, ty),
                );
            }
        }
        (ColumnType::U128, DefaultValue::BigUint(_)) => {}
        (ColumnType::Option(_), DefaultValue::None) => {}
        (ColumnType::Option(inner), DefaultValue::Some(v)) => check_default(schema, inner, v, loc, errors),
        (ColumnType::Vec(_), DefaultValue::EmptyVec) => {}
        (ColumnType::Named(name), DefaultValue::EnumVariant { ty: enum_name, variant }) if name == enum_name => {
            match schema.type_def(name).map(|t| &t.kind) {
                Some(TypeKind::Enum { variants }) if !variants.iter().any(|v| &v.name == variant) => {
                    errors.error(loc, format!("enum `{name}` has no variant `{variant}`"), default_hint(schema, ty))
                }
                Some(TypeKind::Enum { variants })
                    if variants.iter().any(|v| &v.name == variant && v.payload.is_some()) =>
                {
                    errors.error(
                        loc,
                        format!("variant `{name}::{variant}` holds a value, which a default cannot give"),
                        default_hint(schema, ty),
                    )
                }
                Some(TypeKind::Enum { .. }) | None => {}
                Some(TypeKind::Product { .. }) => mismatch(errors, "enum variant"),
            }
        }
        (_, value) => mismatch(errors, default_kind(value)),
    }
}

fn default_kind(value: &DefaultValue) -> &'static str {
    match value {
        DefaultValue::Bool(_) => "boolean",
        DefaultValue::Int(_) | DefaultValue::BigUint(_) => "integer",
        DefaultValue::Float(_) => "number",
        DefaultValue::String(_) => "string",
        DefaultValue::None => "`None`",
        DefaultValue::Some(_) => "`Some(..)`",
        DefaultValue::EnumVariant { .. } => "enum variant",
        DefaultValue::EmptyVec => "empty list",
    }
}

/// An example default for a column type, to put in a hint.
fn default_hint(schema: &Schema, ty: &ColumnType) -> String {
    let example = match ty {
        ColumnType::Bool => "#[default(false)]".to_owned(),
        ColumnType::String => "#[default(\"\")]".to_owned(),
        ColumnType::F32 | ColumnType::F64 => "#[default(0.0)]".to_owned(),
        t if t.is_integer() => "#[default(0)]".to_owned(),
        ColumnType::Option(_) => "#[default(None)]".to_owned(),
        ColumnType::Vec(_) => "#[default(vec![])]".to_owned(),
        ColumnType::Named(name) => match schema.type_def(name).map(|t| &t.kind) {
            Some(TypeKind::Enum { variants }) => {
                let names: Vec<String> =
                    variants.iter().filter(|v| v.payload.is_none()).map(|v| format!("{name}::{}", v.name)).collect();
                if names.is_empty() {
                    return format!(
                        "every variant of `{name}` holds a value: a column of it cannot have a default yet"
                    );
                }
                return format!("use one of: {}", names.join(", "));
            }
            _ => return format!("columns of type `{name}` cannot have a default yet"),
        },
        other => return format!("columns of type `{}` cannot have a default yet", other.schema_spelling()),
    };
    format!("write a value of the column's type, e.g. {example}")
}

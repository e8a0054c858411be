//! The schema model as SpacetimeDB's own module definition (`RawModuleDefV9`), validated by
//! `spacetimedb-schema` so the server's rules are applied at build time.
//!
//! The definition mirrors what the `#[spacetimedb::table]` / `#[reducer]` macros of the
//! generated module describe; a test compares it with what the published module reports.

use spacetimedb_lib::db::raw_def::v9::{
    Lifecycle, RawConstraintDataV9, RawConstraintDefV9, RawIndexAlgorithm, RawIndexDefV9, RawModuleDefV9,
    RawReducerDefV9, RawScopedTypeNameV9, RawSequenceDefV9, RawTableDefV9, RawTypeDefV9, RawUniqueConstraintDataV9,
    TableAccess, TableType,
};
use spacetimedb_primitives::{ColId, ColList};
use spacetimedb_sats::{
    AlgebraicType, AlgebraicTypeRef, ProductType, ProductTypeElement, SumType, SumTypeVariant, Typespace,
};

use crate::diagnostics::{Diagnostic, Errors};
use crate::model::*;
use crate::reducers::{ParamType, ReducerKind};

/// Builds the module definition. Named types come first in the typespace, then one row type per
/// table, each in schema order.
pub fn raw_module_def(schema: &Schema) -> RawModuleDefV9 {
    let refs = TypeRefs::new(schema);
    let mut typespace = Vec::new();
    let mut types = Vec::new();
    for ty in &schema.types {
        let algebraic = match &ty.kind {
            TypeKind::Enum { variants } => AlgebraicType::Sum(SumType::new(
                variants
                    .iter()
                    .map(|v| {
                        // What SpacetimeDB's derive makes of it: the held value's type, or unit.
                        let held = v.payload.as_ref().map_or_else(AlgebraicType::unit, |p| refs.algebraic(&p.ty));
                        SumTypeVariant::new_named(held, v.name.as_str())
                    })
                    .collect(),
            )),
            TypeKind::Product { fields } => AlgebraicType::Product(ProductType::new(
                fields.iter().map(|f| ProductTypeElement::new_named(refs.algebraic(&f.ty), f.name.as_str())).collect(),
            )),
        };
        types.push(named_type(&ty.name, AlgebraicTypeRef(typespace.len() as u32)));
        typespace.push(algebraic);
    }
    let mut tables = Vec::new();
    for table in &schema.tables {
        let row_ref = AlgebraicTypeRef(typespace.len() as u32);
        typespace.push(AlgebraicType::Product(row_product(&refs, table)));
        types.push(named_type(&table.row_type, row_ref));
        tables.push(table_def(table, row_ref));
    }
    let reducers = schema
        .reducers()
        .iter()
        .map(|r| RawReducerDefV9 {
            name: r.name.as_str().into(),
            params: ProductType::new(
                r.params
                    .iter()
                    .map(|p| {
                        let row = || AlgebraicType::Ref(refs.row(r.table.expect("row params belong to a table")));
                        let ty = match &p.ty {
                            ParamType::Row => row(),
                            ParamType::OptionalRow => AlgebraicType::option(row()),
                            ParamType::Rows => AlgebraicType::array(row()),
                            ParamType::Column(ty) => refs.algebraic(ty),
                            ParamType::OpId => AlgebraicType::String,
                        };
                        ProductTypeElement::new_named(ty, p.name.as_str())
                    })
                    .collect(),
            ),
            lifecycle: (r.kind == ReducerKind::Init).then_some(Lifecycle::Init),
        })
        .collect();
    RawModuleDefV9 {
        typespace: Typespace::new(typespace),
        tables,
        reducers,
        types,
        misc_exports: Vec::new(),
        row_level_security: Vec::new(),
    }
}

/// Validates the definition with SpacetimeDB's own rules; each problem becomes a diagnostic at
/// the table it names, or at the first table when it names none.
pub fn validate(schema: &Schema, def: RawModuleDefV9, errors: &mut Errors) {
    let Err(validation) = spacetimedb_schema::def::ModuleDef::try_from(def) else {
        return;
    };
    for error in validation.into_iter() {
        let text = error.to_string();
        let table = schema
            .tables
            .iter()
            .find(|t| text.contains(&format!("`{}`", t.name)) || text.contains(&t.name))
            .or(schema.tables.first());
        if let Some(table) = table {
            errors.push(
                Diagnostic::new(table.loc, format!("SpacetimeDB rejects this schema: {text}"))
                    .help("this rule comes from the SpacetimeDB 1.2.0 server; change the schema so it holds"),
            );
        }
    }
}

fn named_type(name: &str, ty: AlgebraicTypeRef) -> RawTypeDefV9 {
    // The derive macros declare every type with a custom ordering; so do we, to match.
    RawTypeDefV9 { name: RawScopedTypeNameV9 { scope: Box::new([]), name: name.into() }, ty, custom_ordering: true }
}

fn row_product(refs: &TypeRefs, table: &Table) -> ProductType {
    ProductType::new(
        table.columns.iter().map(|c| ProductTypeElement::new_named(refs.algebraic(&c.ty), c.name.as_str())).collect(),
    )
}

/// Constraints and indexes in the order the table macro registers them: unique columns (and the
/// key) in column order; explicit indexes first, then one btree index per unique column not
/// already covered, with unique ones sorted first.
fn table_def(table: &Table, row_ref: AlgebraicTypeRef) -> RawTableDefV9 {
    let col = |i: usize| ColId(i as u16);
    let unique: Vec<usize> =
        (0..table.columns.len()).filter(|&i| table.columns[i].unique || table.columns[i].primary_key).collect();
    let mut indexes: Vec<(bool, RawIndexDefV9)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.indexed || c.references.is_some())
        .map(|(i, c)| (unique.contains(&i), btree(&c.name, col(i))))
        .collect();
    for &i in &unique {
        let covered = table.columns[i].indexed || table.columns[i].references.is_some();
        if !covered {
            indexes.push((true, btree(&table.columns[i].name, col(i))));
        }
    }
    indexes.sort_by_key(|(is_unique, _)| !is_unique);
    RawTableDefV9 {
        name: table.name.as_str().into(),
        product_type_ref: row_ref,
        primary_key: table.primary_key_index().map_or_else(ColList::empty, |i| ColList::new(col(i))),
        indexes: indexes.into_iter().map(|(_, index)| index).collect(),
        constraints: unique
            .iter()
            .map(|&i| RawConstraintDefV9 {
                name: None,
                data: RawConstraintDataV9::Unique(RawUniqueConstraintDataV9 { columns: ColList::new(col(i)) }),
            })
            .collect(),
        sequences: table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.auto_inc)
            .map(|(i, _)| RawSequenceDefV9 {
                name: None,
                column: col(i),
                start: None,
                min_value: None,
                max_value: None,
                increment: 1,
            })
            .collect(),
        schedule: None,
        table_type: TableType::User,
        table_access: match table.access {
            Access::Public => TableAccess::Public,
            Access::Private => TableAccess::Private,
        },
    }
}

fn btree(accessor: &str, column: ColId) -> RawIndexDefV9 {
    RawIndexDefV9 {
        name: None,
        accessor_name: Some(accessor.into()),
        algorithm: RawIndexAlgorithm::BTree { columns: ColList::new(column) },
    }
}

/// Where each named type and row type sits in the typespace.
struct TypeRefs<'s> {
    schema: &'s Schema,
}

impl<'s> TypeRefs<'s> {
    fn new(schema: &'s Schema) -> Self {
        TypeRefs { schema }
    }

    fn named(&self, name: &str) -> AlgebraicTypeRef {
        let i = self.schema.types.iter().position(|t| t.name == name).unwrap_or(0);
        AlgebraicTypeRef(i as u32)
    }

    fn row(&self, table: &Table) -> AlgebraicTypeRef {
        let i = self.schema.tables.iter().position(|t| t.name == table.name).unwrap_or(0);
        AlgebraicTypeRef((self.schema.types.len() + i) as u32)
    }

    fn algebraic(&self, ty: &ColumnType) -> AlgebraicType {
        match ty {
            ColumnType::Bool => AlgebraicType::Bool,
            ColumnType::U8 => AlgebraicType::U8,
            ColumnType::U16 => AlgebraicType::U16,
            ColumnType::U32 => AlgebraicType::U32,
            ColumnType::U64 => AlgebraicType::U64,
            ColumnType::U128 => AlgebraicType::U128,
            ColumnType::U256 => AlgebraicType::U256,
            ColumnType::I8 => AlgebraicType::I8,
            ColumnType::I16 => AlgebraicType::I16,
            ColumnType::I32 => AlgebraicType::I32,
            ColumnType::I64 => AlgebraicType::I64,
            ColumnType::I128 => AlgebraicType::I128,
            ColumnType::I256 => AlgebraicType::I256,
            ColumnType::F32 => AlgebraicType::F32,
            ColumnType::F64 => AlgebraicType::F64,
            ColumnType::String => AlgebraicType::String,
            ColumnType::Identity => AlgebraicType::identity(),
            ColumnType::ConnectionId => AlgebraicType::connection_id(),
            ColumnType::Timestamp => AlgebraicType::timestamp(),
            ColumnType::TimeDuration => AlgebraicType::time_duration(),
            ColumnType::Option(inner) => AlgebraicType::option(self.algebraic(inner)),
            ColumnType::Vec(inner) => AlgebraicType::array(self.algebraic(inner)),
            ColumnType::Named(name) => AlgebraicType::Ref(self.named(name)),
            // Not reached: a schema with a type that did not parse fails its checks first.
            ColumnType::Error => AlgebraicType::unit(),
        }
    }
}

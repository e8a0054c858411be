//! A deterministic, human-readable description of a module definition.
//!
//! Two definitions describe the same database exactly when their descriptions are equal,
//! whatever order their typespaces and lists are in. Used to prove that the published module
//! and the schema model agree (the drift test), by the app to tell whether a server runs the
//! module it was built for, and readable in a diff.

use std::collections::BTreeMap;
use std::fmt::Write;

use spacetimedb_lib::db::raw_def::v9::{
    RawConstraintDataV9, RawIndexAlgorithm, RawModuleDefV9, RawTableDefV9, TableAccess,
};
use spacetimedb_primitives::ColList;
use spacetimedb_sats::{AlgebraicType, AlgebraicTypeRef, ProductType};

pub fn describe(def: &RawModuleDefV9) -> String {
    let names: BTreeMap<u32, String> =
        def.types.iter().map(|t| (t.ty.0, display_scoped(&t.name.scope, &t.name.name))).collect();
    let describer = Describer { def, names: &names };
    let mut sections: Vec<String> = Vec::new();
    for t in &def.types {
        let name = display_scoped(&t.name.scope, &t.name.name);
        let body = def.typespace.get(t.ty).map_or("<missing>".to_owned(), |ty| describer.structure(ty));
        sections.push(format!("type {name} = {body}"));
    }
    for table in &def.tables {
        sections.push(describer.table(table));
    }
    for reducer in &def.reducers {
        let params = describer.fields(&reducer.params);
        let lifecycle = reducer.lifecycle.map(|l| format!(" lifecycle {l:?}")).unwrap_or_default();
        sections.push(format!("reducer {}({params}){lifecycle}", reducer.name));
    }
    for rls in &def.row_level_security {
        sections.push(format!("row level security {}", rls.sql));
    }
    sections.sort();
    sections.join("\n") + "\n"
}

fn display_scoped(scope: &[Box<str>], name: &str) -> String {
    scope.iter().map(|s| &**s).chain([name]).collect::<Vec<_>>().join("::")
}

struct Describer<'a> {
    def: &'a RawModuleDefV9,
    names: &'a BTreeMap<u32, String>,
}

impl Describer<'_> {
    /// A type as used in a column or parameter: named types by name.
    fn usage(&self, ty: &AlgebraicType) -> String {
        match ty {
            AlgebraicType::Ref(r) => match self.names.get(&r.0) {
                Some(name) => name.clone(),
                None => self.resolve(*r).map_or(format!("<ref {}>", r.0), |t| self.structure(t)),
            },
            t if t.is_identity() => "Identity".into(),
            t if t.is_connection_id() => "ConnectionId".into(),
            t if t.is_timestamp() => "Timestamp".into(),
            t if t.is_time_duration() => "TimeDuration".into(),
            AlgebraicType::Sum(s) => match s.as_option() {
                Some(inner) => format!("Option<{}>", self.usage(inner)),
                None => self.structure(ty),
            },
            AlgebraicType::Product(_) => self.structure(ty),
            AlgebraicType::Array(a) => format!("Array<{}>", self.usage(&a.elem_ty)),
            primitive => format!("{primitive:?}"),
        }
    }

    /// A type's own structure (what a named type stands for).
    fn structure(&self, ty: &AlgebraicType) -> String {
        match ty {
            AlgebraicType::Product(p) if !ty.is_special() => {
                format!("product {{ {} }}", self.fields(p))
            }
            AlgebraicType::Sum(s) if s.as_option().is_none() && !ty.is_special() => {
                let variants: Vec<String> = s
                    .variants
                    .iter()
                    .map(|v| {
                        let name = v.name.as_deref().unwrap_or("_");
                        if v.algebraic_type.is_unit() {
                            name.to_owned()
                        } else {
                            format!("{name}({})", self.usage(&v.algebraic_type))
                        }
                    })
                    .collect();
                format!("sum {{ {} }}", variants.join(", "))
            }
            other => self.usage(other),
        }
    }

    fn fields(&self, p: &ProductType) -> String {
        p.elements
            .iter()
            .map(|e| format!("{}: {}", e.name.as_deref().unwrap_or("_"), self.usage(&e.algebraic_type)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn resolve(&self, r: AlgebraicTypeRef) -> Option<&AlgebraicType> {
        self.def.typespace.get(r)
    }

    fn table(&self, table: &RawTableDefV9) -> String {
        let columns: Vec<String> = match self.resolve(table.product_type_ref) {
            Some(AlgebraicType::Product(p)) => {
                p.elements.iter().map(|e| e.name.as_deref().unwrap_or("_").to_owned()).collect()
            }
            _ => Vec::new(),
        };
        let cols = |list: &ColList| {
            let names: Vec<&str> = list.iter().map(|c| columns.get(c.idx()).map_or("?", String::as_str)).collect();
            format!("({})", names.join(", "))
        };
        let row = self.names.get(&table.product_type_ref.0).cloned().unwrap_or_else(|| "<anonymous>".into());
        let access = match table.table_access {
            TableAccess::Public => "public",
            TableAccess::Private => "private",
        };
        let mut lines = vec![format!("table {} {access} {:?} row {row}", table.name, table.table_type)];
        lines.push(format!("  primary key {}", cols(&table.primary_key)));
        let mut details: Vec<String> = Vec::new();
        for c in &table.constraints {
            match &c.data {
                RawConstraintDataV9::Unique(u) => details.push(format!("  unique {}", cols(&u.columns))),
                other => details.push(format!("  constraint {other:?}")),
            }
        }
        for i in &table.indexes {
            let algorithm = match &i.algorithm {
                RawIndexAlgorithm::BTree { columns } => format!("btree {}", cols(columns)),
                RawIndexAlgorithm::Direct { column } => {
                    format!("direct ({})", columns.get(column.idx()).map_or("?", String::as_str))
                }
                other => format!("{other:?}"),
            };
            let accessor = i.accessor_name.as_deref().unwrap_or("-");
            details.push(format!("  index {algorithm} accessor {accessor}"));
        }
        for s in &table.sequences {
            details.push(format!(
                "  sequence ({}) increment {}",
                columns.get(s.column.idx()).map_or("?", String::as_str),
                s.increment
            ));
        }
        if let Some(schedule) = &table.schedule {
            details.push(format!(
                "  scheduled {} at column {}",
                schedule.reducer_name,
                schedule.scheduled_at_column.idx()
            ));
        }
        details.sort();
        lines.extend(details);
        let mut out = String::new();
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        out.trim_end().to_owned()
    }
}

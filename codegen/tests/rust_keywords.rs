//! Why a Rust keyword cannot name a column in a SpacetimeDB 1.2.0 Rust module: its derive names
//! a field after the Rust identifier, `r#` included, and SpacetimeDB refuses that name.

use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9Builder;
use spacetimedb_lib::sats::AlgebraicType;
use spacetimedb_lib::SpacetimeType;

#[derive(SpacetimeType)]
#[sats(crate = spacetimedb_lib)]
struct Row {
    r#type: String,
}

#[test]
fn a_raw_identifier_field_keeps_its_r_hash_and_spacetimedb_refuses_that_name() {
    let mut module = RawModuleDefV9Builder::new();
    let ty = <Row as spacetimedb_lib::sats::SpacetimeType>::make_type(&mut module);
    let typespace = module.finish().typespace;
    let ty = match ty {
        AlgebraicType::Ref(r) => typespace[r].clone(),
        other => other,
    };
    let name = ty.as_product().unwrap().elements[0].name.as_deref().unwrap().to_owned();
    assert_eq!(name, "r#type");
    assert!(spacetimedb_schema::identifier::Identifier::new(name.into()).is_err());
    assert!(spacetimedb_schema::identifier::Identifier::new("type".into()).is_ok(), "`type` itself would be fine");
}

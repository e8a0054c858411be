//! heycat's SpacetimeDB module. Everything in it is generated from `schema/` by build.rs
//! (`heycat_codegen::backend::module`); the generated source is `OUT_DIR/heycat_module.rs`.

include!(concat!(env!("OUT_DIR"), "/heycat_module.rs"));

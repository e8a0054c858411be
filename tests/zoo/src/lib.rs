//! The zoo: a schema of the shapes a SpacetimeDB user writes that heycat's and the notes
//! app's schemas do not have (enums with values, bytes, the widest integers, options of
//! options, names that are TypeScript or SQL words, keys the server gives), generated like an
//! app's.

/// The code generated from `schema/`.
pub mod data {
    heycat_runtime::include_generated!();
}

/// The database the zoo lives in.
pub const DATABASE: &str = "zoo";

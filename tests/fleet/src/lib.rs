//! One app released three times, so tests can put the devices of one user on different
//! versions of it, as users who update their devices one at a time do: `v1` (notes, tags, a
//! preference); `v2` (a renamed column, a widened one, a new column with a default, a renamed
//! table: SpacetimeDB cannot migrate that by itself, so the data is carried); `v3` (a new
//! table and a new index only: SpacetimeDB migrates it, and `v2` devices keep syncing).

pub use heycat_fleet_v1::data as v1;
pub use heycat_fleet_v2::data as v2;
pub use heycat_fleet_v3::data as v3;

/// The database every device uses.
pub const DATABASE: &str = "fleet";

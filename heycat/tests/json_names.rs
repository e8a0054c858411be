//! The row types `#[heycat_table]` / `#[heycat_type]` make serialize each field under the name
//! the TypeScript bindings give it: codegen resolves it once and names it explicitly
//! (`#[serde(rename = "...")]`), so serde's own case conversion never has to agree with it.

use heycat::prelude::*;

#[heycat_type]
pub enum Shape {
    Empty,
    Circle { outer_radius: f64 },
}

#[heycat_type]
pub struct Point3 {
    pub x_1: f64,
    pub y2z: f64,
}

#[heycat_table]
pub struct Note2Tag {
    #[primary_key]
    pub v2_id: u32,
    pub created_at_ms: u32,
    pub shape: Shape,
    pub at: Point3,
}

#[test]
fn fields_cross_under_their_typescript_names() {
    let row = Note2Tag {
        v2_id: 1,
        created_at_ms: 2,
        shape: Shape::Circle { outer_radius: 1.5 },
        at: Point3 { x_1: 3.0, y2z: 4.0 },
        row_version: 0,
    };
    let json = serde_json::to_value(&row).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "v2Id": 1,
            "createdAtMs": 2,
            "shape": { "tag": "Circle", "value": { "outerRadius": 1.5 } },
            "at": { "x1": 3.0, "y2z": 4.0 },
            "rowVersion": "0",
        })
    );
    assert_eq!(serde_json::from_value::<Note2Tag>(json).unwrap(), row);
    assert_eq!(<Note2Tag as heycat::Table>::KEY_FIELD, "v2Id");
}

//! Enums whose variants hold values: unit, tuple and struct variants, nested in each other, in
//! options, lists and structs.

use heycat::prelude::*;

/// A point on the canvas.
#[heycat_type]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A plain enum: names only.
#[heycat_type]
pub enum Color {
    Red,
    Green,
    Blue,
}

/// How a shape is filled: an enum with values inside another one.
#[heycat_type]
pub enum Fill {
    Clear,
    Solid(Color),
    Gradient(Vec<Color>),
}

/// A shape: a variant of every kind, holding a value of every kind.
#[heycat_type]
pub enum Shape {
    Empty,
    Circle { radius: f64 },
    Polygon(Vec<Point>),
    Label(String),
    Filled(Fill),
    Weight(u128),
    Stamp(Vec<u8>),
    Note { maybe: Option<Option<i64>> },
}

/// Shapes in a struct.
#[heycat_type]
pub struct Layer {
    pub name: String,
    pub shapes: Vec<Shape>,
}

/// Enums with values as columns, alone, in an option, in a list and in a struct.
#[heycat_table]
pub struct Drawing {
    #[primary_key]
    pub id: String,
    pub shape: Shape,
    pub maybe: Option<Shape>,
    pub shapes: Vec<Shape>,
    pub layer: Layer,
}

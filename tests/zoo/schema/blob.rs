//! Bytes: base64 on the wire, `Uint8Array` in TypeScript.

use heycat::prelude::*;

/// A picture and its thumbnails.
#[heycat_type]
pub struct Picture {
    pub pixels: Vec<u8>,
    pub thumbnails: Vec<Vec<u8>>,
}

/// Bytes in every place a column can hold them.
#[heycat_table]
pub struct Blob {
    #[primary_key]
    pub id: String,
    pub data: Vec<u8>,
    pub maybe: Option<Vec<u8>>,
    pub chunks: Vec<Vec<u8>>,
    pub picture: Picture,
}

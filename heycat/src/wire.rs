//! How column values cross to the frontend (JSON over Tauri's IPC) without losing precision.
//!
//! JavaScript numbers are doubles: integers above 2^53 do not survive them. So:
//!
//! | Rust | JSON | TypeScript |
//! |---|---|---|
//! | `u8`..`u32`, `i8`..`i32`, `f32`, `f64` | number | `number` |
//! | `u64`, `i64`, `u128`, `i128`, `u256`, `i256` | decimal string | `bigint` |
//! | `Timestamp` | decimal string, microseconds since the Unix epoch | `bigint` |
//! | `TimeDuration` | decimal string, microseconds | `bigint` |
//! | `Identity`, `ConnectionId` | hex string | `string` |
//! | `Option<T>` | value or `null` | `T \| null` |
//! | `Option<Option<T>>` | `null`, or `{"some": value or null}` | `{ some: T \| null } \| null` |
//! | `Vec<u8>` | base64 string (standard alphabet, padded) | `Uint8Array` |
//! | `Vec<T>` | array | `T[]` |
//! | enum | variant name | string union |
//!
//! The generated TypeScript converts strings to `bigint` and back. Reading also accepts a
//! JSON number for a 64-bit value when it is an exact integer, so hand-written callers with
//! small values work; a fractional or out-of-range number is an error, never rounded. Bytes
//! are read from base64 or from an array of numbers (what earlier versions wrote).
//!
//! Fields use it with `#[serde(with = "heycat::wire")]`.

use std::fmt;
use std::marker::PhantomData;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use spacetimedb_lib::sats::{i256, u256};
use spacetimedb_lib::{ConnectionId, Identity, TimeDuration, Timestamp};

/// A column value with a wire format.
pub trait Wire: Sized {
    /// Whether `null` is one of the type's values (an `Option`): an `Option` of it then wraps
    /// its `Some` as `{"some": value}`, or `None` and `Some(None)` would both be `null`.
    const NULLABLE: bool = false;

    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// A `Vec` of values: an array, unless the values have a compact form together (`u8`).
    fn seq_to_wire<S: Serializer>(items: &[Self], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(items.iter().map(AsWire))
    }
    fn seq_from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Self>, D::Error> {
        Ok(Vec::<FromWire<Self>>::deserialize(deserializer)?.into_iter().map(|w| w.0).collect())
    }
}

/// For `#[serde(with = "heycat::wire")]`.
pub fn serialize<T: Wire, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.to_wire(serializer)
}

/// For `#[serde(with = "heycat::wire")]`.
pub fn deserialize<'de, T: Wire, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    T::from_wire(deserializer)
}

/// Types whose serde form already is their wire form.
macro_rules! wire_as_serde {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.serialize(serializer)
            }
            fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$t>::deserialize(deserializer)
            }
        }
    )*};
}
wire_as_serde!(bool, u16, u32, i8, i16, i32, f32, f64, String);

/// A byte on its own is a number; bytes together (`Vec<u8>`) are base64.
impl Wire for u8 {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u8::deserialize(deserializer)
    }
    fn seq_to_wire<S: Serializer>(items: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(items))
    }
    fn seq_from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_any(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "bytes as a base64 string (e.g. \"aGV5\")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        BASE64.decode(v).map_err(|e| E::custom(format!("bytes are not base64 ({e})")))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

/// Integers too wide for a double: a decimal string.
macro_rules! wire_as_decimal {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
            fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(DecimalVisitor::<$t>(PhantomData))
            }
        }
    )*};
}
wire_as_decimal!(u64, i64, u128, i128, u256, i256);

struct DecimalVisitor<T>(PhantomData<T>);

impl<T> Visitor<'_> for DecimalVisitor<T>
where
    T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an integer as a decimal string (e.g. \"9007199254740993\")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Err(E::invalid_value(de::Unexpected::Float(v), &self))
    }
}

impl Wire for Timestamp {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_micros_since_unix_epoch().to_wire(serializer)
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::from_wire(deserializer).map(Timestamp::from_micros_since_unix_epoch)
    }
}

impl Wire for TimeDuration {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_micros().to_wire(serializer)
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::from_wire(deserializer).map(TimeDuration::from_micros)
    }
}

impl Wire for Identity {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.to_hex())
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        Identity::from_hex(&hex).map_err(|e| de::Error::custom(format!("not an identity ({e}): {hex:?}")))
    }
}

impl Wire for ConnectionId {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.to_hex())
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        ConnectionId::from_hex(&hex).map_err(|e| de::Error::custom(format!("not a connection id ({e}): {hex:?}")))
    }
}

/// A value that (de)serializes in its wire form on its own, e.g. as a command argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wired<T>(pub T);

impl<T: Wire> Serialize for Wired<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.to_wire(serializer)
    }
}

impl<'de, T: Wire> Deserialize<'de> for Wired<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_wire(deserializer).map(Wired)
    }
}

/// Serializes a value through its wire form.
struct AsWire<'a, T>(&'a T);

impl<T: Wire> Serialize for AsWire<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.to_wire(serializer)
    }
}

/// Deserializes a value from its wire form.
struct FromWire<T>(T);

impl<'de, T: Wire> Deserialize<'de> for FromWire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_wire(deserializer).map(FromWire)
    }
}

impl<T: Wire> Wire for Option<T> {
    const NULLABLE: bool = true;

    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) if T::NULLABLE => serializer.serialize_some(&SomeOf { some: AsWire(v) }),
            Some(v) => serializer.serialize_some(&AsWire(v)),
            None => serializer.serialize_none(),
        }
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if T::NULLABLE {
            return Ok(Option::<SomeOf<FromWire<T>>>::deserialize(deserializer)?.map(|w| w.some.0));
        }
        Ok(Option::<FromWire<T>>::deserialize(deserializer)?.map(|w| w.0))
    }
}

/// The `Some` of an `Option` whose value may itself be `null`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SomeOf<T> {
    some: T,
}

impl<T: Wire> Wire for Vec<T> {
    fn to_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::seq_to_wire(self, serializer)
    }
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::seq_from_wire(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(with = "crate::wire")]
        big: u64,
        #[serde(with = "crate::wire")]
        at: Timestamp,
        #[serde(with = "crate::wire")]
        maybe: Option<i64>,
        #[serde(with = "crate::wire")]
        many: Vec<u128>,
        #[serde(with = "crate::wire")]
        small: u32,
    }

    #[test]
    fn wide_integers_travel_as_exact_decimal_strings() {
        let row = Row {
            big: (1 << 53) + 1,
            at: Timestamp::from_micros_since_unix_epoch(1_700_000_000_000_001),
            maybe: Some(-9_007_199_254_740_993),
            many: vec![u128::MAX],
            small: 7,
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"big":"9007199254740993","at":"1700000000000001","maybe":"-9007199254740993","many":["340282366920938463463374607431768211455"],"small":7}"#
        );
        assert_eq!(serde_json::from_str::<Row>(&json).unwrap(), row);
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Blobs {
        #[serde(with = "crate::wire")]
        data: Vec<u8>,
        #[serde(with = "crate::wire")]
        maybe: Option<Vec<u8>>,
        #[serde(with = "crate::wire")]
        many: Vec<Vec<u8>>,
    }

    #[test]
    fn bytes_travel_as_base64_and_arrays_of_numbers_are_still_read() {
        let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let blobs = Blobs { data: big.clone(), maybe: Some(vec![]), many: vec![vec![0, 255], vec![]] };
        let json = serde_json::to_string(&blobs).unwrap();
        assert!(json.len() < big.len() * 4 / 3 + 100, "compact: {} bytes of JSON", json.len());
        assert!(json.ends_with(r#","maybe":"","many":["AP8=",""]}"#), "{}", &json[json.len() - 40..]);
        assert_eq!(serde_json::from_str::<Blobs>(&json).unwrap(), blobs);
        let old: Blobs = serde_json::from_str(r#"{"data":[104,101,121],"maybe":null,"many":[[1]]}"#).unwrap();
        assert_eq!(old, Blobs { data: b"hey".to_vec(), maybe: None, many: vec![vec![1]] });
        let bad = serde_json::from_str::<Blobs>(r#"{"data":"not base64!","maybe":null,"many":[]}"#);
        assert!(bad.unwrap_err().to_string().contains("bytes are not base64"));
        let too_big = serde_json::from_str::<Blobs>(r#"{"data":[256],"maybe":null,"many":[]}"#);
        assert!(too_big.is_err(), "a number that is no byte is refused");
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Maybes {
        #[serde(with = "crate::wire")]
        twice: Vec<Option<Option<u64>>>,
        #[serde(with = "crate::wire")]
        thrice: Vec<Option<Option<Option<String>>>>,
    }

    #[test]
    fn an_option_of_an_option_keeps_none_and_some_none_apart() {
        let maybes = Maybes {
            twice: vec![None, Some(None), Some(Some(u64::MAX))],
            thrice: vec![None, Some(None), Some(Some(None)), Some(Some(Some("x".into())))],
        };
        let json = serde_json::to_string(&maybes).unwrap();
        assert_eq!(
            json,
            r#"{"twice":[null,{"some":null},{"some":"18446744073709551615"}],"thrice":[null,{"some":null},{"some":{"some":null}},{"some":{"some":"x"}}]}"#
        );
        assert_eq!(serde_json::from_str::<Maybes>(&json).unwrap(), maybes);
        let bare = serde_json::from_str::<Maybes>(r#"{"twice":["5"],"thrice":[]}"#);
        assert!(bare.is_err(), "a Some must say so");
    }

    #[test]
    fn the_256_bit_integers_travel_as_exact_decimal_strings() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Wide {
            #[serde(with = "crate::wire")]
            huge: u256,
            #[serde(with = "crate::wire")]
            deep: i256,
        }
        let wide = Wide { huge: u256::MAX, deep: i256::MIN };
        let json = serde_json::to_string(&wide).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"huge":"{}","deep":"{}"}}"#,
                "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                "-57896044618658097711785492504343953926634992332820282019728792003956564819968"
            )
        );
        assert_eq!(serde_json::from_str::<Wide>(&json).unwrap(), wide);
    }

    #[test]
    fn small_numbers_are_accepted_but_never_rounded() {
        let row: Row = serde_json::from_str(r#"{"big":5,"at":"0","maybe":null,"many":[1,"2"],"small":1}"#).unwrap();
        assert_eq!((row.big, row.maybe, row.many), (5, None, vec![1, 2]));
        let fractional = serde_json::from_str::<Row>(r#"{"big":1.5,"at":"0","maybe":null,"many":[],"small":1}"#);
        assert!(fractional.unwrap_err().to_string().contains("decimal string"));
        let negative = serde_json::from_str::<Row>(r#"{"big":"-1","at":"0","maybe":null,"many":[],"small":1}"#);
        assert!(negative.is_err());
    }
}

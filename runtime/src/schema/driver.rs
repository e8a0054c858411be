//! The schema's tables without their types: what the runtime does with every table alike
//! (replay a queued write, copy the rows for offline use, measure them, decode conflicts) goes
//! through [`TableDriver`], which [`TableOf`] implements once for every [`TableAccess`] table.

use std::collections::HashMap;
use std::marker::PhantomData;

use serde_json::Value;

use crate::schema::live::{downcast, Live, SdkResult};
use crate::schema::table::{key_json, row_key_of, TableAccess, Write};
use crate::storage::row_size;
use crate::store::local::LocalCopy;
use crate::store::outbox::{OutboxEntry, WriteKind};
use crate::types::conflict::ConflictRecord;
use crate::types::conflict::ConflictResolution;
use crate::types::error::DataError;
use crate::types::key::RowKey;

/// A table of the schema, whatever its row type.
pub trait TableDriver: Send + Sync {
    fn name(&self) -> &'static str;
    /// The primary key's field in the row JSON.
    fn key_field(&self) -> &'static str;
    /// The fields of the other `#[unique]` columns in the row JSON.
    fn unique_fields(&self) -> &'static [&'static str];
    fn singleton(&self) -> bool;
    /// Whether the module assigns the key (`#[auto_inc]`).
    fn auto_inc_key(&self) -> bool;
    /// The key written as text (how the module records an assigned key), as wire JSON.
    fn key_from_text(&self, text: &str) -> Option<Value>;
    /// Which provisional key the wire JSON `key` is, if it is one.
    fn provisional_number(&self, key: &Value) -> Option<u64>;
    /// Every row in the connection's copy, as the frontend's JSON.
    fn rows_json(&self, conn: &dyn Live) -> Result<Vec<Value>, DataError>;
    /// How many rows the connection's copy holds and their size as the frontend's JSON,
    /// leaving out those whose key is in `except` (rows that queued writes replace).
    fn usage(&self, conn: &dyn Live, except: &HashMap<RowKey, Option<Value>>) -> Result<(usize, u64), DataError>;
    /// The row with this key (its wire JSON) in the connection's copy.
    fn row_json(&self, conn: &dyn Live, key: &Value) -> Result<Option<Value>, DataError>;
    /// Puts every row of the connection's copy into `copy`.
    fn copy_into(&self, conn: &dyn Live, copy: &mut LocalCopy) -> Result<(), DataError>;
    /// Sends a queued write (its outbox entry) under operation id `op_id`.
    fn send_entry(&self, conn: &dyn Live, entry: &OutboxEntry, op_id: String) -> Result<SdkResult, DataError>;
    /// A conflict record's two rows (mine, theirs), as the frontend's JSON.
    fn conflict_rows(&self, record: &ConflictRecord) -> Result<(Option<Value>, Option<Value>), DataError>;
    /// Settles a conflict of this table the way the user chose (keep mine, or a merged row).
    fn resolve(
        &self,
        conn: &dyn Live,
        record: &ConflictRecord,
        resolution: ConflictResolution,
        op_id: String,
    ) -> Result<SdkResult, DataError>;
}

/// The [`TableDriver`] of table `T`: `&TableOf::<T>::DRIVER` in the generated table list.
pub struct TableOf<T>(PhantomData<fn() -> T>);

impl<T> TableOf<T> {
    pub const DRIVER: TableOf<T> = TableOf(PhantomData);
}

impl<T: TableAccess> TableDriver for TableOf<T> {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn key_field(&self) -> &'static str {
        T::KEY_FIELD
    }

    fn unique_fields(&self) -> &'static [&'static str] {
        T::UNIQUE_FIELDS
    }

    fn singleton(&self) -> bool {
        T::SINGLETON
    }

    fn auto_inc_key(&self) -> bool {
        T::AUTO_INC_KEY
    }

    fn key_from_text(&self, text: &str) -> Option<Value> {
        // A number for the narrow integers, a decimal string for the wide ones (their wire forms).
        let as_json = serde_json::from_str::<Value>(text).ok().into_iter().chain([Value::String(text.to_owned())]);
        let key =
            as_json.into_iter().find_map(|json| serde_json::from_value::<heycat::wire::Wired<T::Key>>(json).ok())?;
        Some(key_json::<T>(&key.0))
    }

    fn provisional_number(&self, key: &Value) -> Option<u64> {
        let key = serde_json::from_value::<heycat::wire::Wired<T::Key>>(key.clone()).ok()?;
        T::provisional_number(&key.0)
    }

    fn rows_json(&self, conn: &dyn Live) -> Result<Vec<Value>, DataError> {
        let rows = T::rows(downcast::<T::Connection>(conn)?);
        rows.iter()
            .map(|row| {
                serde_json::to_value(row)
                    .map_err(|e| DataError::internal(format!("a {} row cannot be put in JSON: {e}", T::NAME)))
            })
            .collect()
    }

    fn usage(&self, conn: &dyn Live, except: &HashMap<RowKey, Option<Value>>) -> Result<(usize, u64), DataError> {
        let mut usage = (0, 0);
        for row in T::rows(downcast::<T::Connection>(conn)?) {
            // Sized as it is serialized: no JSON value is built for it.
            if except.is_empty() || !except.contains_key(&row_key_of::<T>(&row.key())) {
                usage = (usage.0 + 1, usage.1 + row_size(&row));
            }
        }
        Ok(usage)
    }

    fn row_json(&self, conn: &dyn Live, key: &Value) -> Result<Option<Value>, DataError> {
        let key = serde_json::from_value::<heycat::wire::Wired<T::Key>>(key.clone())
            .map_err(|e| DataError::bad_input(format!("not a key of {}: {e}", T::NAME)))?;
        let row = T::find(downcast::<T::Connection>(conn)?, &key.0);
        Ok(row.and_then(|row| serde_json::to_value(row).ok()))
    }

    fn copy_into(&self, conn: &dyn Live, copy: &mut LocalCopy) -> Result<(), DataError> {
        for row in T::rows(downcast::<T::Connection>(conn)?) {
            let json = serde_json::value::to_raw_value(&row)
                .map_err(|e| DataError::internal(format!("a {} row cannot be copied: {e}", T::NAME)))?;
            copy.put(T::NAME, row_key_of::<T>(&row.key()), json);
        }
        Ok(())
    }

    fn send_entry(&self, conn: &dyn Live, entry: &OutboxEntry, op_id: String) -> Result<SdkResult, DataError> {
        let write = match entry.kind {
            WriteKind::Insert => Write::Insert(entry.decode_row::<T>()?),
            WriteKind::Update => Write::Update(entry.decode_row::<T>()?),
            WriteKind::Delete => Write::Delete { key: entry.decode_key::<T::Key>()?, base_version: entry.base_version },
            WriteKind::Reset => Write::Reset(entry.decode_row::<T>()?),
        };
        T::send(downcast::<T::Connection>(conn)?, write, op_id)
    }

    fn conflict_rows(&self, record: &ConflictRecord) -> Result<(Option<Value>, Option<Value>), DataError> {
        let (mine, theirs) = decode_rows::<T>(record)?;
        let json = |row: Option<T>| row.and_then(|r| serde_json::to_value(r).ok());
        Ok((json(mine), json(theirs)))
    }

    fn resolve(
        &self,
        conn: &dyn Live,
        record: &ConflictRecord,
        resolution: ConflictResolution,
        op_id: String,
    ) -> Result<SdkResult, DataError> {
        let (mine, theirs) = decode_rows::<T>(record)?;
        let key = mine.as_ref().or(theirs.as_ref()).map(T::key).ok_or_else(|| DataError::undecodable(&record.id))?;
        let row = match resolution {
            ConflictResolution::Merge { row } => Some(
                serde_json::from_value::<T>(row)
                    .map_err(|e| DataError::bad_input(format!("the merged row is not valid: {e}")))?,
            ),
            _ => mine,
        };
        let write = Write::Resolve { conflict_id: record.id.clone(), key, row };
        T::send(downcast::<T::Connection>(conn)?, write, op_id)
    }
}

/// A conflict record's rows (BSATN of the bindings' row type) as app rows.
fn decode_rows<T: TableAccess>(record: &ConflictRecord) -> Result<(Option<T>, Option<T>), DataError> {
    let decode = |bytes: &Option<Vec<u8>>| match bytes {
        Some(bytes) => spacetimedb_lib::bsatn::from_slice::<T::SdkRow>(bytes)
            .map(|row| Some(row.into()))
            .map_err(|_| DataError::undecodable(&record.id)),
        None => Ok(None),
    };
    Ok((decode(&record.client_row)?, decode(&record.server_row)?))
}

//! Migration plans the app cannot read stop it from opening its offline data, with a reason,
//! rather than passing for "no plans" (which would leave what an older version queued behind).

use std::sync::Arc;

use heycat_runtime::__private::{Connector, Live, ModuleWasm, SchemaInfo, SdkResult};
use heycat_runtime::{ChangeSink, ConflictRecord, DataError, Db, Schema};

static INFO: SchemaInfo = SchemaInfo {
    version: 2,
    canonical: "",
    migration_plans: "{\"plans\": [{\"from\": ",
    module: ModuleWasm::Included(&[]),
    tables: &[],
    exported_tables: &[],
    module_tables: &[],
    storage_quota: None,
    cleanup: &[],
    references: &[],
};

/// A schema whose generated plans were cut short; it never gets as far as connecting.
struct CutShort;

impl Schema for CutShort {
    fn info(&self) -> &'static SchemaInfo {
        &INFO
    }
    fn connect(&self, _: Connector) -> Result<Arc<dyn Live>, DataError> {
        unreachable!("the data layer does not open")
    }
    fn heartbeat(&self, _: &dyn Live) -> Result<SdkResult, DataError> {
        unreachable!("the data layer does not open")
    }
    fn conflicts(&self, _: &dyn Live) -> Result<Vec<ConflictRecord>, DataError> {
        unreachable!("the data layer does not open")
    }
    fn conflict(&self, _: &dyn Live, _: &str) -> Result<Option<ConflictRecord>, DataError> {
        unreachable!("the data layer does not open")
    }
    fn dismiss_conflict(&self, _: &dyn Live, _: String, _: String) -> Result<SdkResult, DataError> {
        unreachable!("the data layer does not open")
    }
    fn assigned_key(&self, _: &dyn Live, _: &str) -> Result<Option<String>, DataError> {
        unreachable!("the data layer does not open")
    }
}

#[test]
fn plans_the_app_cannot_read_are_an_error_not_no_plans() {
    let dir = tempfile::tempdir().unwrap();
    let opened = Db::open(&CutShort, dir.path(), "Notes", ChangeSink::new(|_, _| {}));
    let error = opened.err().expect("the data layer does not open on plans it cannot read");
    assert!(error.message.contains("migration plans cannot be read"), "{}", error.message);
    assert!(!dir.path().join("outbox.log").exists(), "nothing of the offline data was touched");
}

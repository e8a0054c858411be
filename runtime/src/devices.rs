//! The user's other devices. The database has one user: the identity that published its module
//! (see the module's `heycat_owner`). SpacetimeDB 1.2.0 lets only that identity read private
//! tables, so every device of the user acts as it, and a new device joins by receiving it:
//!
//! 1. A device that is the user's makes an invitation ([`invite`]): a one-time code of 128
//!    random bits, and the user's identity token sealed (ChaCha20-Poly1305) under a key derived
//!    from the code, stored on the server in the public `heycat_invite` table under a hash of
//!    the code, for ten minutes. The code is shown to the user; the token never is.
//! 2. The user types the code on the new device ([`join`]): it finds the invitation by the
//!    code's hash, opens it with the code, keeps the token (0600, in its data dir), withdraws the
//!    invitation and connects as the user.
//!
//! Anyone can read the sealed invitation; without the code it is noise.
//!
//! When a device was forgotten, the user's data moved to a database of a new name,
//! `<app database>-<suffix>` ([`new_database_name`]): the codes made there carry the suffix
//! after the code's own 26 characters, so that a device joining with one finds it.

use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use heycat_contract::system::{INVITE_CREATE_REDUCER, INVITE_DELETE_REDUCER, INVITE_TABLE};
use heycat_local_server::Api;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::types::error::{DataError, ErrorKind};

/// How long an invitation is honoured.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Crockford's base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_BYTES: usize = 16;
/// Five bits a character.
const CODE_LEN: usize = (CODE_BYTES * 8).div_ceil(5);
/// The random part of a moved database's name: 40 bits, eight characters.
const SUFFIX_BYTES: usize = 5;
const SUFFIX_LEN: usize = SUFFIX_BYTES * 8 / 5;
/// ChaCha20-Poly1305's (IETF) nonce.
const NONCE_LEN: usize = 12;

/// An invitation for another device, as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInvitation {
    /// The one-time code to type on the new device (groups of four, dashes optional).
    pub code: String,
    /// How long it is honoured, in seconds.
    pub expires_in_secs: u32,
}

/// Makes an invitation in `database` on the server `api` talks to (as the user: `api` carries
/// the user's token), sealing `token`. `app_database` is the app's own name for its database.
pub fn invite(api: &Api, database: &str, app_database: &str, token: &str) -> Result<DeviceInvitation, DataError> {
    let code = base32(&random::<CODE_BYTES>("a code")?);
    let sealed = seal(&code, token)?;
    let lifetime = INVITATION_LIFETIME.as_secs() as u32;
    api.call(database, INVITE_CREATE_REDUCER, &json!([lookup(&code), sealed, lifetime])).map_err(server_error)?;
    let suffix = suffix_of(app_database, database).unwrap_or_default().to_ascii_uppercase();
    Ok(DeviceInvitation { code: group(&format!("{code}{suffix}")), expires_in_secs: lifetime })
}

/// An invitation code as the user typed it, read.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// The code itself, canonical.
    code: String,
    /// The database it was made in.
    pub database: String,
}

/// Reads a code typed by the user: its own 26 characters, and the suffix of the database it was
/// made in when that is not the app's own (`app_database`).
pub fn read_code(typed: &str, app_database: &str) -> Result<Code, DataError> {
    let code = normalize(typed);
    if !matches!(code.len(), CODE_LEN | CODE_WITH_SUFFIX_LEN) || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(DataError::new(
            ErrorKind::BadInput,
            "that is not an invitation code: it has 26 or 34 letters and digits (dashes and spaces do not matter)",
        ));
    }
    let (code, suffix) = code.split_at(CODE_LEN);
    let database = match suffix {
        "" => app_database.to_owned(),
        suffix => format!("{app_database}-{}", suffix.to_ascii_lowercase()),
    };
    Ok(Code { code: code.to_owned(), database })
}

/// A code and the suffix of the database it was made in.
const CODE_WITH_SUFFIX_LEN: usize = CODE_LEN + SUFFIX_LEN;

/// A new name for the user's database, `<app_database>-<8 random characters>`: where the data
/// moves when a device is forgotten (the forgotten device knows the old name, never this one
/// before it is made).
pub fn new_database_name(app_database: &str) -> Result<String, DataError> {
    let suffix = base32(&random::<SUFFIX_BYTES>("a database name")?).to_ascii_lowercase();
    Ok(format!("{app_database}-{suffix}"))
}

/// The suffix of a moved database's name, if `database` is one.
fn suffix_of<'a>(app_database: &str, database: &'a str) -> Option<&'a str> {
    let suffix = database.strip_prefix(app_database)?.strip_prefix('-')?;
    (suffix.len() == SUFFIX_LEN).then_some(suffix)
}

/// Opens the invitation `code` names on the server `api` talks to (anonymously) and returns the
/// user's token; the caller keeps it and then withdraws the invitation with [`withdraw`].
pub fn open_invitation(api: &Api, code: &Code) -> Result<String, DataError> {
    let (database, code) = (&code.database, &code.code);
    let query = format!("SELECT sealed FROM {INVITE_TABLE} WHERE lookup = '{}'", lookup(code));
    let answer = api.sql(database, &query).map_err(server_error)?;
    let sealed = first_text(&answer).ok_or_else(|| {
        DataError::new(
            ErrorKind::NotFound,
            "no invitation has this code: it may have expired (they last ten minutes) or been used; \
             make a new one on a device that is already yours",
        )
    })?;
    open(code, &sealed)
}

/// Withdraws the invitation `code` names (as the user, once the new device holds the token).
pub fn withdraw(api: &Api, code: &Code) -> Result<(), DataError> {
    api.call(&code.database, INVITE_DELETE_REDUCER, &json!([lookup(&code.code)])).map_err(server_error)
}

pub(crate) fn server_error(e: heycat_local_server::Error) -> DataError {
    match e {
        heycat_local_server::Error::Unreachable { message, .. } => DataError::new(ErrorKind::Offline, message),
        heycat_local_server::Error::Reducer(text) => DataError::from_reducer(text.trim()),
        other => DataError::new(ErrorKind::Server, other.to_string()),
    }
}

/// The first column of the first row of an SQL answer (SpacetimeDB's JSON), as text.
fn first_text(answer: &str) -> Option<String> {
    let value: Value = serde_json::from_str(answer).ok()?;
    value.get(0)?.get("rows")?.get(0)?.get(0)?.as_str().map(str::to_owned)
}

/// The code as typed, made canonical: upper case, no dashes or spaces, and the letters
/// Crockford's alphabet leaves out read as the digits they look like (O as 0, I and L as 1).
fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// `XXXX-XXXX-...`, easier to read out and type.
fn group(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

fn base32(bytes: &[u8]) -> String {
    let (mut out, mut buffer, mut bits) = (String::new(), 0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(CODE_ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(CODE_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// What the invitation is found by: a hash of the code (not the key: another context).
fn lookup(code: &str) -> String {
    hex(&Sha256::digest(format!("heycat-invite-lookup:{code}")))
}

/// The code has 128 random bits, so one hash is a sound key (no stretching needed).
fn key(code: &str) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&Sha256::digest(format!("heycat-invite-key:{code}")))
}

/// `N` bytes from the system's random numbers; `what` they are for, to say when there are none.
fn random<const N: usize>(what: &str) -> Result<[u8; N], DataError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| DataError::new(ErrorKind::Server, format!("no random numbers for {what}: {e}")))?;
    Ok(bytes)
}

/// `hex(nonce || ciphertext || tag)`.
fn seal(code: &str, token: &str) -> Result<String, DataError> {
    let nonce = random::<NONCE_LEN>("a nonce")?;
    let data = key(code)
        .encrypt(Nonce::from_slice(&nonce), token.as_bytes())
        .map_err(|_| DataError::new(ErrorKind::Server, "sealing the invitation failed"))?;
    Ok(hex(&[&nonce[..], &data].concat()))
}

fn open(code: &str, sealed: &str) -> Result<String, DataError> {
    let unreadable = || DataError::new(ErrorKind::BadInput, "the invitation does not open with this code");
    let bytes = unhex(sealed).filter(|b| b.len() > NONCE_LEN).ok_or_else(unreadable)?;
    let (nonce, data) = bytes.split_at(NONCE_LEN);
    let token = key(code).decrypt(Nonce::from_slice(nonce), data).map_err(|_| unreadable())?;
    String::from_utf8(token).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_code_only() {
        let code = base32(&[7u8; CODE_BYTES]);
        let sealed = seal(&code, "the.token").unwrap();
        assert_ne!(sealed, seal(&code, "the.token").unwrap(), "a nonce of its own each time");
        assert!(!sealed.contains("the.token"));
        assert_eq!(open(&code, &sealed).unwrap(), "the.token");
        let other = base32(&[8u8; CODE_BYTES]);
        assert_eq!(open(&other, &sealed).unwrap_err().kind, ErrorKind::BadInput);
        let mut tampered = sealed.clone();
        tampered.replace_range(40..42, if &sealed[40..42] == "00" { "01" } else { "00" });
        assert_eq!(open(&code, &tampered).unwrap_err().kind, ErrorKind::BadInput);
    }

    #[test]
    fn codes_read_back_however_they_are_typed() {
        let code = base32(&[0xA5; CODE_BYTES]);
        assert_eq!((code.len(), CODE_LEN), (26, 26));
        let shown = group(&code);
        assert_eq!(shown.split('-').count(), 7);
        assert_eq!(normalize(&shown.to_lowercase().replace('-', " ")), code);
        assert_eq!(normalize("o1-IL 0"), "01110", "the letters a code never has read as digits");
        assert_eq!(lookup(&normalize(&shown)), lookup(&code));
        assert_ne!(lookup(&code), hex(&Sha256::digest(format!("heycat-invite-key:{code}"))));
    }

    #[test]
    fn a_code_made_in_a_moved_database_names_it() {
        let moved = new_database_name("app").unwrap();
        assert_eq!(moved.len(), "app-".len() + SUFFIX_LEN, "{moved}");
        assert_ne!(moved, new_database_name("app").unwrap());
        let code = base32(&[0xA5; CODE_BYTES]);
        let typed = group(&format!("{code}{}", suffix_of("app", &moved).unwrap().to_ascii_uppercase()));
        assert_eq!(read_code(&typed, "app").unwrap(), Code { code: code.clone(), database: moved });
        assert_eq!(read_code(&group(&code), "app").unwrap(), Code { code, database: "app".into() });
        assert_eq!(suffix_of("app", "app"), None);
        assert_eq!(suffix_of("app", "apple-12345678"), None);
        for wrong in ["", "0123", &"0".repeat(30), &"U".repeat(26)] {
            assert_eq!(read_code(wrong, "app").unwrap_err().kind, ErrorKind::BadInput, "{wrong:?}");
        }
    }

    #[test]
    fn an_invitation_sealed_by_the_earlier_crypto_library_opens_and_is_found_the_same_way() {
        // Sealed with ring (what the runtime used before RustCrypto) under the nonce 1..=12: the
        // key, the nonce's place and the tag's are the same.
        let code = "0123456789ABCDEFGHJKMNPQRS";
        let sealed = "0102030405060708090a0b0cb8be4bbb288a54aaee26342e11b8f6268dd67c893cce8b879c";
        assert_eq!(open(code, sealed).unwrap(), "the.token");
        assert_eq!(lookup(code), "9350767bfd83e8cd4b14fdc370ac17b6b9fc4fb6907ac700636c862d0fed028a");
    }
}

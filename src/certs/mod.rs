//! Platform keys and certificates: the store of WeChat Pay platform certificates and public keys by serial
//! (`PUB_KEY_ID_…` ids are just serials here), shared by every clone of a client and read by the APIv3 verifier;
//! the [`Downloader`] of platform certificates (`GET v3/certificates`) and the opt-in [`Refresher`] that keeps
//! the store current.

mod download;
mod refresh;

pub use self::download::Downloader;
pub use self::refresh::{Refreshed, Refresher, RefresherHandle};

use std::fmt;
use std::sync::{Arc, RwLock};

use crate::crypto::RsaKey;

/// A shared, mutable map `serial → platform public key`, in insertion order (PHP's `certs`).
///
/// Cloning shares the store: a key added through one handle is seen by every client built with it, which is how
/// a certificate refresher keeps a running client current.
///
/// # Examples
///
/// ```
/// use wechatpay::certs::PlatformKeys;
/// use wechatpay::{Rsa, KeyType};
/// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
/// let keys = PlatformKeys::new();
/// keys.insert("PUB_KEY_ID_0114232134912410000000000000", Rsa::from(pem, KeyType::Public)?);
/// assert!(keys.get("PUB_KEY_ID_0114232134912410000000000000").is_some());
/// assert_eq!(keys.serials(), vec!["PUB_KEY_ID_0114232134912410000000000000".to_owned()]);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct PlatformKeys {
    inner: Arc<RwLock<Vec<(String, RsaKey)>>>,
}

impl PlatformKeys {
    /// An empty store.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::certs::PlatformKeys::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the key for `serial`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use wechatpay::{Rsa, KeyType};
    /// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// let keys = wechatpay::certs::PlatformKeys::new();
    /// keys.insert("S1", Rsa::from(pem, KeyType::Public)?);
    /// keys.insert("S1", Rsa::from(pem, KeyType::Public)?);
    /// assert_eq!(keys.len(), 1);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn insert(&self, serial: impl Into<String>, key: RsaKey) {
        let serial = serial.into();
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        match guard.iter_mut().find(|(s, _)| *s == serial) {
            Some(entry) => entry.1 = key,
            None => guard.push((serial, key)),
        }
    }

    /// Removes the key for `serial`, returning it.
    ///
    /// # Examples
    ///
    /// ```
    /// let keys = wechatpay::certs::PlatformKeys::new();
    /// assert!(keys.remove("nope").is_none());
    /// ```
    pub fn remove(&self, serial: &str) -> Option<RsaKey> {
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let pos = guard.iter().position(|(s, _)| s == serial)?;
        Some(guard.remove(pos).1)
    }

    /// The key for `serial` (exact, case-sensitive match).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::certs::PlatformKeys::new().get("S").is_none());
    /// ```
    pub fn get(&self, serial: &str) -> Option<RsaKey> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        guard.iter().find(|(s, _)| s == serial).map(|(_, k)| k.clone())
    }

    /// Whether `serial` is known.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!wechatpay::certs::PlatformKeys::new().contains("S"));
    /// ```
    pub fn contains(&self, serial: &str) -> bool {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        guard.iter().any(|(s, _)| s == serial)
    }

    /// The serials, in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::certs::PlatformKeys::new().serials().is_empty());
    /// ```
    pub fn serials(&self) -> Vec<String> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        guard.iter().map(|(s, _)| s.clone()).collect()
    }

    /// Number of keys.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::certs::PlatformKeys::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether the store is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::certs::PlatformKeys::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for PlatformKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformKeys")
            .field("serials", &self.serials())
            .finish()
    }
}

/// The first `PUB_KEY_ID_…` entry of `keys`: the WeChat Pay public key a request announces in `Wechatpay-Serial`.
pub(crate) fn public_key_id(keys: &PlatformKeys) -> Option<String> {
    keys.serials().into_iter().find(|s| is_public_key_id(s))
}

/// Whether `serial` names a WeChat Pay public key rather than a platform certificate.
pub(crate) fn is_public_key_id(serial: &str) -> bool {
    serial.starts_with("PUB_KEY_ID_")
}

//! The validated, immutable settings every node of a client shares through an `Arc`, with a redacting `Debug`.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;
use url::Url;

use crate::certs::PlatformKeys;
use crate::clock::{NonceFn, SharedClock};
use crate::hooks::{Sign, Verify};
use crate::redact::Secret;
use crate::retry::Policy;
use crate::transport::Transport;

/// Settings shared by all nodes of one client.
pub(crate) struct Config {
    pub(crate) mchid: String,
    /// The APIv3 half; `None` for an APIv2-only client.
    pub(crate) v3: Option<V3>,
    /// The APIv2 key (`secret`); `None` when not configured.
    pub(crate) secret: Option<Secret>,
    /// The APIv3 key (32 bytes, checked at build); `None` when not configured.
    pub(crate) apiv3_key: Option<Secret>,
    /// The request nonce source; `None` for 32 random base62 characters.
    pub(crate) nonce: Option<NonceFn>,
    /// The clock of signatures, the ±300 s check and certificate validity (injectable for tests).
    pub(crate) clock: SharedClock,
    /// Whether APIv3 requests announce the configured `PUB_KEY_ID_…` in `Wechatpay-Serial` (default on).
    pub(crate) wechatpay_serial: bool,
    pub(crate) base_uri: Url,
    /// Client-level headers; they override the defaults and are overridden by per-request headers.
    pub(crate) headers: HeaderMap,
    pub(crate) transport: Transport,
    /// Retries and failover to the backup domain; `None` (the default) sends every call once.
    pub(crate) retry: Option<Policy>,
}

/// What APIv3 calls need.
pub(crate) struct V3 {
    pub(crate) serial: String,
    pub(crate) keys: PlatformKeys,
    pub(crate) signer: Arc<dyn Sign>,
    pub(crate) verifier: Arc<dyn Verify>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        d.field("mchid", &self.mchid);
        match &self.v3 {
            Some(v3) => d.field("serial", &v3.serial).field("platform_keys", &v3.keys.serials()),
            None => d.field("v3", &"not configured"),
        };
        d.field(
            "secret",
            &if self.secret.is_none() {
                "not configured"
            } else {
                "[redacted]"
            },
        )
        .field(
            "apiv3_key",
            &if self.apiv3_key.is_none() {
                "not configured"
            } else {
                "[redacted]"
            },
        )
        .field("base_uri", &self.base_uri.as_str())
        .field("transport", &self.transport)
        .field("retry", &self.retry)
        .finish_non_exhaustive()
    }
}

//! Redacting `Debug` helpers: signature and key material never reaches logs.

use std::fmt;

/// Header names whose values are signature material.
const SENSITIVE: [&str; 2] = ["authorization", "wechatpay-signature"];

/// `Debug` for a header map with `Authorization` and `Wechatpay-Signature` values replaced by `[redacted]`.
pub(crate) struct Headers<'a>(pub(crate) &'a http::HeaderMap);

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || SENSITIVE.contains(&name.as_str()) {
                m.entry(&name.as_str(), &"[redacted]");
            } else {
                m.entry(&name.as_str(), value);
            }
        }
        m.finish()
    }
}

/// A secret string (APIv2 key, APIv3 key, passphrase) that zeroizes on drop and never prints.
#[derive(Clone, Default)]
pub(crate) struct Secret(zeroize::Zeroizing<String>);

impl Secret {
    pub(crate) fn new(s: impl Into<String>) -> Self {
        Secret(zeroize::Zeroizing::new(s.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

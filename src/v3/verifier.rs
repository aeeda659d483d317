//! The default APIv3 response verifier (wechatpay-php's `ClientJsonTrait` verifier): skip list → `Wechatpay-*` headers
//! (each present, none repeated) → probe signature → ±300 s → serial lookup → SHA256-RSA signature. Notifications
//! go through the same checks.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;

use crate::certs::PlatformKeys;
use crate::clock::{Clock, SharedClock, SystemClock};
use crate::crypto::rsa::verify_canonical;
use crate::error::{Error, Result, VerifyFailure};
use crate::hooks::{Verify, VerifyContext};

/// Largest accepted distance between `Wechatpay-Timestamp` and the local clock, inclusive.
pub(crate) const MAXIMUM_CLOCK_OFFSET: i64 = 300;
/// Prefix of the signatures WeChat Pay sends to probe that merchants really verify.
const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";
/// The headers the check reads; each must come at most once.
const READ_HEADERS: [&str; 5] = [
    "wechatpay-nonce",
    "wechatpay-serial",
    "wechatpay-signature",
    "wechatpay-timestamp",
    "wechatpay-statement-sha1",
];
const HEADERS_INCOMPLETE: &str = "The response is not signed: it lacks one of the headers `Wechatpay-Nonce`, \
     `Wechatpay-Serial`, `Wechatpay-Signature` and `Wechatpay-Timestamp`, which WeChat Pay sends with every answer.";

/// Verifies APIv3 responses against the platform keys (certificate serials and `PUB_KEY_ID_…` ids alike).
///
/// # Examples
///
/// ```
/// use wechatpay::{v3::Verifier, certs::PlatformKeys, Verify, VerifyContext, Response, ErrorKind, VerifyFailure};
/// let verifier = Verifier::new(PlatformKeys::new());
/// let unsigned = Response::new(wechatpay::http::StatusCode::OK, Default::default(), "{}");
/// let err = verifier.verify(&VerifyContext::new("/v3/x", &unsigned)).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::HeadersIncomplete));
/// // bill files are unsigned and skip verification, as in PHP
/// assert!(verifier.verify(&VerifyContext::new("/v3/billdownload/file", &unsigned)).is_ok());
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: PlatformKeys,
    clock: SharedClock,
}

impl Verifier {
    /// A verifier reading keys from `keys` (shared: later inserts are seen).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = wechatpay::v3::Verifier::new(wechatpay::certs::PlatformKeys::new());
    /// # let _ = v;
    /// ```
    pub fn new(keys: PlatformKeys) -> Self {
        Verifier {
            keys,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` for the ±300 s check.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = wechatpay::v3::Verifier::new(Default::default()).with_clock(wechatpay::FixedClock(1_700_000_000));
    /// # let _ = v;
    /// ```
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub(crate) fn with_shared_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl Verify for Verifier {
    fn verify(&self, ctx: &VerifyContext<'_>) -> Result<()> {
        if super::skips_verification(ctx.path()) {
            return Ok(());
        }
        let headers = ctx.headers();
        if let Some(name) = READ_HEADERS
            .iter()
            .find(|name| headers.get_all(**name).iter().nth(1).is_some())
        {
            // PHP takes the first value; a second value makes it ambiguous which one was signed, so refuse.
            return Err(Error::verify(
                VerifyFailure::HeadersDuplicated,
                format!("The `{name}` header came more than once; every `Wechatpay-*` header must come once."),
            ));
        }
        let (Some(nonce), Some(serial), Some(signature), Some(timestamp)) = (
            header(headers, "wechatpay-nonce"),
            header(headers, "wechatpay-serial"),
            header(headers, "wechatpay-signature"),
            header(headers, "wechatpay-timestamp"),
        ) else {
            return Err(Error::verify(VerifyFailure::HeadersIncomplete, HEADERS_INCOMPLETE));
        };
        if signature.starts_with(PROBE_PREFIX) {
            return Err(Error::verify(
                VerifyFailure::ProbeSignature,
                format!(
                    "The response's signature starts with `{PROBE_PREFIX}`: WeChat Pay's probe of the verifier, \
                     rejected as it must be (serial {serial})."
                ),
            ));
        }
        let now = self.clock.now();
        if php_int(timestamp).saturating_sub(now).saturating_abs() > MAXIMUM_CLOCK_OFFSET {
            return Err(Error::verify(
                VerifyFailure::ClockSkew,
                format!(
                    "The response's timestamp {timestamp} is more than {MAXIMUM_CLOCK_OFFSET} seconds away from the \
                     local clock ({now}): check this machine's clock, or the answer is a replay."
                ),
            ));
        }
        let Some(key) = self.keys.get(serial) else {
            return Err(Error::verify(
                VerifyFailure::UnknownSerial,
                format!(
                    "The response is signed with the key `{serial}` (header `Wechatpay-Serial`), which is not \
                     configured (configured: {}): add it with `Builder::cert`, or refresh the platform certificates.",
                    self.keys.serials().join(",")
                ),
            ));
        };
        let body = ctx.response().body();
        let digest;
        let body = match header(headers, "wechatpay-statement-sha1") {
            Some(sha1) if is_overseas_statements(ctx.path()) => {
                digest = format!(r#"{{"sha1":"{sha1}"}}"#);
                digest.as_bytes()
            }
            _ => body,
        };
        let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
        for piece in [timestamp.as_bytes(), nonce.as_bytes(), body] {
            message.extend_from_slice(piece);
            message.push(b'\n');
        }
        if verify_canonical(&message, signature, &key) {
            Ok(())
        } else {
            // PHP prints the signature here; we never put signature material into messages.
            Err(Error::verify(
                VerifyFailure::BadSignature,
                format!(
                    "The response's signature does not verify with the key `{serial}` (timestamp {timestamp}, nonce \
                     {nonce}): the answer was altered on its way, or the key configured under that serial is wrong."
                ),
            ))
        }
    }
}

/// The value of a header (known to come at most once), when present and visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `/hk/v3/statements` and `/v3/global/statements` sign `{"sha1":"…"}` instead of the body, as WeChat Pay signs them.
fn is_overseas_statements(path: &str) -> bool {
    path.eq_ignore_ascii_case("/hk/v3/statements") || path.eq_ignore_ascii_case("/v3/global/statements")
}

/// PHP's `(int) $string`: optional leading whitespace and sign, then leading digits; anything else is 0.
fn php_int(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg { -n } else { n }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::php_int;

    #[test]
    fn timestamps_parse_like_php_int_cast() {
        assert_eq!(php_int("1700000000"), 1_700_000_000);
        assert_eq!(php_int("abc"), 0);
        assert_eq!(php_int(""), 0);
        assert_eq!(php_int(" 12x"), 12);
        assert_eq!(php_int("-5"), -5);
        assert_eq!(php_int("99999999999999999999999"), i64::MAX);
    }
}

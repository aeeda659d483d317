//! The default APIv3 signer: canonical string + SHA256-RSA → `Authorization`, as wechatpay-php's `ClientJsonTrait` signer builds it.

use std::fmt;

use crate::clock::{Clock, NonceFn, SharedClock, SystemClock};
use crate::crypto::{Rsa, RsaKey};
use crate::error::Result;
use crate::formatter::Formatter;
use crate::hooks::{Sign, SignContext};

/// Signs APIv3 requests with the merchant private key:
/// `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",serial_no="…",timestamp="…",nonce_str="…",signature="…"`
/// over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`.
///
/// The client builds one from its configuration; build your own to wrap it in a custom [`Sign`].
///
/// # Examples
///
/// ```
/// use wechatpay::{v3::Signer, Rsa, KeyType, Sign, SignContext, FixedClock};
/// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
/// let signer = Signer::new("1230000109", "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB", Rsa::from(pem, KeyType::Private)?)
///     .with_clock(FixedClock(1554208460))
///     .with_nonce(|| Ok("593BEC0C930BF1AFEB40B4A08C8FB242".to_owned()));
/// let auth = signer.authorization(&SignContext::new(&wechatpay::http::Method::GET, "/v3/certificates", b""))?;
/// assert!(auth.starts_with(r#"WECHATPAY2-SHA256-RSA2048 mchid="1230000109",serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",timestamp="1554208460",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature=""#));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    mchid: String,
    serial: String,
    key: RsaKey,
    clock: SharedClock,
    nonce: Option<NonceFn>,
}

impl Signer {
    /// A signer for merchant `mchid` whose API certificate has serial `serial`, signing with `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use wechatpay::{Rsa, KeyType};
    /// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let signer = wechatpay::v3::Signer::new("1230000109", "408B07E7", Rsa::from(pem, KeyType::Private)?);
    /// assert!(format!("{signer:?}").contains("1230000109"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn new(mchid: impl Into<String>, serial: impl Into<String>, key: RsaKey) -> Self {
        Signer {
            mchid: mchid.into(),
            serial: serial.into(),
            key,
            clock: std::sync::Arc::new(SystemClock),
            nonce: None,
        }
    }

    /// Uses `clock` for the request timestamp.
    ///
    /// # Examples
    ///
    /// ```
    /// # use wechatpay::{Rsa, KeyType};
    /// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let signer = wechatpay::v3::Signer::new("1", "S", Rsa::from(pem, KeyType::Private)?)
    ///     .with_clock(wechatpay::FixedClock(1_700_000_000));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = std::sync::Arc::new(clock);
        self
    }

    pub(crate) fn with_shared_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `nonce` instead of 32 random base62 characters (for golden tests).
    ///
    /// # Examples
    ///
    /// ```
    /// # use wechatpay::{Rsa, KeyType};
    /// # let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let signer = wechatpay::v3::Signer::new("1", "S", Rsa::from(pem, KeyType::Private)?)
    ///     .with_nonce(|| Ok("593BEC0C930BF1AFEB40B4A08C8FB242".to_owned()));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn with_nonce(mut self, nonce: impl Fn() -> Result<String> + Send + Sync + 'static) -> Self {
        self.nonce = Some(std::sync::Arc::new(nonce));
        self
    }

    pub(crate) fn with_shared_nonce(mut self, nonce: Option<NonceFn>) -> Self {
        self.nonce = nonce;
        self
    }
}

impl Sign for Signer {
    fn authorization(&self, ctx: &SignContext<'_>) -> Result<String> {
        let timestamp = self.clock.now();
        let nonce = crate::clock::next_nonce(self.nonce.as_ref())?;
        let message = canonical_request(ctx, timestamp, &nonce);
        let signature = Rsa::sign(&message, &self.key)?;
        Ok(Formatter::authorization(
            &self.mchid,
            &nonce,
            &signature,
            timestamp,
            &self.serial,
        ))
    }
}

/// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` over the raw body bytes (a binary body is signed as is), built with
/// one allocation. Same bytes as [`Formatter::request`] for a UTF-8 body.
fn canonical_request(ctx: &SignContext<'_>, timestamp: i64, nonce: &str) -> Vec<u8> {
    let method = ctx.method().as_str();
    let ts = timestamp.to_string();
    let mut m = Vec::with_capacity(method.len() + ctx.target().len() + ts.len() + nonce.len() + ctx.body().len() + 5);
    for piece in [
        method.as_bytes(),
        ctx.target().as_bytes(),
        ts.as_bytes(),
        nonce.as_bytes(),
        ctx.body(),
    ] {
        m.extend_from_slice(piece);
        m.push(b'\n');
    }
    m
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

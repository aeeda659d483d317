//! `Builder`: collects the merchant settings, validates them as PHP's `Builder::factory` does, builds a `Client`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::certs::PlatformKeys;
use crate::client::Client;
use crate::clock::{Clock, NonceFn, SharedClock, SystemClock};
use crate::config::{Config, V3};
use crate::crypto::{KeyInput, KeyType, Rsa, RsaKey};
use crate::error::{Error, Result};
use crate::hooks::{Sign, Verify};
use crate::redact::Secret;
use crate::retry::Retry;
use crate::transport::{Settings, Transport};

/// The production gateway.
pub(crate) const DEFAULT_BASE_URI: &str = "https://api.mch.weixin.qq.com/";
/// Default deadline of one whole call. wechatpay-go gives every request 30 s (`consts.DefaultTimeout`);
/// wechatpay-java relies on OkHttp's 10 s connect / read / write timeouts, each restarting, with no overall one;
/// wechatpay-php (Guzzle) and wechatpay-node (axios) set none at all.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body read into memory. API answers are a few KB (list queries some hundred KB;
/// complaint images, the largest unverified answers, a few MB); bills and other large files go through the
/// streamed `download` module, which this cap does not bound.
const DEFAULT_MAX_RESPONSE_SIZE: usize = 4 * 1024 * 1024;

const MCHID_REQUIRED: &str = "The merchant ID (`mchid`) is required: set it with `Builder::mchid`, e.g. `1900000001`.";
const SERIAL_REQUIRED: &str = "The merchant API certificate's serial number (`serial`) is required: set it with `Builder::serial` (40 \
     hexadecimal characters).";
const PRIVATE_KEY_REQUIRED: &str = "The merchant's private key (`private_key`) is required: set it with \
     `Builder::private_key`, e.g. `Rsa::from(\"file:///path/apiclient_key.pem\", KeyType::Private)`.";
const CERTS_REQUIRED: &str = "At least one WeChat Pay platform key is required to verify answers: add `Builder::cert(\"PUB_KEY_ID_…\", \
     public key)` or `Builder::cert(platform certificate serial, certificate)`.";

/// Builds a [`Client`]: PHP's `Builder::factory([...])`, one setter per config key.
///
/// `build()` validates like wechatpay-php's `Builder::factory`. A client for APIv2 only needs `mchid` and `secret`, no
/// dummy RSA values; calling an APIv3 path on it is a clear error.
///
/// # Examples
///
/// ```
/// use wechatpay::{Builder, Rsa, KeyType};
/// # let dir = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/");
/// let client = Builder::new()
///     .mchid("1230000109")
///     .serial("408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB")
///     .private_key(Rsa::from(format!("{dir}merchant.pkcs8.key.pem"), KeyType::Private)?)
///     .cert("PUB_KEY_ID_0114232134912410000000000000", Rsa::from(format!("{dir}platform.spki.pem"), KeyType::Public)?)
///     .build()?;
/// assert_eq!(client.v3().seg("pay").pathname(), "v3/pay");
///
/// let v2_only = Builder::new().mchid("1230000109").secret("exposed_your_key_here_have_risks").build()?;
/// # let _ = v2_only;
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[must_use]
pub struct Builder {
    mchid: Option<String>,
    serial: Option<String>,
    private_key: Option<Result<RsaKey>>,
    certs: Vec<(String, Result<RsaKey>)>,
    platform_keys: Option<PlatformKeys>,
    secret: Option<Secret>,
    apiv3_key: Option<Secret>,
    base_uri: String,
    headers: Vec<(String, String)>,
    settings: Settings,
    proxy: Option<String>,
    merchant_cert: Option<(String, KeyInput)>,
    merchant_pkcs12: Option<(Vec<u8>, Secret)>,
    root_certificates: Vec<String>,
    http_client: Option<reqwest::Client>,
    clock: SharedClock,
    nonce: Option<NonceFn>,
    signer: Option<Arc<dyn Sign>>,
    verifier: Option<Arc<dyn Verify>>,
    wechatpay_serial: bool,
    retry: Option<Retry>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            mchid: None,
            serial: None,
            private_key: None,
            certs: Vec::new(),
            platform_keys: None,
            secret: None,
            apiv3_key: None,
            base_uri: DEFAULT_BASE_URI.to_owned(),
            headers: Vec::new(),
            settings: Settings {
                connect_timeout: Some(Duration::from_secs(10)),
                read_timeout: Some(Duration::from_secs(60)),
                timeout: Some(DEFAULT_TIMEOUT),
                proxy: None,
                max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
                identity: None,
                roots: Vec::new(),
            },
            proxy: None,
            merchant_cert: None,
            merchant_pkcs12: None,
            root_certificates: Vec::new(),
            http_client: None,
            clock: Arc::new(SystemClock),
            nonce: None,
            signer: None,
            verifier: None,
            wechatpay_serial: true,
            retry: None,
        }
    }
}

impl Builder {
    /// An empty builder.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new();
    /// # let _ = b;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The merchant id (`mchid`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().mchid("1230000109");
    /// # let _ = b;
    /// ```
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// The merchant API certificate serial (`serial`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().serial("408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
    /// # let _ = b;
    /// ```
    pub fn serial(mut self, serial: impl Into<String>) -> Self {
        self.serial = Some(serial.into());
        self
    }

    /// The merchant API private key (`privateKey`): a loaded [`RsaKey`], or anything [`Rsa::from`] accepts
    /// (`file://…`, PEM text, `private.pkcs8://…`, `(pem, passphrase)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let b = wechatpay::Builder::new().private_key(path);
    /// # let _ = b;
    /// ```
    pub fn private_key(mut self, key: impl Into<KeyInput>) -> Self {
        self.private_key = Some(Rsa::from(key, KeyType::Private));
        self
    }

    /// Adds a platform certificate or WeChat Pay public key under its serial or `PUB_KEY_ID_…` id (`certs`);
    /// repeatable. Accepts a loaded [`RsaKey`] or anything [`Rsa::from`] accepts as public.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// let b = wechatpay::Builder::new().cert("PUB_KEY_ID_0114232134912410000000000000", path);
    /// # let _ = b;
    /// ```
    pub fn cert(mut self, serial: impl Into<String>, key: impl Into<KeyInput>) -> Self {
        self.certs.push((serial.into(), Rsa::from(key, KeyType::Public)));
        self
    }

    /// Uses (and shares) an existing platform-key store, e.g. one a certificate refresher keeps current.
    /// Keys given with [`cert`](Builder::cert) are added to it.
    ///
    /// # Examples
    ///
    /// ```
    /// let keys = wechatpay::certs::PlatformKeys::new();
    /// let b = wechatpay::Builder::new().platform_keys(keys.clone());
    /// # let _ = b;
    /// ```
    pub fn platform_keys(mut self, keys: PlatformKeys) -> Self {
        self.platform_keys = Some(keys);
        self
    }

    /// The APIv2 key (`secret`) for MD5 / HMAC-SHA256 signatures.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().secret("exposed_your_key_here_have_risks");
    /// # let _ = b;
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(Secret::new(secret));
        self
    }

    /// The APIv3 key (32 bytes, set in the merchant platform): decrypts notifications (`Client::notification`) and
    /// platform certificates. Checked to be 32 bytes at `build()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().apiv3_key("0123456789abcdef0123456789abcdef");
    /// # let _ = b;
    /// ```
    pub fn apiv3_key(mut self, key: impl Into<String>) -> Self {
        self.apiv3_key = Some(Secret::new(key));
        self
    }

    /// The base URI every relative path resolves against (default `https://api.mch.weixin.qq.com/`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().base_uri("https://api2.mch.weixin.qq.com/");
    /// # let _ = b;
    /// ```
    pub fn base_uri(mut self, base_uri: impl Into<String>) -> Self {
        self.base_uri = base_uri.into();
        self
    }

    /// A header sent on every request (overrides the defaults, e.g. `User-Agent`; per-request headers win).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().header("User-Agent", "my-shop/1.0");
    /// # let _ = b;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The deadline of every call, from sending the request to the last byte of the answer, redirects included
    /// (default 30 s, wechatpay-go's default; wechatpay-php and wechatpay-node have none, wechatpay-java only
    /// restarting per-read timeouts). A call past it fails with `ErrorKind::Transport` and `is_timeout()`. The
    /// per-request option `timeout` replaces it for one call. Streamed downloads ([`crate::download`]) are
    /// exempt: a large bill may take minutes; [`read_timeout`](Builder::read_timeout) still ends a stalled one.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().timeout(std::time::Duration::from_secs(30));
    /// # let _ = b;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = Some(timeout);
        self
    }

    /// Longest wait for any single read from the server (default 60 s). It restarts on every byte received, so a
    /// server trickling one byte at a time is not stopped by it: the call deadline ([`timeout`](Builder::timeout))
    /// bounds the whole call.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().read_timeout(std::time::Duration::from_secs(20));
    /// # let _ = b;
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = Some(timeout);
        self
    }

    /// The merchant API certificate and its private key (PHP `merchant => [cert, key]`), presented as the TLS
    /// client identity on APIv2 requests with `security: true` (refunds, red packets, transfers…) and only
    /// there. `cert` is `file://…` or PEM text; `key` is anything [`Rsa::from`] accepts as private, e.g.
    /// `"file:///path/apiclient_key.pem"` or `(pem, passphrase)`. `build()` checks that they belong together.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/");
    /// let client = wechatpay::Builder::new()
    ///     .mchid("1230000109")
    ///     .secret("exposed_your_key_here_have_risks")
    ///     .merchant_cert(format!("{dir}merchant.cert.pem"), format!("{dir}merchant.pkcs8.key.pem"))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn merchant_cert(mut self, cert: impl Into<String>, key: impl Into<KeyInput>) -> Self {
        self.merchant_cert = Some((cert.into(), key.into()));
        self
    }

    /// The merchant API certificate and key as PKCS#12 bytes (`apiclient_cert.p12`, whose default password is the
    /// mchid), instead of [`merchant_cert`](Builder::merchant_cert). Both the legacy RC2/3DES encryption WeChat
    /// Pay issues and PBES2 are read.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.legacy.p12");
    /// let p12 = std::fs::read(path)?;
    /// let client = wechatpay::Builder::new()
    ///     .mchid("1230000109")
    ///     .secret("exposed_your_key_here_have_risks")
    ///     .merchant_pkcs12(p12, "1230000109")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merchant_pkcs12(mut self, p12: impl Into<Vec<u8>>, password: impl Into<String>) -> Self {
        self.merchant_pkcs12 = Some((p12.into(), Secret::new(password)));
        self
    }

    /// Trusts this extra root certificate (PEM text or `file://…`) besides the system's, e.g. for a private
    /// gateway or a test CA.
    ///
    /// # Examples
    ///
    /// ```
    /// # let ca = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let client = wechatpay::Builder::new().mchid("1").secret("k").root_certificate(ca).build()?;
    /// # let _ = client;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn root_certificate(mut self, pem: impl Into<String>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or `socks5://` URL).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().proxy("http://127.0.0.1:3128");
    /// # let _ = b;
    /// ```
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// Largest response body read into memory (default 4 MiB: API answers are a few KB, complaint images a few
    /// MB); a larger one fails with [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge) before it is read.
    /// Streamed downloads ([`crate::download`]) are not bound by it: fetch large files with them.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().max_response_size(1 << 20);
    /// # let _ = b;
    /// ```
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.settings.max_response_size = bytes;
        self
    }

    /// Uses this `reqwest::Client` for the `_async` verbs. Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: the pipeline follows and re-signs redirects itself. The
    /// blocking verbs always use clients of their own on the crate's own runtimes (pools are never shared between
    /// runtimes), built from this builder's timeouts and proxy.
    ///
    /// # Examples
    ///
    /// ```
    /// let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    /// let b = wechatpay::Builder::new().http_client(http);
    /// # let _ = b;
    /// # Ok::<(), reqwest::Error>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The clock used for request timestamps and the ±300 s response check (default: the system clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().clock(wechatpay::FixedClock(1_554_208_460));
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The request nonce source (default: 32 random base62 characters).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().nonce(|| Ok("593BEC0C930BF1AFEB40B4A08C8FB242".to_owned()));
    /// # let _ = b;
    /// ```
    pub fn nonce(mut self, nonce: impl Fn() -> Result<String> + Send + Sync + 'static) -> Self {
        self.nonce = Some(Arc::new(nonce));
        self
    }

    /// Replaces the APIv3 request signer (PHP's `signer` middleware), e.g. with a remote signing service.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().signer(|_: &wechatpay::SignContext<'_>| Ok("WECHATPAY2-SHA256-RSA2048 …".to_owned()));
    /// # let _ = b;
    /// ```
    pub fn signer(mut self, signer: impl Sign) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// Replaces the APIv3 response verifier (PHP's `verifier` middleware).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = wechatpay::Builder::new().verifier(|_: &wechatpay::VerifyContext<'_>| Ok(()));
    /// # let _ = b;
    /// ```
    pub fn verifier(mut self, verifier: impl Verify) -> Self {
        self.verifier = Some(Arc::new(verifier));
        self
    }

    /// Whether every APIv3 request carries `Wechatpay-Serial: PUB_KEY_ID_…` when a WeChat Pay public key is
    /// configured (default `true`).
    ///
    /// While a merchant moves from platform certificates to the WeChat Pay public key, the gateway signs each
    /// response with the key the request's `Wechatpay-Serial` names; announcing the public-key id makes every
    /// answer verifiable with it. The first `PUB_KEY_ID_…` entry of the platform keys is sent; a request (or a
    /// [`header`](Builder::header)) that sets its own `Wechatpay-Serial` keeps its value. Clients with platform
    /// certificates only send nothing. Turn it off to send no such header at all.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.builder()?.wechatpay_serial_header(false).build()?;
    /// client.chain("v3/marketing/favor/stocks/{stock_id}").get(serde_json::json!({ "stock_id": "1" }))?;
    /// assert!(sandbox.requests()[0].headers.get("wechatpay-serial").is_none());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn wechatpay_serial_header(mut self, enabled: bool) -> Self {
        self.wechatpay_serial = enabled;
        self
    }

    /// Turns on retries and failover to the backup domain (off by default): a call that never reached the
    /// server is sent again, re-signed, to `https://api2.mch.weixin.qq.com/` (with the default base URI), and a
    /// `GET` also after a 5xx or a read timeout; see [`Retry`] for the exact rule. The call's
    /// [`timeout`](Builder::timeout) bounds all attempts together.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = wechatpay::Builder::new()
    ///     .mchid("1230000109")
    ///     .secret("exposed_your_key_here_have_risks")
    ///     .retry(wechatpay::Retry::new())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Validates the settings (as wechatpay-php's `Builder::factory` does) and builds the client. Starts no thread and
    /// needs no runtime.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) (in PHP's order): `mchid` missing; for APIv3, `serial`,
    /// `privateKey` (missing or unloadable), `certs` (missing, unloadable, or containing the merchant `serial`);
    /// an invalid base URI, header or proxy.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = wechatpay::Builder::new().secret("k").build().unwrap_err();
    /// assert!(err.to_string().starts_with("The merchant ID (`mchid`) is required"));
    /// ```
    pub fn build(self) -> Result<Client> {
        let mchid = self.mchid.ok_or_else(|| Error::config(MCHID_REQUIRED))?;
        let wants_v3 = self.serial.is_some()
            || self.private_key.is_some()
            || !self.certs.is_empty()
            || self.platform_keys.is_some()
            || self.signer.is_some()
            || self.verifier.is_some()
            || self.secret.is_none();
        let v3 = if wants_v3 {
            let serial = self.serial.ok_or_else(|| Error::config(SERIAL_REQUIRED))?;
            let signer: Arc<dyn Sign> = match (self.signer, self.private_key) {
                (Some(custom), _) => custom,
                (None, Some(Ok(key))) => Arc::new(
                    crate::v3::Signer::new(mchid.clone(), serial.clone(), key)
                        .with_shared_clock(self.clock.clone())
                        .with_shared_nonce(self.nonce.clone()),
                ),
                (None, Some(Err(e))) => return Err(Error::config(PRIVATE_KEY_REQUIRED).with_source(e)),
                (None, None) => return Err(Error::config(PRIVATE_KEY_REQUIRED)),
            };
            let keys = self.platform_keys.unwrap_or_default();
            for (s, key) in self.certs {
                match key {
                    Ok(k) => keys.insert(s, k),
                    Err(e) => {
                        return Err(
                            Error::config(format!("The platform certificate `{s}` cannot be loaded.")).with_source(e),
                        );
                    }
                }
            }
            if keys.is_empty() && self.verifier.is_none() {
                return Err(Error::config(CERTS_REQUIRED));
            }
            if keys.contains(&serial) {
                return Err(Error::config(format!(
                    "The `certs({})` contains the merchant's certificate serial number({serial}) which is not allowed here.",
                    keys.serials().join(",")
                )));
            }
            let verifier: Arc<dyn Verify> = match self.verifier {
                Some(v) => v,
                None => Arc::new(crate::v3::Verifier::new(keys.clone()).with_shared_clock(self.clock.clone())),
            };
            Some(V3 {
                serial,
                keys,
                signer,
                verifier,
            })
        } else {
            None
        };

        if let Some(key) = &self.apiv3_key {
            if key.expose().len() != crate::crypto::AesGcm::KEY_LENGTH_BYTE {
                return Err(Error::config(format!(
                    "The APIv3 key (`apiv3_key`) must be {} bytes long, got {}.",
                    crate::crypto::AesGcm::KEY_LENGTH_BYTE,
                    key.expose().len()
                )));
            }
        }
        let base_uri = Url::parse(&self.base_uri).map_err(|e| {
            Error::config(format!("The `base_uri` ({}) is not a valid URL.", self.base_uri)).with_source(e)
        })?;
        let retry = self.retry.map(|r| r.resolve(&base_uri, DEFAULT_BASE_URI)).transpose()?;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::USER_AGENT, user_agent());
        for (name, value) in &self.headers {
            let (n, v) = header_pair(name, value).map_err(|e| Error::config(e.to_string()))?;
            headers.insert(n, v);
        }
        let mut settings = self.settings;
        if let Some(p) = &self.proxy {
            settings.proxy = Some(
                reqwest::Proxy::all(p).map_err(|e| Error::config("The `proxy` is not a valid URL.").with_source(e))?,
            );
        }
        if let Some((cert, key)) = self.merchant_cert {
            settings.identity = Some(crate::transport::merchant_identity(&cert, key)?);
        } else if let Some((p12, password)) = &self.merchant_pkcs12 {
            settings.identity = Some(crate::transport::merchant_pkcs12(p12, password.expose())?);
        }
        for root in &self.root_certificates {
            let pem = match root.strip_prefix("file://") {
                Some(path) => std::fs::read(path).map_err(|e| {
                    Error::config(format!("The root certificate file `{path}` cannot be read.")).with_source(e)
                })?,
                None => root.as_bytes().to_vec(),
            };
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| Error::config("A root certificate is not a PEM certificate.").with_source(e))?;
            settings.roots.push(cert);
        }
        let async_clients = settings.build_clients(self.http_client)?;
        let config = Config {
            mchid,
            v3,
            secret: self.secret,
            apiv3_key: self.apiv3_key,
            nonce: self.nonce,
            clock: self.clock,
            wechatpay_serial: self.wechatpay_serial,
            base_uri,
            headers,
            transport: Transport::new(settings, async_clients),
            retry,
        };
        Ok(Client::root(Arc::new(config)))
    }
}

/// `wechatpay-rust/<version> reqwest/0.13 (<os>/<arch>)`, the shape PHP uses.
fn user_agent() -> HeaderValue {
    let ua = format!(
        "wechatpay-rust/{} reqwest/0.13 ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    HeaderValue::from_str(&ua).unwrap_or_else(|_| HeaderValue::from_static("wechatpay-rust"))
}

/// Parses one header; the error names the header, never its value.
pub(crate) fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| Error::invalid(format!("`{name}` is not a valid header name.")).with_source(e))?;
    let v = HeaderValue::from_str(value)
        .map_err(|e| Error::invalid(format!("The value of header `{name}` is not valid.")).with_source(e))?;
    Ok((n, v))
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("base_uri", &self.base_uri)
            .finish_non_exhaustive()
    }
}

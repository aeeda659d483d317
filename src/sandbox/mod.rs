//! A local fake WeChat Pay gateway on loopback: it verifies each request's APIv3 signature with the merchant
//! public key and answers with bodies signed by its platform key, like the real gateway. For the quick start,
//! doctests and users' own tests.

mod keys;
mod notification;
mod routes;
mod server;
mod v2;

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::builder::Builder;
use crate::client::Client;
use crate::crypto::RsaKey;
use crate::error::Result;

pub use keys::{APIV3_KEY, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, SECRET};
pub use notification::notification;

/// A request as the sandbox received it.
///
/// # Examples
///
/// ```
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}").get(serde_json::json!({"stock_id": "1"}))?;
/// let seen = sandbox.requests();
/// assert_eq!(seen[0].target, "/v3/marketing/favor/stocks/1");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Recorded {
    /// The request method.
    pub method: Method,
    /// The request-target (path and query) as it arrived.
    pub target: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Bytes,
    /// Whether the request's `Authorization` signature verified.
    pub signature_valid: bool,
}

/// A running fake gateway bound to `127.0.0.1:<random port>`, on its own thread and runtime (so `#[test]` and
/// `#[tokio::test]` can both use it). Dropping it stops the server.
///
/// APIv3 routes: `GET /v3/marketing/favor/stocks/{stock_id}`, `GET /v3/marketing/favor/users/{openid}/coupons/{coupon_id}`,
/// `POST /v3/pay/transactions/native`, `GET /v3/pay/transactions/id/{transaction_id}`; any other `/v3/` path
/// answers a signed 404 naming the route, and a request whose signature does not verify a signed 401 `SIGN_ERROR`.
///
/// APIv2 (every other path): the request `sign` (MD5 or HMAC-SHA256 with [`SECRET`]) and `mch_id` are checked;
/// `POST /mmpaymkttransfers/query_coupon_stock` answers signed XML; a bad sign or an unknown route answers
/// `return_code=FAIL` like the real gateway.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// let resp = client["v3/marketing/favor/users/{openid}/coupons/{coupon_id}"]
///     .get(json!({ "openid": "o4GgauInH_RCEdvrrNGrntXDuXXX", "coupon_id": "9856000", "query": { "appid": "wx233544546545989" } }))?;
/// assert_eq!(resp.json::<serde_json::Value>()?["coupon_id"], "9856000");
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub struct Sandbox {
    server: server::Running,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Sandbox {
    /// Starts the gateway.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when no loopback port can be bound or the thread
    /// cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.base_uri().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn start() -> Result<Sandbox> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = routes::State::new(log.clone())?;
        let server = server::Running::start(state)?;
        Ok(Sandbox { server, log })
    }

    /// The base URI to give a client, `http://127.0.0.1:<port>/`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.base_uri().ends_with('/'));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn base_uri(&self) -> String {
        format!("http://{}/", self.server.addr())
    }

    /// A builder set up for this sandbox: its merchant id, serial and private key, its platform public key, its
    /// APIv2 and APIv3 keys, its base URI. Adjust it (clock, timeouts) before `build()`.
    ///
    /// # Errors
    ///
    /// Never in practice: the embedded test keys always load.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.builder()?.timeout(std::time::Duration::from_secs(5)).build()?;
    /// # let _ = client;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn builder(&self) -> Result<Builder> {
        Ok(Builder::new()
            .mchid(MCHID)
            .serial(MERCHANT_SERIAL)
            .private_key(Self::merchant_private_key()?)
            .cert(PLATFORM_SERIAL, Self::platform_public_key()?)
            .secret(SECRET)
            .apiv3_key(APIV3_KEY)
            .base_uri(self.base_uri()))
    }

    /// A client for this sandbox (`self.builder()?.build()`).
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert_eq!(sandbox.client()?.v3().pathname(), "v3");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn client(&self) -> Result<Client> {
        self.builder()?.build()
    }

    /// Every request received so far, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.requests().is_empty());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn requests(&self) -> Vec<Recorded> {
        self.log
            .lock()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The sandbox merchant's private key (TEST ONLY, published with the crate).
    ///
    /// # Errors
    ///
    /// Never in practice: the embedded key always loads.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::sandbox::Sandbox::merchant_private_key()?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn merchant_private_key() -> Result<RsaKey> {
        keys::merchant_private()
    }

    /// The sandbox platform public key, registered under [`PLATFORM_SERIAL`].
    ///
    /// # Errors
    ///
    /// Never in practice: the embedded key always loads.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!wechatpay::sandbox::Sandbox::platform_public_key()?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn platform_public_key() -> Result<RsaKey> {
        keys::platform_public()
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

//! A local fake WeChat Pay gateway on loopback: it verifies each request's APIv3 signature with the merchant
//! public key and answers with bodies signed by its platform key, like the real gateway. For the quick start,
//! doctests and users' own tests.

mod bills;
mod certificates;
mod deliver;
mod fault;
mod flow;
mod keys;
mod media;
mod multipart;
mod notification;
mod orders;
mod routes;
mod script;
mod server;
mod tls;
mod v2;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::builder::Builder;
use crate::client::Client;
use crate::crypto::RsaKey;
use crate::error::{Error, Result};

pub use certificates::{PLATFORM_CERT_NEW_SERIAL, PLATFORM_CERT_OLD_SERIAL};
pub use deliver::{Attempt, Delivery};
pub use fault::Fault;
pub use keys::{APIV3_KEY, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, SECRET};
pub use multipart::Part;
pub use notification::notification;
pub use script::{Reply, Rule};

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
    /// The request body, raw (a multipart upload as it came; see [`parts`](Self::parts)).
    pub body: Bytes,
    /// Whether the request's signature verified: APIv3 `Authorization` (over the `meta` part of a multipart
    /// upload), or the APIv2 `sign`.
    pub signature_valid: bool,
}

impl Recorded {
    /// The parts of a `multipart/form-data` body, in order.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is not `multipart/form-data` or is malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Options, util::MediaUtil};
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let media = MediaUtil::from_bytes("a.jpg", b"JPEGDATA".to_vec());
    /// sandbox.client()?.chain("v3/merchant/media/upload").post(Options::new().body(media.stream()))?;
    /// let parts = sandbox.requests()[0].parts()?;
    /// assert_eq!((parts[0].name.as_str(), &parts[0].body[..]), ("meta", media.meta().as_bytes()));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn parts(&self) -> Result<Vec<Part>> {
        let boundary = multipart::boundary(&self.headers)
            .ok_or_else(|| Error::decode("The recorded request is not multipart/form-data."))?;
        multipart::parse(&boundary, &self.body)
            .map_err(|why| Error::decode(format!("The recorded multipart body is malformed: {why}")))
    }
}

/// A running fake gateway bound to `127.0.0.1:<random port>`, on its own thread and runtime (so `#[test]` and
/// `#[tokio::test]` can both use it). Dropping it stops the server.
///
/// APIv3 routes: `GET /v3/marketing/favor/stocks/{stock_id}`, `GET /v3/marketing/favor/users/{openid}/coupons/{coupon_id}`,
/// `GET /v3/certificates`
/// (two TEST ONLY platform certificates, [`PLATFORM_CERT_OLD_SERIAL`] and [`PLATFORM_CERT_NEW_SERIAL`], encrypted
/// with [`APIV3_KEY`] and signed by the newer one; see [`start_public_key_mode`](Sandbox::start_public_key_mode)),
/// and the media uploads `POST /v3/merchant/media/upload` and `POST /v3/merchant-service/images/upload`
/// (`{"media_id":…}`; the meta's `sha256` must match the file part, else a signed 400 `PARAM_ERROR`); any other
/// `/v3/` path answers a signed 404 naming the route, and a request whose signature does not verify a signed 401
/// `SIGN_ERROR`. As the real gateway, a `multipart/form-data` request is signed over its `meta` part.
///
/// Orders are kept, shared by APIv3 and APIv2: `POST /v3/pay/transactions/{native,jsapi,app,h5}` create one
/// (the required fields are checked, a missing one is a signed 400 `PARAM_ERROR` naming it; the same
/// `out_trade_no` again answers the same order, with other content a 400 `INVALID_REQUEST`) and answer
/// `code_url`, `prepay_id` or `h5_url`; `GET /v3/pay/transactions/out-trade-no/{out_trade_no}` and
/// `/id/{transaction_id}` (with `?mchid=`) read it (`trade_state` `NOTPAY`, `SUCCESS`, `CLOSED`, `REFUND`; an
/// unknown order is a signed 404 `ORDER_NOT_EXIST`); `POST …/out-trade-no/{out_trade_no}/close` closes an unpaid
/// one (204); `POST /v3/refund/domestic/refunds` refunds a paid one (up to what is left, else 400 `NOT_ENOUGH`;
/// the refund is `SUCCESS` at once) and `GET /v3/refund/domestic/refunds/{out_refund_no}` reads the refund.
/// [`pay`](Sandbox::pay) pays an order from the test and sends its notification to the order's `notify_url`;
/// an APIv3 refund sends `REFUND.SUCCESS` to the refund's (or else, for an APIv3 order, the order's) `notify_url`
/// (APIv2 refunds send none).
/// `GET /v3/bill/tradebill?bill_date=&bill_type=&tar_type=` answers `hash_type`, `hash_value` (SHA-1 of the
/// plain CSV) and a `download_url` on the sandbox itself, which serves the trade bill of that day built from
/// the orders (WeChat Pay's layout: a header row, one backquoted row per payment or refund, a summary), gzip when
/// `tar_type=GZIP`; a day without payments gives a bill with no rows.
///
/// APIv2 (every other path): the request `sign` (MD5 or HMAC-SHA256 with [`SECRET`]) and `mch_id` are checked,
/// over the XML fields, the GET query, or the text fields of a multipart form;
/// `POST /mmpaymkttransfers/query_coupon_stock` answers signed XML, `POST /secapi/mch/uploadmedia` a signed
/// `media_id` once `media_hash` matches the `media` part's MD5; the orders' twins `POST /pay/unifiedorder`
/// (`trade_type` `NATIVE`, `JSAPI`, `APP` or `MWEB`), `/pay/orderquery`, `/pay/closeorder` and
/// `/secapi/pay/refund` (over plain HTTP here; [`start_tls`](Sandbox::start_tls) checks the merchant certificate) answer signed XML, refusals as `result_code=FAIL` with WeChat
/// Pay's `err_code` (`ORDERNOTEXIST`, `ORDERPAID`, `NOTENOUGH`, `PARAM_ERROR`…); `POST /pay/downloadbill` answers
/// the bill itself (gzip when `tar_type=GZIP`) or an `<xml>` error document for a bad `bill_date`. A bad sign or
/// an unknown route answers `return_code=FAIL` like the real gateway.
///
/// Answers are signed by the key the request's `Wechatpay-Serial` names: a platform certificate serial
/// ([`PLATFORM_CERT_NEW_SERIAL`]; [`PLATFORM_CERT_OLD_SERIAL`], whose key the sandbox does not have, is answered by
/// the newer one, as after a rotation) gets an answer signed by that certificate's key under its serial; the
/// public key id [`PLATFORM_SERIAL`], any other value or none, one signed by the platform public key's as before.
/// Malformed requests (no `Authorization`, a garbage or oversized body, an absurd `Content-Length`) get a signed
/// 401 `SIGN_ERROR` or 400 `PARAM_ERROR` naming the problem, and a panic while answering a signed 500: the server
/// keeps serving.
///
/// Scripts ([`on`](Sandbox::on), [`on_path`](Sandbox::on_path)) answer any path before these routes, with JSON,
/// XML, a closure or a [`Fault`].
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
    scripts: script::Scripts,
    flow: Arc<flow::Flow>,
    /// Served over HTTPS ([`start_tls`](Sandbox::start_tls)).
    tls: bool,
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
        Self::start_with(false, false, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// Starts the gateway as it answers a merchant that verifies with the WeChat Pay public key only:
    /// `GET /v3/certificates` answers a signed 404 `{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书"}`;
    /// every other route is as [`start`](Sandbox::start).
    ///
    /// # Errors
    ///
    /// As [`start`](Sandbox::start).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start_public_key_mode()?;
    /// let err = sandbox.client()?.chain("v3/certificates").get(()).unwrap_err();
    /// assert_eq!(err.response().map(|r| r.status().as_u16()), Some(404));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn start_public_key_mode() -> Result<Sandbox> {
        Self::start_with(true, false, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// Starts the gateway on `addr` (port 0: any free port; see [`base_uri`](Sandbox::base_uri) for the one
    /// chosen), e.g. for programs in other languages that are given a fixed address. [`start`](Sandbox::start)
    /// is `start_on(127.0.0.1:0)`. The sandbox's keys are published test keys: keep it on loopback.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when `addr` cannot be bound (in use, not local) or
    /// the thread cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start_on("127.0.0.1:0".parse().expect("an address"))?;
    /// assert!(sandbox.base_uri().starts_with("http://127.0.0.1:"));
    /// let taken = sandbox.base_uri().trim_start_matches("http://").trim_end_matches('/').parse().expect("an address");
    /// assert!(wechatpay::sandbox::Sandbox::start_on(taken).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn start_on(addr: SocketAddr) -> Result<Sandbox> {
        Self::start_with(false, false, addr)
    }

    /// Starts the gateway over HTTPS on `127.0.0.1:<random port>`, as the real gateway checks the merchant API
    /// certificate: the server presents a TEST ONLY certificate for `127.0.0.1` and `localhost` issued by a TEST
    /// ONLY CA ([`ca_certificate_pem`](Sandbox::ca_certificate_pem)), and asks for a client certificate, which
    /// the handshake verifies against that CA when one is presented but does not require. An APIv2 request to an
    /// API that needs the merchant certificate (`/secapi/…` such as `secapi/pay/refund`, `/mmpaymkttransfers/…`
    /// transfers and red packets, `/pay/downloadfundflow`…) on a connection without a verified certificate is
    /// answered `return_code=FAIL` with a `return_msg` about the certificate, as WeChat Pay does; every other
    /// route is as [`start`](Sandbox::start). [`builder`](Sandbox::builder) trusts the CA and presents
    /// [`merchant_certificate_pem`](Sandbox::merchant_certificate_pem) with the merchant key on `security: true`
    /// requests.
    ///
    /// # Errors
    ///
    /// As [`start`](Sandbox::start).
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use wechatpay::{ErrorKind, V2Rejection, sandbox::{MCHID, Sandbox}};
    /// let sandbox = Sandbox::start_tls()?;
    /// assert!(sandbox.base_uri().starts_with("https://127.0.0.1:"));
    /// let client = sandbox.client()?;
    /// let refund = json!({ "mch_id": MCHID, "out_trade_no": "T1", "out_refund_no": "R1", "total_fee": "1", "refund_fee": "1" });
    /// let node = client.chain("v2/secapi/pay/refund");
    /// // with the certificate the gateway looks at the refund (there is no such order: result_code=FAIL)
    /// let with_cert = node.post(json!({ "security": true, "xml": refund.clone() })).unwrap_err();
    /// assert_eq!(with_cert.kind(), ErrorKind::Rejected(V2Rejection::ResultCode));
    /// // without it the request is refused before that: return_code=FAIL
    /// let without = node.post(json!({ "xml": refund })).unwrap_err();
    /// assert_eq!(without.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn start_tls() -> Result<Sandbox> {
        Self::start_with(false, true, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    fn start_with(public_key_mode: bool, tls: bool, addr: SocketAddr) -> Result<Sandbox> {
        let acceptor = if tls { Some(tls::acceptor()?) } else { None };
        let log = Arc::new(Mutex::new(Vec::new()));
        let flow = Arc::new(flow::Flow::new(if tls { "https" } else { "http" })?);
        let state = routes::State::new(log.clone(), public_key_mode, flow.clone())?;
        let scripts = state.scripts.clone();
        let server = server::Running::start(state, addr, acceptor)?;
        flow.deliver.attach(server.runtime());
        Ok(Sandbox {
            server,
            log,
            scripts,
            flow,
            tls,
        })
    }

    /// The base URI to give a client, `http://127.0.0.1:<port>/` (`https://…` for [`start_tls`](Sandbox::start_tls)).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.base_uri().ends_with('/'));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn base_uri(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/", self.server.addr())
    }

    /// A builder set up for this sandbox: its merchant id, serial and private key, its platform public key, its
    /// APIv2 and APIv3 keys, its base URI; for [`start_tls`](Sandbox::start_tls) also its CA as a root
    /// certificate and its merchant API certificate with the merchant key (presented on `security: true`
    /// requests). Adjust it (clock, timeouts) before `build()`.
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
        let builder = Builder::new()
            .mchid(MCHID)
            .serial(MERCHANT_SERIAL)
            .private_key(Self::merchant_private_key()?)
            .cert(PLATFORM_SERIAL, Self::platform_public_key()?)
            .secret(SECRET)
            .apiv3_key(APIV3_KEY)
            .base_uri(self.base_uri());
        Ok(if self.tls {
            builder
                .root_certificate(tls::CA_CERT)
                .merchant_cert(tls::MERCHANT_CERT, keys::MERCHANT_PRIVATE)
        } else {
            builder
        })
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

    /// A rule for `method` requests to `path` (the path without its query: exact, with `{name}` segments matching
    /// any one segment, or ending in `/*` for everything below it; `*` alone matches every path). Give its answer
    /// with [`Rule::reply`], [`Rule::reply_with`] or [`Rule::fail`]; the newest matching rule answers before the
    /// built-in routes.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::http::Method;
    /// use wechatpay::sandbox::{Reply, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on(Method::POST, "/v3/pay/transactions/native")
    ///     .reply(Reply::json(200, serde_json::json!({ "code_url": "weixin://wxpay/bizpayurl?pr=scripted" })));
    /// let resp = sandbox.client()?.chain("v3/pay/transactions/native")
    ///     .post(serde_json::json!({ "json": { "out_trade_no": "1" } }))?;
    /// assert_eq!(resp.json::<serde_json::Value>()?["code_url"], "weixin://wxpay/bizpayurl?pr=scripted");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn on(&self, method: Method, path: &str) -> Rule {
        Rule::new(self.scripts.clone(), Some(method), path)
    }

    /// A rule for requests of any method to `path` (see [`on`](Sandbox::on)).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Fault, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("/v3/*").fail(Fault::SystemError);
    /// let err = sandbox.client()?.chain("v3/certificates").get(()).unwrap_err();
    /// assert_eq!(err.response().map(|r| r.status().as_u16()), Some(500));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn on_path(&self, path: &str) -> Rule {
        Rule::new(self.scripts.clone(), None, path)
    }

    /// Removes every rule: the built-in routes answer again.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Fault, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("*").fail(Fault::SystemError);
    /// sandbox.clear_scripts();
    /// let node = sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}");
    /// assert!(node.get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).is_ok());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn clear_scripts(&self) {
        self.scripts.clear();
    }

    /// Pays the order `out_trade_no` as its user would: it becomes `SUCCESS` with a `transaction_id` and a
    /// `success_time`, and its payment notification starts on its way to the order's `notify_url` (only
    /// loopback URLs are sent to) without blocking: APIv3 orders get the signed, encrypted
    /// `TRANSACTION.SUCCESS` notification whose resource is the order as the query answers it, APIv2 orders
    /// the signed XML one. The notification is sent again, with a doubling delay, while the handler does not
    /// answer 2xx (see [`set_notify_retry`](Sandbox::set_notify_retry)); [`deliveries`](Sandbox::deliveries)
    /// shows each attempt. Returns the paid order as the APIv3 query answers it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when there is no such order, or it is
    /// already paid or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// client.chain("v3/pay/transactions/native").post(json!({ "json": {
    ///     "appid": "wxd678efh567hg6787", "mchid": wechatpay::sandbox::MCHID, "description": "Image形象店-深圳腾大-QQ公仔",
    ///     "out_trade_no": "1217752501201407033233368018", "notify_url": "http://127.0.0.1:9/notify",
    ///     "amount": { "total": 100 },
    /// } }))?;
    /// let paid = sandbox.pay("1217752501201407033233368018")?;
    /// assert_eq!(paid["trade_state"], "SUCCESS");
    /// let order = client.chain("v3/pay/transactions/id/{transaction_id}").get(json!({
    ///     "transaction_id": paid["transaction_id"], "query": { "mchid": wechatpay::sandbox::MCHID },
    /// }))?;
    /// assert_eq!(order.json::<serde_json::Value>()?["out_trade_no"], "1217752501201407033233368018");
    /// assert!(sandbox.pay("1217752501201407033233368018").is_err(), "paid already");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pay(&self, out_trade_no: &str) -> Result<serde_json::Value> {
        self.flow.pay(out_trade_no)
    }

    /// Every notification sent or being sent (payments, refunds), oldest first, with each attempt.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.deliveries().iter().all(|d| d.delivered));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.flow.deliver.deliveries()
    }

    /// Waits until at least `count` notifications were started and every one is finished (delivered, or
    /// given up after the last attempt), and returns them as [`deliveries`](Sandbox::deliveries) would.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when that takes longer than `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.wait_for_deliveries(0, Duration::from_millis(10))?.is_empty());
    /// assert!(sandbox.wait_for_deliveries(1, Duration::from_millis(10)).is_err(), "nothing was paid");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn wait_for_deliveries(&self, count: usize, timeout: Duration) -> Result<Vec<Delivery>> {
        self.flow.deliver.wait(count, timeout)
    }

    /// [`wait_for_deliveries`](Sandbox::wait_for_deliveries) for async code, so a handler served by the same
    /// runtime keeps running while the test waits. The future borrows nothing from the sandbox; it needs a Tokio
    /// runtime with time enabled (as `#[tokio::test]` has).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when that takes longer than `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// use std::time::Duration;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// assert!(sandbox.wait_for_deliveries_async(0, Duration::from_millis(10)).await?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn wait_for_deliveries_async(
        &self,
        count: usize,
        timeout: Duration,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send + 'static {
        self.flow.deliver.wait_async(count, timeout)
    }

    /// Sets how notifications are retried from now on: at most `attempts` tries (at least one), `first_delay`
    /// before the second, the delay doubling after each (default: 6 tries, from 100 ms). Each try waits at most
    /// 5 s for the handler's answer.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// sandbox.set_notify_retry(std::time::Duration::from_millis(10), 3);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn set_notify_retry(&self, first_delay: Duration, attempts: u32) {
        self.flow.deliver.set_schedule(first_delay, attempts);
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

    /// The PEM text (PKCS#8) of [`merchant_private_key`](Sandbox::merchant_private_key), to write to a file for
    /// programs that load the merchant key from one (TEST ONLY, published with the crate).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = wechatpay::sandbox::Sandbox::merchant_private_key_pem();
    /// assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    /// assert!(Rsa::from(pem, KeyType::Private)?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn merchant_private_key_pem() -> &'static str {
        keys::MERCHANT_PRIVATE
    }

    /// The PEM text of the TEST ONLY CA that issued the certificates of [`start_tls`](Sandbox::start_tls) (the
    /// server's and [`merchant_certificate_pem`](Sandbox::merchant_certificate_pem)), for clients and tools that
    /// are not built with [`builder`](Sandbox::builder). Never trust it anywhere else.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::Sandbox;
    /// let sandbox = Sandbox::start_tls()?;
    /// let client = wechatpay::Builder::new()
    ///     .mchid(wechatpay::sandbox::MCHID)
    ///     .secret(wechatpay::sandbox::SECRET)
    ///     .root_certificate(Sandbox::ca_certificate_pem())
    ///     .merchant_cert(Sandbox::merchant_certificate_pem(), Sandbox::merchant_private_key_pem())
    ///     .base_uri(sandbox.base_uri())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn ca_certificate_pem() -> &'static str {
        tls::CA_CERT
    }

    /// The PEM text of the sandbox merchant API certificate (TEST ONLY, published with the crate): issued by
    /// [`ca_certificate_pem`](Sandbox::ca_certificate_pem) over
    /// [`merchant_private_key_pem`](Sandbox::merchant_private_key_pem), serial [`MERCHANT_SERIAL`], subject
    /// `CN=`[`MCHID`]. Give both to [`Builder::merchant_cert`] for the `security: true` requests of
    /// [`start_tls`](Sandbox::start_tls).
    ///
    /// # Examples
    ///
    /// ```
    /// let pem = wechatpay::sandbox::Sandbox::merchant_certificate_pem();
    /// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    /// ```
    pub fn merchant_certificate_pem() -> &'static str {
        tls::MERCHANT_CERT
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
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

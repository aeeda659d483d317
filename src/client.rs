//! `Client`: a node of the chainable path builder. `v2()`/`v3()`/`seg()`/`chain()` and `client["…"]` append a
//! normalised segment; the verbs (in `verbs.rs`) send a request to the node's path.

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use elsa::sync::FrozenMap;

use crate::config::Config;
use crate::segment::normalize;

/// A WeChat Pay client positioned at a path: every node of the chain is a `Client`, the root has no segments.
///
/// Cheap to clone (an `Arc`), `Send + Sync + 'static`. Its `Debug` never prints key material.
///
/// | PHP | Rust |
/// | --- | --- |
/// | `$instance->v3->pay->transactions->native` | `client.v3().seg("pay").seg("transactions").seg("native")` |
/// | `$instance->chain('v3/pay/transactions/native')` | `client.chain("v3/pay/transactions/native")` |
/// | `$instance['v3/pay/transactions/native']` | `client["v3/pay/transactions/native"]` |
///
/// # Examples
///
/// ```
/// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
/// assert_eq!(client.v3().seg("merchantService").seg("complaintsV2").pathname(), "v3/merchant-service/complaints-v2");
/// assert_eq!(client.chain("v3/pay/transactions/id/{transaction_id}").pathname(), "v3/pay/transactions/id/{transaction_id}");
/// assert_eq!(client["v3/pay/transactions"]["_out_trade_no_"].pathname(), "v3/pay/transactions/{out_trade_no}");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    node: Arc<Node>,
}

struct Node {
    config: Arc<Config>,
    /// The normalised segments joined with `/`.
    path: String,
    /// Whether the node has any segment (`""` with one empty segment differs from the root).
    has_segments: bool,
    /// Children reached through `Index`, keyed by the raw key (PHP caches children too).
    children: FrozenMap<String, Box<Client>>,
}

impl Client {
    pub(crate) fn root(config: Arc<Config>) -> Client {
        Client {
            node: Arc::new(Node {
                config,
                path: String::new(),
                has_segments: false,
                children: FrozenMap::new(),
            }),
        }
    }

    pub(crate) fn config(&self) -> &Arc<Config> {
        &self.node.config
    }

    fn child(&self, raw: &str) -> Client {
        let seg = normalize(raw);
        let path = if self.node.has_segments {
            format!("{}/{}", self.node.path, seg)
        } else {
            seg
        };
        Client {
            node: Arc::new(Node {
                config: self.node.config.clone(),
                path,
                has_segments: true,
                children: FrozenMap::new(),
            }),
        }
    }

    /// Appends the `v2` segment: paths under it go through the APIv2 (XML) pipeline.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.v2().seg("pay").seg("micropay").pathname(), "v2/pay/micropay");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn v2(&self) -> Client {
        self.child("v2")
    }

    /// Appends the `v3` segment.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.v3().pathname(), "v3");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn v3(&self) -> Client {
        self.child("v3")
    }

    /// Appends one segment, normalised by PHP's rules: `merchantService` → `merchant-service`,
    /// `_out_trade_no_` → `{out_trade_no}`; `{x}` and `{+x}` are kept as URI-template expressions.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// let node = client.v3().seg("pay").seg("transactions").seg("outTradeNo").seg("_out_trade_no_");
    /// assert_eq!(node.pathname(), "v3/pay/transactions/out-trade-no/{out_trade_no}");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn seg(&self, segment: &str) -> Client {
        self.child(segment)
    }

    /// Appends a whole path at once (PHP `->chain('v3/…')`); it is normalised as one key, so keep capitals and
    /// queries out of it and pass them as template variables or the `query` option.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.chain("v3/marketing/favor/stocks/{stock_id}").pathname(), "v3/marketing/favor/stocks/{stock_id}");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn chain(&self, path: &str) -> Client {
        self.child(path)
    }

    /// Where a call with `opts` would go, without sending anything: the pipeline and the final URL (for tests,
    /// logs and debugging).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for invalid options or an unresolvable
    /// path, exactly as the verbs would report it.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// let route = client.v3().seg("pay").seg("transactions").seg("outTradeNo").seg("_out_trade_no_").seg("close")
    ///     .resolve(serde_json::json!({ "out_trade_no": "ABC 123/x" }))?;
    /// assert_eq!(route.url().as_str(), "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/ABC%20123%2Fx/close");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn resolve(&self, opts: impl Into<crate::options::Options>) -> crate::error::Result<crate::route::Route> {
        crate::route::route(&self.node.config, &self.node.path, &opts.into())
    }

    /// Verifies and decrypts an APIv3 notification (webhook) WeChat Pay POSTed to your `notify_url`: pass the
    /// request's headers and its raw body bytes, untouched. Does no I/O, so it suits any web framework, sync or
    /// async.
    ///
    /// The notification is checked exactly as a response is, by the client's verifier (the default
    /// [`v3::Verifier`](crate::v3::Verifier) with the client's platform keys and clock, or the hook set with
    /// [`Builder::verifier`](crate::Builder::verifier), which sees an empty [`path`](crate::VerifyContext::path)):
    /// `Wechatpay-Nonce/Serial/Signature/Timestamp` present and not repeated, no `WECHATPAY/SIGNTEST/` probe,
    /// timestamp within ±300 s, known serial, signature over `timestamp\nnonce\nbody\n`. Then the body is decoded
    /// and `resource.ciphertext` is decrypted (AES-256-GCM) with the APIv3 key, `resource.nonce` and
    /// `resource.associated_data`.
    ///
    /// Answer WeChat Pay 2xx only after this succeeded and you processed the event; otherwise 4xx/5xx with
    /// [`notify::reply_failure`](crate::notify::reply_failure) (see [`notify`](crate::notify)).
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Config`](crate::ErrorKind::Config): an APIv2-only client, or no
    ///   [`apiv3_key`](crate::Builder::apiv3_key);
    /// - [`ErrorKind::Verify`](crate::ErrorKind::Verify): the signature checks above (or the custom verifier's
    ///   error);
    /// - [`ErrorKind::Decode`](crate::ErrorKind::Decode): the body is not a JSON notification (no `id`,
    ///   `event_type`, `resource.ciphertext` or `resource.nonce`, an unknown algorithm);
    /// - [`ErrorKind::Crypto`](crate::ErrorKind::Crypto): the resource does not decrypt (another APIv3 key,
    ///   tampered ciphertext, nonce or associated data).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{ErrorKind, VerifyFailure};
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// // what WeChat Pay would POST: signed with the sandbox platform key, encrypted with the sandbox APIv3 key
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({
    ///     "out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS",
    /// }))?;
    /// let event = client.notification(&headers, &body)?;
    /// assert_eq!(event.event_type(), "TRANSACTION.SUCCESS");
    /// assert_eq!(event.resource::<serde_json::Value>()?["trade_state"], "SUCCESS");
    ///
    /// let mut forged = body.clone();
    /// forged.push(b' ');
    /// let err = client.notification(&headers, &forged).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> crate::error::Result<crate::notify::Notification> {
        crate::notify::receive(&self.node.config, headers, body)
    }

    /// The joined, normalised path template of this node (no leading slash), e.g.
    /// `v3/combine-transactions/{combine_out_trade_no}`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.pathname(), "");
    /// assert_eq!(client.v3().seg("combineTransactions").seg("_combine_out_trade_no_").pathname(),
    ///            "v3/combine-transactions/{combine_out_trade_no}");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn pathname(&self) -> &str {
        &self.node.path
    }
}

impl Index<&str> for Client {
    type Output = Client;

    /// `client["v3/…"]`: the cached child for this raw key; two lookups return the same node. The cache lives as
    /// long as this node, so index with fixed path templates, not with per-request values (use `{vars}`).
    fn index(&self, key: &str) -> &Client {
        if let Some(child) = self.node.children.get(key) {
            return child;
        }
        self.node.children.insert(key.to_owned(), Box::new(self.child(key)))
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("pathname", &self.node.path)
            .field("config", &self.node.config)
            .finish()
    }
}

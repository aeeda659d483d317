//! The two extension points, PHP's `signer` and `verifier` middlewares: small synchronous traits called at fixed
//! points of the APIv3 pipeline (last step before sending, first step after receiving).

use http::{HeaderMap, Method};

use crate::error::Result;
use crate::response::Response;

/// What an APIv3 request signer sees: the exact method, request-target and body bytes that go on the wire.
///
/// # Examples
///
/// ```
/// use wechatpay::SignContext;
/// let ctx = SignContext::new(&wechatpay::http::Method::GET, "/v3/certificates", b"");
/// assert_eq!(ctx.target(), "/v3/certificates");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignContext<'a> {
    method: &'a Method,
    target: &'a str,
    body: &'a [u8],
}

impl<'a> SignContext<'a> {
    /// A context for signing `method target` with `body` (for custom signers' tests).
    ///
    /// # Examples
    ///
    /// ```
    /// let ctx = wechatpay::SignContext::new(&wechatpay::http::Method::POST, "/v3/x", br#"{"a":1}"#);
    /// assert_eq!(ctx.method(), "POST");
    /// ```
    pub fn new(method: &'a Method, target: &'a str, body: &'a [u8]) -> Self {
        SignContext { method, target, body }
    }

    /// The HTTP method, uppercase.
    ///
    /// # Examples
    ///
    /// ```
    /// let ctx = wechatpay::SignContext::new(&wechatpay::http::Method::DELETE, "/", b"");
    /// assert_eq!(ctx.method(), &wechatpay::http::Method::DELETE);
    /// ```
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The request-target: path plus `?query` when the query is non-empty, percent-encoded as sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let ctx = wechatpay::SignContext::new(&wechatpay::http::Method::GET, "/v3/x?a=1", b"");
    /// assert_eq!(ctx.target(), "/v3/x?a=1");
    /// ```
    pub fn target(&self) -> &str {
        self.target
    }

    /// The body bytes that are signed (and, except for media uploads, sent).
    ///
    /// # Examples
    ///
    /// ```
    /// let ctx = wechatpay::SignContext::new(&wechatpay::http::Method::POST, "/v3/x", b"{}");
    /// assert_eq!(ctx.body(), b"{}");
    /// ```
    pub fn body(&self) -> &[u8] {
        self.body
    }
}

/// Produces the `Authorization` header value of an APIv3 request (PHP's `signer` middleware).
///
/// The default is [`v3::Signer`](crate::v3::Signer). Replace it with [`Builder::signer`](crate::Builder::signer),
/// e.g. to sign in a remote HSM. Closures `Fn(&SignContext) -> Result<String>` implement it.
///
/// # Examples
///
/// ```
/// use wechatpay::{Sign, SignContext};
/// let remote = |ctx: &SignContext<'_>| -> wechatpay::Result<String> {
///     Ok(format!("WECHATPAY2-SHA256-RSA2048 signed-elsewhere target={}", ctx.target()))
/// };
/// let ctx = SignContext::new(&wechatpay::http::Method::GET, "/v3/x", b"");
/// assert!(remote.authorization(&ctx)?.ends_with("/v3/x"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub trait Sign: Send + Sync + 'static {
    /// Returns the `Authorization` header value for this request.
    ///
    /// # Errors
    ///
    /// Any error aborts the request before it is sent.
    fn authorization(&self, ctx: &SignContext<'_>) -> Result<String>;
}

impl<F> Sign for F
where
    F: Fn(&SignContext<'_>) -> Result<String> + Send + Sync + 'static,
{
    fn authorization(&self, ctx: &SignContext<'_>) -> Result<String> {
        self(ctx)
    }
}

/// What an APIv3 response verifier sees: the request's URL path and the received response.
///
/// # Examples
///
/// ```
/// use wechatpay::{Response, VerifyContext};
/// let resp = Response::new(wechatpay::http::StatusCode::OK, Default::default(), "{}");
/// let ctx = VerifyContext::new("/v3/x", &resp);
/// assert_eq!(ctx.path(), "/v3/x");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct VerifyContext<'a> {
    path: &'a str,
    response: &'a Response,
}

impl<'a> VerifyContext<'a> {
    /// A context for verifying `response` to a request on `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// let resp = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "");
    /// let ctx = wechatpay::VerifyContext::new("/v3/billdownload/file", &resp);
    /// assert!(ctx.response().body().is_empty());
    /// ```
    pub fn new(path: &'a str, response: &'a Response) -> Self {
        VerifyContext { path, response }
    }

    /// The URL path of the request (percent-encoded, without query), including any base-URI prefix; empty when
    /// the verifier checks a notification ([`Client::notification`](crate::Client::notification)).
    ///
    /// # Examples
    ///
    /// ```
    /// let resp = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "");
    /// assert_eq!(wechatpay::VerifyContext::new("/hk/v3/statements", &resp).path(), "/hk/v3/statements");
    /// ```
    pub fn path(&self) -> &str {
        self.path
    }

    /// The response under verification.
    ///
    /// # Examples
    ///
    /// ```
    /// let resp = wechatpay::Response::new(wechatpay::http::StatusCode::ACCEPTED, Default::default(), "");
    /// assert_eq!(wechatpay::VerifyContext::new("/v3/x", &resp).response().status(), 202);
    /// ```
    pub fn response(&self) -> &Response {
        self.response
    }

    /// The response headers.
    ///
    /// # Examples
    ///
    /// ```
    /// let resp = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "");
    /// assert!(wechatpay::VerifyContext::new("/v3/x", &resp).headers().is_empty());
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }
}

/// Checks an APIv3 response before it is handed to the caller (PHP's `verifier` middleware).
///
/// The default is [`v3::Verifier`](crate::v3::Verifier). Replace it with
/// [`Builder::verifier`](crate::Builder::verifier). Closures `Fn(&VerifyContext) -> Result<()>` implement it.
/// The error returned is given to the caller with the response attached.
///
/// # Examples
///
/// ```
/// use wechatpay::{Verify, VerifyContext, Response};
/// let accept_all = |_: &VerifyContext<'_>| -> wechatpay::Result<()> { Ok(()) };
/// let resp = Response::new(wechatpay::http::StatusCode::OK, Default::default(), "");
/// assert!(accept_all.verify(&VerifyContext::new("/v3/x", &resp)).is_ok());
/// ```
pub trait Verify: Send + Sync + 'static {
    /// Accepts the response or says why not.
    ///
    /// # Errors
    ///
    /// The verification failure, typically [`ErrorKind::Verify`](crate::ErrorKind::Verify).
    fn verify(&self, ctx: &VerifyContext<'_>) -> Result<()>;
}

impl<F> Verify for F
where
    F: Fn(&VerifyContext<'_>) -> Result<()> + Send + Sync + 'static,
{
    fn verify(&self, ctx: &VerifyContext<'_>) -> Result<()> {
        self(ctx)
    }
}

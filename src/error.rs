//! One `Error` for the whole crate: a kind to match on, a plain message naming the fix, the response when one was received,
//! and the source chain.

use std::error::Error as StdError;
use std::fmt;

use crate::response::Response;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, coarse enough to match on.
///
/// # Examples
///
/// ```
/// use wechatpay::{Builder, ErrorKind};
/// let err = Builder::new().build().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The client configuration is invalid (PHP `InvalidArgumentException` from `Builder::factory`).
    Config,
    /// A request argument is invalid; nothing was sent.
    InvalidArgument,
    /// The request could not be sent or the response could not be read (connect, TLS, reset, timeout).
    Transport,
    /// The server answered with HTTP 4xx or 5xx (PHP `ClientException` / `ServerException`); the response is kept.
    Status,
    /// More redirects than allowed (PHP `TooManyRedirectsException`).
    TooManyRedirects,
    /// The response body exceeded the configured size cap.
    BodyTooLarge,
    /// An APIv3 response failed verification; the response is kept.
    Verify(VerifyFailure),
    /// An APIv2 response was rejected; the response is kept.
    Rejected(V2Rejection),
    /// A key could not be loaded or a cryptographic operation failed.
    Crypto,
    /// A body could not be decoded (JSON, XML, gzip) or encoded.
    Decode,
    /// A local file or writer failed while a download was being saved (disk full, permission, closed pipe).
    Io,
}

/// Which APIv3 response check failed (the checks of wechatpay-php's `ClientJsonTrait` verifier).
///
/// # Examples
///
/// ```
/// use wechatpay::{ErrorKind, VerifyFailure};
/// let kind = ErrorKind::Verify(VerifyFailure::ClockSkew);
/// assert!(matches!(kind, ErrorKind::Verify(_)));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerifyFailure {
    /// One of `Wechatpay-Nonce`, `-Serial`, `-Signature`, `-Timestamp` is missing.
    HeadersIncomplete,
    /// `Wechatpay-Timestamp` is more than 300 seconds away from the local clock.
    ClockSkew,
    /// `Wechatpay-Serial` names no configured platform certificate or public key.
    UnknownSerial,
    /// The signature does not verify with the configured key.
    BadSignature,
    /// The signature starts with `WECHATPAY/SIGNTEST/`: WeChat Pay's deliberate probe of the verifier.
    ProbeSignature,
    /// Content differs from the digest WeChat Pay announced for it (a bill's `hash_value`, an overseas
    /// statement's `Wechatpay-Statement-Sha1`).
    DigestMismatch,
    /// A header the check reads (`Wechatpay-Nonce`, `-Serial`, `-Signature`, `-Timestamp`,
    /// `-Statement-Sha1`) came more than once: which value was signed would be ambiguous, so none is trusted.
    HeadersDuplicated,
}

/// Why an APIv2 response was rejected (the checks of wechatpay-php's `ClientXmlTrait::transformResponse`).
///
/// # Examples
///
/// ```
/// use wechatpay::{ErrorKind, V2Rejection};
/// assert_ne!(ErrorKind::Rejected(V2Rejection::SignMissing), ErrorKind::Rejected(V2Rejection::SignMismatch));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V2Rejection {
    /// `return_code` is absent or not exactly `SUCCESS`.
    ReturnCode,
    /// `result_code` is present and not exactly `SUCCESS`.
    ResultCode,
    /// The response has no `sign`.
    SignMissing,
    /// The response `sign` does not match.
    SignMismatch,
}

/// The crate's error: a [`kind`](Error::kind), a message (wechatpay-php's meaning in plain English), the
/// [`response`](Error::response) when one was received, and the underlying [`source`](StdError::source).
///
/// Messages never contain key material, secrets or signatures.
///
/// # Examples
///
/// ```
/// use wechatpay::{Builder, ErrorKind};
/// let err = Builder::new().mchid("1230000109").build().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(err.to_string().contains("(`serial`) is required"));
/// assert!(err.response().is_none());
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    response: Option<Response>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// An error of `kind` with `message`, for custom [`Sign`](crate::Sign) and [`Verify`](crate::Verify) hooks
    /// (a remote signer that cannot be reached, a verifier that refuses an answer). Keep secrets out of the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Error, ErrorKind, VerifyFailure};
    /// let err = Error::new(ErrorKind::Verify(VerifyFailure::BadSignature), "the remote verifier refused the answer");
    /// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));
    /// assert_eq!(err.to_string(), "the remote verifier refused the answer");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                response: None,
                source: None,
            }),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn crypto(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Crypto, message)
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, message)
    }

    pub(crate) fn transport(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transport, message)
    }

    pub(crate) fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    pub(crate) fn verify(failure: VerifyFailure, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Verify(failure), message)
    }

    /// Attaches the underlying cause, returned by [`source`](StdError::source).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    /// let cause = std::io::Error::other("the signing service is gone");
    /// let err = wechatpay::Error::new(wechatpay::ErrorKind::Transport, "cannot sign").with_source(cause);
    /// assert_eq!(err.source().map(|s| s.to_string()).as_deref(), Some("the signing service is gone"));
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_response(mut self, response: Response) -> Self {
        self.inner.response = Some(response);
        self
    }

    /// What kind of failure this is.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = wechatpay::Formatter::nonce(0).unwrap_err();
    /// assert_eq!(err.kind(), wechatpay::ErrorKind::InvalidArgument);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The response, wherever one was received (HTTP 4xx/5xx, APIv3 verification failures, APIv2 rejections,
    /// undecodable bodies): PHP's `$e->hasResponse()` / `$e->getResponse()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "not json");
    /// let err = r.json::<serde_json::Value>().unwrap_err();
    /// assert_eq!(err.response().map(|r| r.body()), Some(&b"not json"[..]));
    /// ```
    pub fn response(&self) -> Option<&Response> {
        self.inner.response.as_ref()
    }

    /// WeChat Pay's own error fields, when the response this error carries reports one: the APIv3 JSON error
    /// body (`code`, `message`, `detail`) of a 4xx/5xx ([`ErrorKind::Status`]) or of a response that failed
    /// verification ([`ErrorKind::Verify`]), or the APIv2 `return_code`/`return_msg` or
    /// `err_code`/`err_code_des` of a rejection ([`ErrorKind::Rejected`]). `None` when no response came or its
    /// body is not a WeChat Pay error.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let err = client.chain("v3/no/such/route").get(()).unwrap_err();
    /// let wechat = err.wechat().expect("a JSON error body");
    /// assert_eq!(wechat.code(), "NOT_FOUND");
    /// assert!(wechat.message().contains("/v3/no/such/route"));
    /// // an APIv2 rejection: the sandbox answers return_code FAIL to an unknown path
    /// let xml = serde_json::json!({"xml": {"appid": "wx1", "mch_id": wechatpay::sandbox::MCHID}});
    /// let err = client.v2().chain("pay/nothing").post(xml).unwrap_err();
    /// let wechat = err.wechat().expect("the XML return_code/return_msg");
    /// assert_eq!((wechat.api(), wechat.code()), (wechatpay::Api::V2, "FAIL"));
    /// // no response, nothing from WeChat Pay
    /// assert!(wechatpay::Formatter::nonce(0).unwrap_err().wechat().is_none());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn wechat(&self) -> Option<crate::wechat_error::WechatError> {
        self.response()
            .and_then(crate::wechat_error::WechatError::from_response)
    }

    /// Consumes the error and returns the response, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "x");
    /// let err = r.json::<serde_json::Value>().unwrap_err();
    /// assert!(err.into_response().is_some());
    /// ```
    pub fn into_response(self) -> Option<Response> {
        self.inner.response
    }

    /// `true` when the failure was a timeout (connect or overall).
    ///
    /// # Examples
    ///
    /// ```
    /// let err = wechatpay::Formatter::nonce(0).unwrap_err();
    /// assert!(!err.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        let mut cur: Option<&(dyn StdError + 'static)> = self.source();
        while let Some(e) = cur {
            if let Some(re) = e.downcast_ref::<reqwest::Error>() {
                if re.is_timeout() {
                    return true;
                }
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return true;
                }
            }
            if e.is::<Elapsed>() {
                return true;
            }
            cur = e.source();
        }
        false
    }
}

/// Source error of a request that ran past its `timeout`.
#[derive(Debug)]
pub(crate) struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation timed out")
    }
}

impl StdError for Elapsed {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind).field("message", &self.inner.message);
        if let Some(r) = &self.inner.response {
            d.field("response", r);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source.as_ref().map(|s| &**s as &(dyn StdError + 'static))
    }
}

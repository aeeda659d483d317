//! `Response`: what the gateway answered, as received (status, headers, raw body bytes).

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::Error;

/// An HTTP response from WeChat Pay (or the sandbox), with the full body kept in memory.
///
/// PHP's `(string) $response->getBody()` ports to [`Response::text`]; `json_decode(...)` to [`Response::json`].
///
/// # Examples
///
/// ```
/// use wechatpay::Response;
/// use wechatpay::http::{HeaderMap, StatusCode};
///
/// let resp = Response::new(StatusCode::OK, HeaderMap::new(), br#"{"code_url":"weixin://x"}"#.to_vec());
/// assert_eq!(resp.status(), 200);
/// let v: serde_json::Value = resp.json()?;
/// assert_eq!(v["code_url"], "weixin://x");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    url: Option<url::Url>,
}

impl Response {
    /// Builds a response from its parts (useful in tests and custom verifiers).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::NO_CONTENT, Default::default(), Vec::new());
    /// assert!(r.body().is_empty());
    /// ```
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Response {
            status,
            headers,
            body: body.into(),
            url: None,
        }
    }

    pub(crate) fn with_url(mut self, url: url::Url) -> Self {
        self.url = Some(url);
        self
    }

    /// The HTTP status code.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::ACCEPTED, Default::default(), "");
    /// assert_eq!(r.status().as_u16(), 202);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (names are case-insensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut h = wechatpay::http::HeaderMap::new();
    /// h.insert("Request-ID", "08F78BB5AF0610D302".parse().unwrap());
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, h, "");
    /// assert_eq!(r.headers()["request-id"], "08F78BB5AF0610D302");
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body bytes, exactly as received (what the response signature covers).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "abc");
    /// assert_eq!(r.body(), b"abc");
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text; invalid UTF-8 sequences are replaced by U+FFFD.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "微信支付");
    /// assert_eq!(r.text(), "微信支付");
    /// ```
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decodes the body as JSON into `T` (use `serde_json::Value` for untyped access).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is not valid JSON for `T`; the error
    /// carries this response.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "<html>");
    /// let err = r.json::<serde_json::Value>().unwrap_err();
    /// assert_eq!(err.kind(), wechatpay::ErrorKind::Decode);
    /// assert_eq!(err.response().unwrap().text(), "<html>");
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::decode("The response body is not the expected JSON.")
                .with_source(e)
                .with_response(self.clone())
        })
    }

    /// The final URL of the request that produced this response, when known.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), "");
    /// assert!(r.url().is_none());
    /// ```
    pub fn url(&self) -> Option<&url::Url> {
        self.url.as_ref()
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &crate::redact::Headers(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

//! `Bill`: the answer of the first step of an APIv3 bill download (`v3/bill/tradebill`, `v3/bill/fundflowbill`):
//! where the file is and the digest it must have.

use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::response::Response;

/// The only `hash_type` WeChat Pay announces for bills.
const SHA1: &str = "SHA1";

/// Where an APIv3 bill file is and what digest it must have: the answer of `v3/bill/tradebill` or
/// `v3/bill/fundflowbill` (`{"hash_type":"SHA1","hash_value":"…","download_url":"https://…/v3/billdownload/file?token=…"}`),
/// or the same three values given by hand. Download it with [`Download::bill`](super::Download::bill).
///
/// WeChat Pay's `hash_value` is the digest of the original bill: of the *decompressed* CSV when `tar_type=GZIP`
/// was requested, so mark such a bill with [`gzip(true)`](Bill::gzip) and the download gunzips it on the fly and
/// checks the digest over what it writes.
///
/// `Debug` prints the download URL without its query: the `token` is a short-lived credential.
///
/// # Examples
///
/// ```
/// use wechatpay::download::Bill;
/// let answer = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), r#"{
///     "hash_type": "SHA1",
///     "hash_value": "79bb0f45fc4c42234a918000b2668d689e2bde04",
///     "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrT"
/// }"#);
/// let bill = Bill::from_response(&answer)?.gzip(true);
/// assert_eq!(bill.download_url(), "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrT");
/// assert_eq!(bill.hash_value(), Some("79bb0f45fc4c42234a918000b2668d689e2bde04"));
/// assert!(!format!("{bill:?}").contains("6XIv5TUPto7pByrT"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Bill {
    download_url: String,
    hash: Option<(String, String)>,
    gzip: bool,
}

impl Bill {
    /// A bill from the three values of the first step's answer. The hash type is checked when the download starts
    /// (only `SHA1` is known), before anything is sent or written.
    ///
    /// # Examples
    ///
    /// ```
    /// let bill = wechatpay::download::Bill::new(
    ///     "https://api.mch.weixin.qq.com/v3/billdownload/file?token=xxx",
    ///     "SHA1",
    ///     "8823044c286bea726f149bfcfce0b0318122d755",
    /// );
    /// assert_eq!(bill.hash_type(), Some("SHA1"));
    /// ```
    pub fn new(download_url: impl Into<String>, hash_type: impl Into<String>, hash_value: impl Into<String>) -> Bill {
        Bill {
            download_url: download_url.into(),
            hash: Some((hash_type.into(), hash_value.into())),
            gzip: false,
        }
    }

    /// A bill whose digest is not known or cannot be checked on the received bytes: the files of
    /// `v3/bill/sub-merchant-fundflowbill`, which are encrypted (decrypt them, then compare their digest, yourself).
    ///
    /// # Examples
    ///
    /// ```
    /// let bill = wechatpay::download::Bill::unchecked("https://api.mch.weixin.qq.com/v3/billdownload/file?token=xxx");
    /// assert_eq!(bill.hash_type(), None);
    /// ```
    pub fn unchecked(download_url: impl Into<String>) -> Bill {
        Bill {
            download_url: download_url.into(),
            hash: None,
            gzip: false,
        }
    }

    /// Reads the first step's JSON answer.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is not JSON or lacks `download_url`,
    /// `hash_type` or `hash_value` (as strings); the error carries the response.
    ///
    /// # Examples
    ///
    /// ```
    /// let answer = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), r#"{"code":"X"}"#);
    /// let err = wechatpay::download::Bill::from_response(&answer).unwrap_err();
    /// assert_eq!(err.kind(), wechatpay::ErrorKind::Decode);
    /// assert!(err.response().is_some());
    /// ```
    pub fn from_response(response: &Response) -> Result<Bill> {
        let value: Value = response.json()?;
        Bill::from_json(&value).map_err(|e| e.with_response(response.clone()))
    }

    /// Reads the first step's answer already decoded as JSON.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when `download_url`, `hash_type` or `hash_value` is missing
    /// or not a string.
    ///
    /// # Examples
    ///
    /// ```
    /// let bill = wechatpay::download::Bill::from_json(&serde_json::json!({
    ///     "hash_type": "SHA1", "hash_value": "8823044c286bea726f149bfcfce0b0318122d755",
    ///     "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=xxx",
    /// }))?;
    /// assert_eq!(bill.hash_type(), Some("SHA1"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from_json(answer: &Value) -> Result<Bill> {
        let field = |name: &str| {
            answer.get(name).and_then(Value::as_str).ok_or_else(|| {
                Error::decode(format!(
                    "The bill answer has no `{name}` string (expected `download_url`, `hash_type`, `hash_value`)."
                ))
            })
        };
        Ok(Bill::new(
            field("download_url")?,
            field("hash_type")?,
            field("hash_value")?,
        ))
    }

    /// Says whether the file is gzip (the first step was asked for `tar_type=GZIP`): the download then
    /// decompresses it on the fly, writes the plain bill and checks the digest over it. Default: `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// let bill = wechatpay::download::Bill::unchecked("https://x/v3/billdownload/file?token=t").gzip(true);
    /// assert!(bill.is_gzip());
    /// ```
    pub fn gzip(mut self, gzip: bool) -> Bill {
        self.gzip = gzip;
        self
    }

    /// Whether the file is gzip (see [`gzip`](Bill::gzip)).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!wechatpay::download::Bill::unchecked("https://x/").is_gzip());
    /// ```
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The download URL, exactly as given.
    ///
    /// # Examples
    ///
    /// ```
    /// let bill = wechatpay::download::Bill::unchecked("v3/billdownload/file?token=AbC%2B=");
    /// assert_eq!(bill.download_url(), "v3/billdownload/file?token=AbC%2B=");
    /// ```
    pub fn download_url(&self) -> &str {
        &self.download_url
    }

    /// The announced hash type (`SHA1`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::download::Bill::new("u", "SHA1", "00").hash_type(), Some("SHA1"));
    /// ```
    pub fn hash_type(&self) -> Option<&str> {
        self.hash.as_ref().map(|(t, _)| t.as_str())
    }

    /// The announced digest (hex), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::download::Bill::new("u", "SHA1", "00").hash_value(), Some("00"));
    /// ```
    pub fn hash_value(&self) -> Option<&str> {
        self.hash.as_ref().map(|(_, v)| v.as_str())
    }

    /// The SHA-1 the bill must have, lowercase hex, or `None` when unchecked; refuses an unknown hash type or a
    /// digest that is not 40 hex digits.
    pub(crate) fn expected_sha1(&self) -> Result<Option<String>> {
        let Some((kind, value)) = &self.hash else {
            return Ok(None);
        };
        if !kind.eq_ignore_ascii_case(SHA1) {
            return Err(Error::invalid(format!(
                "The bill's hash_type `{kind}` is not supported (only `{SHA1}` is known); nothing was downloaded."
            )));
        }
        let value = value.trim();
        if value.len() != 40 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(format!(
                "The bill's hash_value `{value}` is not a SHA-1 digest (40 hex digits); nothing was downloaded."
            )));
        }
        Ok(Some(value.to_ascii_lowercase()))
    }
}

impl fmt::Debug for Bill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = match self.download_url.split_once('?') {
            Some((base, _)) => format!("{base}?[redacted]"),
            None => self.download_url.clone(),
        };
        f.debug_struct("Bill")
            .field("download_url", &shown)
            .field("hash_type", &self.hash_type())
            .field("hash_value", &self.hash_value())
            .field("gzip", &self.gzip)
            .finish()
    }
}

//! `Formatter`: PHP's `WeChatPay\Formatter` — nonces, timestamps, the APIv3 canonical strings and
//! `Authorization` header, and the APIv2 sign string helpers.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The base62 alphabet of nonces: `0-9A-Za-z`.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Largest multiple of 62 that fits a byte: bytes at or above it are rejected so that every character is
/// equally likely (PHP's `b % 62` is slightly biased).
const UNBIASED_LIMIT: u8 = 248;

/// The string helpers of wechatpay-php's `WeChatPay\Formatter`, as associated functions.
///
/// # Examples
///
/// ```
/// use wechatpay::Formatter;
/// let message = Formatter::request("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", "");
/// assert_eq!(message, "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
/// assert_eq!(Formatter::nonce(32)?.len(), 32);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Formatter;

impl Formatter {
    /// `size` random characters from `0-9A-Za-z`, uniformly distributed, from the operating system's CSPRNG
    /// (PHP's `Formatter::nonce($size)`; APIv3 uses 32).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument), `Size must be a positive integer.`,
    /// for `size == 0`; [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) if the system RNG fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let nonce = Formatter::nonce(32)?;
    /// assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
    /// assert_eq!(Formatter::nonce(0).unwrap_err().to_string(), "Size must be a positive integer.");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn nonce(size: usize) -> Result<String> {
        if size == 0 {
            return Err(Error::invalid("Size must be a positive integer."));
        }
        let mut nonce = String::with_capacity(size);
        let mut buf = [0u8; 64];
        while nonce.len() < size {
            // about 3% of bytes are rejected: ask for a little more than what is missing
            let want = ((size - nonce.len()) * 17 / 16 + 2).min(buf.len());
            crate::crypto::random_bytes(&mut buf[..want])?;
            for &b in buf[..want].iter().filter(|&&b| b < UNBIASED_LIMIT) {
                nonce.push(char::from(ALPHABET[usize::from(b % 62)]));
                if nonce.len() == size {
                    break;
                }
            }
        }
        Ok(nonce)
    }

    /// The current Unix time in seconds (PHP's `Formatter::timestamp()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let ts = wechatpay::Formatter::timestamp();
    /// assert!(ts.to_string().len() == 10 && ts.to_string().starts_with('1'));
    /// ```
    pub fn timestamp() -> i64 {
        crate::clock::system_now()
    }

    /// The APIv3 canonical request string `METHOD\nURI\nTIMESTAMP\nNONCE\nBODY\n` (PHP's
    /// `Formatter::request`; a trailing `\n` follows the body even when it is empty). `uri` is the request target:
    /// path plus `?query` when there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let s = Formatter::request("POST", "/v3/pay/transactions/native", 1554208460, "N0NCE", r#"{"k":"v"}"#);
    /// assert_eq!(s, "POST\n/v3/pay/transactions/native\n1554208460\nN0NCE\n{\"k\":\"v\"}\n");
    /// ```
    pub fn request(method: &str, uri: &str, timestamp: i64, nonce: &str, body: &str) -> String {
        // one allocation: 20 bytes cover any i64, 5 the line feeds
        let mut s = String::with_capacity(method.len() + uri.len() + 20 + nonce.len() + body.len() + 5);
        s.push_str(method);
        s.push('\n');
        s.push_str(uri);
        s.push('\n');
        let _ = write!(s, "{timestamp}"); // writing to a String cannot fail
        s.push('\n');
        s.push_str(nonce);
        s.push('\n');
        s.push_str(body);
        s.push('\n');
        s
    }

    /// The APIv3 canonical response string `TIMESTAMP\nNONCE\nBODY\n` (PHP's `Formatter::response`): what the
    /// `Wechatpay-Signature` of a response or notification covers.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// assert_eq!(Formatter::response(1554208460, "N0NCE", ""), "1554208460\nN0NCE\n\n");
    /// ```
    pub fn response(timestamp: i64, nonce: &str, body: &str) -> String {
        let mut s = String::with_capacity(20 + nonce.len() + body.len() + 3);
        let _ = write!(s, "{timestamp}"); // writing to a String cannot fail
        s.push('\n');
        s.push_str(nonce);
        s.push('\n');
        s.push_str(body);
        s.push('\n');
        s
    }

    /// Each piece followed by `\n`; no pieces give the empty string (PHP's `Formatter::joinedByLineFeed`). Used
    /// for the APIv3 pay-sign strings (`appId\ntimeStamp\nnonceStr\npackage\n`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let joined = Formatter::joined_by_line_feed(&["wx8888888888888888", "1414561699"]);
    /// assert_eq!(joined, "wx8888888888888888\n1414561699\n");
    /// assert_eq!(Formatter::joined_by_line_feed::<&str>(&[]), "");
    /// ```
    pub fn joined_by_line_feed<S: AsRef<str>>(pieces: &[S]) -> String {
        let len = pieces.iter().map(|p| p.as_ref().len() + 1).sum();
        let mut s = String::with_capacity(len);
        for piece in pieces {
            s.push_str(piece.as_ref());
            s.push('\n');
        }
        s
    }

    /// The APIv3 `Authorization` header value (PHP's `Formatter::authorization`; note the argument order differs
    /// from the field order `mchid, serial_no, timestamp, nonce_str, signature`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let (nonce, serial) = ("593BEC0C930BF1AFEB40B4A08C8FB242", "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
    /// let header = Formatter::authorization("1900000001", nonce, "c2ln", 1554208460, serial);
    /// assert_eq!(
    ///     header,
    ///     concat!(
    ///         r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000001",serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB","#,
    ///         r#"timestamp="1554208460",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="c2ln""#,
    ///     ),
    /// );
    /// ```
    pub fn authorization(mchid: &str, nonce: &str, signature: &str, timestamp: i64, serial: &str) -> String {
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",serial_no=\"{serial}\",timestamp=\"{timestamp}\",\
             nonce_str=\"{nonce}\",signature=\"{signature}\""
        )
    }

    /// A copy of `map` sorted by key in byte order (PHP's `Formatter::ksort`, `strcmp` order: `RE_OPENID` <
    /// `re_openid` < `remark`, `10` < `9`): the APIv2 sign order.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let map = serde_json::json!({"remark": 1, "RE_OPENID": 2, "re_openid": 3, "REMARK": 4});
    /// let sorted = Formatter::ksort(map.as_object().unwrap());
    /// assert_eq!(sorted.keys().collect::<Vec<_>>(), ["REMARK", "RE_OPENID", "re_openid", "remark"]);
    /// ```
    pub fn ksort(map: &Map<String, Value>) -> Map<String, Value> {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        entries.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// `key=value` pairs joined by `&`, in the map's order, without URL-encoding, skipping the key `sign`, `null`
    /// values and empty strings (PHP's `Formatter::queryStringLike`). Values convert like PHP's `(string)`:
    /// `true`→`1`, `false`→`` (kept), `1.0`→`1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Formatter;
    /// let map = serde_json::json!({"b": true, "c": false, "d": 0, "sign": "x", "e": null, "f": "", "g": 1.0});
    /// assert_eq!(Formatter::query_string_like(map.as_object().unwrap()), "b=1&c=&d=0&g=1");
    /// ```
    pub fn query_string_like(map: &Map<String, Value>) -> String {
        let mut s = String::new();
        let mut first = true;
        for (key, value) in map {
            if key == "sign" || value.is_null() || value.as_str() == Some("") {
                continue;
            }
            if !first {
                s.push('&');
            }
            first = false;
            s.push_str(key);
            s.push('=');
            s.push_str(&crate::php::strval(value));
        }
        s
    }
}

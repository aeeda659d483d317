//! `Hash`: PHP's `WeChatPay\Crypto\Hash` — the APIv2 `MD5` / `HMAC-SHA256` signs and a constant-time compare.

use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// The APIv2 digest helpers of wechatpay-php's `WeChatPay\Crypto\Hash`, as associated functions.
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::Hash;
/// let data = "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
/// let key = "192006250b4c09247ec02edce69f6a2d";
/// assert_eq!(Hash::sign(Hash::ALGO_MD5, data, key)?, "9A0A8659F005D6984697E2CA0A9CF3B7");
/// assert!(Hash::equals("9A0A8659F005D6984697E2CA0A9CF3B7", &*Hash::sign("MD5", data, key)?));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Hash;

impl Hash {
    /// The APIv2 `sign_type` `MD5` (PHP's `Hash::ALGO_MD5`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::Hash::ALGO_MD5, "MD5");
    /// ```
    pub const ALGO_MD5: &'static str = "MD5";

    /// The APIv2 `sign_type` `HMAC-SHA256` (PHP's `Hash::ALGO_HMAC_SHA256`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::Hash::ALGO_HMAC_SHA256, "HMAC-SHA256");
    /// ```
    pub const ALGO_HMAC_SHA256: &'static str = "HMAC-SHA256";

    /// Lowercase hex MD5 of `thing`, or of `thing&key=<key>` when `key` is not empty (`thing&secret=<key>` when
    /// `agency` is set: WeCom red packets). PHP's `Hash::md5($thing, $key, $agency)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Hash;
    /// assert_eq!(Hash::md5("abc", "", false), "900150983cd24fb0d6963f7d28e17f72");
    /// assert_eq!(Hash::md5("abc", "key", false), "0bb036eb7ae434051095681178e0f961");
    /// assert_eq!(Hash::md5("abc", "key", true), "0777b86affe144d52cc167584afad454");
    /// ```
    pub fn md5(thing: &str, key: &str, agency: bool) -> String {
        let mut md5 = Md5::new();
        md5.update(thing.as_bytes());
        if !key.is_empty() {
            md5.update(if agency { "&secret=" } else { "&key=" });
            md5.update(key.as_bytes());
        }
        hex::encode(md5.finalize())
    }

    /// Lowercase hex HMAC-SHA256, keyed with `key`, of `thing&key=<key>` (PHP's `Hash::hmac($thing, $key)`).
    ///
    /// Never fails: an empty `key` is used as is (PHP 8 raises a `ValueError`; [`Hash::hmac_with`] and
    /// [`Hash::sign`] refuse it).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Hash;
    /// assert_eq!(Hash::hmac("abc", "key"), "3bc1540f813347b85d0f5907dbefbdc97438a8770fd7cf4ef760939a3029eb0c");
    /// assert_eq!(Hash::hmac("abc", "").len(), 64);
    /// ```
    pub fn hmac(thing: &str, key: &str) -> String {
        mac_hex::<Hmac<Sha256>>(thing, key)
    }

    /// [`Hash::hmac`] with PHP's `$algorithm` argument: `md5`, `sha1`, `sha224`, `sha256`, `sha384` or `sha512`
    /// (ASCII case-insensitive, like PHP's `hash_hmac`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for another algorithm;
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `key` is empty (PHP: `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Hash;
    /// assert_eq!(Hash::hmac_with("abc", "key", "md5")?, "c20838cb685df470eb096f2a24385df4");
    /// assert_eq!(Hash::hmac_with("abc", "key", "sha384")?.len(), 96);
    /// assert!(Hash::hmac_with("abc", "key", "whirlpool").is_err());
    /// assert!(Hash::hmac_with("abc", "", "sha256").is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn hmac_with(thing: &str, key: &str, algorithm: &str) -> Result<String> {
        let mac = match algorithm.to_ascii_lowercase().as_str() {
            "md5" => mac_hex::<Hmac<Md5>>,
            "sha1" => mac_hex::<Hmac<Sha1>>,
            "sha224" => mac_hex::<Hmac<Sha224>>,
            "sha256" => mac_hex::<Hmac<Sha256>>,
            "sha384" => mac_hex::<Hmac<Sha384>>,
            "sha512" => mac_hex::<Hmac<Sha512>>,
            _ => {
                return Err(Error::invalid(format!(
                    "Unsupported HMAC algorithm `{algorithm}`; expected md5, sha1, sha224, sha256, sha384 or sha512."
                )));
            }
        };
        if key.is_empty() {
            return Err(empty_key());
        }
        Ok(mac(thing, key))
    }

    /// The APIv2 sign (PHP's `Hash::sign($type, $data, $key)`): uppercase [`Hash::md5`] for `MD5`, uppercase
    /// [`Hash::hmac`] for `HMAC-SHA256`. The type is case-sensitive, as in PHP.
    ///
    /// # Errors
    ///
    /// Deviations from PHP, which returns `null` for an unknown type and raises a `ValueError` for an empty
    /// HMAC key: [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) naming an unknown `type`
    /// (e.g. `md5`); [`ErrorKind::Config`](crate::ErrorKind::Config) for `HMAC-SHA256` with an empty key.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Hash;
    /// assert_eq!(Hash::sign("MD5", "abc", "key")?, "0BB036EB7AE434051095681178E0F961");
    /// assert_eq!(Hash::sign("MD5", "abc", "")?, "900150983CD24FB0D6963F7D28E17F72");
    /// let hmac = "3BC1540F813347B85D0F5907DBEFBDC97438A8770FD7CF4EF760939A3029EB0C";
    /// assert_eq!(Hash::sign("HMAC-SHA256", "abc", "key")?, hmac);
    /// assert_eq!(Hash::sign("md5", "abc", "key").unwrap_err().kind(), wechatpay::ErrorKind::InvalidArgument);
    /// assert_eq!(Hash::sign("HMAC-SHA256", "abc", "").unwrap_err().kind(), wechatpay::ErrorKind::Config);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn sign(r#type: &str, data: &str, key: &str) -> Result<String> {
        Self::sign_with(r#type, key, |feed| feed(data.as_bytes()))
    }

    /// [`Hash::sign`] over data handed to the digest in pieces by `data`, so that a large document is never joined
    /// into one string first.
    pub(crate) fn sign_with(r#type: &str, key: &str, data: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Result<String> {
        let mut digest = match r#type {
            Self::ALGO_MD5 => {
                let mut md5 = Md5::new();
                data(&mut |piece| md5.update(piece));
                if !key.is_empty() {
                    md5.update(b"&key=");
                    md5.update(key.as_bytes());
                }
                hex::encode(md5.finalize())
            }
            Self::ALGO_HMAC_SHA256 if key.is_empty() => return Err(empty_key()),
            Self::ALGO_HMAC_SHA256 => {
                let mut mac = new_mac::<Hmac<Sha256>>(key);
                data(&mut |piece| mac.update(piece));
                mac.update(b"&key=");
                mac.update(key.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            other => {
                return Err(Error::invalid(format!(
                    "Unsupported sign type `{other}`; expected `MD5` or `HMAC-SHA256` (case-sensitive)."
                )));
            }
        };
        digest.make_ascii_uppercase();
        Ok(digest)
    }

    /// Constant-time string comparison (PHP's `Hash::equals($known, $user)`, i.e. `hash_equals`); a `None`
    /// user string is never equal. Only the lengths leak through timing.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Hash;
    /// assert!(Hash::equals("A", "A"));
    /// assert!(!Hash::equals("A", "a"));
    /// assert!(Hash::equals("", ""));
    /// assert!(!Hash::equals("", None));
    /// assert!(!Hash::equals("abc", Some("abcd")));
    /// ```
    pub fn equals<'a>(known: &str, user: impl Into<Option<&'a str>>) -> bool {
        match user.into() {
            Some(user) => known.as_bytes().ct_eq(user.as_bytes()).into(),
            None => false,
        }
    }
}

/// Lowercase hex of the MAC, keyed with `key`, over `thing&key=<key>`.
fn new_mac<M: Mac + hmac::digest::KeyInit>(key: &str) -> M {
    // HMAC takes keys of any length (longer ones are hashed), so `new_from_slice` cannot fail here.
    <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| <M as hmac::digest::KeyInit>::new(&Default::default()))
}

fn mac_hex<M: Mac + hmac::digest::KeyInit>(thing: &str, key: &str) -> String {
    let mut mac = new_mac::<M>(key);
    mac.update(thing.as_bytes());
    mac.update(b"&key=");
    mac.update(key.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn empty_key() -> Error {
    Error::config("The HMAC key (the APIv2 `secret`) must not be empty.")
}

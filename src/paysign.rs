//! The parameters a front end needs to start a payment, signed on your server: JSAPI / mini-program and APP
//! (APIv3, SHA256withRSA with the merchant private key), the APIv2 JSAPI second sign, and the merchant-coupon
//! ("商家券") signatures.
//!
//! The free functions ([`jsapi`], [`app`], [`v2_jsapi`]) take the system clock and 32 random characters as
//! timestamp and nonce; [`PaySign`] pins both (tests, reproducible examples).
//!
//! The signed parameter sets are given to the browser or app as they are, so their `Debug` shows the signature:
//! it is not a secret (the merchant key that produced it is).
//!
//! # Examples
//!
//! ```
//! # let merchant_key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
//! // after `v3/pay/transactions/jsapi` answered {"prepay_id": "wx201410272009395522657a690389285100"}
//! let params = wechatpay::paysign::jsapi("wx8888888888888888", "wx201410272009395522657a690389285100", &merchant_key)?;
//! let json = serde_json::to_value(&params)?; // hand this to WeixinJSBridge / wx.requestPayment
//! assert_eq!(json["package"], "prepay_id=wx201410272009395522657a690389285100");
//! assert_eq!(json["signType"], "RSA");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod coupon;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::{Clock, NonceFn, SharedClock, SystemClock, next_nonce};
use crate::crypto::{Hash, Rsa, RsaKey};
use crate::error::{Error, Result};
use crate::formatter::Formatter;

pub use coupon::{coupon_h5, coupon_mini_program};

/// JSAPI and mini-program payment parameters (APIv3), serialised with WeChat's keys
/// `{"appId","timeStamp","nonceStr","package","signType","paySign"}`.
///
/// # Examples
///
/// ```
/// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
/// let p = wechatpay::paysign::jsapi("wx8888888888888888", "123", &key)?;
/// assert_eq!((p.package.as_str(), p.sign_type.as_str(), p.time_stamp.len()), ("prepay_id=123", "RSA", 10));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JsapiPayParams {
    /// `appId`: the app id the order was placed with.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// `timeStamp`: Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// `nonceStr`: 32 random characters.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `package`: `prepay_id=<prepay_id>`.
    pub package: String,
    /// `signType`: `RSA`.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// `paySign`: base64 SHA256withRSA over `appId\ntimeStamp\nnonceStr\npackage\n`.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// APP payment parameters (APIv3), serialised with the keys the WeChat APP SDK's `PayReq` takes:
/// `{"appid","partnerid","prepayid","package":"Sign=WXPay","noncestr","timestamp","sign"}`.
///
/// # Examples
///
/// ```
/// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
/// let p = wechatpay::paysign::app("wx8888888888888888", "1900000109", "WX1217752501201407033233368018", &key)?;
/// assert_eq!((p.package.as_str(), p.partnerid.as_str()), ("Sign=WXPay", "1900000109"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AppPayParams {
    /// `appid`: the mobile app's id.
    pub appid: String,
    /// `partnerid`: the merchant id.
    pub partnerid: String,
    /// `prepayid`: the `prepay_id` of `v3/pay/transactions/app`.
    pub prepayid: String,
    /// `package`: `Sign=WXPay`.
    pub package: String,
    /// `noncestr`: 32 random characters.
    pub noncestr: String,
    /// `timestamp`: Unix seconds, as a string.
    pub timestamp: String,
    /// `sign`: base64 SHA256withRSA over `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub sign: String,
}

/// JSAPI payment parameters of an APIv2 `unifiedorder` (the "second sign"), serialised as
/// `{"appId","timeStamp","nonceStr","package","signType","paySign"}`.
///
/// # Examples
///
/// ```
/// let p = wechatpay::paysign::v2_jsapi("wxd930ea5d5a258f4f", "wx2017033010242291fcfe0db70013231072", "MD5", "192006250b4c09247ec02edce69f6a2d")?;
/// assert_eq!((p.sign_type.as_str(), p.pay_sign.len()), ("MD5", 32));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2JsapiPayParams {
    /// `appId`: the app id the order was placed with.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// `timeStamp`: Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// `nonceStr`: 32 random characters.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `package`: `prepay_id=<prepay_id>`.
    pub package: String,
    /// `signType`: `MD5` or `HMAC-SHA256`, the one the `unifiedorder` was signed with.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// `paySign`: the uppercase hex APIv2 sign of the five other fields, sorted by key.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// Pay-sign with a chosen clock and nonce source (the free functions use the system clock and random nonces).
///
/// # Examples
///
/// ```
/// use wechatpay::{paysign::PaySign, FixedClock, Rsa};
/// let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
/// let signer = PaySign::new().clock(FixedClock(1414561699)).nonce(|| Ok("5K8264ILTKCH16CQ2502SI8ZNMTM67VS".to_owned()));
/// let p = signer.jsapi("wx8888888888888888", "123", &key)?;
/// let message = "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=123\n";
/// assert!(Rsa::verify(message, &p.pay_sign, &key.to_public()));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct PaySign {
    clock: SharedClock,
    nonce: Option<NonceFn>,
}

impl Default for PaySign {
    fn default() -> Self {
        PaySign {
            clock: Arc::new(SystemClock),
            nonce: None,
        }
    }
}

impl PaySign {
    /// The system clock and 32 random base62 characters.
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
    /// let p = wechatpay::paysign::PaySign::new().jsapi("wx8888888888888888", "123", &key)?;
    /// assert_eq!(p.nonce_str.len(), 32);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes timestamps from `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
    /// let signer = wechatpay::paysign::PaySign::new().clock(wechatpay::FixedClock(1414561699));
    /// assert_eq!(signer.jsapi("wx8888888888888888", "123", &key)?.time_stamp, "1414561699");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Takes nonces from `nonce`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
    /// let signer = wechatpay::paysign::PaySign::new().nonce(|| Ok("5K8264ILTKCH16CQ2502SI8ZNMTM67VS".to_owned()));
    /// assert_eq!(signer.app("wx8888888888888888", "1900000109", "123", &key)?.noncestr, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn nonce(mut self, nonce: impl Fn() -> Result<String> + Send + Sync + 'static) -> Self {
        self.nonce = Some(Arc::new(nonce));
        self
    }

    fn stamp(&self) -> Result<(String, String)> {
        Ok((self.clock.now().to_string(), next_nonce(self.nonce.as_ref())?))
    }

    /// JSAPI / mini-program parameters for `prepay_id` (see [`jsapi`]).
    ///
    /// # Errors
    ///
    /// As [`jsapi`].
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
    /// let p = wechatpay::paysign::PaySign::new().jsapi("wx8888888888888888", "123", &key)?;
    /// assert_eq!(p.app_id, "wx8888888888888888");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn jsapi(&self, appid: &str, prepay_id: &str, key: &RsaKey) -> Result<JsapiPayParams> {
        require(&[("appid", appid), ("prepay_id", prepay_id)])?;
        let (time_stamp, nonce_str) = self.stamp()?;
        let package = format!("prepay_id={prepay_id}");
        let pay_sign = Rsa::sign(
            Formatter::joined_by_line_feed(&[appid, &time_stamp, &nonce_str, &package]),
            key,
        )?;
        Ok(JsapiPayParams {
            app_id: appid.to_owned(),
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".to_owned(),
            pay_sign,
        })
    }

    /// APP parameters for `prepay_id` (see [`app`]).
    ///
    /// # Errors
    ///
    /// As [`app`].
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
    /// let p = wechatpay::paysign::PaySign::new().app("wx8888888888888888", "1900000109", "123", &key)?;
    /// assert_eq!(p.prepayid, "123");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn app(&self, appid: &str, mchid: &str, prepay_id: &str, key: &RsaKey) -> Result<AppPayParams> {
        require(&[("appid", appid), ("mchid", mchid), ("prepay_id", prepay_id)])?;
        let (timestamp, noncestr) = self.stamp()?;
        let sign = Rsa::sign(
            Formatter::joined_by_line_feed(&[appid, &timestamp, &noncestr, prepay_id]),
            key,
        )?;
        Ok(AppPayParams {
            appid: appid.to_owned(),
            partnerid: mchid.to_owned(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr,
            timestamp,
            sign,
        })
    }

    /// APIv2 JSAPI parameters for `prepay_id` (see [`v2_jsapi`]).
    ///
    /// # Errors
    ///
    /// As [`v2_jsapi`].
    ///
    /// # Examples
    ///
    /// ```
    /// let p = wechatpay::paysign::PaySign::new().v2_jsapi("wxd930ea5d5a258f4f", "wx20170330", "HMAC-SHA256", "key")?;
    /// assert_eq!(p.pay_sign.len(), 64);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn v2_jsapi(&self, appid: &str, prepay_id: &str, sign_type: &str, secret: &str) -> Result<V2JsapiPayParams> {
        require(&[("appid", appid), ("prepay_id", prepay_id)])?;
        let (time_stamp, nonce_str) = self.stamp()?;
        let package = format!("prepay_id={prepay_id}");
        let mut fields = Map::new();
        for (k, v) in [
            ("appId", appid),
            ("timeStamp", &time_stamp),
            ("nonceStr", &nonce_str),
            ("package", &package),
            ("signType", sign_type),
        ] {
            fields.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        let pay_sign = Hash::sign(
            sign_type,
            &Formatter::query_string_like(&Formatter::ksort(&fields)),
            secret,
        )?;
        Ok(V2JsapiPayParams {
            app_id: appid.to_owned(),
            time_stamp,
            nonce_str,
            package,
            sign_type: sign_type.to_owned(),
            pay_sign,
        })
    }
}

/// Refuses empty values (they would be signed and then rejected by WeChat Pay's front end).
fn require(values: &[(&str, &str)]) -> Result<()> {
    match values.iter().find(|(_, v)| v.is_empty()) {
        Some((name, _)) => Err(Error::invalid(format!("The `{name}` to sign must not be empty."))),
        None => Ok(()),
    }
}

impl fmt::Debug for PaySign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaySign")
            .field("nonce", &if self.nonce.is_some() { "custom" } else { "random" })
            .finish_non_exhaustive()
    }
}

/// JSAPI and mini-program payment parameters for an APIv3 `prepay_id` (from `v3/pay/transactions/jsapi`):
/// `paySign` is SHA256withRSA with the merchant private `key` over `appId\ntimeStamp\nnonceStr\npackage\n`, as
/// wechatpay-php's README recipe builds it. Serialise it (`serde_json::to_value`) for `WeixinJSBridge` /
/// `wx.requestPayment`.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for an empty `appid` or `prepay_id`;
/// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when `key` is not a usable private key.
///
/// # Examples
///
/// ```
/// let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
/// let params = wechatpay::paysign::jsapi("wx8888888888888888", "wx201410272009395522657a690389285100", &key)?;
/// let json = serde_json::to_value(&params)?;
/// let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
/// assert_eq!(keys, ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"]);
/// assert!(wechatpay::paysign::jsapi("wx8888888888888888", "123", &key.to_public()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn jsapi(appid: &str, prepay_id: &str, key: &RsaKey) -> Result<JsapiPayParams> {
    PaySign::new().jsapi(appid, prepay_id, key)
}

/// APP payment parameters for an APIv3 `prepay_id` (from `v3/pay/transactions/app`): `sign` is SHA256withRSA with
/// the merchant private `key` over `appid\ntimestamp\nnoncestr\nprepayid\n`.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for an empty `appid`, `mchid` or
/// `prepay_id`; [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when `key` is not a usable private key.
///
/// # Examples
///
/// ```
/// let key = wechatpay::sandbox::Sandbox::merchant_private_key()?;
/// let params = wechatpay::paysign::app("wx8888888888888888", "1900000109", "WX1217752501201407033233368018", &key)?;
/// let json = serde_json::to_value(&params)?;
/// let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
/// assert_eq!(keys, ["appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn app(appid: &str, mchid: &str, prepay_id: &str, key: &RsaKey) -> Result<AppPayParams> {
    PaySign::new().app(appid, mchid, prepay_id, key)
}

/// JSAPI payment parameters for an APIv2 `prepay_id` (from `pay/unifiedorder`): `paySign` is
/// `Hash::sign(sign_type, …)` with the APIv2 key over the other five fields sorted by key
/// (`appId=…&nonceStr=…&package=prepay_id=…&signType=…&timeStamp=…`). `sign_type` must be the one the
/// `unifiedorder` request was signed with.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for an empty `appid` or `prepay_id`, or a
/// `sign_type` other than `MD5` / `HMAC-SHA256`; [`ErrorKind::Config`](crate::ErrorKind::Config) for HMAC-SHA256
/// with an empty `secret`.
///
/// # Examples
///
/// ```
/// let params = wechatpay::paysign::v2_jsapi("wxd930ea5d5a258f4f", "wx2017033010242291fcfe0db70013231072", "MD5", "192006250b4c09247ec02edce69f6a2d")?;
/// let json = serde_json::to_value(&params)?;
/// assert_eq!(json["package"], "prepay_id=wx2017033010242291fcfe0db70013231072");
/// assert!(wechatpay::paysign::v2_jsapi("wxd930ea5d5a258f4f", "wx1", "md5", "k").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn v2_jsapi(appid: &str, prepay_id: &str, sign_type: &str, secret: &str) -> Result<V2JsapiPayParams> {
    PaySign::new().v2_jsapi(appid, prepay_id, sign_type, secret)
}

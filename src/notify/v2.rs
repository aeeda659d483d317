//! APIv2 notifications: the payment notification's `sign` check, and the refund notification's `req_info`
//! decryption (AES-256-ECB with the lowercase hex MD5 of the APIv2 key, as wechatpay-php's `AesEcb` recipe does).

use serde_json::{Map, Value, json};

use crate::crypto::{AesEcb, Hash};
use crate::error::{Error, ErrorKind, Result, V2Rejection};
use crate::transformer::Transformer;

/// Parses an APIv2 notification body and checks its `sign` with the APIv2 key (MD5, or HMAC-SHA256 when the
/// sign is 64 characters long); returns the fields. Answer WeChat Pay with [`reply`]`(true, "OK")` once you have
/// processed it.
///
/// # Errors
///
/// [`ErrorKind::Decode`] for a body that is not XML;
/// [`ErrorKind::Rejected`] with `SignMissing` / `SignMismatch` when the sign does not
/// verify.
///
/// # Examples
///
/// ```
/// use wechatpay::{notify, Formatter, Hash, Transformer};
/// let secret = "exposed_your_key_here_have_risks";
/// let mut fields = serde_json::json!({ "return_code": "SUCCESS", "out_trade_no": "1217752501201407033233368018" });
/// let sign = Hash::sign("MD5", &Formatter::query_string_like(&Formatter::ksort(fields.as_object().unwrap())), secret)?;
/// fields["sign"] = sign.into();
/// let body = Transformer::to_xml(&fields);
/// let verified = notify::v2::verify(body.as_bytes(), secret)?;
/// assert_eq!(verified["out_trade_no"], "1217752501201407033233368018");
/// assert!(notify::v2::verify(body.as_bytes(), "another key").is_err());
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub fn verify(body: impl AsRef<[u8]>, secret: &str) -> Result<Value> {
    let data = match Transformer::try_to_array(body)? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    check_sign(&data, secret)?;
    Ok(Value::Object(data))
}

/// Checks `sign` over all the other non-empty fields (shared with the response checks).
pub(crate) fn check_sign(data: &Map<String, Value>, secret: &str) -> Result<()> {
    let Some(sign) = data.get("sign").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
        return Err(Error::new(
            ErrorKind::Rejected(V2Rejection::SignMissing),
            "The APIv2 data carries no `sign`.",
        ));
    };
    let algo = if sign.len() == 64 {
        Hash::ALGO_HMAC_SHA256
    } else {
        Hash::ALGO_MD5
    };
    let expected = crate::v2::sign_fields(algo, data, secret).ok();
    // Case-sensitive, as PHP: a lowercase `sign` does not match the uppercase digest.
    if expected.is_some_and(|e| Hash::equals(&e, sign)) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Rejected(V2Rejection::SignMismatch),
            format!("The APIv2 {algo} `sign` does not match the fields and the configured APIv2 key."),
        ))
    }
}

/// Decrypts the `req_info` of a refund notification with the APIv2 key and returns its fields.
///
/// # Errors
///
/// [`ErrorKind::Crypto`] when it does not decrypt with this key,
/// [`ErrorKind::Decode`] when the plaintext is not XML.
///
/// # Examples
///
/// ```
/// // a refund notification's `req_info`, encrypted with the key `exposed_your_key_here_have_risks`
/// let req_info = "sQHh/cSF5F2ms58BHQoBmSe6PR7CX1bhrvBSH9Qhny+XrJMY2DfYIO50b51BFVxzk/GNmvI9NBWlrTMA5+VT+K+NsYPb34LqIBdXa855Njw90G0n9TT92WA2FoWroPAVilC2Z6TAmBPgwFhQATOv20/8sH/A9WdRHyNO8K7ZgUk=";
/// let refund = wechatpay::notify::v2::decrypt_refund(req_info, "exposed_your_key_here_have_risks")?;
/// assert_eq!(refund["out_refund_no"], "131811191610442717309");
/// assert_eq!(refund["refund_status"], "SUCCESS");
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub fn decrypt_refund(req_info: &str, secret: &str) -> Result<Value> {
    let key = Hash::md5(secret, "", false);
    let xml = AesEcb::decrypt(req_info, &key)?;
    Transformer::try_to_array(xml.as_bytes())
}

/// The XML an APIv2 notification handler answers (wechatpay-php's `Transformer::toXml` of `return_code` /
/// `return_msg`): `return_code` `SUCCESS` once the notification is verified **and** processed, else `FAIL` (WeChat
/// Pay then sends it again later). `message` is the `return_msg`, e.g. `OK` or why it failed; keep secrets and
/// personal data out of it.
///
/// # Examples
///
/// ```
/// use wechatpay::notify::v2::reply;
/// assert_eq!(reply(true, "OK"), "<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>");
/// assert_eq!(reply(false, "sign mismatch"), "<xml><return_code>FAIL</return_code><return_msg>sign mismatch</return_msg></xml>");
/// ```
pub fn reply(success: bool, message: &str) -> String {
    let code = if success { "SUCCESS" } else { "FAIL" };
    Transformer::to_xml(&json!({ "return_code": code, "return_msg": message }))
}

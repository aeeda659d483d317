//! Merchant-coupon ("商家券") signatures: HMAC-SHA256 with the APIv2 key over the sorted, flattened parameters,
//! for sending coupons from an H5 page or a mini-program.

use serde_json::{Map, Value};

use crate::crypto::Hash;
use crate::error::{Error, Result};
use crate::formatter::Formatter;

/// Signs the parameters of the H5 coupon-sending page (`stock_id`, `out_request_no`, `send_coupon_merchant`,
/// `open_id`, optionally `coupon_code`, …) and returns them with `sign` added: HMAC-SHA256 with the APIv2 key
/// `secret` over `key=value` pairs sorted by key, empty values and any previous `sign` left out.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for a nested (array or object) value;
/// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `secret`.
///
/// # Examples
///
/// ```
/// let params = serde_json::json!({
///     "stock_id": "12111100000001", "out_request_no": "20191204550002", "send_coupon_merchant": "10016226",
///     "open_id": "oVvBvwEurkeUJpBzX90-6MfCHbec", "coupon_code": "75345199",
/// });
/// let signed = wechatpay::paysign::coupon_h5(params.as_object().unwrap(), "exposed_your_key_here_have_risks")?;
/// assert_eq!(signed["sign"], "D4AE51952153389716232ABDE5124F2B1C94431BE7B647F6DB22BE7E4A5FBE33");
/// assert_eq!(signed["stock_id"], "12111100000001");
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub fn coupon_h5(params: &Map<String, Value>, secret: &str) -> Result<Map<String, Value>> {
    let mut signed = params.clone();
    signed.remove("sign");
    let sign = sign(&signed, secret)?;
    signed.insert("sign".to_owned(), Value::String(sign));
    Ok(signed)
}

/// Signs the parameters of the mini-program coupon-sending plugin and returns what it takes:
/// `{"send_coupon_params": coupons, "send_coupon_merchant": merchant, "sign": …}`. The sign is HMAC-SHA256 with
/// the APIv2 key `secret` over the flattened parameters sorted by key: each field `k` of `coupons[i]` becomes
/// `k{i}` (`stock_id0`, `out_request_no0`, `stock_id1`, …), plus `send_coupon_merchant`.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for no coupon or a nested value;
/// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `secret`.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// let coupons = [json!({"stock_id": "abc123", "out_request_no": "1234567"}), json!({"stock_id": "321cba", "out_request_no": "7654321"})];
/// let coupons: Vec<_> = coupons.iter().map(|c| c.as_object().unwrap().clone()).collect();
/// let signed = wechatpay::paysign::coupon_mini_program(&coupons, "10016226", "exposed_your_key_here_have_risks")?;
/// assert_eq!(signed["sign"], "20FB971D442A119C85CA1A49DBDEA61A14944D98AFC1D2B040030C5C8792A83A");
/// assert_eq!(signed["send_coupon_params"][1]["stock_id"], "321cba");
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub fn coupon_mini_program(coupons: &[Map<String, Value>], merchant: &str, secret: &str) -> Result<Map<String, Value>> {
    if coupons.is_empty() {
        return Err(Error::invalid(
            "At least one coupon is needed to sign `send_coupon_params`.",
        ));
    }
    let mut flat = Map::new();
    for (i, coupon) in coupons.iter().enumerate() {
        for (k, v) in coupon {
            flat.insert(format!("{k}{i}"), v.clone());
        }
    }
    flat.insert("send_coupon_merchant".to_owned(), Value::String(merchant.to_owned()));
    let sign = sign(&flat, secret)?;
    let mut out = Map::new();
    out.insert(
        "send_coupon_params".to_owned(),
        Value::Array(coupons.iter().cloned().map(Value::Object).collect()),
    );
    out.insert("send_coupon_merchant".to_owned(), Value::String(merchant.to_owned()));
    out.insert("sign".to_owned(), Value::String(sign));
    Ok(out)
}

/// `Hash::sign("HMAC-SHA256", queryStringLike(ksort(fields)), secret)` over flat values only.
fn sign(fields: &Map<String, Value>, secret: &str) -> Result<String> {
    if let Some((k, _)) = fields.iter().find(|(_, v)| v.is_array() || v.is_object()) {
        return Err(Error::invalid(format!(
            "The coupon parameter `{k}` is nested; only strings, numbers and booleans are signed."
        )));
    }
    Hash::sign(
        Hash::ALGO_HMAC_SHA256,
        &Formatter::query_string_like(&Formatter::ksort(fields)),
        secret,
    )
}

//! Notifications as WeChat Pay sends them, for testing handlers: signed with the sandbox platform key, the
//! resource encrypted with the sandbox APIv3 key.

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::keys;
use crate::crypto::{AesGcm, Rsa};
use crate::error::{Error, Result};
use crate::formatter::Formatter;

/// Builds a notification exactly as WeChat Pay POSTs it to a `notify_url`: returns the request headers
/// (`Wechatpay-Nonce`, `-Serial` = [`PLATFORM_SERIAL`](super::PLATFORM_SERIAL), `-Signature`, `-Timestamp` = now,
/// `-Signature-Type`, `Content-Type`, `Request-ID`) and the JSON body, whose `resource` is `resource` encrypted with
/// [`APIV3_KEY`](super::APIV3_KEY) (AES-256-GCM, a random 12-character nonce, the associated data and
/// `original_type` derived from the event type: `TRANSACTION.SUCCESS` → `transaction`).
///
/// A client of the [`Sandbox`](super::Sandbox) (or any client configured with the sandbox platform key and
/// APIv3 key) accepts it through [`Client::notification`](crate::Client::notification); post it to your own
/// handler to test it end to end.
///
/// # Errors
///
/// Never in practice: the embedded keys always load and sign.
///
/// # Examples
///
/// ```
/// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({"trade_state": "SUCCESS"}))?;
/// assert_eq!(headers["wechatpay-serial"], wechatpay::sandbox::PLATFORM_SERIAL);
/// let envelope: serde_json::Value = serde_json::from_slice(&body)?;
/// assert_eq!(envelope["resource"]["algorithm"], "AEAD_AES_256_GCM");
/// let client = wechatpay::sandbox::Sandbox::start()?.client()?;
/// assert_eq!(client.notification(&headers, &body)?.plaintext(), r#"{"trade_state":"SUCCESS"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn notification(event_type: &str, resource: &Value) -> Result<(HeaderMap, Vec<u8>)> {
    let now = Formatter::timestamp();
    let original_type = event_type.split('.').next().unwrap_or_default().to_ascii_lowercase();
    let iv = Formatter::nonce(12)?;
    let ciphertext = AesGcm::encrypt(resource.to_string(), keys::APIV3_KEY, &iv, &original_type)?;
    let summary = match event_type {
        "TRANSACTION.SUCCESS" => "支付成功",
        "REFUND.SUCCESS" => "退款成功",
        "REFUND.ABNORMAL" => "退款异常",
        "REFUND.CLOSED" => "退款关闭",
        _ => "sandbox notification",
    };
    let body = json!({
        "id": format!("EV-{}", Formatter::nonce(20)?),
        "create_time": create_time(now)?,
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": original_type,
            "nonce": iv,
        },
    })
    .to_string();
    let nonce = Formatter::nonce(32)?;
    let signature = Rsa::sign(Formatter::response(now, &nonce, &body), &keys::platform_private()?)?;
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("content-type", "application/json".to_owned()),
        ("request-id", format!("sandbox-{nonce}")),
        ("wechatpay-nonce", nonce),
        ("wechatpay-serial", keys::PLATFORM_SERIAL.to_owned()),
        ("wechatpay-signature", signature),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048".to_owned()),
        ("wechatpay-timestamp", now.to_string()),
    ] {
        let value = HeaderValue::from_str(&value)
            .map_err(|e| Error::invalid(format!("The `{name}` header is not valid.")).with_source(e))?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok((headers, body.into_bytes()))
}

/// `now` as RFC 3339 in China Standard Time, the way WeChat Pay writes times.
fn create_time(now: i64) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::invalid(format!("The time {now} cannot be formatted: {e}"));
    let cst = UtcOffset::from_hms(8, 0, 0).map_err(|e| fail(&e))?;
    OffsetDateTime::from_unix_timestamp(now)
        .map_err(|e| fail(&e))?
        .to_offset(cst)
        .format(&Rfc3339)
        .map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn create_time_is_china_standard_time() {
        assert_eq!(
            super::create_time(1_700_000_000).ok().as_deref(),
            Some("2023-11-15T06:13:20+08:00")
        );
    }
}

//! The body of an APIv3 notification handler's failure answer.

/// The JSON body to send with a 4xx/5xx answer when a notification fails verification or processing:
/// `{"code":"FAIL","message":<message>}`, the shape WeChat Pay documents. WeChat Pay then retries the
/// notification later. Keep `message` free of secrets and personal data: it is sent back over the network.
///
/// # Examples
///
/// ```
/// let body = wechatpay::notify::reply_failure("signature verification failed");
/// assert_eq!(body, r#"{"code":"FAIL","message":"signature verification failed"}"#);
/// // quotes and control characters are escaped: the body is always valid JSON
/// let v: serde_json::Value = serde_json::from_str(&wechatpay::notify::reply_failure("a \"b\"\n"))?;
/// assert_eq!(v["message"], "a \"b\"\n");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn reply_failure(message: &str) -> String {
    serde_json::json!({ "code": "FAIL", "message": message }).to_string()
}

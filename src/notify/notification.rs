//! APIv3 notifications: verify like a response, then open the AES-256-GCM resource with the APIv3 key.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::crypto::AesGcm;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::VerifyContext;
use crate::redact::Secret;
use crate::response::Response;

/// The only resource algorithm WeChat Pay uses.
const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// A verified, decrypted APIv3 notification (what [`Client::notification`](crate::Client::notification) returns).
///
/// The envelope fields are plain text; the decrypted resource (payment or refund data, personal data) is only
/// reachable through [`plaintext`](Notification::plaintext) and [`resource`](Notification::resource): `Debug`
/// prints its length, never its text, and it is zeroed when the notification is dropped.
///
/// # Examples
///
/// ```
/// let (headers, body) = wechatpay::sandbox::notification("REFUND.SUCCESS", &serde_json::json!({"refund_status": "SUCCESS"}))?;
/// let client = wechatpay::sandbox::Sandbox::start()?.client()?;
/// let event = client.notification(&headers, &body)?;
/// assert_eq!(event.resource_type(), "encrypt-resource");
/// assert_eq!(event.original_type(), "refund");
/// assert_eq!(event.plaintext(), r#"{"refund_status":"SUCCESS"}"#);
/// assert!(!format!("{event:?}").contains("refund_status"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Notification {
    id: String,
    create_time: String,
    event_type: String,
    resource_type: String,
    summary: String,
    original_type: String,
    algorithm: String,
    associated_data: String,
    plaintext: Secret,
}

/// The notification body as WeChat Pay sends it.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    event_type: String,
    create_time: Option<String>,
    resource_type: Option<String>,
    summary: Option<String>,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: Option<String>,
    ciphertext: String,
    nonce: String,
    associated_data: Option<String>,
    original_type: Option<String>,
}

/// `Client::notification`: configuration, then the client's verifier, then decryption.
pub(crate) fn receive(config: &Config, headers: &HeaderMap, body: &[u8]) -> Result<Notification> {
    let v3 = config.v3.as_ref().ok_or_else(|| {
        Error::config("APIv3 notifications need an APIv3 client: set `serial`, `private_key` and `certs`.")
    })?;
    let key = config
        .apiv3_key
        .as_ref()
        .ok_or_else(|| Error::config("APIv3 notifications are decrypted with the APIv3 key: set `apiv3_key`."))?;
    // The verifier checks a response; a notification is checked the same way, with no request path.
    let received = Response::new(StatusCode::OK, headers.clone(), Bytes::copy_from_slice(body));
    v3.verifier.verify(&VerifyContext::new("", &received))?;
    Notification::open(body, key.expose())
}

impl Notification {
    /// Decodes the envelope and decrypts its resource (no signature check: callers verify first).
    fn open(body: &[u8], apiv3_key: &str) -> Result<Notification> {
        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
            Error::decode(
                "The notification body is not a JSON APIv3 notification (`id`, `event_type`, `resource.ciphertext`, \
                 `resource.nonce`).",
            )
            .with_source(e)
        })?;
        let resource = envelope.resource;
        let algorithm = resource.algorithm.unwrap_or_else(|| ALGORITHM.to_owned());
        if algorithm != ALGORITHM {
            return Err(Error::decode(format!(
                "The notification resource uses `{algorithm}`; only `{ALGORITHM}` is supported."
            )));
        }
        if resource.nonce.is_empty() {
            return Err(Error::decode("The notification resource has an empty `nonce`."));
        }
        let associated_data = resource.associated_data.unwrap_or_default();
        let plaintext =
            AesGcm::decrypt(&resource.ciphertext, apiv3_key, &resource.nonce, &associated_data).map_err(|e| match e
                .kind()
            {
                // a nonce AES-GCM cannot take is a malformed notification, not a key problem
                ErrorKind::InvalidArgument => {
                    Error::decode("The notification resource's `nonce` is not usable.").with_source(e)
                }
                _ => e,
            })?;
        Ok(Notification {
            id: envelope.id,
            create_time: envelope.create_time.unwrap_or_default(),
            event_type: envelope.event_type,
            resource_type: envelope.resource_type.unwrap_or_default(),
            summary: envelope.summary.unwrap_or_default(),
            original_type: resource.original_type.unwrap_or_default(),
            algorithm,
            associated_data,
            plaintext: Secret::new(plaintext),
        })
    }

    /// The notification id, e.g. `EV-2018022511223320873`: the same id is delivered again on retries, so use it to
    /// process each notification once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert!(event.id().starts_with("EV-"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, e.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("REFUND.ABNORMAL", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.event_type(), "REFUND.ABNORMAL");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The resource type, `encrypt-resource` for every notification WeChat Pay sends today.
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.resource_type(), "encrypt-resource");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// WeChat Pay's human-readable summary, e.g. `支付成功` (empty when absent).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert!(!event.summary().is_empty());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// When the notification was created, RFC 3339 as sent, e.g. `2015-05-20T13:29:35+08:00` (empty when absent).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert!(event.create_time().ends_with("+08:00"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn create_time(&self) -> &str {
        &self.create_time
    }

    /// The type of the decrypted resource, e.g. `transaction`, `refund` (`resource.original_type`; empty when
    /// absent).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.original_type(), "transaction");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn original_type(&self) -> &str {
        &self.original_type
    }

    /// The resource encryption algorithm, always `AEAD_AES_256_GCM` (others are refused).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.algorithm(), "AEAD_AES_256_GCM");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The associated data the resource was authenticated with (`resource.associated_data`, often the
    /// original type; may be empty).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.associated_data(), "transaction");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn associated_data(&self) -> &str {
        &self.associated_data
    }

    /// The decrypted resource text (JSON for every notification WeChat Pay sends). It holds payment and
    /// personal data: do not log it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({"a": 1}))?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// assert_eq!(event.plaintext(), r#"{"a":1}"#);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn plaintext(&self) -> &str {
        self.plaintext.expose()
    }

    /// Decodes the decrypted resource as JSON into `T` (a struct of yours, or `serde_json::Value`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`] when the plaintext does not decode into `T`; the message gives the line and column
    /// but never the plaintext's content, and [`plaintext`](Notification::plaintext) still gives the text.
    ///
    /// # Examples
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Paid { out_trade_no: String, amount: Amount }
    /// #[derive(serde::Deserialize)]
    /// struct Amount { total: u64 }
    ///
    /// let resource = serde_json::json!({"out_trade_no": "1217752501201407033233368018", "amount": {"total": 100}});
    /// let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &resource)?;
    /// let event = wechatpay::sandbox::Sandbox::start()?.client()?.notification(&headers, &body)?;
    /// let paid: Paid = event.resource()?;
    /// assert_eq!((paid.out_trade_no.as_str(), paid.amount.total), ("1217752501201407033233368018", 100));
    /// assert_eq!(event.resource::<Vec<u8>>().unwrap_err().kind(), wechatpay::ErrorKind::Decode);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn resource<T: DeserializeOwned>(&self) -> Result<T> {
        // serde_json's messages quote the offending value: keep them (and so the personal data) out of the error.
        serde_json::from_str(self.plaintext.expose()).map_err(|e| {
            Error::decode(format!(
                "The notification resource does not decode into the requested type ({:?} error at line {}, \
                 column {}).",
                e.classify(),
                e.line(),
                e.column()
            ))
        })
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("id", &self.id)
            .field("create_time", &self.create_time)
            .field("event_type", &self.event_type)
            .field("resource_type", &self.resource_type)
            .field("summary", &self.summary)
            .field("original_type", &self.original_type)
            .field("algorithm", &self.algorithm)
            .field(
                "plaintext",
                &format_args!("[redacted, {} bytes]", self.plaintext.expose().len()),
            )
            .finish()
    }
}

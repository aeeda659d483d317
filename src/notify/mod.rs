//! Notification (webhook) helpers: what WeChat Pay POSTs to your `notify_url`.
//!
//! - APIv3: [`Client::notification`](crate::Client::notification) verifies a notification exactly as a response
//!   is verified (the client's verifier, platform keys and clock), then decrypts its resource with the APIv3 key
//!   into a [`Notification`].
//! - APIv2: [`v2::verify`] checks the `sign`, [`v2::decrypt_refund`] decrypts a refund's `req_info`.
//!
//! # What a handler answers
//!
//! WeChat Pay retries a notification until it gets a 2xx answer, so answer 2xx (APIv3: `204 No Content` or `200`
//! with an empty body) only once the notification has **verified and been processed** (stored, order updated).
//! When verification fails (including WeChat Pay's deliberate `WECHATPAY/SIGNTEST/` probes, which must be
//! refused), or processing fails, answer 4xx/5xx with [`reply_failure`]'s body,
//! `{"code":"FAIL","message":"..."}`. An APIv2 handler answers [`v2::reply`]'s XML.
//!
//! # Examples
//!
//! ```
//! let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &serde_json::json!({
//!     "out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS",
//! }))?;
//! let sandbox = wechatpay::sandbox::Sandbox::start()?;
//! let client = sandbox.client()?;
//! let event = client.notification(&headers, &body)?;
//! assert_eq!(event.event_type(), "TRANSACTION.SUCCESS");
//! let paid: serde_json::Value = event.resource()?;
//! assert_eq!(paid["trade_state"], "SUCCESS");
//! # Ok::<(), wechatpay::Error>(())
//! ```

mod notification;
mod reply;
pub mod v2;

pub use notification::Notification;
pub(crate) use notification::receive;
pub use reply::reply_failure;

//! Notification (webhook) helpers: what WeChat Pay POSTs to your `notify_url`.

pub mod v2;

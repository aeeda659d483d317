#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod builder;
pub mod certs;
mod client;
mod clock;
mod config;
pub mod crypto;
pub mod download;
mod error;
mod formatter;
mod hooks;
pub mod notify;
mod options;
pub mod paysign;
mod php;
mod pipeline;
mod query;
mod redact;
mod response;
mod retry;
mod route;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod segment;
mod template;
mod trace;
mod transformer;
mod transport;
pub mod util;
mod v2;
pub mod v3;
mod verbs;
mod wechat_error;

pub use body::Body;
pub use builder::Builder;
pub use client::Client;
pub use clock::{Clock, FixedClock, SystemClock};
pub use crypto::{AesEcb, AesGcm, Hash, KeyType, Rsa, RsaKey};
pub use error::{Error, ErrorKind, Result, V2Rejection, VerifyFailure};
pub use formatter::Formatter;
pub use hooks::{Sign, SignContext, Verify, VerifyContext};
pub use options::Options;
pub use response::Response;
pub use retry::Retry;
pub use route::{Api, Route};
pub use transformer::{Transformer, XmlOptions};
pub use util::MediaUtil;
pub use wechat_error::WechatError;

/// The `http` crate this crate speaks (`HeaderMap`, `StatusCode`, `Method`), re-exported so callers never need a
/// matching version of it.
pub use http;

/// The crate version, sent in the `User-Agent` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod assert_impls {
    fn send_sync_static<T: Send + Sync + 'static>() {}
    fn clone<T: Clone>() {}

    #[test]
    fn public_types_are_thread_safe() {
        send_sync_static::<crate::Client>();
        clone::<crate::Client>();
        send_sync_static::<crate::Error>();
        send_sync_static::<crate::Response>();
        send_sync_static::<crate::Options>();
        send_sync_static::<crate::Body>();
        send_sync_static::<crate::MediaUtil>();
        send_sync_static::<crate::RsaKey>();
    }

    #[allow(dead_code, reason = "compile-time check only")]
    fn verb_futures_are_send_static(c: crate::Client) {
        fn check<F: std::future::Future + Send + 'static>(_: F) {}
        check(c.get_async(()));
        check(c.post_async(serde_json::json!({})));
    }

    #[allow(dead_code, reason = "compile-time check only")]
    fn verb_futures_outlive_the_node_that_made_them(
        c: &crate::Client,
    ) -> impl std::future::Future<Output = crate::Result<crate::Response>> + Send + 'static {
        // the node is a temporary dropped here; the future borrows nothing from it
        c.chain("v3/x").get_async(serde_json::json!({}))
    }
}

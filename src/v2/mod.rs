//! APIv2 (XML) wiring: the request transform (mch-id guard, `nonce_str`, MD5 / HMAC-SHA256 `sign`, XML body or
//! signed GET query) and the response checks (`return_code`, `result_code`, `sign`).

mod paths;
mod request;
mod response;
mod sign;

pub(crate) use request::prepare;
pub(crate) use response::check;
pub(crate) use sign::sign_fields;

/// `Accept` sent by default on APIv2 requests (as PHP).
pub(crate) const ACCEPT: &str = "text/xml, text/plain, application/x-gzip";
/// `Content-Type` sent by default on APIv2 requests.
pub(crate) const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

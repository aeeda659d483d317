//! APIv3 (JSON) wiring: the default request [`Signer`] and response [`Verifier`], and the paths whose responses
//! carry no signature.

mod signer;
mod skip;
mod verifier;

pub use signer::Signer;
pub use verifier::Verifier;

pub(crate) use skip::skips_verification;

/// `Accept` sent by default on APIv3 requests (as PHP).
pub(crate) const ACCEPT: &str =
    "application/json, text/plain, application/x-gzip, application/pdf, image/png, image/*;q=0.5";
/// `Content-Type` sent by default on APIv3 requests.
pub(crate) const CONTENT_TYPE: &str = "application/json; charset=utf-8";

//! The body check of overseas statements (`/hk/v3/statements`, `/v3/global/statements`).

use sha1::{Digest, Sha1};

use crate::error::{Error, Result, VerifyFailure};
use crate::response::Response;

/// Checks that an overseas statement's body is the one WeChat Pay signed: its SHA-1 must equal the
/// `Wechatpay-Statement-Sha1` header.
///
/// For `/hk/v3/statements` and `/v3/global/statements` the response signature covers `{"sha1":"<that header>"}`
/// instead of the body, and the client's verifier checks exactly that (as wechatpay-php does). The signature
/// therefore vouches for the header only; call this on the verified response to tie the body to it.
///
/// # Errors
///
/// [`VerifyFailure::HeadersIncomplete`] when the header is missing, [`VerifyFailure::DigestMismatch`] when the
/// body's SHA-1 differs; both carry the response.
///
/// # Examples
///
/// ```
/// use wechatpay::{Response, ErrorKind, VerifyFailure, http::{HeaderMap, StatusCode}};
/// let body = "statement,bytes\n";
/// let with_header = |sha1: &str| {
///     let mut headers = HeaderMap::new();
///     headers.insert("Wechatpay-Statement-Sha1", sha1.parse().unwrap());
///     Response::new(StatusCode::OK, headers, body)
/// };
/// // the SHA-1 of `body`, as WeChat Pay announces it
/// wechatpay::download::check_statement(&with_header("8894064560a6c8540e2eaa33750ce042cc980051"))?;
/// let err = wechatpay::download::check_statement(&with_header("0000000000000000000000000000000000000000")).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::DigestMismatch));
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub fn check_statement(response: &Response) -> Result<()> {
    let Some(announced) = response
        .headers()
        .get("wechatpay-statement-sha1")
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Error::verify(
            VerifyFailure::HeadersIncomplete,
            "The statement has no `Wechatpay-Statement-Sha1` header to check its body against.",
        )
        .with_response(response.clone()));
    };
    let actual = hex::encode(Sha1::digest(response.body()));
    if actual.eq_ignore_ascii_case(announced.trim()) {
        Ok(())
    } else {
        Err(Error::verify(
            VerifyFailure::DigestMismatch,
            format!("The statement body's SHA-1 is {actual}, but `Wechatpay-Statement-Sha1` announced {announced}."),
        )
        .with_response(response.clone()))
    }
}

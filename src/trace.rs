//! `tracing` spans and events of calls, downloads and certificate downloads. Spans are created on the caller's
//! thread (so the caller's current span is their parent) and carry the caller's subscriber across the hand-off to
//! the thread that drives a blocking call. Fields are chosen so that no secret can land in them: the method, the path
//! *template* (never the expanded path or a query), the API, the status, WeChat Pay's `Request-ID`, the elapsed
//! time and the error kind. Never a body, a header value other than `Request-ID`, a key, a signature or a nonce.

use std::future::Future;
use std::time::Instant;

use http::Method;
use tracing::instrument::WithSubscriber;
use tracing::{Dispatch, Span, field};

use crate::error::{ErrorKind, Result};
use crate::response::Response;
use crate::route::Api;

/// The response header that names WeChat Pay's request id.
const REQUEST_ID: &str = "request-id";

/// The span of one call: `wechatpay.call` with the method and the path template; the API, status, request id,
/// elapsed time and error kind are recorded as they become known.
pub(crate) fn call(method: &Method, template: &str) -> Span {
    tracing::info_span!(
        "wechatpay.call",
        method = %method,
        path = template,
        api = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
        elapsed_ms = field::Empty,
        error = field::Empty,
    )
}

/// The span of one certificate download (`GET v3/certificates`, decryption and verification included).
pub(crate) fn certificates() -> Span {
    tracing::info_span!(
        "wechatpay.certificates",
        method = "GET",
        path = "v3/certificates",
        api = "v3",
        status = field::Empty,
        request_id = field::Empty,
        elapsed_ms = field::Empty,
        error = field::Empty,
    )
}

/// The span of one streamed download: `path` is the path template of an APIv2 download, or the path alone of
/// an APIv3 `download_url` (its query, which carries the download `token`, is left out).
pub(crate) fn download(method: &Method, path: &str, api: Api) -> Span {
    tracing::info_span!(
        "wechatpay.download",
        method = %method,
        path = path,
        api = api_name(api),
        status = field::Empty,
        request_id = field::Empty,
        bytes = field::Empty,
        elapsed_ms = field::Empty,
        error = field::Empty,
    )
}

/// The subscriber current on this thread (the caller's), to carry to the thread that drives the call.
pub(crate) fn current_dispatch() -> Dispatch {
    tracing::dispatcher::get_default(Dispatch::clone)
}

/// Runs `work` with its spans and events going to `dispatch`, on whichever thread drives it.
pub(crate) fn carry<F: Future>(dispatch: Dispatch, work: F) -> impl Future<Output = F::Output> {
    work.with_subscriber(dispatch)
}

pub(crate) fn api_name(api: Api) -> &'static str {
    match api {
        Api::V2 => "v2",
        Api::V3 => "v3",
    }
}

/// Records the API a call was routed to.
pub(crate) fn api(span: &Span, api: Api) {
    span.record("api", api_name(api));
}

/// Records a response's status and `Request-ID` (the last response of a call is the one that stays).
pub(crate) fn response(span: &Span, resp: &Response) {
    span.record("status", resp.status().as_u16());
    if let Some(id) = resp.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
        span.record("request_id", id);
    }
}

/// Records the end of a call: the elapsed time, the final response (kept on the error too) and the error kind,
/// and emits a debug event with them.
pub(crate) fn finish<T>(span: &Span, started: Instant, result: &Result<T>, resp: Option<&Response>) {
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("elapsed_ms", elapsed_ms);
    if let Some(resp) = resp.or_else(|| result.as_ref().err().and_then(|e| e.response())) {
        response(span, resp);
    }
    match result {
        Ok(_) => tracing::debug!(parent: span, elapsed_ms, "wechatpay call succeeded"),
        Err(e) => {
            let kind = e.kind();
            span.record("error", field::debug(kind));
            tracing::debug!(parent: span, elapsed_ms, error = ?kind, "wechatpay call failed");
        }
    }
}

/// A debug event for one redirect hop: its number and the status that caused it (never the `Location`).
pub(crate) fn redirect(hop: usize, status: u16) {
    tracing::debug!(hop, status, "following a redirect");
}

/// A debug event for a response that failed verification: the failure kind only.
pub(crate) fn verify_failed(kind: ErrorKind) {
    tracing::debug!(error = ?kind, "response verification failed");
}

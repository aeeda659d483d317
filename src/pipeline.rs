//! One pipeline for both transports: expand the path template with the options, route (`v2/` → APIv2, else
//! APIv3), resolve against the base URI, apply the query, build headers and body, then for APIv3 sign, send,
//! follow redirects (re-signing each hop), turn 4xx/5xx into errors and verify; for APIv2 transform the data
//! (mch-id guard, nonce, sign, XML or query), send the same way and check `return_code`/`result_code`/`sign`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::Either;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use tracing::{Instrument, Span};
use url::Url;

use crate::body::Body;
use crate::builder::header_pair;
use crate::config::{Config, V3};
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{SignContext, VerifyContext};
use crate::options::Options;
use crate::response::Response;
use crate::route::{Api, route, target};
use crate::transport::{self, Clients, Outgoing};

/// The request header that names the key WeChat Pay should sign its answer with.
const WECHATPAY_SERIAL: &str = "wechatpay-serial";
/// Guzzle's default `allow_redirects.max`.
const MAX_REDIRECTS: usize = 5;
/// Guzzle's `BodySummarizer` length in status-error messages.
const SUMMARY_BYTES: usize = 120;

/// Runs one call: the whole of PHP's `request()` for a node, within the call's deadline (the `timeout` option,
/// else the client's `timeout`; zero means none), redirects and retries included, inside `span` (see
/// [`trace::call`](crate::trace::call)), on which it records the outcome.
pub(crate) async fn execute(
    config: Arc<Config>,
    clients: Clients,
    method: Method,
    pathname: String,
    mut opts: Options,
    span: Span,
) -> Result<Response> {
    let started = Instant::now();
    let deadline = deadline(&config, &opts);
    let result = transport::limited(deadline, call(&config, &clients, method, &pathname, &mut opts))
        .instrument(span.clone())
        .await;
    crate::trace::finish(&span, started, &result, result.as_ref().ok());
    result
}

/// The call's deadline: the `timeout` option, else the client's `timeout`; zero means none.
fn deadline(config: &Config, opts: &Options) -> Option<Duration> {
    opts.timeout.or(config.transport.settings.timeout)
}

/// `opts` is mutable so that the APIv2 data can be taken instead of copied (nothing reads it again).
async fn call(
    config: &Config,
    clients: &Clients,
    method: Method,
    pathname: &str,
    opts: &mut Options,
) -> Result<Response> {
    let routed = route(config, pathname, opts)?;
    crate::trace::api(&Span::current(), routed.api);
    match routed.api {
        Api::V3 => {
            let v3 = config.v3.as_ref().ok_or_else(|| {
                Error::config(format!(
                    "`{}` is an APIv3 path, but this client has no APIv3 configuration (`serial`, `privateKey`, \
                     `certs`).",
                    routed.url.path()
                ))
            })?;
            let (resp, path) = send_v3(config, v3, &clients.plain, method, routed.url, opts).await?;
            match v3.verifier.verify(&VerifyContext::new(&path, &resp)) {
                Ok(()) => Ok(resp),
                Err(e) => {
                    crate::trace::verify_failed(e.kind());
                    Err(e.with_response(resp))
                }
            }
        }
        Api::V2 => execute_v2(config, clients, method, routed.url, opts).await,
    }
}

/// An APIv3 call whose response is handed back *unverified*, with the URL path that produced it, for a caller
/// that verifies it itself (the certificate downloader, which must first decrypt the certificates the response
/// carries). Everything else (signing, redirects, `http_errors`, the deadline) is as [`execute`].
pub(crate) async fn execute_unverified(
    config: Arc<Config>,
    clients: Clients,
    method: Method,
    pathname: String,
    opts: Options,
) -> Result<(Response, String)> {
    let work = async {
        let routed = route(&config, &pathname, &opts)?;
        let v3 = match (routed.api, config.v3.as_ref()) {
            (Api::V3, Some(v3)) => v3,
            _ => {
                return Err(Error::config(format!(
                    "`{}` needs an APIv3 client (`serial`, `privateKey`, `certs`).",
                    routed.url.path()
                )));
            }
        };
        send_v3(&config, v3, &clients.plain, method, routed.url, &opts).await
    };
    transport::limited(deadline(&config, &opts), work).await
}

/// Default headers, then client-level, then a multipart body's `Content-Type`, then per-request ones
/// (case-insensitive replacement).
pub(crate) fn headers(
    config: &Config,
    opts: &Options,
    accept: &'static str,
    content_type: &'static str,
) -> Result<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept));
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    for (name, value) in &config.headers {
        headers.insert(name.clone(), value.clone());
    }
    // A prepared multipart body brings its own `Content-Type` (with the boundary), unless `json` replaces it;
    // it is part of this request, so it replaces the client-level default.
    if let Some(multipart) = opts
        .body
        .as_ref()
        .filter(|_| opts.json.is_none())
        .and_then(Body::content_type)
    {
        let (n, v) = header_pair("Content-Type", multipart)?;
        headers.insert(n, v);
    }
    let mut seen: Vec<http::HeaderName> = Vec::new();
    for (name, value) in &opts.headers {
        let (n, v) = header_pair(name, value)?;
        // The first per-request value replaces the defaults; further values of the same name are appended.
        if seen.contains(&n) {
            headers.append(n, v);
        } else {
            headers.insert(n.clone(), v);
            seen.push(n);
        }
    }
    Ok(headers)
}

/// The body to send and sign: the `json` option encoded once, else the `body` option (a media upload's body is
/// signed over its meta JSON).
fn v3_body(opts: &Options) -> Result<Body> {
    if let Some(json) = &opts.json {
        let bytes = serde_json::to_vec(json)
            .map_err(|e| Error::decode("The `json` option cannot be encoded as JSON.").with_source(e))?;
        return Ok(Body::from(bytes));
    }
    Ok(opts.body.clone().unwrap_or_default())
}

/// Signs and sends an APIv3 request; returns the response (not yet verified) and the URL path that produced it.
async fn send_v3(
    config: &Config,
    v3: &V3,
    http: &reqwest::Client,
    method: Method,
    url: Url,
    opts: &Options,
) -> Result<(Response, String)> {
    let mut headers = headers(config, opts, crate::v3::ACCEPT, crate::v3::CONTENT_TYPE)?;
    if config.wechatpay_serial && !headers.contains_key(WECHATPAY_SERIAL) {
        if let Some(id) = crate::certs::public_key_id(&v3.keys) {
            if let Ok(value) = HeaderValue::from_str(&id) {
                headers.insert(WECHATPAY_SERIAL, value);
            }
        }
    }
    let body = v3_body(opts)?;
    let (resp, url) = send(
        config,
        http,
        Exchange {
            method,
            url,
            headers,
            body,
        },
        opts,
        Some(v3),
    )
    .await?;
    Ok((resp, url.path().to_owned()))
}

async fn execute_v2(
    config: &Config,
    clients: &Clients,
    method: Method,
    url: Url,
    opts: &mut Options,
) -> Result<Response> {
    let http = clients.for_call(opts.security)?;
    let secret = config.secret.as_ref().map(|s| s.expose());
    let nonce = || crate::clock::next_nonce(config.nonce.as_ref());
    let xml = opts.xml.take();
    let prepared = crate::v2::prepare(&config.mchid, secret, &method, url, opts, xml, nonce)?;
    let headers = headers(config, opts, crate::v2::ACCEPT, crate::v2::CONTENT_TYPE)?;
    let exchange = Exchange {
        method,
        url: prepared.url,
        headers,
        body: prepared.body,
    };
    let (resp, url) = send(config, http, exchange, opts, None).await?;
    match crate::v2::check(url.path(), &resp, secret.unwrap_or_default()) {
        Ok(()) => Ok(resp),
        Err(e) => {
            crate::trace::verify_failed(e.kind());
            Err(e.with_response(resp))
        }
    }
}

/// One request about to be sent.
#[derive(Clone)]
struct Exchange {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Body,
}

/// Sends (following redirects) and, when the client has a retry policy, sends again what it allows: to the
/// backup domain on every other attempt, re-signed for APIv3 (see [`Retry`](crate::Retry)).
///
/// Not an `async fn`: the common case without a retry policy is then the redirect-following future alone, without
/// room for the retry loop's copies of the request (every call in flight holds its future).
fn send<'a>(
    config: &'a Config,
    http: &'a reqwest::Client,
    ex: Exchange,
    opts: &'a Options,
    v3: Option<&'a V3>,
) -> impl Future<Output = Result<(Response, Url)>> + 'a {
    match &config.retry {
        None => Either::Left(async move { send_following(config, http, ex, opts, v3, &mut 0).await }),
        // boxed: only clients with a retry policy pay for the loop's room
        Some(policy) => Either::Right(Box::pin(send_retrying(config, policy, http, ex, opts, v3))),
    }
}

async fn send_retrying(
    config: &Config,
    policy: &crate::retry::Policy,
    http: &reqwest::Client,
    ex: Exchange,
    opts: &Options,
    v3: Option<&V3>,
) -> Result<(Response, Url)> {
    let mut attempt = 1;
    loop {
        let mut this = ex.clone();
        this.url = policy.target(&config.base_uri, &ex.url, attempt);
        let mut hops = 0;
        let outcome = send_following(config, http, this, opts, v3, &mut hops).await;
        if attempt >= policy.max_attempts {
            return outcome;
        }
        let Some(reason) = policy.retriable(&ex.method, &outcome, hops == 0) else {
            return outcome;
        };
        let delay = policy.delay(attempt);
        attempt += 1;
        policy.trace(attempt, reason, delay);
        tokio::time::sleep(delay).await;
    }
}

/// Sends, follows redirects (re-signing each APIv3 hop, as PHP's signer inside Guzzle's redirect loop) and turns
/// 4xx/5xx into [`ErrorKind::Status`] when `http_errors` is on. Returns the response and the URL that produced it.
async fn send_following(
    config: &Config,
    http: &reqwest::Client,
    mut ex: Exchange,
    opts: &Options,
    v3: Option<&V3>,
    hops: &mut usize,
) -> Result<(Response, Url)> {
    let max_body = config.transport.settings.max_response_size;
    loop {
        if let Some(v3) = v3 {
            authorize(v3, &ex.method, &ex.url, ex.body.signed(), &mut ex.headers)?;
        }
        let out = Outgoing {
            method: ex.method.clone(),
            url: ex.url.clone(),
            headers: ex.headers.clone(),
            body: ex.body.bytes(),
            // the call's deadline covers every hop (see `execute`)
            timeout: None,
        };
        let resp = transport::send(http, out, max_body).await?;
        if resp.status().is_redirection() && opts.allow_redirects {
            if let Some(next) = redirect_target(&ex.url, &resp) {
                *hops += 1;
                crate::trace::redirect(*hops, resp.status().as_u16());
                if *hops > MAX_REDIRECTS {
                    return Err(Error::new(
                        ErrorKind::TooManyRedirects,
                        format!("Will not follow more than {MAX_REDIRECTS} redirects"),
                    )
                    .with_response(resp));
                }
                // Guzzle (non-strict): 303, and 301/302 for non-GET, become GET without a body.
                let s = resp.status();
                if s == StatusCode::SEE_OTHER
                    || ((s == StatusCode::MOVED_PERMANENTLY || s == StatusCode::FOUND) && ex.method != Method::HEAD)
                {
                    if ex.method != Method::GET && ex.method != Method::HEAD {
                        ex.method = Method::GET;
                    }
                    ex.body = Body::default();
                    ex.headers.remove(http::header::CONTENT_TYPE);
                }
                ex.url = next;
                continue;
            }
        }
        if opts.http_errors && (resp.status().is_client_error() || resp.status().is_server_error()) {
            return Err(status_error(&ex.method, &ex.url, resp));
        }
        return Ok((resp, ex.url));
    }
}

/// Signs one APIv3 request with the client's signer and sets its `Authorization` header (marked sensitive).
pub(crate) fn authorize(v3: &V3, method: &Method, url: &Url, body: &[u8], headers: &mut HeaderMap) -> Result<()> {
    let target = target(url);
    let auth = v3.signer.authorization(&SignContext::new(method, &target, body))?;
    let mut auth = HeaderValue::from_str(&auth)
        .map_err(|e| Error::invalid("The signer produced an invalid `Authorization` header.").with_source(e))?;
    auth.set_sensitive(true);
    headers.insert(http::header::AUTHORIZATION, auth);
    Ok(())
}

fn redirect_target(url: &Url, resp: &Response) -> Option<Url> {
    let location = resp.headers().get(http::header::LOCATION)?.to_str().ok()?;
    url.join(location).ok()
}

/// Guzzle's `RequestException::create` text: ``Client error: `GET url` resulted in a `404 Not Found` response:``
/// followed by the first 120 bytes of a printable body.
pub(crate) fn status_error(method: &Method, url: &Url, resp: Response) -> Error {
    let status = resp.status();
    let label = if status.is_client_error() {
        "Client error"
    } else {
        "Server error"
    };
    let mut message = format!(
        "{label}: `{method} {url}` resulted in a `{} {}` response",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    if let Some(summary) = summarize(resp.body()) {
        message.push_str(":\n");
        message.push_str(&summary);
        message.push('\n');
    }
    Error::new(ErrorKind::Status, message).with_response(resp)
}

/// The body summary of a status error, or `None` for an empty or non-printable body.
fn summarize(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let mut cut = body.len().min(SUMMARY_BYTES);
    let text = loop {
        match std::str::from_utf8(&body[..cut]) {
            Ok(t) => break t,
            // A multi-byte character cut at the edge: back off to its start.
            Err(e) if e.error_len().is_none() => cut = e.valid_up_to(),
            Err(_) => return None,
        }
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return None;
    }
    let mut s = text.to_owned();
    if body.len() > SUMMARY_BYTES {
        s.push_str(" (truncated...)");
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::summarize;

    #[test]
    fn summaries_truncate_like_guzzle() {
        assert_eq!(summarize(b""), None);
        assert_eq!(summarize(b"{\"code\":\"X\"}").as_deref(), Some("{\"code\":\"X\"}"));
        let long = "a".repeat(130);
        assert_eq!(
            summarize(long.as_bytes()),
            Some(format!("{} (truncated...)", "a".repeat(120)))
        );
        let cjk = "中".repeat(50); // 150 bytes; the cut falls inside a character
        let s = summarize(cjk.as_bytes()).unwrap();
        assert!(s.starts_with(&"中".repeat(40)) && s.ends_with(" (truncated...)"));
        assert_eq!(summarize(b"\x00\x01binary"), None);
        assert_eq!(summarize(b"\xff\xfe"), None);
    }
}

//! Opening a download on the wire: the signed APIv3 GET of a bill's `download_url`, or the signed APIv2 XML POST
//! of `pay/downloadbill` / `pay/downloadfundflow`; an error answer becomes an error here, with its body kept
//! (bounded), before any byte of it reaches the caller's file or writer.

use std::time::Instant;

use bytes::Bytes;
use http::Method;
use serde_json::Value;
use tracing::{Instrument, Span};
use url::Url;

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result, V2Rejection};
use crate::options::Options;
use crate::pipeline::{authorize, headers, status_error};
use crate::response::Response;
use crate::route::{Api, route};
use crate::trace;
use crate::transformer::Transformer;
use crate::transport::{self, Clients, Outgoing, Streaming};

/// How much of an error answer (4xx/5xx JSON, an APIv2 `<xml>` document) is kept on the error.
const ERROR_BODY_MAX: usize = 64 * 1024;
/// An APIv2 download that begins with these bytes is an error document, not a bill (as wechatpay-php documents).
const XML_ERROR_PREFIX: &[u8] = b"<xml>";

/// What to download.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// The second step of an APIv3 bill: GET this URL (absolute, or relative to the base URI) as given.
    V3 { url: String },
    /// An APIv2 download: POST the node's path with these options (the `xml` fields) through the APIv2 signing.
    V2 { path: String, opts: Box<Options> },
}

/// An opened download: the body still to read, with any bytes read ahead to sniff it, and the download's span,
/// which ends with the body.
#[derive(Debug)]
pub(crate) struct Body {
    stream: Streaming,
    ahead: Option<Bytes>,
    trace: Traced,
}

/// The span of a download and what it records when the body ends.
#[derive(Debug)]
struct Traced {
    span: Span,
    started: Instant,
    bytes: u64,
}

impl Body {
    /// The next chunk of the body, or `None` at its end.
    pub(crate) async fn next(&mut self) -> Result<Option<Bytes>> {
        let next = match self.ahead.take() {
            Some(b) => Ok(Some(b)),
            None => self.stream.chunk().instrument(self.trace.span.clone()).await,
        };
        match &next {
            Ok(Some(chunk)) => self.trace.bytes += chunk.len() as u64,
            Ok(None) => {
                self.trace.span.record("bytes", self.trace.bytes);
                trace::finish(&self.trace.span, self.trace.started, &next, None);
            }
            Err(_) => trace::finish(&self.trace.span, self.trace.started, &next, None),
        }
        next
    }
}

/// The span of the download of `target`, made where the caller asks for the download (so the caller's current
/// span is its parent): the path template of an APIv2 download, the path alone of an APIv3 `download_url`
/// (never its query, which carries the download `token`).
pub(crate) fn span(target: &Target) -> Span {
    match target {
        Target::V3 { url } => {
            let path = match Url::parse(url) {
                Ok(u) => u.path().to_owned(),
                Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
            };
            trace::download(&Method::GET, &path, Api::V3)
        }
        Target::V2 { path, .. } => trace::download(&Method::POST, path, Api::V2),
    }
}

/// Sends the request of `target` and checks the answer's status (and, for APIv2, that it is not an error
/// document), inside `span` (see [`span`]), which records the answer and, once the body ends, the outcome.
pub(crate) async fn open(config: &Config, clients: &Clients, target: &Target, span: Span) -> Result<Body> {
    let started = Instant::now();
    let opened = async {
        match target {
            Target::V3 { url } => open_v3(config, clients, url).await,
            Target::V2 { path, opts } => open_v2(config, clients, path, opts).await,
        }
    }
    .instrument(span.clone())
    .await;
    match opened {
        Ok((stream, ahead)) => {
            trace::response(&span, &stream.response_with(Vec::new()));
            Ok(Body {
                stream,
                ahead,
                trace: Traced {
                    span,
                    started,
                    bytes: 0,
                },
            })
        }
        Err(e) => {
            let failed: Result<Body> = Err(e);
            trace::finish(&span, started, &failed, None);
            failed
        }
    }
}

/// Resolves a bill's `download_url`: an absolute URL is used as given (its `token` untouched), a relative one
/// against the client's base URI. No path normalisation, no template expansion.
pub(crate) fn resolve_download_url(config: &Config, url: &str) -> Result<Url> {
    config
        .base_uri
        .join(url)
        .map_err(|e| Error::invalid(format!("The bill's download_url `{url}` is not a valid URL.")).with_source(e))
}

async fn open_v3(config: &Config, clients: &Clients, url: &str) -> Result<(Streaming, Option<Bytes>)> {
    let v3 = config
        .v3
        .as_ref()
        .ok_or_else(|| Error::config("Bill downloads are APIv3 calls, but this client has no APIv3 configuration."))?;
    let url = resolve_download_url(config, url)?;
    let opts = Options::default();
    let mut headers = headers(config, &opts, crate::v3::ACCEPT, crate::v3::CONTENT_TYPE)?;
    authorize(v3, &Method::GET, &url, b"", &mut headers)?;
    let out = Outgoing {
        method: Method::GET,
        url: url.clone(),
        headers,
        body: Bytes::new(),
        timeout: None,
    };
    let stream = transport::open(&clients.plain, out).await?;
    // Error messages name the URL without its `token`, a short-lived download credential.
    let mut shown = url;
    if shown.query().is_some() {
        shown.set_query(Some("[redacted]"));
    }
    let stream = check_status(&Method::GET, &shown, stream).await?;
    Ok((stream, None))
}

async fn open_v2(config: &Config, clients: &Clients, path: &str, opts: &Options) -> Result<(Streaming, Option<Bytes>)> {
    let routed = route(config, path, opts)?;
    if routed.api != Api::V2 {
        return Err(Error::invalid(format!(
            "`{path}` is not an APIv2 path: APIv2 downloads go through `client.v2()` (e.g. `v2/pay/downloadbill`)."
        )));
    }
    let http = clients.for_call(opts.security)?;
    let secret = config.secret.as_ref().map(|s| s.expose());
    let nonce = || crate::clock::next_nonce(config.nonce.as_ref());
    let prepared = crate::v2::prepare(
        &config.mchid,
        secret,
        &Method::POST,
        routed.url,
        opts,
        opts.xml.clone(),
        nonce,
    )?;
    let out = Outgoing {
        method: Method::POST,
        url: prepared.url.clone(),
        headers: headers(config, opts, crate::v2::ACCEPT, crate::v2::CONTENT_TYPE)?,
        body: prepared.body.bytes(),
        timeout: opts.timeout.filter(|t| !t.is_zero()),
    };
    let stream = transport::open(http, out).await?;
    let mut stream = check_status(&Method::POST, &prepared.url, stream).await?;
    // Read until the first five bytes are known: `<xml>` starts an error document, anything else the bill.
    let mut ahead = Vec::new();
    while ahead.len() < XML_ERROR_PREFIX.len() {
        match stream.chunk().await? {
            Some(c) => ahead.extend_from_slice(&c),
            None => break,
        }
    }
    if ahead.starts_with(XML_ERROR_PREFIX) {
        while ahead.len() < ERROR_BODY_MAX {
            match stream.chunk().await? {
                Some(c) => ahead.extend_from_slice(&c),
                None => break,
            }
        }
        ahead.truncate(ERROR_BODY_MAX);
        let err = v2_error(stream.response_with(ahead));
        trace::verify_failed(err.kind());
        return Err(err);
    }
    Ok((stream, (!ahead.is_empty()).then(|| Bytes::from(ahead))))
}

/// A 2xx answer passes; anything else becomes [`ErrorKind::Status`] with (the first 64 KiB of) its body.
async fn check_status(method: &Method, url: &Url, stream: Streaming) -> Result<Streaming> {
    let status = stream.status();
    if status.is_success() {
        return Ok(stream);
    }
    let resp = stream.into_response(ERROR_BODY_MAX).await?;
    if status.is_client_error() || status.is_server_error() {
        return Err(status_error(method, url, resp));
    }
    Err(Error::new(
        ErrorKind::Status,
        format!("`{method} {url}` answered `{status}` instead of the file."),
    )
    .with_response(resp))
}

/// The APIv2 error document as an error: [`V2Rejection::ReturnCode`] when `return_code` is not `SUCCESS`, else
/// [`V2Rejection::ResultCode`]; the message names `return_code`, `return_msg`, `err_code` and `err_code_des`,
/// and the response is kept.
fn v2_error(resp: Response) -> Error {
    let data = Transformer::to_array(resp.body());
    let field = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or("").to_owned();
    let return_code = field("return_code");
    let why = if return_code == "SUCCESS" {
        V2Rejection::ResultCode
    } else {
        V2Rejection::ReturnCode
    };
    let message = format!(
        "The APIv2 download answered an error document instead of the bill: return_code={return_code}, \
         return_msg={}, err_code={}, err_code_des={}.",
        field("return_msg"),
        field("err_code"),
        field("err_code_des")
    );
    Error::new(ErrorKind::Rejected(why), message).with_response(resp)
}

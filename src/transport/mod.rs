//! The only code that touches sockets: one `send` shared by both modes, the streaming `open` of downloads, the
//! reqwest client settings, and the blocking mode's private runtimes.

mod blocking;
mod identity;
mod stream;

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::Either;
use http::{HeaderMap, Method};
use url::Url;

use crate::error::{Elapsed, Error, ErrorKind, Result};
use crate::response::Response;

pub(crate) use blocking::BlockingRuntime;
pub(crate) use identity::{merchant_identity, merchant_pkcs12};
pub(crate) use stream::{Streaming, open};

/// How the HTTP clients are built; kept so the blocking thread can build its own client with the same settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    /// The deadline of one whole call (redirects included), applied by the pipeline; downloads are exempt.
    pub(crate) timeout: Option<Duration>,
    pub(crate) proxy: Option<reqwest::Proxy>,
    pub(crate) max_response_size: usize,
    /// The merchant TLS client identity, presented only on APIv2 `security` requests.
    pub(crate) identity: Option<reqwest::Identity>,
    /// Extra trusted root certificates (private gateways, test CAs).
    pub(crate) roots: Vec<reqwest::Certificate>,
}

/// The HTTP clients of one runtime.
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    pub(crate) plain: reqwest::Client,
    pub(crate) security: Option<reqwest::Client>,
}

impl Clients {
    /// The client for an APIv2 call: the one presenting the merchant certificate when `security` is asked for.
    pub(crate) fn for_call(&self, security: bool) -> Result<&reqwest::Client> {
        if !security {
            return Ok(&self.plain);
        }
        self.security.as_ref().ok_or_else(|| {
            Error::config("`security: true` needs the merchant TLS certificate: set `merchant_cert` on the Builder.")
        })
    }
}

impl Settings {
    /// The clients of one runtime: the plain one, and the one presenting the merchant identity when configured.
    pub(crate) fn build_clients(&self, plain: Option<reqwest::Client>) -> Result<Clients> {
        let plain = match plain {
            Some(c) => c,
            None => self.build_client(None)?,
        };
        let security = self
            .identity
            .as_ref()
            .map(|id| self.build_client(Some(id.clone())))
            .transpose()?;
        Ok(Clients { plain, security })
    }

    fn build_client(&self, identity: Option<reqwest::Identity>) -> Result<reqwest::Client> {
        // Redirects are followed by the pipeline, which re-signs every hop (as PHP's signer inside Guzzle's
        // redirect loop does), so reqwest must not follow them itself.
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(t) = self.read_timeout {
            b = b.read_timeout(t);
        }
        if let Some(p) = &self.proxy {
            b = b.proxy(p.clone());
        }
        if let Some(id) = identity {
            b = b.identity(id);
        }
        for root in &self.roots {
            b = b.add_root_certificate(root.clone());
        }
        b.build()
            .map_err(|e| Error::config("Cannot build the HTTP client.").with_source(e))
    }
}

/// The HTTP side of a client: the async `reqwest::Client` and, built on first use, the blocking mode's runtimes
/// (with `reqwest::Client`s of their own: connection pools are never shared between runtimes).
pub(crate) struct Transport {
    pub(crate) settings: Settings,
    pub(crate) async_clients: Clients,
    blocking: OnceLock<std::result::Result<BlockingRuntime, String>>,
}

impl Transport {
    pub(crate) fn new(settings: Settings, async_clients: Clients) -> Self {
        Transport {
            settings,
            async_clients,
            blocking: OnceLock::new(),
        }
    }

    /// The blocking mode's runtimes, built on first use.
    pub(crate) fn blocking(&self) -> Result<&BlockingRuntime> {
        match self.blocking.get_or_init(|| BlockingRuntime::start(&self.settings)) {
            Ok(rt) => Ok(rt),
            Err(msg) => Err(Error::transport(format!("The blocking runtime could not start: {msg}"))),
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("settings", &self.settings)
            .field("blocking_started", &self.blocking.get().is_some())
            .finish()
    }
}

/// `work` within `limit` (none or zero: no limit), past which it is a timeout error. A combinator rather than an
/// `async fn` choosing between the two: such a wrapper keeps room for `work` twice, and a call's future is moved
/// and held for every call in flight.
pub(crate) fn limited<T>(
    limit: Option<Duration>,
    work: impl Future<Output = Result<T>>,
) -> impl Future<Output = Result<T>> {
    match limit.filter(|l| !l.is_zero()) {
        Some(l) => Either::Left(tokio::time::timeout(l, work).map(move |r| r.unwrap_or_else(|_| Err(elapsed(l))))),
        None => Either::Right(work),
    }
}

/// One request as it goes on the wire.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) timeout: Option<Duration>,
}

/// Sends `req` and reads the whole response body, refusing more than `max_body` bytes.
pub(crate) fn send(client: &reqwest::Client, req: Outgoing, max_body: usize) -> impl Future<Output = Result<Response>> {
    let url = req.url.clone();
    let timeout = req.timeout;
    limited(timeout, exchange(client, req, max_body)).map(move |r| r.map(|resp| resp.with_url(url)))
}

/// Sends `req` and reads the answer whole, refusing more than `max_body` bytes.
async fn exchange(client: &reqwest::Client, req: Outgoing, max_body: usize) -> Result<Response> {
    let mut builder = client.request(req.method, req.url).headers(req.headers);
    if !req.body.is_empty() {
        builder = builder.body(req.body);
    }
    let mut resp = builder.send().await.map_err(transport_error)?;
    if resp.content_length().is_some_and(|n| n > max_body as u64) {
        return Err(too_large(max_body));
    }
    let status = resp.status();
    let headers = std::mem::take(resp.headers_mut());
    // Trust the announced length for preallocation only up to 1 MiB; the cap is enforced while reading.
    let announced = resp
        .content_length()
        .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut body = Vec::with_capacity(announced.min(max_body).min(1 << 20));
    while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > max_body {
            return Err(too_large(max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::new(status, headers, body))
}

/// The error of a call or download that ran past its deadline (`Error::is_timeout` is true).
pub(crate) fn elapsed(deadline: Duration) -> Error {
    Error::transport(format!("The request timed out after {deadline:?}.")).with_source(Elapsed)
}

fn too_large(max: usize) -> Error {
    Error::new(
        ErrorKind::BodyTooLarge,
        format!("The response body is larger than the configured cap of {max} bytes."),
    )
}

fn transport_error(e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "The request timed out"
    } else if e.is_connect() {
        "Cannot connect to the server"
    } else if e.is_body() || e.is_decode() {
        "The response body could not be read"
    } else {
        "The request failed"
    };
    // reqwest's Display names the URL, never headers or body.
    Error::transport(format!("{what}: {e}")).with_source(e)
}

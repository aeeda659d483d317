//! The streaming path: send a request and hand the body over chunk by chunk instead of collecting it, for bill
//! downloads of any size. The client's timeouts still apply (reqwest's `read_timeout` ends a stalled read, its
//! `timeout` the whole exchange), and a per-request `timeout` bounds the whole download as a deadline.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use tokio::time::Instant;
use url::Url;

use super::{Outgoing, elapsed, transport_error};
use crate::error::Result;
use crate::response::Response;

/// An answer whose body has not been read yet.
#[derive(Debug)]
pub(crate) struct Streaming {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    inner: reqwest::Response,
    deadline: Option<(Instant, std::time::Duration)>,
}

/// Sends `req` and returns as soon as the status line and headers have arrived.
pub(crate) async fn open(client: &reqwest::Client, req: Outgoing) -> Result<Streaming> {
    let deadline = req.timeout.map(|t| (Instant::now() + t, t));
    let url = req.url.clone();
    let mut builder = client.request(req.method, req.url).headers(req.headers);
    if !req.body.is_empty() {
        builder = builder.body(req.body);
    }
    // Errors leave the URL out: a bill's URL carries its download token.
    let mut inner = within(deadline, async {
        builder.send().await.map_err(|e| transport_error(e.without_url()))
    })
    .await?;
    Ok(Streaming {
        status: inner.status(),
        headers: std::mem::take(inner.headers_mut()),
        url,
        inner,
        deadline,
    })
}

impl Streaming {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The next chunk of the body as the network delivered it (hyper bounds its size), or `None` at the end.
    /// A connection closed before the announced length is an error here, not an end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let inner = &mut self.inner;
        within(self.deadline, async {
            inner.chunk().await.map_err(|e| transport_error(e.without_url()))
        })
        .await
    }

    /// Reads at most `max` bytes of the rest of the body (an error answer kept for the caller) into a
    /// [`Response`]; whatever lies beyond `max` is dropped unread.
    pub(crate) async fn into_response(mut self, max: usize) -> Result<Response> {
        let mut body = Vec::new();
        while body.len() < max {
            match self.chunk().await? {
                Some(c) => {
                    let room = max - body.len();
                    body.extend_from_slice(&c[..c.len().min(room)]);
                }
                None => break,
            }
        }
        Ok(Response::new(self.status, self.headers, body).with_url(self.url))
    }

    /// The answer's status and headers with `body` (bytes already read by the caller) as its body.
    pub(crate) fn response_with(&self, body: Vec<u8>) -> Response {
        Response::new(self.status, self.headers.clone(), body).with_url(self.url.clone())
    }
}

/// Runs `work` before the deadline, if any.
async fn within<T>(
    deadline: Option<(Instant, std::time::Duration)>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match deadline {
        Some((at, t)) => tokio::time::timeout_at(at, work).await.map_err(|_| elapsed(t))?,
        None => work.await,
    }
}

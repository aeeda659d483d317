//! The sandbox's HTTP plumbing: hyper on a loopback listener, on its own thread and current-thread runtime.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::fault;
use super::routes::State;
use super::script::{self, Incoming, Served};
use super::tls::{self, Peer};
use crate::error::{Error, Result};
use http::StatusCode;

/// The largest request body the sandbox reads; a larger one (or a larger `Content-Length`) is answered a signed
/// 400 `PARAM_ERROR`.
const MAX_REQUEST_BODY: usize = 16 << 20;

/// The server thread; dropping stops it.
pub(crate) struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    runtime: tokio::runtime::Handle,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// Serves `state` on `addr`, over HTTPS when `tls` is given.
    pub(crate) fn start(state: State, addr: SocketAddr, tls: Option<tokio_rustls::TlsAcceptor>) -> Result<Running> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::transport(format!("The sandbox cannot bind {addr}.")).with_source(e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::transport("The sandbox has no address.").with_source(e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::transport("The sandbox socket failed.").with_source(e))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::transport("The sandbox runtime cannot start.").with_source(e))?;
        let runtime = rt.handle().clone();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let state = Arc::new(state);
        let thread =
            std::thread::Builder::new()
                .name("wechatpay-sandbox".into())
                .spawn(move || {
                    rt.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                    loop {
                        tokio::select! {
                            _ = &mut stopped => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let state = state.clone();
                                let tls = tls.clone();
                                tokio::spawn(async move {
                                    match tls {
                                        None => serve(state, stream, Peer::Plain).await,
                                        Some(acceptor) => {
                                            // A failed handshake (a client that does not trust the CA, a client
                                            // certificate the CA did not issue) closes the connection.
                                            // A client that never finishes it is dropped after a while.
                                            let handshake = acceptor.accept(stream);
                                            let Ok(Ok(stream)) = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, handshake).await else {
                                                return;
                                            };
                                            let client_cert =
                                                stream.get_ref().1.peer_certificates().is_some_and(|c| !c.is_empty());
                                            serve(state, stream, Peer::Tls { client_cert }).await;
                                        }
                                    }
                                });
                            }
                        }
                    }
                });
                })
                .map_err(|e| Error::transport("The sandbox thread cannot start.").with_source(e))?;
        Ok(Running {
            addr,
            stop: Some(stop),
            runtime,
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's runtime, for work the sandbox starts itself (notifications).
    pub(crate) fn runtime(&self) -> tokio::runtime::Handle {
        self.runtime.clone()
    }
}

/// The service's error: the connection is closed without an answer ([`Fault::ConnectionReset`](super::Fault)).
#[derive(Debug)]
struct Unanswered;

impl std::fmt::Display for Unanswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sandbox closes this connection unanswered")
    }
}

impl std::error::Error for Unanswered {}

/// Serves one connection (plain TCP or TLS) until the client closes it.
async fn serve<IO>(state: Arc<State>, io: IO, peer: Peer)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(state.clone(), peer, req));
    let _ = http1::Builder::new().serve_connection(TokioIo::new(io), service).await;
}

async fn handle(
    state: Arc<State>,
    peer: Peer,
    req: hyper::Request<hyper::body::Incoming>,
) -> std::result::Result<hyper::Response<Full<Bytes>>, Unanswered> {
    let (parts, body) = req.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused unread: an absurd Content-Length would otherwise keep both sides waiting for a body never sent.
    let body = if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        Err("the request's Content-Length exceeds the sandbox's 16 MiB limit")
    } else {
        Limited::new(body, MAX_REQUEST_BODY)
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .map_err(|_| "the request body is larger than 16 MiB or unreadable")
    };
    let incoming = Incoming {
        method: parts.method,
        target,
        headers: parts.headers,
        body: body.as_ref().cloned().unwrap_or_default(),
    };
    let served = match body {
        Err(why) => {
            incoming.record(&state);
            Served::now(fault::error(
                &state,
                Some(&incoming),
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                why,
            ))
        }
        // Over HTTPS, the merchant certificate is checked before anything else, as by the real gateway.
        Ok(_) if peer == (Peer::Tls { client_cert: false }) && tls::needs_client_cert(incoming.path()) => {
            incoming.record(&state);
            Served::now(tls::refusal())
        }
        // A panic (in a user's `reply_with` closure, say) answers 500 and leaves the server serving.
        Ok(_) => std::panic::catch_unwind(AssertUnwindSafe(|| script::respond(&state, incoming.clone())))
            .unwrap_or_else(|_| {
                incoming.record(&state);
                let message = "the sandbox failed while answering this request (a panic in a scripted answer?)";
                Served::now(fault::error(
                    &state,
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    message,
                ))
            }),
    };
    if let Some(delay) = served.delay {
        tokio::time::sleep(delay).await;
    }
    let answer = served.answer.ok_or(Unanswered)?;
    let mut resp = hyper::Response::new(Full::new(answer.body));
    *resp.status_mut() = answer.status;
    *resp.headers_mut() = answer.headers;
    Ok(resp)
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            // Re-raise a panic of the server thread in the test that owns the sandbox.
            if let Err(panic) = t.join() {
                if !std::thread::panicking() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    }
}

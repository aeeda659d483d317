//! The sandbox's HTTP plumbing: hyper on a loopback listener, on its own thread and current-thread runtime.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::routes::State;
use crate::error::{Error, Result};

/// The largest request body the sandbox reads; a larger one is answered `413` unread.
const MAX_REQUEST_BODY: usize = 16 << 20;

/// The server thread; dropping stops it.
pub(crate) struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    runtime: tokio::runtime::Handle,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    pub(crate) fn start(state: State) -> Result<Running> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::transport("The sandbox cannot bind a loopback port.").with_source(e))?;
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
                                tokio::spawn(async move {
                                    let service = service_fn(move |req| handle(state.clone(), req));
                                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
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

async fn handle(
    state: Arc<State>,
    req: hyper::Request<hyper::body::Incoming>,
) -> std::result::Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let mut resp = hyper::Response::new(Full::new(Bytes::from_static(b"request body too large or unreadable")));
            *resp.status_mut() = hyper::StatusCode::PAYLOAD_TOO_LARGE;
            return Ok(resp);
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let answer = state.handle(parts.method, target, parts.headers, body);
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

//! The blocking mode: a private runtime thread, started lazily, that runs whole requests on its own
//! current-thread runtime and its own `reqwest::Client`. Callers hand a job over a channel whose `send` never
//! blocks and wait on a `std::sync::mpsc` receiver, so a blocking verb never touches Tokio on the caller's thread:
//! it works from `fn main`, from plain threads, and inside any Tokio runtime without panicking or deadlocking.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{Clients, Settings};
use crate::error::{Error, Result};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Job = Box<dyn FnOnce(Clients) -> BoxFuture + Send + 'static>;

/// Handle to the runtime thread; the thread ends when the last handle (the client) is dropped.
#[derive(Debug)]
pub(crate) struct BlockingRuntime {
    jobs: UnboundedSender<Job>,
}

impl BlockingRuntime {
    /// Starts the thread, which builds its runtime and HTTP client and reports failure back.
    pub(crate) fn start(settings: &Settings) -> std::result::Result<Self, String> {
        let (jobs, mut rx) = unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel::<std::result::Result<(), String>>();
        let settings = settings.clone();
        std::thread::Builder::new()
            .name("wechatpay-blocking".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot build the runtime: {e}")));
                        return;
                    }
                };
                let clients = match settings.build_clients(None) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                rt.block_on(async move {
                    while let Some(job) = rx.recv().await {
                        tokio::spawn(job(clients.clone()));
                    }
                });
            })
            .map_err(|e| format!("cannot spawn the thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(BlockingRuntime { jobs }),
            Ok(Err(msg)) => Err(msg),
            Err(_) => Err("the thread ended while starting".to_owned()),
        }
    }

    /// Runs `make(client)` on the runtime thread and waits for its result.
    pub(crate) fn run<T, F, Fut>(&self, make: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Clients) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel::<Result<T>>(1);
        let job: Job = Box::new(move |clients| {
            Box::pin(async move {
                let _ = tx.send(make(clients).await);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::transport("The blocking runtime thread has stopped."))?;
        rx.recv()
            .map_err(|_| Error::transport("The blocking runtime thread dropped the request."))?
    }

    /// Starts `make(client)` on the runtime thread without waiting for it: the job reports through channels of
    /// its own (the streamed downloads hand their body over this way, chunk by chunk).
    pub(crate) fn spawn<F, Fut>(&self, make: F) -> Result<()>
    where
        F: FnOnce(Clients) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let job: Job = Box::new(move |clients| Box::pin(make(clients)));
        self.jobs
            .send(job)
            .map_err(|_| Error::transport("The blocking runtime thread has stopped."))
    }
}

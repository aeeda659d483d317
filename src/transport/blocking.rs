//! The blocking mode, with two ways to run a call:
//!
//! - The lone caller: a private current-thread runtime that one caller at a time drives on its own thread
//!   (`Runtime::block_on`), so a call made while no other blocking call is running costs no hand-off between
//!   threads: the thread that signs the request reads the answer.
//! - The hand-off: a private runtime thread, started on first need, that runs whole requests on its own
//!   current-thread runtime. Callers hand a job over a channel whose `send` never blocks and wait on a
//!   `std::sync::mpsc` receiver. It serves the calls made while the lone-caller runtime is busy, calls made from
//!   inside a Tokio runtime (which cannot block on another runtime), and the streamed downloads.
//!
//! Each has its own `reqwest::Client` (connection pools are never shared between runtimes). Either way a blocking
//! verb works from `fn main`, from plain threads, and inside any Tokio runtime without panicking or deadlocking.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Instant;

use tokio::runtime::Runtime;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{Clients, Settings};
use crate::error::{Error, Result};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Job = Box<dyn FnOnce(Clients) -> BoxFuture + Send + 'static>;

/// After this long without a call (in milliseconds), the lone-caller runtime is first given a turn to notice
/// connections the server closed meanwhile (their tasks only run while a caller drives the runtime), so that the
/// call does not pick a dead one. Back-to-back calls skip it.
const IDLE_MS: u64 = 1;

/// The blocking mode's two runtimes.
#[derive(Debug)]
pub(crate) struct BlockingRuntime {
    lone: Lone,
    /// Blocking calls running now; a call takes the lone-caller path only when it is the only one, so that under
    /// concurrency every call runs on the hand-off thread (one thread allocating, one pool of connections).
    in_flight: AtomicUsize,
    settings: Settings,
    handoff: OnceLock<std::result::Result<HandOff, String>>,
}

impl BlockingRuntime {
    /// Builds the lone-caller runtime and its HTTP client; the hand-off thread starts on first need.
    pub(crate) fn start(settings: &Settings) -> std::result::Result<Self, String> {
        Ok(BlockingRuntime {
            lone: Lone::new(settings)?,
            in_flight: AtomicUsize::new(0),
            settings: settings.clone(),
            handoff: OnceLock::new(),
        })
    }

    fn handoff(&self) -> Result<&HandOff> {
        match self.handoff.get_or_init(|| HandOff::start(&self.settings)) {
            Ok(h) => Ok(h),
            Err(msg) => Err(Error::transport(format!("The blocking runtime could not start: {msg}"))),
        }
    }

    /// Runs `make(client)` and waits for its result: on the caller's thread when no other blocking call is
    /// running and the caller is not inside a Tokio runtime, else on the hand-off thread.
    pub(crate) fn run<T, F, Fut>(&self, make: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Clients) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let running = Running::enter(&self.in_flight);
        if running.alone && tokio::runtime::Handle::try_current().is_err() {
            if let Ok(turn) = self.lone.turn.try_lock() {
                if let Some(rt) = turn.as_ref() {
                    // A panic in the call (a user's Sign or Verify hook) is an error, as it is on the hand-off thread,
                    // and leaves the runtime usable.
                    let work = make(self.lone.clients.clone());
                    return std::panic::catch_unwind(AssertUnwindSafe(|| self.lone.block_on(rt, work)))
                        .unwrap_or_else(|_| Err(Error::transport("The blocking call panicked.")));
                }
            }
        }
        self.handoff()?.run(make)
    }

    /// Starts `make(client)` on the hand-off thread without waiting for it: the job reports through channels of
    /// its own (the streamed downloads hand their body over this way, chunk by chunk).
    pub(crate) fn spawn<F, Fut>(&self, make: F) -> Result<()>
    where
        F: FnOnce(Clients) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handoff()?.spawn(make)
    }
}

/// One blocking call counted in [`BlockingRuntime::in_flight`] while it runs.
struct Running<'a> {
    count: &'a AtomicUsize,
    /// No other blocking call was running when this one started.
    alone: bool,
}

impl<'a> Running<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        let before = count.fetch_add(1, Ordering::AcqRel);
        Running {
            count,
            alone: before == 0,
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The runtime a lone caller drives on its own thread, one caller at a time.
#[derive(Debug)]
struct Lone {
    /// Held by the caller driving the runtime; a caller that cannot take it hands its call off.
    turn: Mutex<Option<Runtime>>,
    clients: Clients,
    started: Instant,
    /// Milliseconds since `started` at the end of the last call.
    last_call: AtomicU64,
}

impl Lone {
    fn new(settings: &Settings) -> std::result::Result<Self, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot build the runtime: {e}"))?;
        let clients = settings.build_clients(None).map_err(|e| e.to_string())?;
        Ok(Lone {
            turn: Mutex::new(Some(rt)),
            clients,
            started: Instant::now(),
            last_call: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Drives `work` to completion on this thread, which holds the runtime's turn.
    fn block_on<T>(&self, rt: &Runtime, work: impl Future<Output = Result<T>>) -> Result<T> {
        let idle = self.now_ms().saturating_sub(self.last_call.load(Ordering::Relaxed)) >= IDLE_MS;
        let out = rt.block_on(async {
            if idle {
                // The first yield lets the runtime read pending socket events (a server's close of an idle
                // connection), the second lets the woken connection tasks act on them before the pool is asked.
                tokio::task::yield_now().await;
                tokio::task::yield_now().await;
            }
            work.await
        });
        self.last_call.store(self.now_ms(), Ordering::Relaxed);
        out
    }
}

impl Drop for Lone {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which Tokio forbids inside an async context (where the last client may well be
        // dropped); nothing of ours needs to finish, so let it go in the background.
        let rt = match self.turn.get_mut() {
            Ok(rt) => rt.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(rt) = rt {
            rt.shutdown_background();
        }
    }
}

/// Handle to the runtime thread; the thread ends when the last handle (the client) is dropped.
#[derive(Debug)]
struct HandOff {
    jobs: UnboundedSender<Job>,
}

impl HandOff {
    /// Starts the thread, which builds its runtime and HTTP client and reports failure back.
    fn start(settings: &Settings) -> std::result::Result<Self, String> {
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
            Ok(Ok(())) => Ok(HandOff { jobs }),
            Ok(Err(msg)) => Err(msg),
            Err(_) => Err("the thread ended while starting".to_owned()),
        }
    }

    /// Runs `make(client)` on the runtime thread and waits for its result.
    fn run<T, F, Fut>(&self, make: F) -> Result<T>
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

    /// Starts `make(client)` on the runtime thread without waiting for it.
    fn spawn<F, Fut>(&self, make: F) -> Result<()>
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

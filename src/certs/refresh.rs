//! The opt-in platform-certificate refresher: downloads periodically and keeps the client's [`PlatformKeys`]
//! current (adds new certificates, drops the expired ones it added), on a thread of its own.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::download::{fetch, is_public_key_mode};
use super::{PlatformKeys, is_public_key_id};
use crate::client::Client;
use crate::clock::{Clock, SharedClock};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::util::Certificate;

/// Default time between two refreshes.
const DEFAULT_EVERY: Duration = Duration::from_secs(12 * 60 * 60);
/// Default first retry delay after a failure (doubled on each further failure).
const DEFAULT_RETRY: Duration = Duration::from_secs(30);
/// Default longest retry delay.
const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(60 * 60);
/// Shortest pause the refresher thread ever takes, so a zero interval cannot spin.
const MIN_PAUSE: Duration = Duration::from_millis(10);
/// How often a sleeping refresher thread checks whether its client is gone.
const WAKE: Duration = Duration::from_millis(200);

/// Keeps a client's platform certificates current: downloads them (as [`Downloader`](super::Downloader) does),
/// adds new ones to the client's [`PlatformKeys`], keeps every one not yet expired (during a rotation WeChat
/// Pay lists two) and removes the expired ones.
///
/// Ownership: the refresher removes only entries it added itself. It never touches a `PUB_KEY_ID_…` entry or a
/// key the user configured (with [`Builder::cert`](crate::Builder::cert) or directly in the store), even under a
/// certificate serial the download also lists. A certificate not yet effective is added already (WeChat Pay
/// announces the next certificate before it starts signing with it); an expired one is never added.
///
/// Use [`refresh_once`](Refresher::refresh_once) / [`refresh_once_async`](Refresher::refresh_once_async)
/// yourself (e.g. from a scheduler you already run), or [`spawn`](Refresher::spawn) a thread that refreshes
/// every [`every`](Refresher::every) (default 12 hours). Validity is judged with the client's clock
/// (see [`Builder::clock`](crate::Builder::clock)) unless [`clock`](Refresher::clock) sets another one.
///
/// # Examples
///
/// ```
/// use wechatpay::certs::Refresher;
/// use wechatpay::sandbox::{Sandbox, PLATFORM_CERT_NEW_SERIAL};
/// let sandbox = Sandbox::start()?;
/// let client = sandbox.client()?;
/// let refresher = Refresher::new(&client);
/// let report = refresher.refresh_once()?;
/// assert_eq!(report.added().len(), 2);
/// # let _ = PLATFORM_CERT_NEW_SERIAL;
/// // the client now verifies answers signed by either certificate (and by its PUB_KEY_ID_… key as before)
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Refresher {
    config: Arc<Config>,
    s: Settings,
}

/// A refresher without its client, as its thread keeps it between refreshes.
#[derive(Clone)]
struct Settings {
    algorithm_type: Option<String>,
    every: Duration,
    retry: Duration,
    retry_max: Duration,
    clock: Option<SharedClock>,
    /// Serials this refresher added to the store, with their `notAfter`.
    added: Arc<Mutex<Vec<(String, i64)>>>,
}

/// What one refresh changed.
///
/// # Examples
///
/// ```
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let report = wechatpay::certs::Refresher::new(&sandbox.client()?).refresh_once()?;
/// assert_eq!(report.certificates().len(), 2);
/// assert!(report.removed().is_empty());
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Refreshed {
    certificates: Vec<Certificate>,
    added: Vec<String>,
    removed: Vec<String>,
}

impl Refreshed {
    /// The certificates downloaded.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let report = wechatpay::certs::Refresher::new(&sandbox.client()?).refresh_once()?;
    /// assert!(report.certificates().iter().all(|c| c.serial_no().len() == 40));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Serials added to the client's platform keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let refresher = wechatpay::certs::Refresher::new(&sandbox.client()?);
    /// assert_eq!(refresher.refresh_once()?.added().len(), 2);
    /// assert!(refresher.refresh_once()?.added().is_empty()); // already there
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn added(&self) -> &[String] {
        &self.added
    }

    /// Serials removed from the client's platform keys because they expired.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let report = wechatpay::certs::Refresher::new(&sandbox.client()?).refresh_once()?;
    /// assert!(report.removed().is_empty());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn removed(&self) -> &[String] {
        &self.removed
    }
}

impl Refresher {
    /// A refresher for `client`'s platform keys (shared by every node and clone of the client).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let refresher = wechatpay::certs::Refresher::new(&sandbox.client()?);
    /// # let _ = refresher;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn new(client: &Client) -> Self {
        Refresher {
            config: client.config().clone(),
            s: Settings {
                algorithm_type: None,
                every: DEFAULT_EVERY,
                retry: DEFAULT_RETRY,
                retry_max: DEFAULT_RETRY_MAX,
                clock: None,
                added: Arc::new(Mutex::new(Vec::new())),
            },
        }
    }

    /// Time between two refreshes of a [`spawn`](Refresher::spawn)ed refresher (default 12 hours).
    ///
    /// # Examples
    ///
    /// ```
    /// # let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let r = wechatpay::certs::Refresher::new(&sandbox.client()?).every(std::time::Duration::from_secs(6 * 3600));
    /// # let _ = r;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn every(mut self, every: Duration) -> Self {
        self.s.every = every;
        self
    }

    /// Retry delays after a failed refresh: `first`, doubled after each further failure, at most `max` and at
    /// most [`every`](Refresher::every) (defaults 30 s and 1 hour).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let r = wechatpay::certs::Refresher::new(&sandbox.client()?).retry(Duration::from_secs(5), Duration::from_secs(600));
    /// # let _ = r;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn retry(mut self, first: Duration, max: Duration) -> Self {
        self.s.retry = first;
        self.s.retry_max = max;
        self
    }

    /// Sends `algorithm_type` with each download (see [`Downloader::algorithm_type`](super::Downloader::algorithm_type)).
    ///
    /// # Examples
    ///
    /// ```
    /// # let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let r = wechatpay::certs::Refresher::new(&sandbox.client()?).algorithm_type("ALL");
    /// # let _ = r;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn algorithm_type(mut self, algorithm_type: impl Into<String>) -> Self {
        self.s.algorithm_type = Some(algorithm_type.into());
        self
    }

    /// The clock that decides which certificates are expired (default: the client's clock). The answer's
    /// ±300 s check always uses the client's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// # let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let r = wechatpay::certs::Refresher::new(&sandbox.client()?).clock(wechatpay::FixedClock(1_900_000_000));
    /// # let _ = r;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.s.clock = Some(Arc::new(clock));
        self
    }

    /// Downloads once and updates the client's platform keys, blocking (on the crate's own runtime, like the blocking verbs).
    ///
    /// Expired entries this refresher added are removed even when the download fails.
    ///
    /// # Errors
    ///
    /// As [`Downloader::download`](super::Downloader::download); on error the store gains nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Sandbox, PLATFORM_CERT_OLD_SERIAL, PLATFORM_CERT_NEW_SERIAL, PLATFORM_SERIAL};
    /// let sandbox = Sandbox::start()?;
    /// let keys = wechatpay::certs::PlatformKeys::new();
    /// let client = sandbox.builder()?.platform_keys(keys.clone()).build()?;
    /// wechatpay::certs::Refresher::new(&client).refresh_once()?;
    /// assert_eq!(keys.serials(), [PLATFORM_SERIAL, PLATFORM_CERT_OLD_SERIAL, PLATFORM_CERT_NEW_SERIAL]);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn refresh_once(&self) -> Result<Refreshed> {
        let this = self.clone();
        let rt = self.config.transport.blocking()?;
        rt.run(move |clients| async move {
            let downloaded = fetch(this.config.clone(), clients, this.s.algorithm_type.clone()).await;
            this.apply(downloaded)
        })
    }

    /// As [`refresh_once`](Refresher::refresh_once), async (`Send + 'static`).
    ///
    /// # Errors
    ///
    /// As [`refresh_once`](Refresher::refresh_once).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> wechatpay::Result<()> {
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let refresher = wechatpay::certs::Refresher::new(&sandbox.client()?);
    /// assert_eq!(refresher.refresh_once_async().await?.added().len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn refresh_once_async(&self) -> impl Future<Output = Result<Refreshed>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            let clients = this.config.transport.async_clients.clone();
            let downloaded = fetch(this.config.clone(), clients, this.s.algorithm_type.clone()).await;
            this.apply(downloaded)
        }
    }

    /// Starts a thread that refreshes now and then every [`every`](Refresher::every), retrying failures with
    /// capped exponential backoff (each failure is logged through `tracing` with its kind, never key material).
    ///
    /// The thread stops when the returned handle is dropped (or [`stop`](RefresherHandle::stop)ped), when the
    /// client is dropped (the thread holds only a weak reference between refreshes), and when WeChat Pay answers
    /// that the merchant is in public-key mode or the client lacks the APIv3 key (logged once). It needs no
    /// async runtime, so blocking and async programs use it alike.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Transport`] when the thread cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::certs::Refresher;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let handle = Refresher::new(&client).spawn()?;
    /// while handle.successes() == 0 {
    ///     std::thread::sleep(std::time::Duration::from_millis(10));
    /// }
    /// assert!(handle.is_running());
    /// handle.stop();
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn spawn(&self) -> Result<RefresherHandle> {
        let (stop, stopped) = mpsc::channel::<()>();
        let status = Arc::new(Status::default());
        status.running.store(true, Ordering::SeqCst);
        let worker = Worker {
            config: Arc::downgrade(&self.config),
            settings: self.s.clone(),
            status: status.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("wechatpay-cert-refresher".into())
            .spawn(move || worker.run(&stopped))
            .map_err(|e| Error::transport("The certificate refresher thread cannot start.").with_source(e))?;
        Ok(RefresherHandle {
            stop: Some(stop),
            thread: Some(thread),
            status,
        })
    }

    fn now(&self) -> i64 {
        match &self.s.clock {
            Some(c) => c.now(),
            None => self.config.clock.now(),
        }
    }

    /// Prunes expired entries this refresher added, then (on a successful download) adds the new certificates.
    fn apply(&self, downloaded: Result<Vec<Certificate>>) -> Result<Refreshed> {
        let Some(v3) = self.config.v3.as_ref() else {
            return downloaded.map(|certificates| Refreshed {
                certificates,
                added: Vec::new(),
                removed: Vec::new(),
            });
        };
        let keys: &PlatformKeys = &v3.keys;
        let now = self.now();
        let mut added_by_us = self.s.added.lock().unwrap_or_else(|p| p.into_inner());
        let mut removed = Vec::new();
        added_by_us.retain(|(serial, not_after)| {
            if *not_after < now {
                keys.remove(serial);
                removed.push(serial.clone());
                false
            } else {
                true
            }
        });
        let certificates = downloaded?;
        let mut added = Vec::new();
        for cert in &certificates {
            let serial = cert.serial_no();
            let ours = added_by_us.iter().any(|(s, _)| s == serial);
            if ours || cert.not_after() < now || is_public_key_id(serial) || serial == v3.serial {
                continue;
            }
            if keys.contains(serial) {
                continue; // configured by the user: left alone
            }
            keys.insert(serial, cert.public_key()?);
            added_by_us.push((serial.to_owned(), cert.not_after()));
            added.push(serial.to_owned());
        }
        Ok(Refreshed {
            certificates,
            added,
            removed,
        })
    }
}

impl fmt::Debug for Refresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refresher")
            .field("every", &self.s.every)
            .field("algorithm_type", &self.s.algorithm_type)
            .finish_non_exhaustive()
    }
}

/// What the handle can read about its thread.
#[derive(Default)]
struct Status {
    running: AtomicBool,
    successes: AtomicU64,
    failures: AtomicU64,
    last_failure: Mutex<Option<ErrorKind>>,
}

/// The refresher thread's state: only a weak reference to the client between refreshes.
struct Worker {
    config: Weak<Config>,
    settings: Settings,
    status: Arc<Status>,
}

impl Worker {
    fn run(self, stopped: &mpsc::Receiver<()>) {
        let Worker {
            config: weak,
            settings,
            status,
        } = self;
        let mut failures: u32 = 0;
        loop {
            let Some(config) = weak.upgrade() else { break };
            let outcome = Refresher {
                config,
                s: settings.clone(),
            }
            .refresh_once();
            let delay = match outcome {
                Ok(report) => {
                    failures = 0;
                    status.successes.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(
                        target: "wechatpay::certs",
                        added = ?report.added(),
                        removed = ?report.removed(),
                        "platform certificates refreshed"
                    );
                    settings.every
                }
                Err(e) if is_public_key_mode(&e) || e.kind() == ErrorKind::Config => {
                    status.failures.fetch_add(1, Ordering::SeqCst);
                    status.set_last_failure(e.kind());
                    tracing::warn!(
                        target: "wechatpay::certs",
                        kind = ?e.kind(),
                        "platform certificate refresher stops: {e}"
                    );
                    break;
                }
                Err(e) => {
                    status.failures.fetch_add(1, Ordering::SeqCst);
                    status.set_last_failure(e.kind());
                    let delay = backoff(settings.retry, settings.retry_max.min(settings.every), failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(
                        target: "wechatpay::certs",
                        kind = ?e.kind(),
                        retry_in = ?delay,
                        "platform certificate refresh failed: {e}"
                    );
                    delay
                }
            };
            if !sleep(stopped, &weak, delay.max(MIN_PAUSE)) {
                break;
            }
        }
        status.running.store(false, Ordering::SeqCst);
    }
}

impl Status {
    fn set_last_failure(&self, kind: ErrorKind) {
        *self.last_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(kind);
    }
}

/// `first * 2^failures`, at most `max`.
fn backoff(first: Duration, max: Duration, failures: u32) -> Duration {
    first.saturating_mul(2u32.saturating_pow(failures.min(31))).min(max)
}

/// Sleeps `delay`, waking every [`WAKE`] to see whether the client is gone; `false` when the thread must stop
/// (the handle was dropped or stopped, or the client dropped).
fn sleep(stopped: &mpsc::Receiver<()>, client: &Weak<Config>, delay: Duration) -> bool {
    let mut left = delay;
    loop {
        let slice = left.min(WAKE);
        match stopped.recv_timeout(slice) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return false,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if client.strong_count() == 0 {
            return false;
        }
        left = left.saturating_sub(slice);
        if left.is_zero() {
            return true;
        }
    }
}

/// A running refresher thread ([`Refresher::spawn`]). Dropping it stops the thread (waiting for a download in
/// flight to finish).
///
/// # Examples
///
/// ```
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// let handle = wechatpay::certs::Refresher::new(&client).spawn()?;
/// drop(handle); // the thread has ended when drop returns
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub struct RefresherHandle {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    status: Arc<Status>,
}

impl RefresherHandle {
    /// Whether the thread is still refreshing (it ends on public-key mode, a missing APIv3 key, or when the client
    /// is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let handle = wechatpay::certs::Refresher::new(&client).spawn()?;
    /// assert!(handle.is_running());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn is_running(&self) -> bool {
        self.status.running.load(Ordering::SeqCst)
    }

    /// Number of successful refreshes so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let handle = wechatpay::certs::Refresher::new(&client).spawn()?;
    /// while handle.successes() == 0 { std::thread::sleep(std::time::Duration::from_millis(10)); }
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn successes(&self) -> u64 {
        self.status.successes.load(Ordering::SeqCst)
    }

    /// Number of failed refreshes so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let handle = wechatpay::certs::Refresher::new(&client).spawn()?;
    /// while handle.successes() == 0 { std::thread::sleep(std::time::Duration::from_millis(10)); }
    /// assert_eq!(handle.failures(), 0);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn failures(&self) -> u64 {
        self.status.failures.load(Ordering::SeqCst)
    }

    /// The kind of the latest failure, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start_public_key_mode()?;
    /// let client = sandbox.client()?;
    /// let handle = wechatpay::certs::Refresher::new(&client).spawn()?;
    /// while handle.is_running() { std::thread::sleep(std::time::Duration::from_millis(10)); }
    /// assert_eq!(handle.last_failure(), Some(wechatpay::ErrorKind::Config));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn last_failure(&self) -> Option<ErrorKind> {
        *self.status.last_failure.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops the thread and waits for it to end.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// wechatpay::certs::Refresher::new(&client).spawn()?.stop();
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for RefresherHandle {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for RefresherHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefresherHandle")
            .field("running", &self.is_running())
            .field("successes", &self.successes())
            .field("failures", &self.failures())
            .finish()
    }
}

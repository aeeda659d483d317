//! The notification sender: POSTs a notification to a loopback `notify_url` from the sandbox runtime, retrying
//! with a doubling delay while the handler does not answer 2xx, and records every attempt.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use http::HeaderMap;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// How many notifications are in flight at once; the others wait for a slot.
const IN_FLIGHT: usize = 8;
/// How long one attempt may take (connect, send, the handler's answer).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most deliveries remembered; the oldest finished ones are forgotten beyond it.
const KEPT: usize = 1_000;

/// One notification the sandbox sent (or is still sending) to a `notify_url`, with every attempt.
///
/// # Examples
///
/// ```
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// // nothing was paid yet, so nothing was sent
/// assert!(sandbox.deliveries().is_empty());
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// `TRANSACTION.SUCCESS` or `REFUND.SUCCESS` (an order created through APIv2 gets its APIv2 XML
    /// notification, recorded as `TRANSACTION.SUCCESS` too).
    pub event_type: String,
    /// Where it was sent.
    pub notify_url: String,
    /// The order it is about.
    pub out_trade_no: String,
    /// Each attempt, in order.
    pub attempts: Vec<Attempt>,
    /// Whether the handler answered 2xx.
    pub delivered: bool,
    /// Whether the sender is done with it: delivered, or given up after the last attempt.
    pub finished: bool,
}

/// One attempt at delivering a notification.
///
/// # Examples
///
/// ```
/// use wechatpay::sandbox::Attempt;
/// fn accepted(a: &Attempt) -> bool {
///     a.status.is_some_and(|s| (200..300).contains(&s))
/// }
/// # let _ = accepted;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The status the handler answered, `None` when there was no answer.
    pub status: Option<u16>,
    /// Why there was no answer (connection refused, timeout, a URL the sandbox does not send to).
    pub error: Option<String>,
}

/// The retry schedule: `attempts` tries, `first_delay` before the second, doubling after each.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    first_delay: Duration,
    attempts: u32,
}

/// The deliveries remembered, each with its id (the order it started in).
#[derive(Default)]
struct Log {
    kept: Vec<(usize, Delivery)>,
    /// How many deliveries ever started.
    started: usize,
}

impl Log {
    fn list(&self) -> Vec<Delivery> {
        self.kept.iter().map(|(_, d)| d.clone()).collect()
    }

    /// The deliveries, once `count` started and all are finished.
    fn finished(&self, count: usize) -> Option<Vec<Delivery>> {
        (self.started >= count && self.kept.iter().all(|(_, d)| d.finished)).then(|| self.list())
    }
}

fn timed_out(log: &Log, count: usize, timeout: Duration) -> Error {
    let done = log.kept.iter().filter(|(_, d)| d.finished).count();
    Error::transport(format!(
        "The sandbox finished {done} of {count} notification deliveries within {timeout:?}; wait longer or check \
         the handler's address."
    ))
}

struct Shared {
    log: Mutex<Log>,
    changed: Condvar,
    /// The same wake-up for async waiters.
    changed_async: tokio::sync::Notify,
    schedule: Mutex<Schedule>,
    permits: Semaphore,
}

/// The sender, shared by the routes (refunds) and the [`Sandbox`](super::Sandbox) (payments).
pub(crate) struct Deliverer {
    shared: Arc<Shared>,
    runtime: OnceLock<Handle>,
    http: reqwest::Client,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Deliverer {
    pub(crate) fn new() -> Result<Deliverer> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|e| Error::transport("The sandbox notification sender cannot start.").with_source(e))?;
        Ok(Deliverer {
            shared: Arc::new(Shared {
                log: Mutex::new(Log::default()),
                changed: Condvar::new(),
                changed_async: tokio::sync::Notify::new(),
                schedule: Mutex::new(Schedule {
                    first_delay: Duration::from_millis(100),
                    attempts: 6,
                }),
                permits: Semaphore::new(IN_FLIGHT),
            }),
            runtime: OnceLock::new(),
            http,
        })
    }

    /// The runtime the sends run on (the sandbox server's), set once it runs.
    pub(crate) fn attach(&self, runtime: Handle) {
        let _ = self.runtime.set(runtime);
    }

    pub(crate) fn set_schedule(&self, first_delay: Duration, attempts: u32) {
        *lock(&self.shared.schedule) = Schedule {
            first_delay,
            attempts: attempts.max(1),
        };
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.shared.log).list()
    }

    /// Waits until `count` deliveries exist and all of them are finished; the deliveries then, or an
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) error after `timeout`.
    pub(crate) fn wait(&self, count: usize, timeout: Duration) -> Result<Vec<Delivery>> {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        loop {
            if let Some(done) = log.finished(count) {
                return Ok(done);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out(&log, count, timeout));
            }
            log = self
                .shared
                .changed
                .wait_timeout(log, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// [`wait`](Deliverer::wait) for async code: the future borrows nothing and needs a Tokio runtime with time.
    pub(crate) fn wait_async(
        &self,
        count: usize,
        timeout: Duration,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send + 'static {
        let shared = self.shared.clone();
        async move {
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let notified = shared.changed_async.notified();
                tokio::pin!(notified);
                // registered before the check, so a change in between is not missed
                notified.as_mut().enable();
                if let Some(done) = lock(&shared.log).finished(count) {
                    return Ok(done);
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    return Err(timed_out(&lock(&shared.log), count, timeout));
                }
            }
        }
    }

    /// Records a notification that could not be sent at all.
    pub(crate) fn failed(&self, event_type: &str, out_trade_no: &str, url: &str, why: String) {
        let id = self.start(event_type, out_trade_no, url);
        Shared::record(
            &self.shared,
            id,
            Attempt {
                status: None,
                error: Some(why),
            },
        );
        Shared::finish(&self.shared, id, false);
    }

    /// Adds a delivery to the log (forgetting the oldest finished one beyond [`KEPT`]); its id.
    fn start(&self, event_type: &str, out_trade_no: &str, url: &str) -> usize {
        let mut log = lock(&self.shared.log);
        if log.kept.len() >= KEPT {
            if let Some(pos) = log.kept.iter().position(|(_, d)| d.finished) {
                log.kept.remove(pos);
            }
        }
        let id = log.started;
        log.started += 1;
        log.kept.push((
            id,
            Delivery {
                event_type: event_type.to_owned(),
                notify_url: url.to_owned(),
                out_trade_no: out_trade_no.to_owned(),
                attempts: Vec::new(),
                delivered: false,
                finished: false,
            },
        ));
        id
    }

    /// Starts delivering `body` with `headers` to `url`; returns at once.
    pub(crate) fn send(&self, event_type: &str, out_trade_no: &str, url: &str, headers: HeaderMap, body: Vec<u8>) {
        let id = self.start(event_type, out_trade_no, url);
        let shared = self.shared.clone();
        let refuse = |why: String| {
            Shared::record(
                &shared,
                id,
                Attempt {
                    status: None,
                    error: Some(why),
                },
            );
            Shared::finish(&shared, id, false);
        };
        if let Err(why) = loopback(url) {
            return refuse(why);
        }
        let Some(runtime) = self.runtime.get() else {
            return refuse("the sandbox is not running".to_owned());
        };
        let http = self.http.clone();
        let url = url.to_owned();
        let schedule = *lock(&self.shared.schedule);
        runtime.spawn(async move {
            let Ok(_permit) = shared.permits.acquire().await else {
                return;
            };
            let mut delay = schedule.first_delay;
            for n in 0..schedule.attempts {
                if n > 0 {
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                }
                let sent = http.post(&url).headers(headers.clone()).body(body.clone()).send().await;
                let attempt = match sent {
                    Ok(resp) => Attempt {
                        status: Some(resp.status().as_u16()),
                        error: None,
                    },
                    Err(e) => Attempt {
                        status: None,
                        error: Some(describe(&e)),
                    },
                };
                let ok = attempt.status.is_some_and(|s| (200..300).contains(&s));
                Shared::record(&shared, id, attempt);
                if ok {
                    return Shared::finish(&shared, id, true);
                }
            }
            Shared::finish(&shared, id, false);
        });
    }
}

impl Shared {
    fn with(&self, id: usize, f: impl FnOnce(&mut Delivery)) {
        let mut log = lock(&self.log);
        if let Some((_, d)) = log.kept.iter_mut().find(|(i, _)| *i == id) {
            f(d);
        }
        drop(log);
        self.changed.notify_all();
        self.changed_async.notify_waiters();
    }

    fn record(this: &Arc<Shared>, id: usize, attempt: Attempt) {
        this.with(id, |d| d.attempts.push(attempt));
    }

    fn finish(this: &Arc<Shared>, id: usize, delivered: bool) {
        this.with(id, |d| {
            d.delivered = delivered;
            d.finished = true;
        });
    }
}

/// The sandbox sends only to `http(s)://` loopback addresses: it is a test tool, not a traffic source.
fn loopback(url: &str) -> std::result::Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("the notify_url is not a URL: {e}"))?;
    let local = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if matches!(parsed.scheme(), "http" | "https") && local {
        Ok(())
    } else {
        Err(format!(
            "the sandbox only sends notifications to loopback http(s) URLs, not {url}"
        ))
    }
}

/// A transport error in a few words (reqwest's `Display` may hold the URL, which is the test's own).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {ATTEMPT_TIMEOUT:?}")
    } else if e.is_connect() {
        "connection refused or failed".to_owned()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_latest_deliveries_and_counts_every_one() {
        let d = Deliverer::new().unwrap();
        for i in 0..=KEPT {
            // not attached to a runtime: each is recorded as failed at once
            d.send(
                "TRANSACTION.SUCCESS",
                &i.to_string(),
                "http://127.0.0.1:9/",
                HeaderMap::new(),
                Vec::new(),
            );
        }
        let kept = d.wait(KEPT + 1, Duration::ZERO).unwrap();
        assert_eq!(kept.len(), KEPT);
        assert_eq!(
            (kept[0].out_trade_no.as_str(), kept[KEPT - 1].out_trade_no.as_str()),
            ("1", "1000")
        );
        assert!(kept.iter().all(|k| k.finished && !k.delivered && k.attempts.len() == 1));
        assert!(d.wait(KEPT + 2, Duration::from_millis(1)).is_err());
    }

    #[test]
    fn only_loopback_urls_are_sent_to() {
        assert!(super::loopback("http://127.0.0.1:8080/notify").is_ok());
        assert!(super::loopback("http://[::1]:8080/notify").is_ok());
        assert!(super::loopback("https://localhost/notify").is_ok());
        assert!(super::loopback("https://example.com/notify").is_err());
        assert!(super::loopback("ftp://127.0.0.1/notify").is_err());
        assert!(super::loopback("not a url").is_err());
    }
}

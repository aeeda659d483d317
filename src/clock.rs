//! Time and randomness sources: the crate's only nondeterminism, injectable so tests can pin them.

use std::sync::Arc;

/// A source of the current Unix time in seconds, used by the APIv3 signer (request timestamp) and verifier
/// (the ±300 s check).
///
/// Closures `Fn() -> i64` implement it, so a test can pin the clock with `|| 1_700_000_000`.
///
/// # Examples
///
/// ```
/// use wechatpay::{Clock, FixedClock, SystemClock};
/// assert_eq!(FixedClock(1_554_208_460).now(), 1_554_208_460);
/// assert!(SystemClock.now() > 1_500_000_000);
/// let c = || 42_i64;
/// assert_eq!(c.now(), 42);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

impl<F> Clock for F
where
    F: Fn() -> i64 + Send + Sync + 'static,
{
    fn now(&self) -> i64 {
        self()
    }
}

/// The system clock (the default).
///
/// # Examples
///
/// ```
/// use wechatpay::{Clock, SystemClock};
/// assert!(SystemClock.now() > 0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        system_now()
    }
}

/// A clock pinned at a fixed Unix time, for tests.
///
/// # Examples
///
/// ```
/// use wechatpay::{Clock, FixedClock};
/// assert_eq!(FixedClock(1_700_000_000).now(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// The one place that reads the system clock.
#[allow(
    clippy::disallowed_methods,
    reason = "clock.rs is the single sanctioned reader of the system clock"
)]
pub(crate) fn system_now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A shared clock handle.
pub(crate) type SharedClock = Arc<dyn Clock>;

/// A source of request nonces (default: 32 random base62 characters, [`Formatter::nonce`](crate::Formatter::nonce)).
pub(crate) type NonceFn = Arc<dyn Fn() -> crate::error::Result<String> + Send + Sync>;

/// The next request nonce: from the injected source when there is one, else 32 random base62 characters.
pub(crate) fn next_nonce(source: Option<&NonceFn>) -> crate::error::Result<String> {
    match source {
        Some(f) => f(),
        None => crate::formatter::Formatter::nonce(32),
    }
}

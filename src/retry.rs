//! Opt-in retries and failover to the backup domain (wechatpay-java's `enableRetryMultiDomain`): which failed
//! attempts may be sent again, where to, and after how long. The loop itself is the pipeline's.

use std::error::Error as StdError;
use std::time::Duration;

use http::Method;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::response::Response;

/// WeChat Pay's backup gateway, used when the base URI is the production default.
const BACKUP_BASE_URI: &str = "https://api2.mch.weixin.qq.com/";

/// Retries and failover to the backup domain, off unless set with
/// [`Builder::retry`](crate::Builder::retry).
///
/// The rule is safety first:
/// - a request that provably never reached the server (connection refused, DNS failure, connect timeout, TLS
///   handshake failure) is sent again, whatever its method;
/// - a `GET` is also sent again after an HTTP 5xx answer or a read timeout (turn this off with
///   [`retry_gets(false)`](Retry::retry_gets));
/// - a `POST`, `PUT`, `PATCH` or `DELETE` that may have reached the server is never sent again (it could pay
///   or refund twice).
///
/// Each retry goes to the other domain: the first to the backup base URI, the next back to the base URI, and so
/// on. The backup defaults to `https://api2.mch.weixin.qq.com/` when the client's base URI is the default
/// `https://api.mch.weixin.qq.com/`; with any other base URI, and no [`backup_base_uri`](Retry::backup_base_uri),
/// retries go to the base URI itself. APIv3 requests are signed afresh for every attempt; APIv2 requests are sent
/// again as they were (the `sign` covers the fields, not the host). The call's deadline
/// ([`Builder::timeout`](crate::Builder::timeout)) bounds all attempts and waits together. Each retry is a
/// `tracing` debug event. Streamed downloads ([`crate::download`]) are not retried: a retry would resend a body
/// already partly written.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use wechatpay::Retry;
/// let retry = Retry::new()
///     .max_attempts(3)
///     .retry_gets(true)
///     .backoff(Duration::from_millis(100), Duration::from_secs(2));
/// let client = wechatpay::Builder::new().mchid("1230000109").secret("k").retry(retry).build()?;
/// # let _ = client;
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Retry {
    backup_base_uri: Option<String>,
    max_attempts: u32,
    retry_gets: bool,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            backup_base_uri: None,
            max_attempts: 3,
            retry_gets: true,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl Retry {
    /// The defaults: at most 3 attempts, `GET`s retried on 5xx and read timeouts, waits of 100 ms doubling up to
    /// 2 s, the backup domain chosen as described on [`Retry`].
    ///
    /// # Examples
    ///
    /// ```
    /// let retry = wechatpay::Retry::new();
    /// # let _ = retry;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The base URI retries alternate with (for example a second gateway, or a test server).
    ///
    /// # Examples
    ///
    /// ```
    /// let retry = wechatpay::Retry::new().backup_base_uri("https://api2.mch.weixin.qq.com/");
    /// # let _ = retry;
    /// ```
    pub fn backup_base_uri(mut self, uri: impl Into<String>) -> Self {
        self.backup_base_uri = Some(uri.into());
        self
    }

    /// The most attempts of one call, the first included (default 3; `1`, like `0`, means no retry).
    ///
    /// # Examples
    ///
    /// ```
    /// let retry = wechatpay::Retry::new().max_attempts(2);
    /// # let _ = retry;
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Whether a `GET` is also retried after an HTTP 5xx answer or a read timeout (default `true`). Requests
    /// that never reached the server are retried either way.
    ///
    /// # Examples
    ///
    /// ```
    /// let retry = wechatpay::Retry::new().retry_gets(false);
    /// # let _ = retry;
    /// ```
    pub fn retry_gets(mut self, enabled: bool) -> Self {
        self.retry_gets = enabled;
        self
    }

    /// The wait before the first retry, doubled before each further one up to `max` (default 100 ms and 2 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let retry = wechatpay::Retry::new().backoff(Duration::from_millis(10), Duration::from_millis(40));
    /// # let _ = retry;
    /// ```
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The policy of a client whose base URI is `base` (the `Builder`'s default base URI is `default_base`).
    pub(crate) fn resolve(self, base: &Url, default_base: &str) -> Result<Policy> {
        let backup = match &self.backup_base_uri {
            Some(uri) => Some(Url::parse(uri).map_err(|e| {
                Error::config(format!("The retry backup base URI ({uri}) is not a valid URL.")).with_source(e)
            })?),
            None if base.as_str() == default_base => Url::parse(BACKUP_BASE_URI).ok(),
            None => None,
        };
        Ok(Policy {
            backup,
            max_attempts: self.max_attempts,
            retry_gets: self.retry_gets,
            initial_backoff: self.initial_backoff,
            max_backoff: self.max_backoff,
        })
    }
}

/// A client's resolved retry settings.
#[derive(Debug)]
pub(crate) struct Policy {
    backup: Option<Url>,
    pub(crate) max_attempts: u32,
    retry_gets: bool,
    initial_backoff: Duration,
    max_backoff: Duration,
}

/// Why an attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The request never reached the server.
    Connect,
    /// A `GET` timed out waiting for the answer.
    Timeout,
    /// A `GET` was answered 5xx.
    ServerError,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Connect => "connect",
            Reason::Timeout => "timeout",
            Reason::ServerError => "server error",
        }
    }
}

impl Policy {
    /// Whether (and why) an attempt's outcome may be retried. `first_hop` is false once a redirect was
    /// followed: the original request then reached the server.
    pub(crate) fn retriable(
        &self,
        method: &Method,
        outcome: &Result<(Response, Url)>,
        first_hop: bool,
    ) -> Option<Reason> {
        let gets = self.retry_gets && *method == Method::GET;
        match outcome {
            Ok((resp, _)) => (gets && resp.status().is_server_error()).then_some(Reason::ServerError),
            Err(e) if e.kind() == ErrorKind::Status => {
                (gets && e.response().is_some_and(|r| r.status().is_server_error())).then_some(Reason::ServerError)
            }
            Err(e) if e.kind() == ErrorKind::Transport => {
                let re = reqwest_error(e)?;
                if re.is_connect() && (first_hop || gets) {
                    Some(Reason::Connect)
                } else if gets && re.is_timeout() {
                    Some(Reason::Timeout)
                } else {
                    None
                }
            }
            Err(_) => None,
        }
    }

    /// The wait before retry number `retry` (1 for the first): the initial backoff doubled each time, capped.
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }

    /// The URL of attempt `attempt` (1 for the first) of a request to `url`: odd attempts go to the base URI,
    /// even ones to the backup, when `url` lies under the base URI and there is a backup.
    pub(crate) fn target(&self, base: &Url, url: &Url, attempt: u32) -> Url {
        if attempt % 2 == 1 {
            return url.clone();
        }
        let Some(backup) = &self.backup else {
            return url.clone();
        };
        url.as_str()
            .strip_prefix(base.as_str())
            .and_then(|rest| backup.join(rest).ok())
            .unwrap_or_else(|| url.clone())
    }

    /// Whether attempt `attempt` goes to the backup domain.
    fn on_backup(&self, attempt: u32) -> bool {
        attempt % 2 == 0 && self.backup.is_some()
    }

    /// The debug event of one retry: the attempt about to be made, why, where, and after which wait.
    pub(crate) fn trace(&self, attempt: u32, reason: Reason, delay: Duration) {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            attempt,
            reason = reason.as_str(),
            backup = self.on_backup(attempt),
            delay_ms,
            "retrying the request"
        );
    }
}

/// The `reqwest::Error` behind a transport error.
fn reqwest_error(e: &Error) -> Option<&reqwest::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = cur {
        if let Some(re) = s.downcast_ref::<reqwest::Error>() {
            return Some(re);
        }
        cur = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(backup: Option<&str>) -> Policy {
        let base = Url::parse("https://api.mch.weixin.qq.com/").unwrap();
        let mut r = Retry::new().backoff(Duration::from_millis(100), Duration::from_secs(2));
        if let Some(b) = backup {
            r = r.backup_base_uri(b);
        }
        r.resolve(&base, "https://api.mch.weixin.qq.com/").unwrap()
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = policy(None);
        let ms: Vec<u128> = (1..=7).map(|n| p.delay(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(p.delay(200), Duration::from_secs(2));
    }

    #[test]
    fn retries_alternate_between_the_domains() {
        let base = Url::parse("https://api.mch.weixin.qq.com/").unwrap();
        let url = Url::parse("https://api.mch.weixin.qq.com/v3/pay/transactions/id/1?mchid=1").unwrap();
        let p = policy(None);
        assert_eq!(p.target(&base, &url, 1), url);
        assert_eq!(
            p.target(&base, &url, 2).as_str(),
            "https://api2.mch.weixin.qq.com/v3/pay/transactions/id/1?mchid=1"
        );
        assert_eq!(p.target(&base, &url, 3), url);
        // a URL outside the base URI (an absolute per-request base) is never moved
        let other = Url::parse("https://apihk.mch.weixin.qq.com/v3/x").unwrap();
        assert_eq!(p.target(&base, &other, 2), other);
        // a non-default base URI has no backup unless one is given
        let test = Url::parse("http://127.0.0.1:1/").unwrap();
        let none = Retry::new().resolve(&test, "https://api.mch.weixin.qq.com/").unwrap();
        let u = Url::parse("http://127.0.0.1:1/v3/x").unwrap();
        assert_eq!(none.target(&test, &u, 2), u);
        assert!(Retry::new().backup_base_uri("not a url").resolve(&test, "x").is_err());
    }
}

//! Where a call goes: expand the node's path template with the options (RFC 6570, Guzzle's rules), route it
//! (`v2/…` → APIv2 with the prefix stripped, else APIv3), resolve it against the base URI (RFC 3986) and apply the
//! `query` option. Pure: no I/O.

use url::Url;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::options::{Options, Query};

/// Which pipeline a path goes through: `v2/…` (case-insensitive) is APIv2 (XML), anything else APIv3 (JSON).
///
/// # Examples
///
/// ```
/// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
/// assert_eq!(client.chain("V2/pay/micropay").resolve(())?.api(), wechatpay::Api::V2);
/// assert_eq!(client.chain("v2").resolve(())?.api(), wechatpay::Api::V3);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// APIv2: XML bodies, MD5 / HMAC-SHA256 `sign`.
    V2,
    /// APIv3: JSON bodies, SHA256-RSA `Authorization`, verified responses.
    V3,
}

/// Where a call would go: the pipeline and the final URL (template expanded, `v2/` stripped, resolved against
/// the base URI, query applied), from [`Client::resolve`](crate::Client::resolve).
///
/// # Examples
///
/// ```
/// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
/// let route = client.chain("v3/x/{id}").resolve(serde_json::json!({ "id": "a b", "query": { "q": 1 } }))?;
/// assert_eq!(route.url().as_str(), "https://api.mch.weixin.qq.com/v3/x/a%20b?q=1");
/// assert_eq!(route.target(), "/v3/x/a%20b?q=1");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Route {
    pub(crate) api: Api,
    pub(crate) url: Url,
}

impl Route {
    /// The pipeline.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.v3().resolve(())?.api(), wechatpay::Api::V3);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn api(&self) -> Api {
        self.api
    }

    /// The final URL.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.v2().seg("pay").seg("micropay").resolve(())?.url().as_str(), "https://api.mch.weixin.qq.com/pay/micropay");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The request-target: path plus `?query` when non-empty (what the APIv3 signature covers).
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// assert_eq!(client.chain("v3/certificates").resolve(())?.target(), "/v3/certificates");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn target(&self) -> String {
        target(&self.url)
    }
}

/// Expands `pathname` with the options as variables, routes it and resolves it against the base URI.
pub(crate) fn route(config: &Config, pathname: &str, opts: &Options) -> Result<Route> {
    if let Some(msg) = &opts.invalid {
        return Err(Error::invalid(msg.clone()));
    }
    let expanded = crate::template::expand(pathname, opts);
    let (api, relative) = match expanded.get(..3) {
        Some(head) if head.eq_ignore_ascii_case("v2/") => (Api::V2, &expanded[3..]),
        _ => (Api::V3, expanded.as_str()),
    };
    let parsed_base;
    let base = match &opts.base_uri {
        Some(b) => {
            parsed_base = Url::parse(b).map_err(|e| {
                Error::invalid(format!("The option `base_uri` ({b}) is not a valid URL.")).with_source(e)
            })?;
            &parsed_base
        }
        None => &config.base_uri,
    };
    let mut url = base
        .join(relative)
        .map_err(|e| Error::invalid(format!("Cannot resolve `{relative}` against `{base}`.")).with_source(e))?;
    // `a:b` reads as an absolute URL of scheme `a`, as in PHP; only HTTP can be sent (and signed)
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::invalid(format!(
            "`{relative}` resolves to `{url}`, which is not an http(s) URL: a path segment cannot contain `:` \
             before its first `/`."
        )));
    }
    match &opts.query {
        Some(Query::Map(map)) => {
            let q = crate::query::build_query(map);
            url.set_query(if q.is_empty() { None } else { Some(&q) });
        }
        Some(Query::Raw(raw)) => url.set_query(if raw.is_empty() { None } else { Some(raw) }),
        None => {}
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(Route { api, url })
}

/// The request-target: path plus `?query` when the query is non-empty (what the APIv3 signature covers).
pub(crate) fn target(url: &Url) -> String {
    match url.query() {
        Some(q) if !q.is_empty() => format!("{}?{}", url.path(), q),
        _ => url.path().to_owned(),
    }
}

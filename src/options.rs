//! `Options`: the PHP request-options array, as a typed builder and as `From<serde_json::Value>`.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::body::Body;

/// Per-request options: PHP's `$options` array.
///
/// Port a PHP options array by replacing `[` `=>` `]` with `json!({` `:` `})`; every key is also a URI-template
/// variable, so `{stock_id}` in the path takes `"stock_id"` from the same map. Recognised keys: `json`, `xml`,
/// `query` (map or string), `headers`, `body` (string), `security` (bool), `nonceless`, `base_uri`, `timeout`
/// (seconds), `http_errors` (bool), `allow_redirects` (bool). Unknown keys are template variables only, never
/// silently dropped options. A recognised key with a value of the wrong type makes the verb fail with
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before anything is sent.
///
/// The typed builder does the same and carries what JSON cannot (raw bytes, a media upload's
/// [`Body`]).
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use wechatpay::Options;
///
/// let from_php_array: Options = json!({
///     "stock_id": "9856888",
///     "query": { "stock_creator_mchid": "123456" },
/// }).into();
/// let typed = Options::new().var("stock_id", "9856888").query(json!({ "stock_creator_mchid": "123456" }));
/// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
/// let node = client.chain("v3/marketing/favor/stocks/{stock_id}");
/// let want = "https://api.mch.weixin.qq.com/v3/marketing/favor/stocks/9856888?stock_creator_mchid=123456";
/// assert_eq!(node.resolve(from_php_array)?.url().as_str(), want);
/// assert_eq!(node.resolve(typed)?.url().as_str(), want);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    pub(crate) vars: Map<String, Value>,
    pub(crate) json: Option<Value>,
    pub(crate) xml: Option<Value>,
    pub(crate) query: Option<Query>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) security: bool,
    pub(crate) nonceless: bool,
    pub(crate) base_uri: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) http_errors: bool,
    pub(crate) allow_redirects: bool,
    /// A problem found while converting a JSON options map; reported by the verb before sending.
    pub(crate) invalid: Option<String>,
}

/// The `query` option: a map built like `http_build_query(..., PHP_QUERY_RFC3986)`, or a string used verbatim.
#[derive(Clone, Debug)]
pub(crate) enum Query {
    Map(Value),
    Raw(String),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            vars: Map::new(),
            json: None,
            xml: None,
            query: None,
            headers: Vec::new(),
            body: None,
            security: false,
            nonceless: false,
            base_uri: None,
            timeout: None,
            http_errors: true,
            allow_redirects: true,
            invalid: None,
        }
    }
}

impl Options {
    /// Empty options (a plain GET, a POST without body).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new();
    /// # let _ = opts;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// JSON request body (APIv3): serialised once, and those exact bytes are signed and sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().json(serde_json::json!({ "mchid": "1230000109" }));
    /// # let _ = opts;
    /// ```
    pub fn json(mut self, value: impl Into<Value>) -> Self {
        // also the template variable `json` (see `lookup`), without a copy
        self.json = Some(value.into());
        self
    }

    /// The APIv2 data map to sign and send as XML (or as the query of a GET).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().xml(serde_json::json!({ "appid": "wx8888888888888888" }));
    /// # let _ = opts;
    /// ```
    pub fn xml(mut self, value: impl Into<Value>) -> Self {
        // also the template variable `xml` (see `lookup`), without a copy
        self.xml = Some(value.into());
        self
    }

    /// The query string: a JSON map (replaces any query written in the chain) or a string used verbatim.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().query(serde_json::json!({ "appid": "wx233544546545989" }));
    /// let raw = wechatpay::Options::new().query("limit=10&offset=0");
    /// # let _ = (opts, raw);
    /// ```
    pub fn query(mut self, value: impl Into<Value>) -> Self {
        let value = value.into();
        self.vars.insert("query".into(), value.clone());
        self.set_query(value);
        self
    }

    /// Adds a request header; it replaces a default or client-level header of the same name
    /// (case-insensitively).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().header("Wechatpay-Serial", "PUB_KEY_ID_0114232134912410000000000000");
    /// # let _ = opts;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request body: raw bytes (`Vec<u8>`, `String`, `&'static str`, `bytes::Bytes`, …) sent and signed as
    /// they are, or a media upload's [`MediaUtil::stream`](crate::util::MediaUtil::stream), sent as multipart and
    /// signed over its meta JSON (see [`Body`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().body(br#"{"a":1}"#.to_vec());
    /// let media = wechatpay::util::MediaUtil::from_bytes("logo.png", vec![0x89, b'P', b'N', b'G']);
    /// let upload = wechatpay::Options::new().body(media.stream()).header("Content-Type", media.content_type());
    /// # let _ = (opts, upload);
    /// ```
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// A URI-template variable: `{name}` / `{+name}` in the path expand to it.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().var("out_trade_no", "1217752501201407033233368018");
    /// # let _ = opts;
    /// ```
    pub fn var(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// APIv2: present the merchant TLS client certificate on this request.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().security(true);
    /// # let _ = opts;
    /// ```
    pub fn security(mut self, on: bool) -> Self {
        self.security = on;
        self
    }

    /// APIv2: do not add `nonce_str` to the signed data.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().nonceless(true);
    /// # let _ = opts;
    /// ```
    pub fn nonceless(mut self, on: bool) -> Self {
        self.nonceless = on;
        self
    }

    /// Resolve this request against another base URI (e.g. `https://api2.mch.weixin.qq.com/`).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().base_uri("https://apihk.mch.weixin.qq.com/");
    /// # let _ = opts;
    /// ```
    pub fn base_uri(mut self, base: impl Into<String>) -> Self {
        self.base_uri = Some(base.into());
        self
    }

    /// The deadline of this call (connect, send, redirects and reading the whole answer), replacing the client's
    /// (`Builder::timeout`, default 30 s). `Duration::ZERO` (or `"timeout": 0` in the JSON form, as in Guzzle)
    /// means no deadline for this call.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().timeout(std::time::Duration::from_secs(5));
    /// let unbounded: wechatpay::Options = serde_json::json!({ "timeout": 0 }).into();
    /// # let _ = (opts, unbounded);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// When `false`, 4xx/5xx responses are not turned into [`ErrorKind::Status`](crate::ErrorKind::Status)
    /// errors; they go through response verification like any other (PHP's `http_errors`).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().http_errors(false);
    /// # let _ = opts;
    /// ```
    pub fn http_errors(mut self, on: bool) -> Self {
        self.http_errors = on;
        self
    }

    /// When `false`, 3xx responses are returned (after verification) instead of followed (PHP's
    /// `allow_redirects`). Followed redirects are re-signed, at most 5.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = wechatpay::Options::new().allow_redirects(false);
    /// # let _ = opts;
    /// ```
    pub fn allow_redirects(mut self, on: bool) -> Self {
        self.allow_redirects = on;
        self
    }

    fn set_query(&mut self, value: Value) {
        match value {
            Value::String(s) => self.query = Some(Query::Raw(s)),
            v @ (Value::Object(_) | Value::Array(_)) => self.query = Some(Query::Map(v)),
            Value::Null => self.query = None,
            other => self.fail(format!(
                "The option `query` must be a map or a string, got {}.",
                type_name(&other)
            )),
        }
    }

    fn fail(&mut self, message: String) {
        if self.invalid.is_none() {
            self.invalid = Some(message);
        }
    }

    fn apply(&mut self, key: &str, value: &Value) {
        match key {
            "query" => self.set_query(value.clone()),
            "headers" => match value {
                Value::Object(map) => {
                    for (name, v) in map {
                        match v {
                            Value::String(s) => self.headers.push((name.clone(), s.clone())),
                            Value::Number(_) | Value::Bool(_) => {
                                self.headers.push((name.clone(), crate::php::strval(v)))
                            }
                            Value::Array(items) => {
                                for item in items {
                                    self.headers.push((name.clone(), crate::php::strval(item)));
                                }
                            }
                            Value::Null | Value::Object(_) => {
                                self.fail(format!("The header `{name}` must be a string."));
                            }
                        }
                    }
                }
                Value::Null => {}
                other => self.fail(format!("The option `headers` must be a map, got {}.", type_name(other))),
            },
            "body" => match value {
                Value::String(s) => self.body = Some(Body::from(s.clone())),
                Value::Null => {}
                other => self.fail(format!("The option `body` must be a string, got {}.", type_name(other))),
            },
            // PHP: attached only when exactly boolean true.
            "security" => self.security = value == &Value::Bool(true),
            // PHP: `isset($options['nonceless'])`: any non-null value, even false.
            "nonceless" => self.nonceless = !value.is_null(),
            "base_uri" => match value {
                Value::String(s) => self.base_uri = Some(s.clone()),
                Value::Null => {}
                other => self.fail(format!(
                    "The option `base_uri` must be a string, got {}.",
                    type_name(other)
                )),
            },
            "timeout" => match value.as_f64() {
                Some(secs) if secs.is_finite() && secs > 0.0 => self.timeout = Some(Duration::from_secs_f64(secs)),
                // Guzzle: 0 means no timeout (for this call, whatever the client's default).
                Some(0.0) => self.timeout = Some(Duration::ZERO),
                _ if value.is_null() => {}
                _ => self.fail("The option `timeout` must be a positive number of seconds.".to_owned()),
            },
            "http_errors" => match value {
                Value::Bool(b) => self.http_errors = *b,
                Value::Null => {}
                other => self.fail(format!(
                    "The option `http_errors` must be a boolean, got {}.",
                    type_name(other)
                )),
            },
            "allow_redirects" => match value {
                Value::Bool(b) => self.allow_redirects = *b,
                Value::Object(_) | Value::Null => self.allow_redirects = true,
                other => self.fail(format!(
                    "The option `allow_redirects` must be a boolean, got {}.",
                    type_name(other)
                )),
            },
            _ => {}
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

impl From<Value> for Options {
    fn from(value: Value) -> Self {
        let mut opts = Options::default();
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    // The body options move into their fields (they stay template variables through `lookup`);
                    // every other key is applied and kept as a variable.
                    match k.as_str() {
                        "json" => opts.json = Some(v),
                        "xml" => opts.xml = Some(v),
                        _ => {
                            opts.apply(&k, &v);
                            opts.vars.insert(k, v);
                        }
                    }
                }
            }
            Value::Null => {}
            // PHP `[]` (an empty array) is an empty options map.
            Value::Array(items) if items.is_empty() => {}
            other => opts.fail(format!("The request options must be a map, got {}.", type_name(&other))),
        }
        opts
    }
}

/// PHP expands a path template with the whole options array, so `json` and `xml` are variables too.
impl crate::template::Vars for Options {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.vars.get(name).or(match name {
            "json" => self.json.as_ref(),
            "xml" => self.xml.as_ref(),
            _ => None,
        })
    }
}

impl From<()> for Options {
    fn from((): ()) -> Self {
        Options::default()
    }
}

impl From<&Options> for Options {
    fn from(o: &Options) -> Self {
        o.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn php_array_keys_become_options_and_variables() {
        let o: Options = json!({
            "stock_id": "1", "json": {"a": 1}, "query": {"q": "x"}, "headers": {"X-A": "b"},
            "security": true, "nonceless": false, "base_uri": "https://api2.mch.weixin.qq.com/", "timeout": 2.5,
        })
        .into();
        use crate::template::Vars;
        assert_eq!(o.lookup("stock_id"), Some(&json!("1")));
        assert_eq!(
            o.lookup("json"),
            Some(&json!({"a": 1})),
            "known keys stay template variables"
        );
        assert_eq!(o.lookup("query"), Some(&json!({"q": "x"})));
        let typed = Options::new().xml(json!({"b": 2})).var("id", 7);
        assert_eq!(typed.lookup("xml"), Some(&json!({"b": 2})));
        assert_eq!(typed.lookup("id"), Some(&json!(7)));
        assert_eq!(typed.lookup("json"), None);
        assert_eq!(o.json, Some(json!({"a": 1})));
        assert!(matches!(o.query, Some(Query::Map(_))));
        assert_eq!(o.headers, vec![("X-A".to_owned(), "b".to_owned())]);
        assert!(o.security);
        assert!(o.nonceless, "PHP isset(): nonceless=false still counts");
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert!(o.invalid.is_none());
    }

    #[test]
    fn security_needs_exactly_true() {
        let o: Options = json!({ "security": 1 }).into();
        assert!(!o.security);
    }

    #[test]
    fn wrong_types_are_reported_not_dropped() {
        for v in [
            json!({"headers": 5}),
            json!({"body": {"a": 1}}),
            json!({"query": 3}),
            json!("str"),
        ] {
            let o: Options = v.clone().into();
            assert!(o.invalid.is_some(), "{v}");
        }
    }
}

//! Scripted answers: rules, added with [`Sandbox::on`](super::Sandbox::on) or
//! [`Sandbox::on_path`](super::Sandbox::on_path), that answer matching requests before the built-in routes; and
//! the choice of the signing identity from the request's `Wechatpay-Serial`.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value};

use super::Recorded;
use super::fault::{self, Fault};
use super::keys::{MCHID, SECRET};
use super::multipart;
use super::routes::{Answer, State, sign};
use crate::crypto::Hash;
use crate::formatter::Formatter;
use crate::transformer::Transformer;

/// What a scripted rule answers: signed JSON, signed APIv2 XML, or a [`Fault`].
///
/// # Examples
///
/// ```
/// use wechatpay::http::Method;
/// use wechatpay::sandbox::{Reply, Sandbox};
/// let sandbox = Sandbox::start()?;
/// sandbox.on(Method::GET, "/v3/pay/transactions/id/{transaction_id}")
///     .reply(Reply::json(200, serde_json::json!({ "trade_state": "NOTPAY" })));
/// let resp = sandbox.client()?.chain("v3/pay/transactions/id/{transaction_id}")
///     .get(serde_json::json!({ "transaction_id": "42" }))?;
/// assert_eq!(resp.json::<serde_json::Value>()?["trade_state"], "NOTPAY");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Reply(ReplyKind);

#[derive(Debug, Clone, PartialEq)]
enum ReplyKind {
    Json(u16, Value),
    Xml(Value),
    Fault(Fault),
}

impl Reply {
    /// An APIv3 answer: `status` and `body` as JSON (`Value::Null`: an empty body, e.g. for a 204), signed like
    /// every answer (by the key the request's `Wechatpay-Serial` names). A `status` that is not a valid HTTP
    /// status is answered as a signed 500 `SYSTEM_ERROR` saying so.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Reply, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("/v3/refund/domestic/refunds")
    ///     .reply(Reply::json(200, serde_json::json!({ "refund_id": "50000000382019052709732678859" })));
    /// let resp = sandbox.client()?.chain("v3/refund/domestic/refunds")
    ///     .post(serde_json::json!({ "json": { "out_refund_no": "1" } }))?;
    /// assert_eq!(resp.status(), 200);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn json(status: u16, body: impl Into<Value>) -> Reply {
        Reply(ReplyKind::Json(status, body.into()))
    }

    /// An APIv2 answer from XML `fields` (a JSON object of strings): `return_code` and `result_code` are set to
    /// `SUCCESS` unless given (`result_code` only when `return_code` is `SUCCESS`), `mch_id` and `nonce_str` are
    /// added unless given, and `sign` is computed with [`SECRET`](super::SECRET) by the request's `sign_type` unless
    /// given (give one to send a wrong sign on purpose). Fields that are not an object answer `return_code=FAIL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Reply, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("/pay/orderquery").reply(Reply::xml(serde_json::json!({ "trade_state": "SUCCESS" })));
    /// let resp = sandbox.client()?.v2().chain("pay/orderquery")
    ///     .post(serde_json::json!({ "xml": { "appid": "wx8888888888888888", "mch_id": "1230000109", "out_trade_no": "1" } }))?;
    /// let fields = wechatpay::Transformer::to_array(resp.body());
    /// assert_eq!((fields["trade_state"].as_str(), fields["result_code"].as_str()), (Some("SUCCESS"), Some("SUCCESS")));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn xml(fields: impl Into<Value>) -> Reply {
        Reply(ReplyKind::Xml(fields.into()))
    }

    /// The misbehaviour `fault` (the same as [`Rule::fail`]), e.g. from a [`Rule::reply_with`] closure.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Fault, Reply};
    /// assert_eq!(Reply::fault(Fault::SystemError), Reply::from(Fault::SystemError));
    /// ```
    pub fn fault(fault: Fault) -> Reply {
        Reply(ReplyKind::Fault(fault))
    }
}

impl From<Fault> for Reply {
    fn from(fault: Fault) -> Self {
        Reply::fault(fault)
    }
}

type Closure = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync + 'static>;

#[derive(Clone)]
enum Action {
    Reply(Reply),
    With(Closure),
}

struct Script {
    method: Option<Method>,
    pattern: Vec<String>,
    remaining: Option<u32>,
    action: Action,
}

impl Script {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && matches(&self.pattern, path)
    }
}

/// The pattern's segments: `{name}` matches any one segment, a last `*` the rest of the path (or nothing).
fn segments(pattern: &str) -> Vec<String> {
    let pattern = pattern.split('?').next().unwrap_or("");
    pattern.trim_start_matches('/').split('/').map(str::to_owned).collect()
}

fn matches(pattern: &[String], path: &str) -> bool {
    let mut path = path.trim_start_matches('/').split('/');
    for (i, want) in pattern.iter().enumerate() {
        if want == "*" && i + 1 == pattern.len() {
            return true;
        }
        let Some(seg) = path.next() else { return false };
        let wildcard = want.len() > 2 && want.starts_with('{') && want.ends_with('}') && !seg.is_empty();
        if !wildcard && want != seg {
            return false;
        }
    }
    path.next().is_none()
}

/// The sandbox's rules, shared between the [`Sandbox`](super::Sandbox) handle and the server thread.
#[derive(Clone, Default)]
pub(crate) struct Scripts(Arc<Mutex<Vec<Script>>>);

impl Scripts {
    fn lock(&self) -> MutexGuard<'_, Vec<Script>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The newest rule below `below` (an index; `usize::MAX`: all) matching the request, with its index, counting
    /// the call against its `times`.
    fn take(&self, method: &Method, path: &str, below: usize) -> Option<(usize, Action)> {
        let mut scripts = self.lock();
        let end = below.min(scripts.len());
        let index = scripts[..end].iter().rposition(|s| s.matches(method, path))?;
        let script = &mut scripts[index];
        let action = script.action.clone();
        if let Some(n) = &mut script.remaining {
            *n = n.saturating_sub(1);
            if *n == 0 {
                scripts.remove(index);
            }
        }
        Some((index, action))
    }
}

impl fmt::Debug for Scripts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scripts").field("rules", &self.lock().len()).finish()
    }
}

/// A rule being set up by [`Sandbox::on`](super::Sandbox::on) or [`Sandbox::on_path`](super::Sandbox::on_path):
/// limit it with [`times`](Rule::times), then give its answer with [`reply`](Rule::reply),
/// [`reply_with`](Rule::reply_with) or [`fail`](Rule::fail), which puts it in force. The newest rule matching a
/// request answers it, before the built-in routes (a [`Fault`] that spoils an answer spoils the one the older
/// rules, else the built-in routes, give); the request is recorded either way.
///
/// # Examples
///
/// ```
/// use wechatpay::sandbox::{Fault, Sandbox};
/// use wechatpay::{ErrorKind, http::Method};
/// let sandbox = Sandbox::start()?;
/// sandbox.on(Method::GET, "/v3/marketing/favor/stocks/{stock_id}").times(1).fail(Fault::FrequencyLimited);
/// let node = sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}");
/// let err = node.get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).unwrap_err();
/// assert_eq!(err.wechat().map(|w| w.code().to_owned()).as_deref(), Some("FREQUENCY_LIMITED"));
/// assert!(node.get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).is_ok()); // once only
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[must_use = "a rule is in force only once `reply`, `reply_with` or `fail` gives its answer"]
pub struct Rule {
    scripts: Scripts,
    method: Option<Method>,
    pattern: Vec<String>,
    remaining: Option<u32>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("method", &self.method)
            .field("pattern", &self.pattern.join("/"))
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl Rule {
    pub(crate) fn new(scripts: Scripts, method: Option<Method>, pattern: &str) -> Rule {
        Rule {
            scripts,
            method,
            pattern: segments(pattern),
            remaining: None,
        }
    }

    /// Answers only the next `n` matching calls, then the rule is gone (`0`: the rule never answers).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Fault, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("/v3/marketing/favor/stocks/*").times(2).fail(Fault::SystemError);
    /// let node = sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}");
    /// let calls: Vec<bool> = (0..3).map(|_| node.get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).is_ok()).collect();
    /// assert_eq!(calls, [false, false, true]);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn times(mut self, n: u32) -> Rule {
        self.remaining = Some(n);
        self
    }

    /// Puts the rule in force with a fixed answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Reply, Sandbox};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("/v3/pay/transactions/out-trade-no/{out_trade_no}/close").reply(Reply::json(204, serde_json::Value::Null));
    /// let resp = sandbox.client()?.chain("v3/pay/transactions/out-trade-no/{out_trade_no}/close")
    ///     .post(serde_json::json!({ "out_trade_no": "1", "json": { "mchid": "1230000109" } }))?;
    /// assert_eq!((resp.status().as_u16(), resp.body().is_empty()), (204, true));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn reply(self, reply: impl Into<Reply>) {
        self.put(Action::Reply(reply.into()));
    }

    /// Puts the rule in force with an answer computed from each matching request.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Reply, Sandbox};
    /// use wechatpay::http::Method;
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on(Method::GET, "/v3/pay/transactions/id/{transaction_id}").reply_with(|req| {
    ///     let id = req.target.rsplit('/').next().unwrap_or("").split('?').next().unwrap_or("").to_owned();
    ///     Reply::json(200, serde_json::json!({ "transaction_id": id, "trade_state": "REFUND" }))
    /// });
    /// let resp = sandbox.client()?.chain("v3/pay/transactions/id/{transaction_id}")
    ///     .get(serde_json::json!({ "transaction_id": "77" }))?;
    /// assert_eq!(resp.json::<serde_json::Value>()?["transaction_id"], "77");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn reply_with(self, answer: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) {
        self.put(Action::With(Arc::new(answer)));
    }

    /// Puts the rule in force with a misbehaviour (see [`Fault`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::sandbox::{Fault, Sandbox};
    /// use wechatpay::{ErrorKind, VerifyFailure};
    /// let sandbox = Sandbox::start()?;
    /// sandbox.on_path("*").fail(Fault::ForgedSignature);
    /// let node = sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}");
    /// let err = node.get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn fail(self, fault: Fault) {
        self.put(Action::Reply(Reply::fault(fault)));
    }

    fn put(self, action: Action) {
        if self.remaining == Some(0) {
            return;
        }
        self.scripts.lock().push(Script {
            method: self.method,
            pattern: self.pattern,
            remaining: self.remaining,
            action,
        });
    }
}

/// One request as the server read it.
#[derive(Clone)]
pub(crate) struct Incoming {
    pub(crate) method: Method,
    pub(crate) target: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Incoming {
    /// The request-target without its query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The request's `Wechatpay-Serial`: the key the merchant expects the answer signed with.
    pub(crate) fn serial(&self) -> Option<&str> {
        self.headers.get("wechatpay-serial").and_then(|v| v.to_str().ok())
    }

    /// The request as [`Recorded`], its signature checked.
    pub(crate) fn recorded(&self, state: &State) -> Recorded {
        Recorded {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            signature_valid: state.request_valid(&self.method, &self.target, &self.headers, &self.body),
        }
    }

    /// Records the request in the sandbox's log.
    pub(crate) fn record(&self, state: &State) {
        let valid = state.request_valid(&self.method, &self.target, &self.headers, &self.body);
        state.record(&self.method, &self.target, self.headers.clone(), &self.body, valid);
    }
}

/// What the server does with a request: answer (after `delay`), or close the connection unanswered.
pub(crate) struct Served {
    pub(crate) answer: Option<Answer>,
    pub(crate) delay: Option<Duration>,
}

impl Served {
    pub(crate) fn now(answer: Answer) -> Served {
        Served {
            answer: Some(answer),
            delay: None,
        }
    }
}

/// Answers one request: the newest matching rule, else the built-in routes; signed by the identity the request's
/// `Wechatpay-Serial` names.
pub(crate) fn respond(state: &State, req: Incoming) -> Served {
    answer_below(state, &req, usize::MAX)
}

/// The answer of the rules below index `below`, else of the built-in routes: what a [`Fault`] spoils.
pub(crate) fn answer_below(state: &State, req: &Incoming, below: usize) -> Served {
    let Some((index, action)) = state.scripts.take(&req.method, req.path(), below) else {
        return Served::now(builtin(state, req));
    };
    let reply = match action {
        Action::Reply(reply) => reply,
        Action::With(answer) => answer(&req.recorded(state)),
    };
    match reply.0 {
        ReplyKind::Fault(f) => fault::apply(state, f, req, index),
        ReplyKind::Json(status, body) => {
            req.record(state);
            Served::now(json_answer(state, req, status, &body))
        }
        ReplyKind::Xml(fields) => {
            req.record(state);
            Served::now(xml_answer(req, fields))
        }
    }
}

/// The built-in routes' answer (recorded by them), re-signed with the identity the request names.
pub(crate) fn builtin(state: &State, req: &Incoming) -> Answer {
    let answer = state.handle(
        req.method.clone(),
        req.target.clone(),
        req.headers.clone(),
        req.body.clone(),
    );
    let (key, serial) = state.identity(req.serial());
    let signed_by = answer.headers.get("wechatpay-serial").and_then(|v| v.to_str().ok());
    if signed_by != Some(super::keys::PLATFORM_SERIAL) || serial == super::keys::PLATFORM_SERIAL {
        return answer;
    }
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    sign(answer.status, body, key, serial)
}

/// A signed JSON answer; `Value::Null` is an empty body.
pub(crate) fn json_answer(state: &State, req: &Incoming, status: u16, body: &Value) -> Answer {
    let (key, serial) = state.identity(req.serial());
    match StatusCode::from_u16(status) {
        Ok(status) => {
            let body = if body.is_null() {
                String::new()
            } else {
                body.to_string()
            };
            sign(status, body, key, serial)
        }
        Err(_) => {
            let message = format!("the sandbox script's status {status} is not a valid HTTP status");
            let body = serde_json::json!({ "code": "SYSTEM_ERROR", "message": message });
            sign(StatusCode::INTERNAL_SERVER_ERROR, body.to_string(), key, serial)
        }
    }
}

/// A 200 XML answer from `fields`, completed and signed as [`Reply::xml`] says.
pub(crate) fn xml_answer(req: &Incoming, fields: Value) -> Answer {
    let Value::Object(mut map) = fields else {
        let fail = serde_json::json!({ "return_code": "FAIL", "return_msg": "the sandbox script's XML fields must be an object" });
        return xml(&fail);
    };
    let mut fill = |name: &str, value: String| {
        map.entry(name).or_insert(Value::String(value));
    };
    fill("return_code", "SUCCESS".to_owned());
    fill("mch_id", MCHID.to_owned());
    fill("nonce_str", Formatter::nonce(32).unwrap_or_default());
    if map.get("return_code").and_then(Value::as_str) == Some("SUCCESS") {
        map.entry("result_code").or_insert(Value::String("SUCCESS".to_owned()));
    }
    if !map.contains_key("sign") {
        if let Some(sign) = v2_sign(req, &map) {
            map.insert("sign".into(), Value::String(sign));
        }
    }
    xml(&Value::Object(map))
}

/// `map`'s `sign` by the request's `sign_type` (MD5 unless it says HMAC-SHA256) with the sandbox APIv2 key.
pub(crate) fn v2_sign(req: &Incoming, map: &Map<String, Value>) -> Option<String> {
    v2_sign_with(req, map, SECRET)
}

/// `map`'s `sign` by the request's `sign_type` with `secret`.
pub(crate) fn v2_sign_with(req: &Incoming, map: &Map<String, Value>, secret: &str) -> Option<String> {
    let (query, parts) = (
        req.target.split_once('?').map_or("", |(_, q)| q),
        multipart::boundary(&req.headers).map(|b| multipart::parse(&b, &req.body)),
    );
    let (data, _) = super::v2::request_fields(&req.method, query, &req.body, parts.as_ref());
    let sign_type = data.get("sign_type").and_then(Value::as_str).unwrap_or(Hash::ALGO_MD5);
    crate::v2::sign_fields(sign_type, map, secret).ok()
}

/// A 200 `text/xml` answer.
pub(crate) fn xml(fields: &Value) -> Answer {
    Answer::typed(
        StatusCode::OK,
        "text/xml; charset=utf-8",
        Bytes::from(Transformer::to_xml(fields)),
    )
}

#[cfg(test)]
mod tests {
    use super::{matches, segments};

    #[test]
    fn patterns_match_exact_paths_templates_and_prefixes() {
        let m = |p: &str, path: &str| matches(&segments(p), path);
        assert!(m("/v3/pay/transactions/native", "/v3/pay/transactions/native"));
        assert!(!m("/v3/pay/transactions/native", "/v3/pay/transactions/native/x"));
        assert!(!m("/v3/pay/transactions/native", "/v3/pay/transactions"));
        assert!(m("v3/pay/transactions/id/{id}", "/v3/pay/transactions/id/42"));
        assert!(!m("/v3/pay/transactions/id/{id}", "/v3/pay/transactions/id/"));
        assert!(!m("/v3/pay/transactions/id/{id}", "/v3/pay/transactions/id/4/2"));
        assert!(m("/v3/pay/*", "/v3/pay/transactions/id/42"));
        assert!(m("/v3/pay/*", "/v3/pay"));
        assert!(!m("/v3/pay/*", "/v3/refund/domestic/refunds"));
        assert!(m("*", "/pay/orderquery"));
        assert!(m("/v3/{x}/*", "/v3/a/b"));
    }
}

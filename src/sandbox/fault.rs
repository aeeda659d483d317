//! Misbehaviour on demand: what a [`Fault`] does to an answer.

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};

use super::keys::MCHID;
use super::routes::{Answer, State, sign, sign_at};
use super::script::{self, Incoming, Served};
use crate::crypto::Rsa;
use crate::formatter::Formatter;
use crate::transformer::Transformer;

/// The `Wechatpay-Serial` of [`Fault::UnknownSerial`] answers: no client knows it.
pub(crate) const UNKNOWN_SERIAL: &str = "SANDBOX_UNKNOWN_SERIAL_0000000000000000000";

/// A misbehaviour of the gateway, for testing how a client copes: give it to
/// [`Rule::fail`](super::Rule::fail) (or return it from a [`reply_with`](super::Rule::reply_with) closure).
///
/// The APIv3 signature faults, [`Delay`](Fault::Delay) and [`WrongSign`](Fault::WrongSign) take the answer the
/// request would otherwise get (from an older rule, else the built-in routes) and spoil one thing; the status
/// faults replace it with WeChat Pay's signed `{"code","message"}` error; the other APIv2 faults answer XML.
///
/// # Examples
///
/// ```
/// use wechatpay::sandbox::{Fault, Sandbox};
/// use wechatpay::{ErrorKind, VerifyFailure};
/// let sandbox = Sandbox::start()?;
/// sandbox.on_path("/v3/marketing/favor/stocks/{stock_id}").times(1).fail(Fault::StaleTimestamp);
/// let err = sandbox.client()?.chain("v3/marketing/favor/stocks/{stock_id}")
///     .get(serde_json::json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } })).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::ClockSkew));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The answer's `Wechatpay-Signature` is a well-formed signature of other data.
    ForgedSignature,
    /// The answer is signed correctly ten minutes in the past (`Wechatpay-Timestamp` 600 s ago).
    StaleTimestamp,
    /// The answer is signed under a `Wechatpay-Serial` no client knows.
    UnknownSerial,
    /// The answer's signature is WeChat Pay's `WECHATPAY/SIGNTEST/…` probe of the verifier.
    ProbeSignature,
    /// The answer lacks the `Wechatpay-Nonce`, `-Serial`, `-Signature` and `-Timestamp` headers.
    MissingSignatureHeaders,
    /// A signed `400 {"code":"PARAM_ERROR","message":"参数错误"}`.
    ParamError,
    /// A signed `401 {"code":"SIGN_ERROR","message":"签名错误"}`.
    SignError,
    /// A signed `429 {"code":"FREQUENCY_LIMITED","message":"频率超限"}`.
    FrequencyLimited,
    /// A signed `500 {"code":"SYSTEM_ERROR","message":"系统错误"}`.
    SystemError,
    /// The answer (an older rule's, else the built-in one), sent after this delay (longer than a client's timeout:
    /// a timeout).
    Delay(Duration),
    /// The connection is closed without an answer.
    ConnectionReset,
    /// APIv2: `return_code=FAIL` with a `return_msg`.
    ReturnCodeFail,
    /// APIv2: the answer is signed with another APIv2 key (an older rule's or the built-in answer's fields when it
    /// succeeds).
    WrongSign,
    /// APIv2: a signed `result_code=FAIL` with `err_code=SYSTEMERROR` and an `err_code_des`.
    ResultCodeFail,
}

/// A signed WeChat Pay error: `status` with `{"code","message"}`, by the identity the request names.
pub(crate) fn error(state: &State, req: Option<&Incoming>, status: StatusCode, code: &str, message: &str) -> Answer {
    let (key, serial) = state.identity(req.and_then(Incoming::serial));
    sign(
        status,
        json!({ "code": code, "message": message }).to_string(),
        key,
        serial,
    )
}

/// Serves `req` with `fault`, spoiling (where it spoils an answer) the answer of the rules below index `below`, or
/// of the built-in routes.
pub(crate) fn apply(state: &State, fault: Fault, req: &Incoming, below: usize) -> Served {
    let status = |status: StatusCode, code: &str, message: &str| {
        req.record(state);
        Served::now(error(state, Some(req), status, code, message))
    };
    match fault {
        Fault::ParamError => return status(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误"),
        Fault::SignError => return status(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误"),
        Fault::FrequencyLimited => return status(StatusCode::TOO_MANY_REQUESTS, "FREQUENCY_LIMITED", "频率超限"),
        Fault::SystemError => return status(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", "系统错误"),
        Fault::ConnectionReset => {
            req.record(state);
            return Served {
                answer: None,
                delay: None,
            };
        }
        Fault::ReturnCodeFail => {
            req.record(state);
            return Served::now(script::xml(
                &json!({ "return_code": "FAIL", "return_msg": "系统繁忙,请稍后再试" }),
            ));
        }
        Fault::ResultCodeFail => {
            req.record(state);
            let mut map = serde_json::Map::new();
            for (k, v) in [
                ("return_code", "SUCCESS"),
                ("return_msg", "OK"),
                ("result_code", "FAIL"),
                ("err_code", "SYSTEMERROR"),
                ("err_code_des", "系统错误"),
                ("mch_id", MCHID),
            ] {
                map.insert(k.into(), Value::String(v.into()));
            }
            map.insert(
                "nonce_str".into(),
                Value::String(Formatter::nonce(32).unwrap_or_default()),
            );
            if let Some(sign) = script::v2_sign(req, &map) {
                map.insert("sign".into(), Value::String(sign));
            }
            return Served::now(script::xml(&Value::Object(map)));
        }
        _ => {}
    }
    let served = script::answer_below(state, req, below);
    let Some(mut answer) = served.answer else {
        return served; // reset below: nothing to spoil
    };
    match fault {
        Fault::Delay(delay) => {
            return Served {
                answer: Some(answer),
                delay: Some(served.delay.unwrap_or_default() + delay),
            };
        }
        Fault::WrongSign => {
            return Served {
                answer: Some(wrong_sign(req, &answer)),
                delay: served.delay,
            };
        }
        _ => {}
    }
    let (key, serial) = state.identity(req.serial());
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    let signed_by = answer
        .headers
        .get("wechatpay-serial")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let set = |answer: &mut Answer, name: &'static str, value: String| {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            answer.headers.insert(name, v);
        }
    };
    match fault {
        Fault::ForgedSignature => {
            let forged = Rsa::sign(b"not the answer the sandbox sent\n", key).unwrap_or_default();
            set(&mut answer, "wechatpay-signature", forged);
        }
        Fault::StaleTimestamp => {
            // re-signed, under the serial that signed it (the certificate listing's own)
            let (key, serial) = match signed_by.as_deref() {
                Some(s) if s != serial => state.identity(Some(s)),
                _ => (key, serial),
            };
            answer = sign_at(answer.status, body, key, serial, Formatter::timestamp() - 600);
        }
        Fault::UnknownSerial => set(&mut answer, "wechatpay-serial", UNKNOWN_SERIAL.to_owned()),
        Fault::ProbeSignature => {
            let probe = format!("WECHATPAY/SIGNTEST/{}", Formatter::nonce(64).unwrap_or_default());
            set(&mut answer, "wechatpay-signature", probe);
        }
        Fault::MissingSignatureHeaders => {
            for name in [
                "wechatpay-nonce",
                "wechatpay-serial",
                "wechatpay-signature",
                "wechatpay-timestamp",
            ] {
                answer.headers.remove(name);
            }
        }
        _ => {}
    }
    Served {
        answer: Some(answer),
        delay: served.delay,
    }
}

/// The APIv2 answer's fields (an older rule's, else the built-in one; a plain success when it failed) signed with a key that is not the
/// sandbox's.
fn wrong_sign(req: &Incoming, answer: &Answer) -> Answer {
    let mut map = match Transformer::to_array(&answer.body) {
        Value::Object(map) if map.get("return_code").and_then(Value::as_str) == Some("SUCCESS") => map,
        _ => {
            let mut map = serde_json::Map::new();
            for (k, v) in [
                ("return_code", "SUCCESS"),
                ("return_msg", "OK"),
                ("result_code", "SUCCESS"),
                ("mch_id", MCHID),
            ] {
                map.insert(k.into(), Value::String(v.into()));
            }
            map.insert(
                "nonce_str".into(),
                Value::String(Formatter::nonce(32).unwrap_or_default()),
            );
            map
        }
    };
    if let Some(sign) = script::v2_sign_with(req, &map, "not_the_sandbox_apiv2_key_000000") {
        map.insert("sign".into(), Value::String(sign));
    }
    script::xml(&Value::Object(map))
}

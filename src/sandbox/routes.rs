//! The sandbox's behaviour, sans-IO: check the request signature, pick a canned answer, sign it.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use super::Recorded;
use super::certificates::{Listing, PLATFORM_CERT_NEW_SERIAL};
use super::keys;
use super::multipart::{self, Part};
use crate::crypto::{Rsa, RsaKey};
use crate::error::Result;
use crate::formatter::Formatter;

/// What the handler needs: keys and the request log.
pub(crate) struct State {
    merchant_public: RsaKey,
    platform_private: RsaKey,
    log: Arc<Mutex<Vec<Recorded>>>,
    certificates: super::certificates::Certificates,
    /// `GET /v3/certificates` answers 404 `RESOURCE_NOT_EXISTS` (a public-key-only merchant).
    public_key_mode: bool,
    /// The scripted answers and faults (`script.rs`), consulted before the routes below.
    pub(super) scripts: super::script::Scripts,
    /// Orders, refunds, bills and the notification sender.
    flow: Arc<super::flow::Flow>,
}

/// An answer before signing.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// An unsigned answer with just a `Content-Type` (APIv2 XML, bill files).
    pub(crate) fn typed(status: StatusCode, content_type: &'static str, body: Bytes) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Answer { status, headers, body }
    }
}

impl State {
    pub(crate) fn new(
        log: Arc<Mutex<Vec<Recorded>>>,
        public_key_mode: bool,
        flow: Arc<super::flow::Flow>,
    ) -> Result<Self> {
        Ok(State {
            merchant_public: keys::merchant_public()?,
            platform_private: keys::platform_private()?,
            log,
            certificates: super::certificates::Certificates::load()?,
            public_key_mode,
            scripts: super::script::Scripts::default(),
            flow,
        })
    }

    /// Handles one request completely: `/v3/…` as APIv3, everything else as APIv2.
    pub(crate) fn handle(&self, method: Method, target: String, headers: HeaderMap, body: Bytes) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let parts = multipart::boundary(&headers).map(|b| multipart::parse(&b, &body));
        if !path.starts_with("/v3/") {
            let (valid, answer) = super::v2::handle(&self.flow, &method, path, query, &body, parts.as_ref());
            self.record(&method, &target, headers, &body, valid);
            let (content_type, body) = match answer {
                super::v2::V2Body::Xml(xml) => ("text/xml; charset=utf-8", Bytes::from(xml)),
                super::v2::V2Body::File(file) => ("text/plain; charset=utf-8", file),
            };
            return Answer::typed(StatusCode::OK, content_type, body);
        }
        let signed = match signed_bytes(&body, parts.as_ref()) {
            Ok(signed) => signed,
            Err(why) => {
                self.record(&method, &target, headers, &body, false);
                return self.signed(
                    StatusCode::BAD_REQUEST,
                    json!({ "code": "PARAM_ERROR", "message": why }).to_string(),
                );
            }
        };
        let host = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let check = self.check_signature(&method, &target, &headers, &signed);
        self.record(&method, &target, headers, &body, check.is_ok());
        let parts = match &parts {
            Some(Ok(parts)) => Some(parts.as_slice()),
            _ => None,
        };
        let (status, value) = match check {
            Err(why) => (
                StatusCode::UNAUTHORIZED,
                json!({ "code": "SIGN_ERROR", "message": why }),
            ),
            Ok(()) if method == Method::GET && path == "/v3/certificates" => {
                match self.certificates.answer(self.public_key_mode) {
                    Listing::Certificates(list) => {
                        let key = &self.certificates.signing_key;
                        return sign(StatusCode::OK, list.to_string(), key, PLATFORM_CERT_NEW_SERIAL);
                    }
                    Listing::Plain(status, value) => (status, value),
                }
            }
            Ok(()) => match self.flow.v3(&method, path, query, host.as_deref(), &body) {
                Some(super::flow::Reply::Json(status, value)) => (status, value),
                Some(super::flow::Reply::NoContent) => return self.signed(StatusCode::NO_CONTENT, String::new()),
                Some(super::flow::Reply::File(file)) => return file_answer(file),
                None => route(&method, &target, parts),
            },
        };
        self.signed(status, value.to_string())
    }

    pub(super) fn record(
        &self,
        method: &Method,
        target: &str,
        headers: HeaderMap,
        body: &Bytes,
        signature_valid: bool,
    ) {
        if let Ok(mut log) = self.log.lock() {
            log.push(Recorded {
                method: method.clone(),
                target: target.to_owned(),
                headers,
                body: body.clone(),
                signature_valid,
            });
        }
    }

    /// Whether the request's signature verifies (APIv3 `Authorization`, or the APIv2 `sign`), as `handle` checks it.
    pub(super) fn request_valid(&self, method: &Method, target: &str, headers: &HeaderMap, body: &Bytes) -> bool {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let parts = multipart::boundary(headers).map(|b| multipart::parse(&b, body));
        if !path.starts_with("/v3/") {
            return super::v2::request_fields(method, query, body, parts.as_ref()).1;
        }
        signed_bytes(body, parts.as_ref())
            .is_ok_and(|signed| self.check_signature(method, target, headers, &signed).is_ok())
    }

    /// The key and serial that sign an answer to a request naming `serial` in its `Wechatpay-Serial`: a platform
    /// certificate's (the newer one: the older one's key was not kept, like a rotated-out certificate), else the
    /// public key's under [`PLATFORM_SERIAL`](keys::PLATFORM_SERIAL).
    pub(super) fn identity(&self, serial: Option<&str>) -> (&RsaKey, &'static str) {
        match serial {
            Some(s)
                if !self.public_key_mode
                    && (s == PLATFORM_CERT_NEW_SERIAL || s == super::certificates::PLATFORM_CERT_OLD_SERIAL) =>
            {
                (&self.certificates.signing_key, PLATFORM_CERT_NEW_SERIAL)
            }
            _ => (&self.platform_private, keys::PLATFORM_SERIAL),
        }
    }

    /// Verifies `Authorization` over `METHOD\nTARGET\nTS\nNONCE\nBODY\n` with the merchant public key.
    fn check_signature(&self, method: &Method, target: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        let auth = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or("missing Authorization header")?;
        let fields = auth
            .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
            .ok_or("Authorization scheme must be WECHATPAY2-SHA256-RSA2048")?;
        let field = |name: &str| -> Result<String, String> {
            fields
                .split(',')
                .find_map(|kv| {
                    kv.strip_prefix(name)
                        .and_then(|r| r.strip_prefix("=\""))
                        .and_then(|r| r.strip_suffix('"'))
                })
                .map(str::to_owned)
                .ok_or_else(|| format!("Authorization lacks {name}"))
        };
        let (mchid, serial, ts, nonce, signature) = (
            field("mchid")?,
            field("serial_no")?,
            field("timestamp")?,
            field("nonce_str")?,
            field("signature")?,
        );
        if mchid != keys::MCHID {
            return Err(format!("unknown mchid {mchid}"));
        }
        if serial != keys::MERCHANT_SERIAL {
            return Err(format!("unknown merchant certificate serial {serial}"));
        }
        let mut message = format!("{method}\n{target}\n{ts}\n{nonce}\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        if Rsa::verify(&message, &signature, &self.merchant_public) {
            Ok(())
        } else {
            Err("signature verification failed".to_owned())
        }
    }

    /// Signs `body` like the gateway: `Wechatpay-*` headers over `TS\nNONCE\nBODY\n` with the platform key.
    fn signed(&self, status: StatusCode, body: String) -> Answer {
        sign(status, body, &self.platform_private, keys::PLATFORM_SERIAL)
    }
}

/// What an APIv3 request is signed over: its body, or the `meta` part of a multipart upload (like the real gateway).
fn signed_bytes(body: &Bytes, parts: Option<&Result<Vec<Part>, String>>) -> Result<Bytes, String> {
    match parts {
        None => Ok(body.clone()),
        Some(Ok(parts)) => parts
            .iter()
            .find(|p| p.name == "meta")
            .map(|p| p.body.clone())
            .ok_or_else(|| "the multipart body has no `meta` part".to_owned()),
        Some(Err(why)) => Err(format!("malformed multipart body: {why}")),
    }
}

/// A bill file: unsigned, like the download host of the real gateway.
fn file_answer(file: Bytes) -> Answer {
    Answer::typed(StatusCode::OK, "application/octet-stream", file)
}

/// Signs `body` with `key` under `serial` (`Wechatpay-Serial`).
pub(super) fn sign(status: StatusCode, body: String, key: &RsaKey, serial: &str) -> Answer {
    sign_at(status, body, key, serial, Formatter::timestamp())
}

/// Signs `body` with `key` under `serial` as of the Unix time `ts` (`Wechatpay-Timestamp`).
pub(super) fn sign_at(status: StatusCode, body: String, key: &RsaKey, serial: &str, ts: i64) -> Answer {
    let nonce = Formatter::nonce(32).unwrap_or_else(|_| "sandboxnonce".to_owned());
    let message = Formatter::response(ts, &nonce, &body);
    let signature = Rsa::sign(message.as_bytes(), key).unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("content-type", "application/json".to_owned());
    put("request-id", format!("sandbox-{nonce}"));
    put("wechatpay-nonce", nonce);
    put("wechatpay-serial", serial.to_owned());
    put("wechatpay-signature", signature);
    put("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048".to_owned());
    put("wechatpay-timestamp", ts.to_string());
    Answer {
        status,
        headers,
        body: Bytes::from(body),
    }
}

/// The canned endpoints; `parts` is the body read as `multipart/form-data`, when it is one.
fn route(method: &Method, target: &str, parts: Option<&[Part]>) -> (StatusCode, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .unwrap_or("")
    };
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["v3", "marketing", "favor", "stocks", stock_id]) => (
            StatusCode::OK,
            json!({
                "stock_id": stock_id, "stock_creator_mchid": param("stock_creator_mchid"),
                "stock_name": "sandbox stock", "status": "running", "create_time": "2015-05-20T13:29:35+08:00",
                "description": "sandbox", "stock_type": "NORMAL", "no_cash": false, "singleitem": false,
            }),
        ),
        ("GET", ["v3", "marketing", "favor", "users", openid, "coupons", coupon_id]) => (
            StatusCode::OK,
            json!({
                "stock_creator_mchid": keys::MCHID, "stock_id": "9856000", "coupon_id": coupon_id,
                "openid": openid, "appid": param("appid"), "coupon_name": "sandbox coupon", "status": "SENDED",
                "description": "sandbox", "create_time": "2019-12-30T13:29:35+08:00", "coupon_type": "NORMAL",
                "no_cash": false, "singleitem": false,
            }),
        ),
        ("POST", ["v3", "merchant", "media", "upload"] | ["v3", "merchant-service", "images", "upload"]) => match parts
        {
            Some(parts) => super::media::v3_upload(parts),
            None => (
                StatusCode::BAD_REQUEST,
                json!({ "code": "PARAM_ERROR", "message": "an upload must be a multipart/form-data body" }),
            ),
        },
        _ => (
            StatusCode::NOT_FOUND,
            json!({ "code": "NOT_FOUND", "message": format!("the sandbox has no route for {method} {path}") }),
        ),
    }
}

//! The stateful payment routes: APIv3 and APIv2 requests about orders, refunds and bills mapped onto
//! [`Orders`], and payments made from the test, whose notifications go out through the [`Deliverer`].

use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

use super::bills::{self, Files, Kind};
use super::deliver::Deliverer;
use super::keys::{MCHID, SECRET};
use super::orders::{Api, NewOrder, NewRefund, OrderRef, Orders, Refusal};
use crate::error::{Error, Result};
use crate::formatter::Formatter;

/// What a flow route answers.
pub(crate) enum Reply {
    /// A JSON body, signed by the caller.
    Json(StatusCode, Value),
    /// 204 with an empty body, signed by the caller.
    NoContent,
    /// A bill file, sent as it is (unsigned, like the real download host).
    File(Bytes),
}

/// What an APIv2 flow route answers.
pub(crate) enum V2Reply {
    /// Fields to sign and send as XML (with `return_code` / `result_code`).
    Fields(Map<String, Value>),
    /// A bill file, sent as it is.
    File(Bytes),
    /// An unsigned `<xml>` error document.
    Error(String),
}

/// Orders, bill files and the notification sender of one sandbox.
pub(crate) struct Flow {
    /// `http`, or `https` for [`Sandbox::start_tls`](super::Sandbox::start_tls).
    scheme: &'static str,
    orders: Mutex<Orders>,
    files: Mutex<Files>,
    pub(crate) deliver: Deliverer,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn refused(r: Refusal) -> Reply {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
    Reply::Json(status, json!({ "code": r.code, "message": r.message }))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

/// A non-empty string at `pointer` (`/amount/total` style), or the refusal naming `name`.
fn text(v: &Value, pointer: &str, name: &str) -> std::result::Result<String, Refusal> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Refusal::missing(name))
}

/// A positive integer at `pointer` (a JSON number, or for APIv2 a decimal string).
fn amount(v: &Value, pointer: &str, name: &str) -> std::result::Result<u64, Refusal> {
    let n = match v.pointer(pointer) {
        None | Some(Value::Null) => return Err(Refusal::missing(name)),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    n.filter(|n| *n > 0)
        .ok_or_else(|| Refusal::new(400, "PARAM_ERROR", format!("{name} must be a positive integer (fen)")))
}

impl Flow {
    /// The flow of a sandbox served over `scheme` (`http` or `https`, for the bill URL).
    pub(crate) fn new(scheme: &'static str) -> Result<Flow> {
        Ok(Flow {
            scheme,
            orders: Mutex::new(Orders::default()),
            files: Mutex::new(Files::default()),
            deliver: Deliverer::new()?,
        })
    }

    /// The APIv3 flow routes; `None` for any other path. `host` is the request's `Host`, for the bill URL.
    pub(crate) fn v3(
        &self,
        method: &Method,
        path: &str,
        query: &str,
        host: Option<&str>,
        body: &[u8],
    ) -> Option<Reply> {
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let now = Formatter::timestamp();
        let reply = match (method.as_str(), segs.as_slice()) {
            ("POST", ["v3", "pay", "transactions", kind @ ("native" | "jsapi" | "app" | "h5")]) => {
                self.create_v3(kind, body, now)
            }
            ("GET", ["v3", "pay", "transactions", by @ ("out-trade-no" | "id"), key]) => {
                let key = decode(key);
                let by = if *by == "id" {
                    OrderRef::TransactionId(key)
                } else {
                    OrderRef::OutTradeNo(key)
                };
                match query_param(query, "mchid").filter(|m| !m.is_empty()) {
                    None => refused(Refusal::missing("mchid")),
                    Some(m) if m != MCHID => refused(Refusal::new(404, "ORDER_NOT_EXIST", "订单不存在")),
                    Some(_) => match lock(&self.orders).find(&by) {
                        Ok(order) => Reply::Json(StatusCode::OK, order.v3()),
                        Err(r) => refused(r),
                    },
                }
            }
            ("POST", ["v3", "pay", "transactions", "out-trade-no", otn, "close"]) => {
                let closed = json_object(body)
                    .and_then(|v| text(&v, "/mchid", "mchid"))
                    .and_then(|_| lock(&self.orders).close(&decode(otn)));
                match closed {
                    Ok(()) => Reply::NoContent,
                    Err(r) => refused(r),
                }
            }
            ("POST", ["v3", "refund", "domestic", "refunds"]) => self.refund_v3(body, now),
            ("GET", ["v3", "refund", "domestic", "refunds", orn]) => match lock(&self.orders).refund_of(&decode(orn)) {
                Ok(r) => Reply::Json(StatusCode::OK, r.v3()),
                Err(r) => refused(r),
            },
            ("GET", ["v3", "bill", "tradebill"]) => self.trade_bill(query, host),
            ("GET", ["v3", "billdownload", "file"]) => {
                match query_param(query, "token").and_then(|t| lock(&self.files).get(&t)) {
                    Some(file) => Reply::File(file),
                    None => refused(Refusal::new(
                        404,
                        "RESOURCE_NOT_EXISTS",
                        "账单文件不存在或已过期 (unknown token)",
                    )),
                }
            }
            _ => return None,
        };
        Some(reply)
    }

    fn create_v3(&self, kind: &str, body: &[u8], now: i64) -> Reply {
        let new = json_object(body).and_then(|v| {
            let openid = if kind == "jsapi" {
                Some(text(&v, "/payer/openid", "payer.openid")?)
            } else {
                v.pointer("/payer/openid").and_then(Value::as_str).map(str::to_owned)
            };
            if kind == "h5" {
                text(&v, "/scene_info/payer_client_ip", "scene_info.payer_client_ip")?;
                text(&v, "/scene_info/h5_info/type", "scene_info.h5_info.type")?;
            }
            Ok(NewOrder {
                api: Api::V3,
                appid: text(&v, "/appid", "appid")?,
                mchid: text(&v, "/mchid", "mchid")?,
                description: text(&v, "/description", "description")?,
                out_trade_no: text(&v, "/out_trade_no", "out_trade_no")?,
                notify_url: text(&v, "/notify_url", "notify_url")?,
                total: amount(&v, "/amount/total", "amount.total")?,
                currency: v
                    .pointer("/amount/currency")
                    .and_then(Value::as_str)
                    .unwrap_or("CNY")
                    .to_owned(),
                attach: v.get("attach").and_then(Value::as_str).unwrap_or_default().to_owned(),
                trade_type: if kind == "h5" {
                    "MWEB".to_owned()
                } else {
                    kind.to_ascii_uppercase()
                },
                openid,
                fingerprint: v,
            })
        });
        let mut orders = lock(&self.orders);
        let order = match new.and_then(|new| orders.create(new, now)) {
            Ok(order) => order,
            Err(r) => return refused(r),
        };
        let prepay = &order.prepay_id;
        let answer = match kind {
            "native" => {
                json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr={}", &prepay[prepay.len().saturating_sub(10)..]) })
            }
            "h5" => {
                json!({ "h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay}&package=2150917749") })
            }
            _ => json!({ "prepay_id": prepay }),
        };
        Reply::Json(StatusCode::OK, answer)
    }

    fn refund_v3(&self, body: &[u8], now: i64) -> Reply {
        let new = json_object(body).and_then(|v| {
            let order = match (
                v.get("transaction_id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty()),
                v.get("out_trade_no").and_then(Value::as_str).filter(|s| !s.is_empty()),
            ) {
                (Some(tid), _) => OrderRef::TransactionId(tid.to_owned()),
                (None, Some(otn)) => OrderRef::OutTradeNo(otn.to_owned()),
                (None, None) => return Err(Refusal::missing("transaction_id or out_trade_no")),
            };
            Ok(NewRefund {
                order,
                out_refund_no: text(&v, "/out_refund_no", "out_refund_no")?,
                refund: amount(&v, "/amount/refund", "amount.refund")?,
                total: amount(&v, "/amount/total", "amount.total")?,
                notify_url: v
                    .get("notify_url")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            })
        });
        let done = new.and_then(|new| lock(&self.orders).refund(new, now));
        match done {
            Ok((refund, fresh)) => {
                if let (true, Some(url)) = (fresh, &refund.notify_url) {
                    self.notify_v3("REFUND.SUCCESS", &refund.out_trade_no, url, &refund.notification());
                }
                Reply::Json(StatusCode::OK, refund.v3())
            }
            Err(r) => refused(r),
        }
    }

    fn trade_bill(&self, query: &str, host: Option<&str>) -> Reply {
        let Some(date) = query_param(query, "bill_date") else {
            return refused(Refusal::missing("bill_date"));
        };
        let Some(day) = bills::parse_day(&date, true) else {
            return refused(Refusal::new(
                400,
                "PARAM_ERROR",
                "bill_date must be a date written YYYY-MM-DD",
            ));
        };
        let Some(kind) = Kind::parse(&query_param(query, "bill_type").unwrap_or_default()) else {
            return refused(Refusal::new(
                400,
                "PARAM_ERROR",
                "bill_type must be ALL, SUCCESS or REFUND",
            ));
        };
        let gzip = match query_param(query, "tar_type").as_deref() {
            None | Some("") => false,
            Some("GZIP") => true,
            Some(_) => return refused(Refusal::new(400, "PARAM_ERROR", "tar_type must be GZIP when given")),
        };
        let csv = bills::trade_bill(&lock(&self.orders), day, kind);
        let hash = bills::sha1_hex(csv.as_bytes());
        let file = if gzip {
            bills::gzip(csv.as_bytes())
        } else {
            Bytes::from(csv)
        };
        let token = Formatter::nonce(32).unwrap_or_else(|_| hash.clone());
        lock(&self.files).put(token.clone(), file);
        let path = format!("v3/billdownload/file?token={token}");
        let url = match host {
            Some(host) => format!("{}://{host}/{path}", self.scheme),
            None => path,
        };
        Reply::Json(
            StatusCode::OK,
            json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
        )
    }

    /// The APIv2 flow routes over the request's (sign-checked) fields; `None` for any other path.
    pub(crate) fn v2(&self, path: &str, data: &Map<String, Value>) -> Option<V2Reply> {
        let v = Value::Object(data.clone());
        let now = Formatter::timestamp();
        let fields = match path {
            "/pay/unifiedorder" => self.unifiedorder(&v, now),
            "/pay/orderquery" => {
                let by = match (field(&v, "transaction_id"), field(&v, "out_trade_no")) {
                    (Some(tid), _) => OrderRef::TransactionId(tid),
                    (None, Some(otn)) => OrderRef::OutTradeNo(otn),
                    (None, None) => return Some(v2_refused(Refusal::missing("transaction_id or out_trade_no"))),
                };
                lock(&self.orders).find(&by).map(|o| o.v2())
            }
            "/pay/closeorder" => text(&v, "/out_trade_no", "out_trade_no")
                .and_then(|otn| lock(&self.orders).close(&otn))
                .map(|()| v2_success()),
            "/secapi/pay/refund" => self.refund_v2(&v, now),
            "/pay/downloadbill" => return Some(self.downloadbill(&v)),
            _ => return None,
        };
        Some(match fields {
            Ok(fields) => V2Reply::Fields(fields),
            Err(r) => v2_refused(r),
        })
    }

    fn unifiedorder(&self, v: &Value, now: i64) -> std::result::Result<Map<String, Value>, Refusal> {
        let trade_type = text(v, "/trade_type", "trade_type")?;
        if !matches!(trade_type.as_str(), "NATIVE" | "JSAPI" | "APP" | "MWEB") {
            return Err(Refusal::new(
                400,
                "PARAM_ERROR",
                "trade_type must be NATIVE, JSAPI, APP or MWEB",
            ));
        }
        let openid = if trade_type == "JSAPI" {
            Some(text(v, "/openid", "openid")?)
        } else {
            field(v, "openid")
        };
        let mut fingerprint = v.clone();
        if let Some(m) = fingerprint.as_object_mut() {
            for k in ["nonce_str", "sign", "sign_type"] {
                m.remove(k);
            }
        }
        let new = NewOrder {
            api: Api::V2,
            appid: text(v, "/appid", "appid")?,
            mchid: text(v, "/mch_id", "mch_id")?,
            description: text(v, "/body", "body")?,
            out_trade_no: text(v, "/out_trade_no", "out_trade_no")?,
            notify_url: text(v, "/notify_url", "notify_url")?,
            total: amount(v, "/total_fee", "total_fee")?,
            currency: field(v, "fee_type").unwrap_or_else(|| "CNY".to_owned()),
            attach: field(v, "attach").unwrap_or_default(),
            trade_type: trade_type.clone(),
            openid,
            fingerprint,
        };
        let mut orders = lock(&self.orders);
        let order = orders.create(new, now)?;
        let mut m = v2_success();
        for (k, val) in [
            ("appid", order.request.appid.clone()),
            ("mch_id", order.request.mchid.clone()),
            ("trade_type", trade_type.clone()),
            ("prepay_id", order.prepay_id.clone()),
        ] {
            m.insert(k.into(), Value::String(val));
        }
        let prepay = &order.prepay_id;
        match trade_type.as_str() {
            "NATIVE" => {
                let code = &prepay[prepay.len().saturating_sub(10)..];
                m.insert("code_url".into(), json!(format!("weixin://wxpay/bizpayurl?pr={code}")));
            }
            "MWEB" => {
                let url = format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay}");
                m.insert("mweb_url".into(), json!(url));
            }
            _ => {}
        }
        Ok(m)
    }

    fn refund_v2(&self, v: &Value, now: i64) -> std::result::Result<Map<String, Value>, Refusal> {
        let order = match (field(v, "transaction_id"), field(v, "out_trade_no")) {
            (Some(tid), _) => OrderRef::TransactionId(tid),
            (None, Some(otn)) => OrderRef::OutTradeNo(otn),
            (None, None) => return Err(Refusal::missing("transaction_id or out_trade_no")),
        };
        let new = NewRefund {
            order,
            out_refund_no: text(v, "/out_refund_no", "out_refund_no")?,
            refund: amount(v, "/refund_fee", "refund_fee")?,
            total: amount(v, "/total_fee", "total_fee")?,
            notify_url: None,
        };
        let (refund, _) = lock(&self.orders).refund(new, now)?;
        let mut m = v2_success();
        for (k, val) in [
            ("appid", field(v, "appid").unwrap_or_default()),
            ("mch_id", MCHID.to_owned()),
            ("transaction_id", refund.transaction_id),
            ("out_trade_no", refund.out_trade_no),
            ("out_refund_no", refund.out_refund_no),
            ("refund_id", refund.refund_id),
            ("refund_fee", refund.refund.to_string()),
            ("total_fee", refund.total.to_string()),
            ("cash_fee", refund.total.to_string()),
        ] {
            m.insert(k.into(), Value::String(val));
        }
        Ok(m)
    }

    fn downloadbill(&self, v: &Value) -> V2Reply {
        let error = |msg: &str, code: &str| {
            V2Reply::Error(crate::transformer::Transformer::to_xml(&json!({
                "return_code": "FAIL", "return_msg": msg, "error_code": code,
            })))
        };
        let Some(day) = field(v, "bill_date").and_then(|d| bills::parse_day(&d, false)) else {
            return error("invalid bill_date", "20001");
        };
        let Some(kind) = Kind::parse(&field(v, "bill_type").unwrap_or_default()) else {
            return error("invalid bill_type", "20001");
        };
        let csv = bills::trade_bill(&lock(&self.orders), day, kind);
        match field(v, "tar_type").as_deref() {
            Some("GZIP") => V2Reply::File(bills::gzip(csv.as_bytes())),
            None => V2Reply::File(Bytes::from(csv)),
            Some(_) => error("invalid tar_type", "20001"),
        }
    }

    /// Marks the order paid and starts sending its notification; the paid order as the APIv3 query answers it.
    pub(crate) fn pay(&self, out_trade_no: &str) -> Result<Value> {
        let order = lock(&self.orders)
            .pay(out_trade_no, Formatter::timestamp())
            .map_err(|r| {
                Error::invalid(format!(
                    "The sandbox cannot pay order {out_trade_no}: {} {}",
                    r.code, r.message
                ))
            })?;
        let resource = order.v3();
        match order.request.api {
            Api::V3 => self.notify_v3(
                "TRANSACTION.SUCCESS",
                out_trade_no,
                &order.request.notify_url,
                &resource,
            ),
            Api::V2 => {
                let mut fields = order.v2();
                fields.remove("trade_state");
                fields.remove("trade_state_desc");
                fields.remove("return_msg");
                let xml = sign_v2(fields);
                let mut headers = HeaderMap::new();
                headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
                self.deliver.send(
                    "TRANSACTION.SUCCESS",
                    out_trade_no,
                    &order.request.notify_url,
                    headers,
                    xml.into_bytes(),
                );
            }
        }
        Ok(resource)
    }

    fn notify_v3(&self, event_type: &str, out_trade_no: &str, url: &str, resource: &Value) {
        match super::notification::notification(event_type, resource) {
            Ok((headers, body)) => self.deliver.send(event_type, out_trade_no, url, headers, body),
            // Cannot happen with the embedded keys; recorded as a failed delivery rather than lost.
            Err(e) => self.deliver.failed(
                event_type,
                out_trade_no,
                url,
                format!("the notification cannot be built: {e}"),
            ),
        }
    }
}

fn json_object(body: &[u8]) -> std::result::Result<Value, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(Refusal::new(400, "PARAM_ERROR", "body must be a JSON object")),
    }
}

fn field(v: &Value, name: &str) -> Option<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn v2_success() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("return_code".into(), json!("SUCCESS"));
    m.insert("return_msg".into(), json!("OK"));
    m.insert("result_code".into(), json!("SUCCESS"));
    m
}

/// A refusal as APIv2 writes it: `result_code=FAIL` with `err_code` (APIv2 spells some codes differently).
fn v2_refused(r: Refusal) -> V2Reply {
    let code = match r.code {
        "ORDER_NOT_EXIST" => "ORDERNOTEXIST",
        "NOT_ENOUGH" => "NOTENOUGH",
        "ORDER_CLOSED" => "ORDERCLOSED",
        "MCH_NOT_EXISTS" => "MCHID_NOT_EXIST",
        other => other,
    };
    let mut m = Map::new();
    m.insert("return_code".into(), json!("SUCCESS"));
    m.insert("return_msg".into(), json!("OK"));
    m.insert("result_code".into(), json!("FAIL"));
    m.insert("err_code".into(), json!(code));
    m.insert("err_code_des".into(), json!(r.message));
    V2Reply::Fields(m)
}

/// `fields` with `nonce_str` and an MD5 `sign` over them, as XML.
fn sign_v2(mut fields: Map<String, Value>) -> String {
    fields.insert("nonce_str".into(), json!(Formatter::nonce(32).unwrap_or_default()));
    if let Ok(sign) = crate::v2::sign_fields(crate::crypto::Hash::ALGO_MD5, &fields, SECRET) {
        fields.insert("sign".into(), json!(sign));
    }
    crate::transformer::Transformer::to_xml(&Value::Object(fields))
}

//! The sandbox's APIv2 side, sans-IO: check the request `sign`, answer signed XML (or `return_code=FAIL`).

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value, json};

use super::flow::{Flow, V2Reply};
use super::keys::{MCHID, SECRET};
use super::multipart::Part;
use crate::crypto::Hash;
use crate::formatter::Formatter;
use crate::transformer::Transformer;

/// The request's data: the XML body, or the query of a GET.
fn data_of(method: &Method, query: &str, body: &[u8]) -> Map<String, Value> {
    if method == Method::GET {
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else {
        match Transformer::try_to_array(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

fn sign_of(data: &Map<String, Value>, sign_type: &str) -> Option<String> {
    crate::v2::sign_fields(sign_type, data, SECRET).ok()
}

/// The request's signed fields (XML body, GET query or multipart text fields) and whether its `sign` verifies.
pub(crate) fn request_fields(
    method: &Method,
    query: &str,
    body: &[u8],
    parts: Option<&Result<Vec<Part>, String>>,
) -> (Map<String, Value>, bool) {
    let data = match parts {
        None => data_of(method, query, body),
        Some(Ok(parts)) => super::media::v2_fields(parts),
        Some(Err(_)) => return (Map::new(), false),
    };
    let valid = crate::notify::v2::check_sign(&data, SECRET).is_ok();
    (data, valid)
}

/// An APIv2 answer body.
pub(crate) enum V2Body {
    /// An XML document.
    Xml(String),
    /// A bill file (`pay/downloadbill`).
    File(Bytes),
}

/// Handles one APIv2 request: `(sign verified, answer)`. `parts` is the body read as `multipart/form-data`
/// when it is one: its text fields are the signed data. The order, refund and bill routes are `flow`'s.
pub(crate) fn handle(
    flow: &Flow,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
    parts: Option<&Result<Vec<Part>, String>>,
) -> (bool, V2Body) {
    let fail = |msg: String| {
        V2Body::Xml(Transformer::to_xml(
            &json!({ "return_code": "FAIL", "return_msg": msg }),
        ))
    };
    let (data, parts) = match parts {
        None => (data_of(method, query, body), &[][..]),
        Some(Ok(parts)) => (super::media::v2_fields(parts), parts.as_slice()),
        Some(Err(why)) => return (false, fail(format!("sandbox: malformed multipart body: {why}"))),
    };
    let sign_type = data
        .get("sign_type")
        .and_then(Value::as_str)
        .unwrap_or(Hash::ALGO_MD5)
        .to_owned();
    let valid = crate::notify::v2::check_sign(&data, SECRET).is_ok();
    if !valid {
        return (
            false,
            fail("签名错误 (sandbox: the request sign does not verify)".to_owned()),
        );
    }
    let mch = ["mch_id", "mchid", "combine_mch_id"]
        .iter()
        .find_map(|k| data.get(*k).and_then(Value::as_str));
    if mch != Some(MCHID) {
        return (true, fail(format!("sandbox: unknown merchant {}", mch.unwrap_or(""))));
    }
    let field = |k: &str| data.get(k).cloned().unwrap_or(Value::Null);
    let flow_reply = if method == Method::POST {
        flow.v2(path, &data)
    } else {
        None
    };
    let mut answer = match (method.as_str(), path, flow_reply) {
        (_, _, Some(V2Reply::File(file))) => return (true, V2Body::File(file)),
        (_, _, Some(V2Reply::Error(xml))) => return (true, V2Body::Xml(xml)),
        (_, _, Some(V2Reply::Fields(fields))) => Value::Object(fields),
        ("POST", "/mmpaymkttransfers/query_coupon_stock", None) => json!({
            "return_code": "SUCCESS", "return_msg": "OK", "result_code": "SUCCESS",
            "appid": field("appid"), "mch_id": MCHID, "coupon_stock_id": field("coupon_stock_id"),
            "coupon_name": "sandbox coupon stock", "coupon_value": "5", "coupon_mininumn": "10",
            "coupon_stock_status": "4", "coupon_total": "100", "is_send_num": "0",
            "begin_time": "1943787483", "end_time": "1943787484", "create_time": "1943787420",
        }),
        ("POST", "/secapi/mch/uploadmedia", None) => match super::media::v2_upload(&data, parts) {
            Ok(answer) => answer,
            Err(why) => return (true, fail(why)),
        },
        _ => return (true, fail(format!("sandbox: no APIv2 route for {method} {path}"))),
    };
    if let Value::Object(map) = &mut answer {
        map.insert(
            "nonce_str".into(),
            Value::String(Formatter::nonce(32).unwrap_or_default()),
        );
        if let Some(sign) = sign_of(map, &sign_type) {
            map.insert("sign".into(), Value::String(sign));
        }
    }
    (true, V2Body::Xml(Transformer::to_xml(&answer)))
}

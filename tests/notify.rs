//! APIv3 notifications through `Client::notification`: notifications built independently here (fixture platform
//! key, a test APIv3 key) and by `sandbox::notification`; every tampering refused with the right kind.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::*;
use wechatpay::http::{HeaderMap, HeaderValue};
use wechatpay::{AesGcm, Client, ErrorKind, Rsa, RsaKey, VerifyFailure};

/// The APIv3 key of the independently built notifications (not the sandbox's).
const APIV3_KEY: &str = "0123456789abcdef0123456789abcdef";
const RESOURCE: &str = r#"{"mchid":"1230000109","out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100}}"#;

fn notify_client() -> Client {
    builder("https://api.mch.weixin.qq.com/")
        .apiv3_key(APIV3_KEY)
        .build()
        .unwrap()
}

/// The envelope WeChat Pay POSTs, `plaintext` sealed with `key`, `nonce` and `aad`.
fn envelope(plaintext: &str, key: &str, nonce: &str, aad: &str) -> Value {
    json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": AesGcm::encrypt(plaintext, key, nonce, aad).unwrap(),
            "associated_data": aad,
            "nonce": nonce,
        },
    })
}

fn good_body() -> String {
    envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction").to_string()
}

/// The four `Wechatpay-*` headers over `ts\nnonce\nbody\n`, signed with `key`.
fn headers(key: &RsaKey, serial: &str, ts: i64, nonce: &str, body: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in signed_headers(key, serial, ts, nonce, body) {
        map.insert(name, HeaderValue::from_str(&value).unwrap());
    }
    map.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SHA256-RSA2048"),
    );
    map
}

fn good_headers(body: &str) -> HeaderMap {
    headers(&platform_private(), PLATFORM_ID, NOW, "fdasfjihihihlkja484w", body)
}

fn kind_of(client: &Client, headers: &HeaderMap, body: &str) -> ErrorKind {
    client.notification(headers, body.as_bytes()).unwrap_err().kind()
}

#[test]
fn an_independently_built_notification_verifies_and_decrypts() {
    let body = good_body();
    let event = notify_client()
        .notification(&good_headers(&body), body.as_bytes())
        .unwrap();
    assert_eq!(event.id(), "EV-2018022511223320873");
    assert_eq!(event.event_type(), "TRANSACTION.SUCCESS");
    assert_eq!(event.resource_type(), "encrypt-resource");
    assert_eq!(event.summary(), "支付成功");
    assert_eq!(event.create_time(), "2015-05-20T13:29:35+08:00");
    assert_eq!(event.original_type(), "transaction");
    assert_eq!(event.algorithm(), "AEAD_AES_256_GCM");
    assert_eq!(event.associated_data(), "transaction");
    assert_eq!(event.plaintext(), RESOURCE);
    let paid: Value = event.resource().unwrap();
    assert_eq!(paid["amount"]["total"], 100);

    #[derive(serde::Deserialize)]
    struct Paid {
        out_trade_no: String,
        trade_state: String,
    }
    let typed: Paid = event.resource().unwrap();
    assert_eq!(typed.out_trade_no, "1217752501201407033233368018");
    assert_eq!(typed.trade_state, "SUCCESS");
}

#[test]
fn the_timestamp_may_be_300_seconds_off_but_not_301() {
    let body = good_body();
    let client = notify_client();
    for offset in [-300, 300] {
        let h = headers(&platform_private(), PLATFORM_ID, NOW + offset, "n", &body);
        client
            .notification(&h, body.as_bytes())
            .unwrap_or_else(|e| panic!("{offset}: {e}"));
    }
    for offset in [-301, 301] {
        let h = headers(&platform_private(), PLATFORM_ID, NOW + offset, "n", &body);
        assert_eq!(
            kind_of(&client, &h, &body),
            ErrorKind::Verify(VerifyFailure::ClockSkew),
            "{offset}"
        );
    }
}

#[test]
fn every_tampering_is_a_verify_error() {
    let body = good_body();
    let client = notify_client();
    let good = good_headers(&body);
    let bad = |h: &HeaderMap, b: &str| kind_of(&client, h, b);
    let set = |name: &str, value: &str| {
        let mut h = good.clone();
        h.insert(
            wechatpay::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        h
    };

    // the body: one byte more, one changed character
    assert_eq!(
        bad(&good, &format!("{body} ")),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    assert_eq!(
        bad(&good, &body.replace("TRANSACTION", "TRANSACTIOM")),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    // each signed header changed
    assert_eq!(
        bad(&set("wechatpay-timestamp", &(NOW + 1).to_string()), &body),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    assert_eq!(
        bad(&set("wechatpay-nonce", "another-nonce"), &body),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    assert_eq!(
        bad(
            &set("wechatpay-serial", "PUB_KEY_ID_0000000000000000000000000000"),
            &body
        ),
        ErrorKind::Verify(VerifyFailure::UnknownSerial)
    );
    let other_sig = Rsa::sign("another message", &platform_private()).unwrap();
    assert_eq!(
        bad(&set("wechatpay-signature", &other_sig), &body),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    assert_eq!(
        bad(&set("wechatpay-signature", "not base64!"), &body),
        ErrorKind::Verify(VerifyFailure::BadSignature)
    );
    // WeChat Pay's probe
    let probe = format!("WECHATPAY/SIGNTEST/{}", good["wechatpay-signature"].to_str().unwrap());
    assert_eq!(
        bad(&set("wechatpay-signature", &probe), &body),
        ErrorKind::Verify(VerifyFailure::ProbeSignature)
    );
    // signed with another key (the merchant's) under the platform serial
    let forged = headers(&merchant_private(), PLATFORM_ID, NOW, "fdasfjihihihlkja484w", &body);
    assert_eq!(bad(&forged, &body), ErrorKind::Verify(VerifyFailure::BadSignature));
    // no headers at all
    assert_eq!(
        bad(&HeaderMap::new(), &body),
        ErrorKind::Verify(VerifyFailure::HeadersIncomplete)
    );
}

#[test]
fn each_missing_header_is_refused() {
    let body = good_body();
    let client = notify_client();
    for name in [
        "wechatpay-nonce",
        "wechatpay-serial",
        "wechatpay-signature",
        "wechatpay-timestamp",
    ] {
        let mut h = good_headers(&body);
        h.remove(name);
        assert_eq!(
            kind_of(&client, &h, &body),
            ErrorKind::Verify(VerifyFailure::HeadersIncomplete),
            "{name}"
        );
    }
}

#[test]
fn each_repeated_header_is_refused() {
    let body = good_body();
    let client = notify_client();
    let good = good_headers(&body);
    for name in [
        "wechatpay-nonce",
        "wechatpay-serial",
        "wechatpay-signature",
        "wechatpay-timestamp",
    ] {
        // the genuine value first, then another one: PHP would use the first
        let mut h = good.clone();
        h.append(name, HeaderValue::from_static("second"));
        let err = client.notification(&h, body.as_bytes()).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Verify(VerifyFailure::HeadersDuplicated),
            "{name}"
        );
        // the same value twice is refused too
        let mut h = good.clone();
        h.append(name, good[name].clone());
        assert_eq!(
            kind_of(&client, &h, &body),
            ErrorKind::Verify(VerifyFailure::HeadersDuplicated),
            "{name}"
        );
    }
    let mut h = good.clone();
    h.append("wechatpay-statement-sha1", HeaderValue::from_static("a"));
    client
        .notification(&h, body.as_bytes())
        .expect("one Statement-Sha1 is not read for notifications");
    h.append("wechatpay-statement-sha1", HeaderValue::from_static("b"));
    assert_eq!(
        kind_of(&client, &h, &body),
        ErrorKind::Verify(VerifyFailure::HeadersDuplicated)
    );
}

/// Signs `body` genuinely, so that only the resource can fail.
fn signed_kind(client: &Client, body: &str) -> ErrorKind {
    kind_of(client, &good_headers(body), body)
}

#[test]
fn a_resource_that_does_not_decrypt_is_a_crypto_error() {
    let client = notify_client();
    // sealed with another APIv3 key
    let other_key = envelope(
        RESOURCE,
        "fedcba9876543210fedcba9876543210",
        "fdasflkja484w",
        "transaction",
    );
    assert_eq!(signed_kind(&client, &other_key.to_string()), ErrorKind::Crypto);
    // the client has another APIv3 key
    let body = good_body();
    let other_client = builder("https://api.mch.weixin.qq.com/")
        .apiv3_key("fedcba9876543210fedcba9876543210")
        .build()
        .unwrap();
    assert_eq!(signed_kind(&other_client, &body), ErrorKind::Crypto);
    // a tampered ciphertext (first base64 character changed), wrong associated data, wrong nonce
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    let c = v["resource"]["ciphertext"].as_str().unwrap().to_owned();
    let flipped = if c.starts_with('A') { "B" } else { "A" };
    v["resource"]["ciphertext"] = format!("{flipped}{}", &c[1..]).into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Crypto);
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["associated_data"] = "refund".into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Crypto);
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["nonce"] = "fdasflkja484x".into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Crypto);
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["ciphertext"] = "YWJj".into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Crypto);
}

#[test]
fn a_body_that_is_not_a_notification_is_a_decode_error() {
    let client = notify_client();
    for body in [
        "",
        "not json",
        "[]",
        "{}",
        r#"{"id":"EV-1","event_type":"X"}"#,
        r#"{"id":"EV-1","event_type":"X","resource":{"nonce":"n"}}"#,
    ] {
        assert_eq!(signed_kind(&client, body), ErrorKind::Decode, "{body}");
    }
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["algorithm"] = "AEAD_SM4_GCM".into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Decode);
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["nonce"] = "".into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Decode);
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "transaction");
    v["resource"]["nonce"] = "n".repeat(65).into();
    assert_eq!(signed_kind(&client, &v.to_string()), ErrorKind::Decode);
    // optional envelope fields may be absent or null
    let mut v = envelope(RESOURCE, APIV3_KEY, "fdasflkja484w", "");
    v.as_object_mut().unwrap().remove("summary");
    v["resource"]["associated_data"] = Value::Null;
    let event = client
        .notification(&good_headers(&v.to_string()), v.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        (event.summary(), event.associated_data(), event.plaintext()),
        ("", "", RESOURCE)
    );
}

#[test]
fn a_client_without_the_apiv3_key_or_apiv3_is_a_config_error() {
    let body = good_body();
    let no_key = client("https://api.mch.weixin.qq.com/");
    let err = no_key.notification(&good_headers(&body), body.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("apiv3_key"), "{err}");
    let v2_only = wechatpay::Builder::new()
        .mchid(MCHID)
        .secret("k")
        .apiv3_key(APIV3_KEY)
        .build()
        .unwrap();
    assert_eq!(kind_of(&v2_only, &good_headers(&body), &body), ErrorKind::Config);
}

#[test]
fn the_builders_verifier_hook_is_the_one_used() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = builder("https://api.mch.weixin.qq.com/")
        .apiv3_key(APIV3_KEY)
        .verifier(move |ctx: &wechatpay::VerifyContext<'_>| {
            log.lock()
                .unwrap()
                .push((ctx.path().to_owned(), ctx.response().body().to_vec()));
            match ctx.headers().get("x-remote-verdict").map(|v| v.as_bytes()) {
                Some(b"ok") => Ok(()),
                _ => Err(wechatpay::Formatter::nonce(0).unwrap_err()),
            }
        })
        .build()
        .unwrap();
    let body = good_body();
    // unsigned, but the hook accepts it: the default verifier is not consulted
    let mut h = HeaderMap::new();
    h.insert("x-remote-verdict", HeaderValue::from_static("ok"));
    let event = client.notification(&h, body.as_bytes()).unwrap();
    assert_eq!(event.plaintext(), RESOURCE);
    // validly signed, but the hook refuses it: its error is returned
    let err = client.notification(&good_headers(&body), body.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|(path, b)| path.is_empty() && b == body.as_bytes()));
}

#[test]
fn a_resource_of_another_shape_is_a_decode_error_that_keeps_the_plaintext() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "decoding is what is tested")]
    struct Wrong {
        amount: u64,
    }
    let body = good_body();
    let event = notify_client()
        .notification(&good_headers(&body), body.as_bytes())
        .unwrap();
    let err = event.resource::<Wrong>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") && !shown.contains("1217752501201407033233368018"),
        "{shown}"
    );
    assert_eq!(event.plaintext(), RESOURCE);

    // a plaintext that is not JSON at all still decrypts; only `resource()` refuses it
    let body = envelope(
        "openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        APIV3_KEY,
        "fdasflkja484w",
        "transaction",
    )
    .to_string();
    let event = notify_client()
        .notification(&good_headers(&body), body.as_bytes())
        .unwrap();
    assert_eq!(event.resource::<Value>().unwrap_err().kind(), ErrorKind::Decode);
    assert_eq!(event.plaintext(), "openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
}

#[test]
fn debug_never_shows_the_plaintext() {
    let body = good_body();
    let event = notify_client()
        .notification(&good_headers(&body), body.as_bytes())
        .unwrap();
    let shown = format!("{event:?} {event:#?}");
    assert!(shown.contains("EV-2018022511223320873"), "{shown}");
    for secret in [
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "1217752501201407033233368018",
        "trade_state",
        RESOURCE,
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn the_sandbox_builds_what_wechat_pay_sends() {
    let resource = json!({"out_refund_no": "131811191610442717309", "refund_status": "SUCCESS"});
    let (headers, body) = wechatpay::sandbox::notification("REFUND.SUCCESS", &resource).unwrap();
    let text = std::str::from_utf8(&body).unwrap();

    // checked independently of `Client::notification`: the platform public key, the sandbox APIv3 key
    let h = |name: &str| headers[name].to_str().unwrap().to_owned();
    assert_eq!(h("wechatpay-serial"), wechatpay::sandbox::PLATFORM_SERIAL);
    assert_eq!(h("wechatpay-nonce").len(), 32);
    let ts: i64 = h("wechatpay-timestamp").parse().unwrap();
    assert!((ts - wechatpay::Formatter::timestamp()).abs() < 60, "timestamp is now");
    let message = format!("{ts}\n{}\n{text}\n", h("wechatpay-nonce"));
    assert!(Rsa::verify(message, &h("wechatpay-signature"), &platform_public()));
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    let r = &envelope["resource"];
    assert_eq!(envelope["event_type"], "REFUND.SUCCESS");
    assert_eq!(envelope["resource_type"], "encrypt-resource");
    assert_eq!(r["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(r["original_type"], "refund");
    assert_eq!(r["nonce"].as_str().unwrap().len(), 12);
    let plain = AesGcm::decrypt(
        r["ciphertext"].as_str().unwrap(),
        wechatpay::sandbox::APIV3_KEY,
        r["nonce"].as_str().unwrap(),
        r["associated_data"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&plain).unwrap(), resource);

    // and the sandbox's client accepts it, while a client with another APIv3 key cannot open it
    let sandbox = wechatpay::sandbox::Sandbox::start().unwrap();
    let event = sandbox.client().unwrap().notification(&headers, &body).unwrap();
    assert_eq!(event.resource::<Value>().unwrap(), resource);
    let other = sandbox.builder().unwrap().apiv3_key(APIV3_KEY).build().unwrap();
    assert_eq!(
        other.notification(&headers, &body).unwrap_err().kind(),
        ErrorKind::Crypto
    );
    // two notifications differ in id and nonces
    let (headers2, body2) = wechatpay::sandbox::notification("REFUND.SUCCESS", &resource).unwrap();
    assert_ne!(body, body2);
    assert_ne!(headers["wechatpay-nonce"], headers2["wechatpay-nonce"]);
}

#[test]
fn the_replies_are_wechat_pays_documents() {
    assert_eq!(
        wechatpay::notify::reply_failure("验签失败"),
        r#"{"code":"FAIL","message":"验签失败"}"#
    );
    assert_eq!(
        wechatpay::notify::v2::reply(true, "OK"),
        "<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>"
    );
    let fail = wechatpay::notify::v2::reply(false, "签名失败 <bad>");
    assert_eq!(
        wechatpay::Transformer::to_array(&fail),
        json!({"return_code": "FAIL", "return_msg": "签名失败 <bad>"})
    );
}

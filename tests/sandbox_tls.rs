//! The sandbox over HTTPS (`Sandbox::start_tls`): APIv2 refunds with the merchant API certificate end to end,
//! refused without it, APIv3 unchanged over TLS, and clients that do not trust the sandbox CA (or present a
//! certificate it did not issue) failing at the handshake.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::{Value, json};
use support::*;
use wechatpay::download::{Bill, Download};
use wechatpay::sandbox::{MCHID, SECRET, Sandbox};
use wechatpay::{Builder, Client, ErrorKind, Transformer, V2Rejection};

const APPID: &str = "wx2421b1c4370ec43b";

/// An APIv2 Native order of `total_fee` fen over the TLS sandbox, paid.
fn paid_v2_order(sandbox: &Sandbox, client: &Client, out_trade_no: &str, total_fee: &str) {
    let created = client
        .chain("v2/pay/unifiedorder")
        .post(json!({ "xml": {
            "appid": APPID, "mch_id": MCHID, "body": "QQ会员充值", "out_trade_no": out_trade_no,
            "total_fee": total_fee, "spbill_create_ip": "127.0.0.1", "notify_url": "http://127.0.0.1:9/notify",
            "trade_type": "NATIVE",
        } }))
        .unwrap();
    assert_eq!(Transformer::to_array(created.body())["result_code"], "SUCCESS");
    sandbox.pay(out_trade_no).unwrap();
}

fn refund(out_trade_no: &str, out_refund_no: &str, fee: &str, security: bool) -> Value {
    json!({ "security": security, "xml": {
        "appid": APPID, "mch_id": MCHID, "out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
        "total_fee": "100", "refund_fee": fee,
    } })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_refund_with_the_merchant_certificate_succeeds_blocking_and_async() {
    let sandbox = Sandbox::start_tls().unwrap();
    assert!(sandbox.base_uri().starts_with("https://127.0.0.1:"));
    let client = sandbox.client().unwrap();
    paid_v2_order(&sandbox, &client, "TLS-1", "100");
    let node = client.chain("v2/secapi/pay/refund");

    let blocking = node.post(refund("TLS-1", "TLS-1-R1", "40", true)).unwrap();
    let asynced = runtime()
        .block_on(node.post_async(refund("TLS-1", "TLS-1-R2", "40", true)))
        .unwrap();
    for (mode, resp, no) in [("blocking", blocking, "TLS-1-R1"), ("async", asynced, "TLS-1-R2")] {
        // verified with the APIv2 key, as every APIv2 answer
        let answer = wechatpay::notify::v2::verify(resp.body(), SECRET).unwrap();
        assert_eq!(
            (
                answer["result_code"].as_str(),
                answer["out_refund_no"].as_str(),
                answer["refund_fee"].as_str()
            ),
            (Some("SUCCESS"), Some(no), Some("40")),
            "{mode}: {answer}"
        );
        assert!(answer["refund_id"].as_str().is_some_and(|id| !id.is_empty()), "{mode}");
    }
    // the two refunds were made: 20 fen are left
    let over = node.post(refund("TLS-1", "TLS-1-R3", "21", true)).unwrap_err();
    assert_eq!(over.kind(), ErrorKind::Rejected(V2Rejection::ResultCode), "{over}");
    assert_eq!(
        Transformer::to_array(over.response().unwrap().body())["err_code"],
        "NOTENOUGH"
    );
    let seen = sandbox.requests();
    assert!(seen.iter().all(|r| r.signature_valid));
    assert_eq!(seen.iter().filter(|r| r.target == "/secapi/pay/refund").count(), 3);
}

fn refused(resp: wechatpay::Result<wechatpay::Response>, mode: &str) {
    // WeChat Pay's `return_code=FAIL`, which the client reports as a rejection with the answer
    let err = resp.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Rejected(V2Rejection::ReturnCode),
        "{mode}: {err}"
    );
    let answer = Transformer::to_array(err.response().unwrap().body());
    assert_eq!(answer["return_code"], "FAIL", "{mode}: {answer}");
    let msg = answer["return_msg"].as_str().unwrap();
    assert!(msg.contains("merchant API certificate"), "{mode}: {msg}");
    assert!(answer.get("refund_id").is_none(), "{mode}");
}

#[test]
fn without_the_certificate_the_secapi_refund_is_refused_and_other_apis_answer() {
    let sandbox = Sandbox::start_tls().unwrap();
    let with_cert = sandbox.client().unwrap();
    paid_v2_order(&sandbox, &with_cert, "TLS-2", "100");
    // a client without `merchant_cert`, trusting the sandbox CA
    let bare = Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .root_certificate(Sandbox::ca_certificate_pem())
        .base_uri(sandbox.base_uri())
        .build()
        .unwrap();
    for (mode, result) in both(
        &bare.chain("v2/secapi/pay/refund"),
        "POST",
        refund("TLS-2", "TLS-2-R1", "10", false),
    ) {
        refused(result, mode);
    }
    // a client with the certificate that does not ask for it (`security: false`) is refused too
    for (mode, result) in both(
        &with_cert.chain("v2/secapi/pay/refund"),
        "POST",
        refund("TLS-2", "TLS-2-R1", "10", false),
    ) {
        refused(result, mode);
    }
    // the refusals were recorded (signed correctly) and refunded nothing: the whole amount is still there
    let seen = sandbox.requests();
    assert_eq!(seen.iter().filter(|r| r.target == "/secapi/pay/refund").count(), 4);
    let full = with_cert
        .chain("v2/secapi/pay/refund")
        .post(refund("TLS-2", "TLS-2-R1", "100", true))
        .unwrap();
    assert_eq!(Transformer::to_array(full.body())["result_code"], "SUCCESS");
    // an API that does not need the certificate answers the bare client
    for (mode, result) in both(
        &bare.chain("v2/pay/orderquery"),
        "POST",
        json!({ "xml": { "appid": APPID, "mch_id": MCHID, "out_trade_no": "TLS-2" } }),
    ) {
        let answer = Transformer::to_array(result.unwrap().body());
        assert_eq!(answer["trade_state"], "REFUND", "{mode}: {answer}");
    }
}

#[test]
fn apiv3_works_over_tls_with_verification_unchanged() {
    let sandbox = Sandbox::start_tls().unwrap();
    let client = sandbox.client().unwrap();
    let order = json!({ "json": {
        "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": "TLS-3", "notify_url": "http://127.0.0.1:9/notify", "amount": { "total": 1 },
    } });
    for (mode, result) in both(&client.chain("v3/pay/transactions/native"), "POST", order) {
        let resp = result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        let code_url = resp.json::<Value>().unwrap()["code_url"].clone();
        assert!(code_url.as_str().unwrap().starts_with("weixin://"), "{mode}");
    }
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
    // an answer whose signature does not verify is still refused over TLS
    let wrong_key = sandbox
        .builder()
        .unwrap()
        .cert(PLATFORM_ID, key("merchant.spki.pem", wechatpay::KeyType::Public))
        .build()
        .unwrap();
    let err = wrong_key
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
        .get(json!({ "out_trade_no": "TLS-3", "query": { "mchid": MCHID } }))
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Verify(_)), "{err:?}");
    // the bill's download URL is the HTTPS sandbox, and the file downloads over it
    let answer = client
        .chain("v3/bill/tradebill")
        .get(json!({ "query": { "bill_date": "2001-01-01" } }))
        .unwrap();
    let bill = Bill::from_response(&answer).unwrap();
    assert!(
        bill.download_url().starts_with(&sandbox.base_uri()),
        "{}",
        bill.download_url()
    );
    let mut out = Vec::new();
    Download::bill(&client, &bill).to_writer(&mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
}

#[test]
fn a_client_that_does_not_trust_the_sandbox_ca_fails_with_transport() {
    let sandbox = Sandbox::start_tls().unwrap();
    let untrusting = Builder::new()
        .mchid(MCHID)
        .serial(SERIAL)
        .private_key(Sandbox::merchant_private_key().unwrap())
        .cert(PLATFORM_ID, Sandbox::platform_public_key().unwrap())
        .secret(SECRET)
        .base_uri(sandbox.base_uri())
        .build()
        .unwrap();
    let node = untrusting.chain("v3/marketing/favor/stocks/{stock_id}");
    for (mode, result) in both(&node, "GET", json!({ "stock_id": "1" })) {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
    }
    // a merchant certificate the sandbox CA did not issue is refused at the handshake
    let foreign = sandbox
        .builder()
        .unwrap()
        .merchant_cert(
            std::fs::read_to_string(fixture("keys/merchant.cert.pem")).unwrap(),
            Sandbox::merchant_private_key_pem(),
        )
        .build()
        .unwrap();
    let node = foreign.chain("v2/secapi/pay/refund");
    for (mode, result) in both(&node, "POST", refund("TLS-4", "TLS-4-R1", "1", true)) {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
    }
    // nothing reached the gateway
    assert!(sandbox.requests().is_empty());
}

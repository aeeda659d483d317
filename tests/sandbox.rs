//! The sandbox gateway checks what it receives: a request signed with the wrong key is refused with a signed 401,
//! unknown routes answer a loud, signed 404, and everything is recorded.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::json;
use wechatpay::sandbox::{MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, Sandbox};
use wechatpay::{Builder, ErrorKind};

#[test]
fn a_request_signed_with_another_key_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let forged = Builder::new()
        .mchid(MCHID)
        .serial(MERCHANT_SERIAL)
        .private_key(support::platform_private()) // not the merchant's key
        .cert(PLATFORM_SERIAL, Sandbox::platform_public_key().unwrap())
        .base_uri(sandbox.base_uri())
        .build()
        .unwrap();
    for (mode, result) in support::both(
        &forged.chain("v3/marketing/favor/stocks/{stock_id}"),
        "GET",
        json!({"stock_id": "1"}),
    ) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status, "{mode}");
        let resp = err.response().unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.json::<serde_json::Value>().unwrap()["code"], "SIGN_ERROR");
    }
    assert!(sandbox.requests().iter().all(|r| !r.signature_valid));
}

#[test]
fn unknown_routes_name_themselves_and_requests_are_recorded() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let err = client
        .v3()
        .seg("no")
        .seg("such")
        .seg("route")
        .post(json!({"json": {"a": 1}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    assert!(
        err.response().unwrap().text().contains("POST /v3/no/such/route"),
        "{err}"
    );
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, "/v3/no/such/route");
    assert_eq!(&seen[0].body[..], br#"{"a":1}"#);
    assert!(seen[0].signature_valid);
}

#[tokio::test]
async fn the_sandbox_answers_async_calls_from_a_test_runtime() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let resp = client["v3/pay/transactions/native"]
        .post_async(json!({"json": {
            "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "d", "out_trade_no": "T1",
            "notify_url": "http://127.0.0.1:9/notify", "amount": {"total": 1},
        }}))
        .await
        .unwrap();
    let code_url = resp.json::<serde_json::Value>().unwrap()["code_url"].clone();
    assert!(
        code_url.as_str().unwrap().starts_with("weixin://wxpay/bizpayurl?pr="),
        "{code_url}"
    );
}

#[test]
fn apiv2_requests_signed_with_a_wrong_key_get_return_code_fail() {
    let sandbox = Sandbox::start().unwrap();
    let wrong = sandbox
        .builder()
        .unwrap()
        .secret("not the sandbox key")
        .build()
        .unwrap();
    let xml = json!({"xml": {"coupon_stock_id": "1757", "appid": "wx5edab3bdfba3dc1c", "mch_id": MCHID}});
    for (mode, result) in support::both(
        &wrong.v2().seg("mmpaymkttransfers").seg("query_coupon_stock"),
        "POST",
        xml.clone(),
    ) {
        let err = result.expect_err(mode);
        assert_eq!(
            err.kind(),
            ErrorKind::Rejected(wechatpay::V2Rejection::ReturnCode),
            "{mode}"
        );
        assert!(err.to_string().contains("签名错误"), "{err}");
    }
    assert!(sandbox.requests().iter().all(|r| !r.signature_valid));
    // the right key, HMAC-SHA256 this time: the sandbox answers in kind and the answer verifies
    let client = sandbox.client().unwrap();
    let mut hmac = xml.clone();
    hmac["xml"]["sign_type"] = json!("HMAC-SHA256");
    let resp = client
        .chain("v2/mmpaymkttransfers/query_coupon_stock")
        .post(hmac)
        .unwrap();
    let fields = wechatpay::Transformer::to_array(resp.body());
    assert_eq!(fields["coupon_stock_id"], "1757");
    assert_eq!(fields["sign"].as_str().unwrap().len(), 64);
}

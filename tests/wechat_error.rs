//! `Error::wechat()`: WeChat Pay's own error fields read from the response an error carries, for APIv3 JSON error
//! bodies (4xx, 5xx, unverifiable responses) and APIv2 XML rejections, blocking and async against mockito.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::json;
use support::*;
use wechatpay::{Api, ErrorKind, VerifyFailure, WechatError};

const SECRET: &str = "exposed_your_key_here_have_risks";

#[test]
fn a_400_param_error_gives_code_message_and_detail() {
    let mut server = mockito::Server::new();
    let body = r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/amount/total","value":0,"issue":"must be greater than 0","location":"body"}}"#;
    let _m = server
        .mock("POST", "/v3/pay/transactions/native")
        .with_status(400)
        .with_body(body)
        .create();
    let client = client(&base(&server));
    for (mode, result) in both(&client.chain("v3/pay/transactions/native"), "POST", json!({"json": {}})) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status, "{mode}");
        let wechat = err.wechat().unwrap();
        assert_eq!(wechat.api(), Api::V3);
        assert_eq!((wechat.code(), wechat.message()), ("PARAM_ERROR", "参数错误"), "{mode}");
        assert_eq!(wechat.detail().unwrap()["field"], "/amount/total");
        assert_eq!(wechat.field("code"), Some("PARAM_ERROR"));
        assert_eq!(wechat.to_string(), "PARAM_ERROR: 参数错误");
    }
}

#[test]
fn a_500_gives_its_code_and_an_html_500_gives_none() {
    let mut server = mockito::Server::new();
    let _json = server
        .mock("GET", "/v3/json")
        .with_status(500)
        .with_body(r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#)
        .create();
    let _html = server
        .mock("GET", "/v3/html")
        .with_status(502)
        .with_body("<html><body>Bad Gateway</body></html>")
        .create();
    let client = client(&base(&server));
    for (mode, result) in both(&client.chain("v3/json"), "GET", ()) {
        let wechat = result.expect_err(mode).wechat().unwrap();
        assert_eq!(
            (wechat.code(), wechat.message()),
            ("SYSTEM_ERROR", "系统错误"),
            "{mode}"
        );
        assert!(wechat.detail().is_none());
    }
    for (mode, result) in both(&client.chain("v3/html"), "GET", ()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status);
        assert!(err.wechat().is_none(), "{mode}: an HTML page is not a WeChat Pay error");
    }
}

#[test]
fn an_unverifiable_error_body_still_gives_its_code() {
    // with http_errors off, an unsigned 403 reaches the verifier and fails it; its body still says why
    let mut server = mockito::Server::new();
    let _m = server
        .mock("GET", "/v3/x")
        .with_status(403)
        .with_body(r#"{"code":"NO_AUTH","message":"商户无权限"}"#)
        .create();
    let _ok = server
        .mock("GET", "/v3/y")
        .with_body(r#"{"trade_state":"SUCCESS"}"#)
        .create();
    let client = client(&base(&server));
    let opts = wechatpay::Options::new().http_errors(false);
    for (mode, result) in both(&client.chain("v3/x"), "GET", opts.clone()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::HeadersIncomplete));
        assert_eq!(err.wechat().unwrap().code(), "NO_AUTH", "{mode}");
    }
    // an unverifiable success body is not a WeChat Pay error
    for (mode, result) in both(&client.chain("v3/y"), "GET", opts.clone()) {
        assert!(result.expect_err(mode).wechat().is_none(), "{mode}");
    }
}

fn v2_client(server: &mockito::Server) -> wechatpay::Client {
    builder(&base(server)).secret(SECRET).build().unwrap()
}

#[test]
fn an_apiv2_return_code_fail_gives_return_code_and_msg() {
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/pay/orderquery")
        .with_body(
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名错误]]></return_msg></xml>",
        )
        .create();
    let client = v2_client(&server);
    let opts = json!({"xml": {"appid": "wxd930ea5d5a258f4f", "mch_id": MCHID, "out_trade_no": "1217752501201407033233368018"}});
    for (mode, result) in both(&client.chain("v2/pay/orderquery"), "POST", opts.clone()) {
        let err = result.expect_err(mode);
        assert_eq!(
            err.kind(),
            ErrorKind::Rejected(wechatpay::V2Rejection::ReturnCode),
            "{mode}"
        );
        let wechat = err.wechat().unwrap();
        assert_eq!(wechat.api(), Api::V2);
        assert_eq!((wechat.code(), wechat.message()), ("FAIL", "签名错误"), "{mode}");
        assert_eq!(wechat.field("return_code"), Some("FAIL"));
        assert_eq!(wechat.field("err_code"), None);
    }
}

#[test]
fn an_apiv2_result_code_fail_gives_err_code_and_des() {
    let mut server = mockito::Server::new();
    let xml = signed_xml(
        json!({
            "return_code": "SUCCESS", "return_msg": "OK", "appid": "wxd930ea5d5a258f4f", "mch_id": MCHID,
            "nonce_str": "IITRi8Iabbblz1Jc", "result_code": "FAIL", "err_code": "ORDERNOTEXIST",
            "err_code_des": "此交易订单号不存在",
        }),
        SECRET,
    );
    let _m = server.mock("POST", "/pay/orderquery").with_body(xml).create();
    let client = v2_client(&server);
    let opts = json!({"xml": {"appid": "wxd930ea5d5a258f4f", "mch_id": MCHID, "out_trade_no": "1217752501201407033233368018"}});
    for (mode, result) in both(&client.chain("v2/pay/orderquery"), "POST", opts.clone()) {
        let err = result.expect_err(mode);
        assert_eq!(
            err.kind(),
            ErrorKind::Rejected(wechatpay::V2Rejection::ResultCode),
            "{mode}"
        );
        let wechat = err.wechat().unwrap();
        assert_eq!(
            (wechat.code(), wechat.message()),
            ("ORDERNOTEXIST", "此交易订单号不存在"),
            "{mode}"
        );
        assert_eq!(wechat.field("return_code"), Some("SUCCESS"));
        assert_eq!(wechat.field("result_code"), Some("FAIL"));
        assert_eq!(wechat.fields()["appid"], "wxd930ea5d5a258f4f");
    }
}

#[test]
fn a_sign_mismatch_of_a_successful_answer_is_no_wechat_error() {
    let mut server = mockito::Server::new();
    let xml = signed_xml(
        json!({"return_code": "SUCCESS", "result_code": "SUCCESS", "trade_state": "SUCCESS"}),
        "another key",
    );
    let _m = server.mock("POST", "/pay/orderquery").with_body(xml).create();
    let client = v2_client(&server);
    let err = client
        .chain("v2/pay/orderquery")
        .post(json!({"xml": {"mch_id": MCHID, "out_trade_no": "1"}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(wechatpay::V2Rejection::SignMismatch));
    assert!(
        err.wechat().is_none(),
        "WeChat Pay reported success; the failure is ours"
    );
}

#[test]
fn from_response_reads_bodies_without_an_error() {
    use wechatpay::Response;
    use wechatpay::http::StatusCode;
    let r = |body: &str| Response::new(StatusCode::OK, Default::default(), body.to_owned());
    assert!(WechatError::from_response(&r("")).is_none());
    assert!(WechatError::from_response(&r("[1]")).is_none());
    assert!(
        WechatError::from_response(&r(r#"{"code":1}"#)).is_none(),
        "code must be a string"
    );
    assert!(WechatError::from_response(&r("<xml><appid>x</appid></xml>")).is_none());
    let e = WechatError::from_response(&r(r#"  {"code":"X"}"#)).unwrap();
    assert_eq!((e.code(), e.message(), e.to_string().as_str()), ("X", "", "X"));
}

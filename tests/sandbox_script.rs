//! The scriptable sandbox through the real client: scripted JSON, XML and closure answers, every `Fault` mapped to
//! the `ErrorKind` a user matches on (blocking and async), `.times(n)` then back to normal, the signing identity
//! chosen by the request's `Wechatpay-Serial`, and malformed requests answered signed while the server keeps serving.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::{Value, json};
use wechatpay::certs::Downloader;
use wechatpay::http::Method;
use wechatpay::sandbox::{Fault, PLATFORM_CERT_NEW_SERIAL, PLATFORM_CERT_OLD_SERIAL, PLATFORM_SERIAL, Reply, Sandbox};
use wechatpay::{ErrorKind, Formatter, Rsa, V2Rejection, VerifyFailure};

const NODE: &str = "v3/marketing/favor/stocks/{stock_id}";

fn opts() -> Value {
    json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "123456" } })
}

/// A complete Native order (the sandbox checks the required fields).
fn order(out_trade_no: &str) -> Value {
    json!({ "json": {
        "appid": "wxd678efh567hg6787", "mchid": wechatpay::sandbox::MCHID, "description": "sandbox script test",
        "out_trade_no": out_trade_no, "notify_url": "http://127.0.0.1:9/notify", "amount": { "total": 1 },
    } })
}

fn v2_opts() -> Value {
    json!({ "xml": { "appid": "wx1", "mch_id": wechatpay::sandbox::MCHID, "coupon_stock_id": "1" } })
}

#[test]
fn each_v3_signature_fault_is_refused_with_its_verify_failure() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    for (fault, failure) in [
        (Fault::ForgedSignature, VerifyFailure::BadSignature),
        (Fault::StaleTimestamp, VerifyFailure::ClockSkew),
        (Fault::UnknownSerial, VerifyFailure::UnknownSerial),
        (Fault::ProbeSignature, VerifyFailure::ProbeSignature),
        (Fault::MissingSignatureHeaders, VerifyFailure::HeadersIncomplete),
    ] {
        sandbox
            .on(Method::GET, "/v3/marketing/favor/stocks/{id}")
            .times(2)
            .fail(fault);
        for (mode, result) in support::both(&client.chain(NODE), "GET", opts()) {
            let err = result.expect_err(mode);
            assert_eq!(err.kind(), ErrorKind::Verify(failure), "{fault:?} {mode}: {err}");
            // the answer is the built-in one, spoiled in one way only
            let body: Value = err.response().unwrap().json().unwrap();
            assert_eq!(body["stock_id"], "9856888", "{fault:?} {mode}");
        }
        // used up: back to a verified answer
        assert_eq!(client.chain(NODE).get(opts()).unwrap().status(), 200, "{fault:?}");
    }
    // the stale answer is otherwise correctly signed: ten minutes old
    sandbox.on_path("/v3/*").times(1).fail(Fault::StaleTimestamp);
    let err = client.chain(NODE).get(opts()).unwrap_err();
    let headers = err.response().unwrap().headers();
    let ts: i64 = headers["wechatpay-timestamp"].to_str().unwrap().parse().unwrap();
    assert!((Formatter::timestamp() - ts - 600).abs() < 5, "{ts}");
    let message = Formatter::response(
        ts,
        headers["wechatpay-nonce"].to_str().unwrap(),
        &err.response().unwrap().text(),
    );
    let signature = headers["wechatpay-signature"].to_str().unwrap();
    assert!(Rsa::verify(
        message,
        signature,
        &Sandbox::platform_public_key().unwrap()
    ));
}

#[test]
fn wechat_error_statuses_come_with_their_code_and_message() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    for (fault, status, code) in [
        (Fault::ParamError, 400, "PARAM_ERROR"),
        (Fault::SignError, 401, "SIGN_ERROR"),
        (Fault::FrequencyLimited, 429, "FREQUENCY_LIMITED"),
        (Fault::SystemError, 500, "SYSTEM_ERROR"),
    ] {
        sandbox
            .on(Method::POST, "/v3/pay/transactions/native")
            .times(2)
            .fail(fault);
        let node = client.chain("v3/pay/transactions/native");
        for (mode, result) in support::both(&node, "POST", order(&format!("{code}-1"))) {
            let err = result.expect_err(mode);
            // a Status error: the answer was signed and verified
            assert_eq!(err.kind(), ErrorKind::Status, "{code} {mode}");
            assert_eq!(err.response().unwrap().status(), status, "{code} {mode}");
            let wechat = err.wechat().unwrap();
            assert_eq!(wechat.code(), code, "{mode}");
            assert!(!wechat.message().is_empty(), "{code} {mode}");
        }
        let ok = node.post(order(&format!("{code}-2"))).unwrap();
        let code_url = ok.json::<Value>().unwrap()["code_url"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(code_url.starts_with("weixin://wxpay/bizpayurl?pr="), "{code_url}");
    }
}

#[test]
fn a_delay_past_the_timeout_is_a_timeout_and_a_reset_is_a_transport_error() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox
        .builder()
        .unwrap()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    sandbox
        .on_path("/v3/marketing/favor/stocks/{id}")
        .times(2)
        .fail(Fault::Delay(Duration::from_secs(2)));
    for (mode, result) in support::both(&client.chain(NODE), "GET", opts()) {
        let err = result.expect_err(mode);
        assert!(err.is_timeout(), "{mode}: {err}");
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}");
    }
    // a short delay is only a delay
    sandbox
        .on_path("/v3/marketing/favor/stocks/{id}")
        .times(1)
        .fail(Fault::Delay(Duration::from_millis(50)));
    assert_eq!(client.chain(NODE).get(opts()).unwrap().status(), 200);

    sandbox
        .on_path("/v3/marketing/favor/stocks/{id}")
        .times(2)
        .fail(Fault::ConnectionReset);
    for (mode, result) in support::both(&client.chain(NODE), "GET", opts()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
        assert!(!err.is_timeout(), "{mode}");
        assert!(err.response().is_none(), "{mode}");
    }
    assert_eq!(client.chain(NODE).get(opts()).unwrap().status(), 200);
    // every request reached the sandbox and was recorded, the reset ones too
    assert_eq!(sandbox.requests().len(), 6);
}

#[test]
fn apiv2_faults_are_rejected_by_the_clients_checks() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.v2().chain("mmpaymkttransfers/query_coupon_stock");
    for (fault, why, field) in [
        (Fault::ReturnCodeFail, V2Rejection::ReturnCode, "return_msg"),
        (Fault::ResultCodeFail, V2Rejection::ResultCode, "err_code_des"),
        (Fault::WrongSign, V2Rejection::SignMismatch, "coupon_stock_id"),
    ] {
        sandbox
            .on_path("/mmpaymkttransfers/query_coupon_stock")
            .times(2)
            .fail(fault);
        for (mode, result) in support::both(&node, "POST", v2_opts()) {
            let err = result.expect_err(mode);
            assert_eq!(err.kind(), ErrorKind::Rejected(why), "{fault:?} {mode}: {err}");
            let text = err.response().unwrap().text();
            assert!(text.contains(&format!("<{field}>")), "{fault:?} {mode}: {text}");
        }
        assert_eq!(node.post(v2_opts()).unwrap().status(), 200, "{fault:?}");
    }
    // result_code=FAIL is a signed answer: only its result is refused
    sandbox
        .on_path("/mmpaymkttransfers/*")
        .times(1)
        .fail(Fault::ResultCodeFail);
    let err = node.post(v2_opts()).unwrap_err();
    assert_eq!(err.wechat().unwrap().code(), "SYSTEMERROR");
}

#[test]
fn scripted_json_answers_any_path_signed_and_verified_then_clears() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let refunds = client.chain("v3/ecommerce/refunds/{out_refund_no}");
    // unscripted: the signed 404 naming the route
    let err = refunds.get(json!({ "out_refund_no": "R1" })).unwrap_err();
    assert_eq!(err.response().unwrap().status(), 404);
    let text = err.response().unwrap().text();
    assert!(text.contains("GET /v3/ecommerce/refunds/R1"), "{text}");

    sandbox
        .on(Method::GET, "/v3/ecommerce/refunds/{out_refund_no}")
        .reply(Reply::json(200, json!({ "status": "SUCCESS", "out_refund_no": "R1" })));
    for (mode, result) in support::both(&refunds, "GET", json!({ "out_refund_no": "R1" })) {
        let resp = result.expect(mode);
        assert_eq!(resp.json::<Value>().unwrap()["status"], "SUCCESS", "{mode}");
    }
    // the method is part of the rule
    let err = refunds.post(json!({ "out_refund_no": "R1", "json": {} })).unwrap_err();
    assert_eq!(err.response().unwrap().status(), 404);
    // scripts win over the built-in routes, newest first
    sandbox
        .on(Method::GET, NODE.replace("{stock_id}", "{id}").as_str())
        .reply(Reply::json(200, json!({ "trade_state": "CLOSED" })));
    sandbox
        .on_path("/v3/marketing/favor/stocks/*")
        .times(1)
        .reply(Reply::json(202, json!({ "trade_state": "USERPAYING" })));
    let first = client.chain(NODE).get(opts()).unwrap();
    assert_eq!(
        (
            first.status().as_u16(),
            first.json::<Value>().unwrap()["trade_state"].clone()
        ),
        (202, json!("USERPAYING"))
    );
    assert_eq!(
        client.chain(NODE).get(opts()).unwrap().json::<Value>().unwrap()["trade_state"],
        "CLOSED"
    );
    // an error status scripted as JSON reaches the user as WeChat Pay's error
    sandbox
        .on(Method::POST, "/v3/ecommerce/refunds")
        .times(1)
        .reply(Reply::json(
            403,
            json!({ "code": "NOT_ENOUGH", "message": "基本账户余额不足" }),
        ));
    let err = client
        .chain("v3/ecommerce/refunds")
        .post(json!({ "json": {} }))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    assert_eq!(err.wechat().unwrap().code(), "NOT_ENOUGH");
    // an invalid status is reported, signed
    sandbox.on_path("/v3/odd").times(1).reply(Reply::json(1000, json!({})));
    let err = client.chain("v3/odd").get(()).unwrap_err();
    assert_eq!(err.wechat().unwrap().code(), "SYSTEM_ERROR");
    assert!(err.wechat().unwrap().message().contains("1000"));

    sandbox.clear_scripts();
    assert_eq!(
        client.chain(NODE).get(opts()).unwrap().json::<Value>().unwrap()["stock_id"],
        "9856888"
    );
    assert_eq!(
        refunds
            .get(json!({ "out_refund_no": "R1" }))
            .unwrap_err()
            .response()
            .unwrap()
            .status(),
        404
    );
    // scripted requests are recorded, their signatures checked
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
}

#[test]
fn scripted_xml_is_completed_and_signed_with_the_requests_sign_type() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.v2().chain("pay/orderquery");
    let query = |sign_type: Option<&str>| {
        let mut xml = json!({ "appid": "wx1", "mch_id": wechatpay::sandbox::MCHID, "out_trade_no": "1" });
        if let Some(t) = sign_type {
            xml["sign_type"] = json!(t);
        }
        json!({ "xml": xml })
    };
    sandbox
        .on(Method::POST, "/pay/orderquery")
        .reply(Reply::xml(json!({ "trade_state": "NOTPAY", "out_trade_no": "1" })));
    for (mode, result) in support::both(&node, "POST", query(None)) {
        let resp = result.expect(mode);
        let fields = wechatpay::Transformer::to_array(resp.body());
        assert_eq!(fields["return_code"], "SUCCESS", "{mode}");
        assert_eq!(fields["result_code"], "SUCCESS", "{mode}");
        assert_eq!(fields["trade_state"], "NOTPAY", "{mode}");
        assert_eq!(fields["sign"].as_str().unwrap().len(), 32, "{mode}: MD5");
        assert_eq!(fields["nonce_str"].as_str().unwrap().len(), 32, "{mode}");
    }
    let resp = node.post(query(Some("HMAC-SHA256"))).unwrap();
    let fields = wechatpay::Transformer::to_array(resp.body());
    assert_eq!(fields["sign"].as_str().unwrap().len(), 64, "HMAC-SHA256");
    // given fields are kept: a FAIL is a FAIL, a given sign is sent as is (and refused)
    sandbox.on(Method::POST, "/pay/orderquery").times(1).reply(Reply::xml(
        json!({ "return_code": "FAIL", "return_msg": "参数格式校验错误" }),
    ));
    let err = node.post(query(None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode));
    assert!(!err.response().unwrap().text().contains("result_code"));
    sandbox
        .on(Method::POST, "/pay/orderquery")
        .times(1)
        .reply(Reply::xml(json!({ "sign": "0123456789ABCDEF0123456789ABCDEF" })));
    let err = node.post(query(None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::SignMismatch));
    // and not an object
    sandbox
        .on(Method::POST, "/pay/orderquery")
        .times(1)
        .reply(Reply::xml(json!(["x"])));
    let err = node.post(query(None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode));
}

#[test]
fn a_closure_answers_from_the_recorded_request_and_a_panic_in_it_leaves_the_server_serving() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    sandbox
        .on(Method::POST, "/v3/pay/transactions/jsapi")
        .reply_with(|req| {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            match body["amount"]["total"].as_u64() {
                Some(total) if total > 0 && req.signature_valid => Reply::json(
                    200,
                    json!({ "prepay_id": format!("wx{}", body["out_trade_no"].as_str().unwrap_or("")) }),
                ),
                _ => Reply::fault(Fault::ParamError),
            }
        });
    let node = client.chain("v3/pay/transactions/jsapi");
    let good = json!({ "json": { "out_trade_no": "T1", "amount": { "total": 1 } } });
    for (mode, result) in support::both(&node, "POST", good) {
        assert_eq!(
            result.expect(mode).json::<Value>().unwrap()["prepay_id"],
            "wxT1",
            "{mode}"
        );
    }
    let bad = json!({ "json": { "out_trade_no": "T2", "amount": { "total": 0 } } });
    let err = node.post(bad).unwrap_err();
    assert_eq!(err.wechat().unwrap().code(), "PARAM_ERROR");
    // a fault from a closure spoils the built-in answer like a `fail` rule
    sandbox
        .on_path(NODE)
        .times(1)
        .reply_with(|_| Fault::ForgedSignature.into());
    let err = client.chain(NODE).get(opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));

    sandbox
        .on_path("/v3/panics")
        .times(1)
        .reply_with(|_| panic!("a user's script fails"));
    let err = client.chain("v3/panics").get(()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    assert_eq!(err.response().unwrap().status(), 500);
    assert_eq!(err.wechat().unwrap().code(), "SYSTEM_ERROR");
    assert_eq!(client.chain(NODE).get(opts()).unwrap().status(), 200);
    assert_eq!(sandbox.requests().len(), 6);
}

#[test]
fn answers_are_signed_by_the_key_the_requests_wechatpay_serial_names() {
    let sandbox = Sandbox::start().unwrap();
    // the client holds the public key (the sandbox builder's) and the new platform certificate, downloaded
    let client = sandbox.client().unwrap();
    let certs = Downloader::new(&client).download().unwrap();
    let new = certs
        .iter()
        .find(|c| c.serial_no() == PLATFORM_CERT_NEW_SERIAL)
        .unwrap();
    let both = sandbox
        .builder()
        .unwrap()
        .cert(PLATFORM_CERT_NEW_SERIAL, new.public_key().unwrap())
        .build()
        .unwrap();
    let call = |serial: Option<&str>| {
        let mut o = opts();
        if let Some(s) = serial {
            o["headers"] = json!({ "Wechatpay-Serial": s });
        }
        support::both(&both.chain(NODE), "GET", o).map(|(mode, r)| {
            let resp = r.expect(mode);
            resp.headers()["wechatpay-serial"].to_str().unwrap().to_owned()
        })
    };
    assert_eq!(call(Some(PLATFORM_CERT_NEW_SERIAL)), [PLATFORM_CERT_NEW_SERIAL; 2]);
    assert_eq!(call(Some(PLATFORM_SERIAL)), [PLATFORM_SERIAL; 2]);
    assert_eq!(call(None), [PLATFORM_SERIAL; 2]); // the builder announces the public key id
    // the old certificate's key is gone: answered by the newer one, as after a rotation
    assert_eq!(call(Some(PLATFORM_CERT_OLD_SERIAL)), [PLATFORM_CERT_NEW_SERIAL; 2]);
    // faults keep the identity: a stale answer from the certificate is still the certificate's
    sandbox.on_path(NODE).times(1).fail(Fault::StaleTimestamp);
    let err = both
        .chain(NODE)
        .get({
            let mut o = opts();
            o["headers"] = json!({ "Wechatpay-Serial": PLATFORM_CERT_NEW_SERIAL });
            o
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::ClockSkew));
    assert_eq!(
        err.response().unwrap().headers()["wechatpay-serial"],
        PLATFORM_CERT_NEW_SERIAL
    );
    // a client without the certificate cannot verify what it asked for
    let err = client
        .chain(NODE)
        .get({
            let mut o = opts();
            o["headers"] = json!({ "Wechatpay-Serial": PLATFORM_CERT_NEW_SERIAL });
            o
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::UnknownSerial));
    // in public-key mode there are no certificates: the public key signs whatever is asked
    let pk = Sandbox::start_public_key_mode().unwrap();
    let resp = pk
        .client()
        .unwrap()
        .chain(NODE)
        .get({
            let mut o = opts();
            o["headers"] = json!({ "Wechatpay-Serial": PLATFORM_CERT_NEW_SERIAL });
            o
        })
        .unwrap();
    assert_eq!(resp.headers()["wechatpay-serial"], PLATFORM_SERIAL);
}

/// Sends `request` as raw bytes and reads the whole answer: (status, headers, body).
fn raw(sandbox: &Sandbox, request: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let addr = sandbox
        .base_uri()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer); // the server may close after answering; what was read counts
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// Asserts the raw answer is signed by the sandbox's platform key and carries WeChat Pay's `code`.
fn assert_signed_error(answer: &(u16, Vec<(String, String)>, String), status: u16, code: &str) {
    let (got, headers, body) = answer;
    assert_eq!(*got, status, "{body}");
    let h = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    let message = Formatter::response(h("wechatpay-timestamp").parse().unwrap(), &h("wechatpay-nonce"), body);
    assert!(Rsa::verify(
        message,
        &h("wechatpay-signature"),
        &Sandbox::platform_public_key().unwrap()
    ));
    let json: Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["code"], code, "{body}");
    assert!(!json["message"].as_str().unwrap().is_empty());
}

#[test]
fn malformed_requests_get_signed_errors_and_the_server_keeps_serving() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    // garbage body, no Authorization
    let garbage = b"POST /v3/pay/transactions/native HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\n\x00\xff{]}\x01\x02";
    let answer = raw(&sandbox, garbage);
    assert_signed_error(&answer, 401, "SIGN_ERROR");
    assert!(answer.2.contains("Authorization"), "{}", answer.2);
    // a mangled Authorization
    let mangled = b"GET /v3/certificates HTTP/1.1\r\nHost: x\r\nAuthorization: WECHATPAY2-SHA256-RSA2048 mchid=\"\r\nConnection: close\r\n\r\n";
    assert_signed_error(&raw(&sandbox, mangled), 401, "SIGN_ERROR");
    // an absurd Content-Length is refused unread, at once
    let absurd = b"POST /v3/pay/transactions/native HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\nConnection: close\r\n\r\n{}";
    let answer = raw(&sandbox, absurd);
    assert_signed_error(&answer, 400, "PARAM_ERROR");
    assert!(answer.2.contains("Content-Length"), "{}", answer.2);
    // a malformed multipart body
    let multipart = b"POST /v3/merchant/media/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 5\r\nConnection: close\r\n\r\n--zz\r";
    assert_signed_error(&raw(&sandbox, multipart), 400, "PARAM_ERROR");
    // a correctly signed request with a body that is not JSON, through the client
    for (mode, result) in support::both(
        &client.chain("v3/pay/transactions/native"),
        "POST",
        wechatpay::Options::new()
            .body("{not json")
            .header("content-type", "application/json"),
    ) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status, "{mode}");
        assert_eq!(err.wechat().unwrap().code(), "PARAM_ERROR", "{mode}");
    }
    // and still serving, with everything recorded
    assert_eq!(client.chain(NODE).get(opts()).unwrap().status(), 200);
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().filter(|r| r.signature_valid).count(), 3);
}

#[test]
fn faults_spoil_the_scripted_answer_below_them_as_in_the_testing_guide() {
    // docs/TESTING.md, "Scripting the sandbox"
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox
        .builder()
        .unwrap()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let query = client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}");
    let order = json!({ "out_trade_no": "T1", "query": { "mchid": wechatpay::sandbox::MCHID } });

    sandbox
        .on(Method::GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}")
        .reply_with(|req| {
            let out_trade_no = req
                .target
                .split('?')
                .next()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            Reply::json(200, json!({ "out_trade_no": out_trade_no, "trade_state": "NOTPAY" }))
        });
    assert_eq!(
        query.get(order.clone()).unwrap().json::<Value>().unwrap()["trade_state"],
        "NOTPAY"
    );

    sandbox.on_path("/v3/pay/*").times(1).fail(Fault::ForgedSignature);
    sandbox.on_path("/v3/pay/*").times(1).fail(Fault::FrequencyLimited);
    assert_eq!(
        query.get(order.clone()).unwrap_err().wechat().unwrap().code(),
        "FREQUENCY_LIMITED"
    );
    let err = query.get(order.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));
    // what was spoiled is the scripted answer, not the built-in 404
    assert_eq!(err.response().unwrap().json::<Value>().unwrap()["out_trade_no"], "T1");
    assert!(query.get(order.clone()).is_ok());

    sandbox.on_path("*").times(1).fail(Fault::Delay(Duration::from_secs(2)));
    assert!(query.get(order.clone()).unwrap_err().is_timeout());
    // faults stack: a stale answer, late
    sandbox.on_path("*").times(1).fail(Fault::StaleTimestamp);
    sandbox
        .on_path("*")
        .times(1)
        .fail(Fault::Delay(Duration::from_millis(50)));
    let err = query.get(order).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::ClockSkew));
    // one record per request
    assert_eq!(sandbox.requests().len(), 6);
}

//! The sandbox's stateful payment flow, driven like a user's test would: orders created through APIv3 and APIv2
//! (sharing one state), paid from the test, the notifications delivered to a real axum handler on loopback
//! (verified with `Client::notification` / `notify::v2::verify`, retried while the handler fails), refunds,
//! closes, the gateway's refusals, and bills downloaded with `wechatpay::download`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use serde_json::{Value, json};
use wechatpay::download::{Bill, Download};
use wechatpay::sandbox::{MCHID, SECRET, Sandbox};
use wechatpay::{Client, ErrorKind, Formatter, Rsa, Transformer, V2Rejection, notify};

const WAIT: Duration = Duration::from_secs(10);

/// A notification handler on loopback: records what it receives; answers 500 to the first `failures`
/// requests, then 204.
struct Handler {
    url: String,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    _rt: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct Script {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    failures: usize,
    seen: Arc<AtomicUsize>,
}

async fn notified(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> StatusCode {
    script.received.lock().unwrap().push((headers, body));
    if script.seen.fetch_add(1, Ordering::SeqCst) < script.failures {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

fn handler(failures: usize) -> Handler {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Script {
        received: received.clone(),
        failures,
        seen: Arc::new(AtomicUsize::new(0)),
    };
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let app = Router::new().route("/notify", post(notified)).with_state(script);
    rt.spawn(async move { axum::serve(listener, app).await });
    Handler { url, received, _rt: rt }
}

fn native(out_trade_no: &str, total: u64, notify_url: &str) -> Value {
    json!({
        "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": out_trade_no, "notify_url": notify_url, "amount": { "total": total, "currency": "CNY" },
    })
}

fn query(client: &Client, out_trade_no: &str) -> Value {
    client
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
        .get(json!({ "out_trade_no": out_trade_no, "query": { "mchid": MCHID } }))
        .unwrap()
        .json()
        .unwrap()
}

/// The WeChat Pay `code` and HTTP status of a refused APIv3 call.
fn refusal(result: wechatpay::Result<wechatpay::Response>) -> (u16, String, String) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status, "{err}");
    let resp = err.response().unwrap();
    let status = resp.status().as_u16();
    // signed by the gateway like a success
    let h = |name: &str| resp.headers()[name].to_str().unwrap().to_owned();
    let message = Formatter::response(
        h("wechatpay-timestamp").parse().unwrap(),
        &h("wechatpay-nonce"),
        &resp.text(),
    );
    let platform = Sandbox::platform_public_key().unwrap();
    assert!(Rsa::verify(message.as_bytes(), &h("wechatpay-signature"), &platform));
    let wechat = err.wechat().unwrap();
    (status, wechat.code().to_owned(), wechat.message().to_owned())
}

/// The `err_code` of a refused APIv2 call.
fn v2_err_code(result: wechatpay::Result<wechatpay::Response>) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ResultCode), "{err}");
    err.wechat().unwrap().code().to_owned()
}

#[test]
fn an_apiv3_order_end_to_end_notpay_paid_notified_refunded_and_not_closable() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let shop = handler(0);

    let created = client
        .chain("v3/pay/transactions/native")
        .post(json!({ "json": native("FLOW-V3-1", 100, &shop.url) }))
        .unwrap();
    assert!(
        created.json::<Value>().unwrap()["code_url"]
            .as_str()
            .unwrap()
            .starts_with("weixin://wxpay/bizpayurl?pr=")
    );
    let before = query(&client, "FLOW-V3-1");
    assert_eq!(before["trade_state"], "NOTPAY");
    assert!(before.get("transaction_id").is_none());
    assert!(sandbox.deliveries().is_empty());

    let paid = sandbox.pay("FLOW-V3-1").unwrap();
    let tid = paid["transaction_id"].as_str().unwrap().to_owned();
    let deliveries = sandbox.wait_for_deliveries(1, WAIT).unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(
        (d.event_type.as_str(), d.out_trade_no.as_str(), d.notify_url.as_str()),
        ("TRANSACTION.SUCCESS", "FLOW-V3-1", shop.url.as_str())
    );
    assert!(d.delivered && d.finished);
    assert_eq!(d.attempts.iter().map(|a| a.status).collect::<Vec<_>>(), [Some(204)]);

    // the handler got a notification that the merchant's client verifies and decrypts: the order as queried
    let (headers, body) = shop.received.lock().unwrap()[0].clone();
    let event = client.notification(&headers, &body).unwrap();
    assert_eq!(event.event_type(), "TRANSACTION.SUCCESS");
    let resource: Value = event.resource().unwrap();
    let after = client
        .chain("v3/pay/transactions/id/{transaction_id}")
        .get(json!({ "transaction_id": tid, "query": { "mchid": MCHID } }))
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(resource, after);
    assert_eq!(resource, paid);
    assert_eq!(after["trade_state"], "SUCCESS");
    assert_eq!(after["out_trade_no"], "FLOW-V3-1");
    assert_eq!(after["amount"]["payer_total"], 100);
    assert!(after["payer"]["openid"].is_string());
    assert!(after["success_time"].as_str().unwrap().ends_with("+08:00"));

    // refund 60 of 100, then more than the 40 left is refused
    let refund = client
        .chain("v3/refund/domestic/refunds")
        .post(json!({ "json": {
            "transaction_id": tid, "out_refund_no": "FLOW-R-1", "amount": { "refund": 60, "total": 100, "currency": "CNY" },
        } }))
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(
        (refund["status"].as_str(), refund["amount"]["refund"].as_u64()),
        (Some("SUCCESS"), Some(60))
    );
    let again = client
        .chain("v3/refund/domestic/refunds/{out_refund_no}")
        .get(json!({ "out_refund_no": "FLOW-R-1" }))
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(again, refund);
    let (status, code, _) = refusal(client.chain("v3/refund/domestic/refunds").post(json!({ "json": {
        "out_trade_no": "FLOW-V3-1", "out_refund_no": "FLOW-R-2", "amount": { "refund": 41, "total": 100, "currency": "CNY" },
    } })));
    assert_eq!((status, code.as_str()), (400, "NOT_ENOUGH"));
    assert_eq!(query(&client, "FLOW-V3-1")["trade_state"], "REFUND");

    // REFUND.SUCCESS went to the order's notify_url
    let deliveries = sandbox.wait_for_deliveries(2, WAIT).unwrap();
    assert_eq!(deliveries[1].event_type, "REFUND.SUCCESS");
    assert!(deliveries[1].delivered);
    let (headers, body) = shop.received.lock().unwrap()[1].clone();
    let refunded: Value = client.notification(&headers, &body).unwrap().resource().unwrap();
    assert_eq!(refunded["out_refund_no"], "FLOW-R-1");
    assert_eq!(refunded["refund_status"], "SUCCESS");
    assert_eq!(refunded["amount"]["refund"], 60);

    // a paid order cannot be closed, nor paid again
    let (status, code, _) = refusal(
        client
            .chain("v3/pay/transactions/out-trade-no/{out_trade_no}/close")
            .post(json!({ "out_trade_no": "FLOW-V3-1", "json": { "mchid": MCHID } })),
    );
    assert_eq!((status, code.as_str()), (400, "ORDERPAID"));
    assert_eq!(sandbox.pay("FLOW-V3-1").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
}

#[tokio::test]
async fn jsapi_app_and_h5_orders_answer_their_payment_parameters_and_an_unpaid_order_closes() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let mut jsapi = native("FLOW-JSAPI", 1, "http://127.0.0.1:9/notify");
    jsapi["payer"] = json!({ "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" });
    let resp = client
        .chain("v3/pay/transactions/jsapi")
        .post_async(json!({ "json": jsapi }))
        .await
        .unwrap();
    assert!(
        resp.json::<Value>().unwrap()["prepay_id"]
            .as_str()
            .unwrap()
            .starts_with("wx")
    );
    let app = native("FLOW-APP", 1, "http://127.0.0.1:9/notify");
    let resp = client
        .chain("v3/pay/transactions/app")
        .post_async(json!({ "json": app }))
        .await
        .unwrap();
    assert!(resp.json::<Value>().unwrap()["prepay_id"].is_string());
    let mut h5 = native("FLOW-H5", 1, "http://127.0.0.1:9/notify");
    h5["scene_info"] = json!({ "payer_client_ip": "127.0.0.1", "h5_info": { "type": "Wap" } });
    let resp = client
        .chain("v3/pay/transactions/h5")
        .post_async(json!({ "json": h5 }))
        .await
        .unwrap();
    assert!(
        resp.json::<Value>().unwrap()["h5_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let close = client
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}/close")
        .post_async(json!({ "out_trade_no": "FLOW-APP", "json": { "mchid": MCHID } }))
        .await
        .unwrap();
    assert_eq!(close.status(), 204);
    assert!(close.body().is_empty());
    let closed = client
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
        .get_async(json!({ "out_trade_no": "FLOW-APP", "query": { "mchid": MCHID } }))
        .await
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(closed["trade_state"], "CLOSED");
    assert_eq!(sandbox.pay("FLOW-APP").unwrap_err().kind(), ErrorKind::InvalidArgument);
    let jsapi_order = client
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
        .get_async(json!({ "out_trade_no": "FLOW-JSAPI", "query": { "mchid": MCHID } }))
        .await
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(
        (
            jsapi_order["trade_type"].as_str(),
            jsapi_order["payer"]["openid"].as_str()
        ),
        (Some("JSAPI"), Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"))
    );
}

#[test]
fn a_notification_is_sent_again_while_the_handler_answers_500_then_accepted() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.set_notify_retry(Duration::from_millis(20), 5);
    let client = sandbox.client().unwrap();
    let shop = handler(2);
    client
        .chain("v3/pay/transactions/native")
        .post(json!({ "json": native("FLOW-RETRY", 7, &shop.url) }))
        .unwrap();
    sandbox.pay("FLOW-RETRY").unwrap();
    let d = sandbox.wait_for_deliveries(1, WAIT).unwrap().remove(0);
    assert_eq!(
        d.attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(500), Some(500), Some(204)]
    );
    assert!(d.delivered);
    let received = shop.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    // every attempt carries the same, genuine notification
    for (headers, body) in &received {
        assert_eq!(
            client.notification(headers, body).unwrap().resource::<Value>().unwrap()["out_trade_no"],
            "FLOW-RETRY"
        );
        assert_eq!(body, &received[0].1);
    }
}

#[tokio::test]
async fn async_code_waits_for_a_delivery_while_its_handler_runs_on_the_same_runtime() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Script {
        received: received.clone(),
        failures: 1,
        seen: Arc::new(AtomicUsize::new(0)),
    };
    sandbox.set_notify_retry(Duration::from_millis(10), 3);
    // the handler is served by this test's own current-thread runtime
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let app = Router::new().route("/notify", post(notified)).with_state(script);
    tokio::spawn(async move { axum::serve(listener, app).await });
    client
        .chain("v3/pay/transactions/native")
        .post_async(json!({ "json": native("FLOW-ASYNC", 3, &url) }))
        .await
        .unwrap();
    sandbox.pay("FLOW-ASYNC").unwrap();
    let d = sandbox.wait_for_deliveries_async(1, WAIT).await.unwrap().remove(0);
    assert_eq!(
        d.attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(500), Some(204)]
    );
    assert_eq!(received.lock().unwrap().len(), 2);
    assert!(
        sandbox
            .wait_for_deliveries_async(2, Duration::from_millis(50))
            .await
            .is_err()
    );
}

#[test]
fn the_sender_gives_up_after_the_last_attempt_and_never_sends_off_loopback() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.set_notify_retry(Duration::from_millis(5), 3);
    let client = sandbox.client().unwrap();
    let shop = handler(usize::MAX);
    client
        .chain("v3/pay/transactions/native")
        .post(json!({ "json": native("FLOW-GIVEUP", 7, &shop.url) }))
        .unwrap();
    client
        .chain("v3/pay/transactions/native")
        .post(json!({ "json": native("FLOW-REMOTE", 7, "https://example.com/notify") }))
        .unwrap();
    sandbox.pay("FLOW-GIVEUP").unwrap();
    sandbox.pay("FLOW-REMOTE").unwrap();
    let ds = sandbox.wait_for_deliveries(2, WAIT).unwrap();
    assert_eq!(
        ds[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(500); 3]
    );
    assert!(ds[0].finished && !ds[0].delivered);
    assert_eq!(ds[1].attempts.len(), 1);
    assert!(ds[1].attempts[0].error.as_deref().unwrap().contains("loopback"));
    assert!(ds[1].finished && !ds[1].delivered);
    assert_eq!(shop.received.lock().unwrap().len(), 3);
}

#[test]
fn missing_fields_are_a_signed_400_param_error_naming_the_field() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.chain("v3/pay/transactions/native");
    for (pointer, name) in [
        ("/appid", "appid"),
        ("/mchid", "mchid"),
        ("/description", "description"),
        ("/out_trade_no", "out_trade_no"),
        ("/notify_url", "notify_url"),
        ("/amount/total", "amount.total"),
    ] {
        let mut body = native("FLOW-MISSING", 1, "http://127.0.0.1:9/notify");
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        body.pointer_mut(if parent.is_empty() { "" } else { parent })
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
        let (status, code, message) = refusal(node.post(json!({ "json": body })));
        assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{name}");
        assert!(message.contains(name), "{name}: {message}");
    }
    let (_, code, message) = refusal(
        client
            .chain("v3/pay/transactions/jsapi")
            .post(json!({ "json": native("FLOW-MISSING", 1, "http://127.0.0.1:9/notify") })),
    );
    assert_eq!(code, "PARAM_ERROR");
    assert!(message.contains("payer.openid"), "{message}");
    // a refused call created nothing
    assert_eq!(
        refusal(
            client
                .chain("v3/pay/transactions/out-trade-no/FLOW-MISSING")
                .get(json!({ "query": { "mchid": MCHID } }))
        )
        .0,
        404
    );
}

#[test]
fn unknown_orders_and_refunds_are_a_signed_404_and_a_changed_repeat_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (status, code, _) = refusal(
        client
            .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
            .get(json!({ "out_trade_no": "NOPE", "query": { "mchid": MCHID } })),
    );
    assert_eq!((status, code.as_str()), (404, "ORDER_NOT_EXIST"));
    let (status, code, _) = refusal(
        client
            .chain("v3/pay/transactions/id/4200000000000000000000000000")
            .get(json!({ "query": { "mchid": MCHID } })),
    );
    assert_eq!((status, code.as_str()), (404, "ORDER_NOT_EXIST"));
    assert_eq!(refusal(client.chain("v3/refund/domestic/refunds/NOPE").get(())).0, 404);
    assert_eq!(sandbox.pay("NOPE").unwrap_err().kind(), ErrorKind::InvalidArgument);

    let node = client.chain("v3/pay/transactions/jsapi");
    let mut body = native("FLOW-DUP", 5, "http://127.0.0.1:9/notify");
    body["payer"] = json!({ "openid": "o1" });
    let first: Value = node.post(json!({ "json": body.clone() })).unwrap().json().unwrap();
    let repeat: Value = node.post(json!({ "json": body.clone() })).unwrap().json().unwrap();
    assert_eq!(first, repeat, "the same request again answers the same prepay_id");
    body["amount"]["total"] = json!(6);
    let (status, code, _) = refusal(node.post(json!({ "json": body })));
    assert_eq!((status, code.as_str()), (400, "INVALID_REQUEST"));
}

#[test]
fn an_apiv2_order_end_to_end_sharing_the_orders_with_apiv3() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let shop = handler(0);
    let v2 = client.v2();
    let created = v2
        .chain("pay/unifiedorder")
        .post(json!({ "xml": {
            "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "body": "腾讯充值中心-QQ会员充值", "out_trade_no": "FLOW-V2-1",
            "total_fee": "88", "spbill_create_ip": "127.0.0.1", "notify_url": shop.url, "trade_type": "NATIVE",
        } }))
        .unwrap();
    let created = Transformer::to_array(created.body());
    assert!(created["prepay_id"].as_str().unwrap().starts_with("wx"));
    assert!(created["code_url"].as_str().unwrap().starts_with("weixin://"));

    let orderquery = |otn: &str| {
        v2.chain("pay/orderquery")
            .post(json!({ "xml": { "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "out_trade_no": otn } }))
    };
    let notpay = Transformer::to_array(orderquery("FLOW-V2-1").unwrap().body());
    assert_eq!(notpay["trade_state"], "NOTPAY");

    sandbox.pay("FLOW-V2-1").unwrap();
    let d = sandbox.wait_for_deliveries(1, WAIT).unwrap().remove(0);
    assert!(d.delivered);
    let (headers, body) = shop.received.lock().unwrap()[0].clone();
    assert!(headers["content-type"].to_str().unwrap().contains("xml"));
    let notified = notify::v2::verify(&body, SECRET).unwrap();
    assert_eq!(
        (notified["result_code"].as_str(), notified["total_fee"].as_str()),
        (Some("SUCCESS"), Some("88"))
    );

    let paid = Transformer::to_array(orderquery("FLOW-V2-1").unwrap().body());
    assert_eq!(paid["trade_state"], "SUCCESS");
    assert_eq!(paid["transaction_id"], notified["transaction_id"]);
    assert_eq!(paid["time_end"], notified["time_end"]);
    // the APIv3 query sees the same order
    assert_eq!(query(&client, "FLOW-V2-1")["transaction_id"], paid["transaction_id"]);

    let close = v2
        .chain("pay/closeorder")
        .post(json!({ "xml": { "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "out_trade_no": "FLOW-V2-1" } }));
    assert_eq!(v2_err_code(close), "ORDERPAID");
    let refund = |out_refund_no: &str, fee: &str| {
        v2.chain("secapi/pay/refund").post(json!({ "xml": {
            "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "transaction_id": paid["transaction_id"],
            "out_refund_no": out_refund_no, "total_fee": "88", "refund_fee": fee,
        } }))
    };
    let refunded = Transformer::to_array(refund("FLOW-V2-R1", "80").unwrap().body());
    assert_eq!(
        (refunded["refund_fee"].as_str(), refunded["out_trade_no"].as_str()),
        (Some("80"), Some("FLOW-V2-1"))
    );
    assert_eq!(v2_err_code(refund("FLOW-V2-R2", "9")), "NOTENOUGH");
    assert_eq!(query(&client, "FLOW-V2-1")["trade_state"], "REFUND");

    // an unpaid APIv2 order closes; unknown orders are ORDERNOTEXIST
    v2.chain("pay/unifiedorder")
        .post(json!({ "xml": {
            "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "body": "b", "out_trade_no": "FLOW-V2-2", "total_fee": "1",
            "notify_url": shop.url, "trade_type": "JSAPI", "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        } }))
        .unwrap();
    v2.chain("pay/closeorder")
        .post(json!({ "xml": { "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "out_trade_no": "FLOW-V2-2" } }))
        .unwrap();
    assert_eq!(
        Transformer::to_array(orderquery("FLOW-V2-2").unwrap().body())["trade_state"],
        "CLOSED"
    );
    assert_eq!(v2_err_code(orderquery("NOPE")), "ORDERNOTEXIST");
    let missing = v2
        .chain("pay/unifiedorder")
        .post(json!({ "xml": { "appid": "wx1", "mch_id": MCHID, "out_trade_no": "X", "trade_type": "APP" } }));
    assert_eq!(v2_err_code(missing), "PARAM_ERROR");
}

/// Two orders paid today (one partly refunded): the bill date and the transaction ids.
fn paid_day(sandbox: &Sandbox, client: &Client) -> (String, [String; 2]) {
    let mut tids = Vec::new();
    for (otn, total) in [("FLOW-BILL-1", 123), ("FLOW-BILL-2", 4567)] {
        client
            .chain("v3/pay/transactions/native")
            .post(json!({ "json": native(otn, total, "http://127.0.0.1:9/n") }))
            .unwrap();
        tids.push(sandbox.pay(otn).unwrap()["transaction_id"].as_str().unwrap().to_owned());
    }
    client
        .chain("v3/refund/domestic/refunds")
        .post(json!({ "json": { "out_trade_no": "FLOW-BILL-2", "out_refund_no": "FLOW-BILL-R", "amount": { "refund": 67, "total": 4567, "currency": "CNY" } } }))
        .unwrap();
    let today = query(client, "FLOW-BILL-1")["success_time"].as_str().unwrap()[..10].to_owned();
    (today, [tids[0].clone(), tids[1].clone()])
}

fn check_bill(csv: &str, tids: &[String; 2]) {
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("交易时间,公众账号ID,商户号"), "{csv}");
    assert_eq!(lines.len(), 1 + 3 + 2, "{csv}");
    assert!(
        lines[1].contains(&format!("`{}", tids[0])) && lines[1].contains("`FLOW-BILL-1") && lines[1].contains("`1.23")
    );
    assert!(lines[2].contains("`FLOW-BILL-2") && lines[2].contains("`45.67") && lines[2].contains("`SUCCESS"));
    assert!(lines[3].contains("`FLOW-BILL-R") && lines[3].contains("`0.67") && lines[3].contains("`REFUND"));
    assert!(lines[4].starts_with("总交易单数"));
    assert!(lines[5].starts_with("`3,`46.90,`0.67,"), "{}", lines[5]);
}

#[test]
fn v3_trade_bills_download_plain_and_gzip_with_the_digest_checked() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (today, tids) = paid_day(&sandbox, &client);
    let mut plain_digest = String::new();
    for tar_type in [None, Some("GZIP")] {
        let mut q = json!({ "bill_date": today, "bill_type": "ALL" });
        if let Some(t) = tar_type {
            q["tar_type"] = json!(t);
        }
        let answer = client.chain("v3/bill/tradebill").get(json!({ "query": q })).unwrap();
        let bill = Bill::from_response(&answer).unwrap().gzip(tar_type.is_some());
        assert!(
            bill.download_url().starts_with(&sandbox.base_uri()),
            "{}",
            bill.download_url()
        );
        let mut out = Vec::new();
        let summary = Download::bill(&client, &bill).to_writer(&mut out).unwrap();
        assert_eq!(Some(summary.sha1()), bill.hash_value());
        check_bill(std::str::from_utf8(&out).unwrap(), &tids);
        if tar_type.is_none() {
            plain_digest = summary.sha1().to_owned();
        } else {
            assert_eq!(summary.sha1(), plain_digest, "the digest is over the plain bill");
            assert_ne!(
                summary.received(),
                summary.bytes(),
                "the gzip body is not the plain bill"
            );
        }
    }
    // a tampered digest is caught by the download
    let answer = client
        .chain("v3/bill/tradebill")
        .get(json!({ "query": { "bill_date": today } }))
        .unwrap();
    let good = Bill::from_response(&answer).unwrap();
    let bad = Bill::new(good.download_url(), "SHA1", "0000000000000000000000000000000000000000");
    assert!(Download::bill(&client, &bad).to_writer(&mut Vec::new()).is_err());
    // a day without payments is a bill with the header and a zero summary; a bad date is refused
    let empty = client
        .chain("v3/bill/tradebill")
        .get(json!({ "query": { "bill_date": "2001-01-01" } }))
        .unwrap();
    let mut out = Vec::new();
    Download::bill(&client, &Bill::from_response(&empty).unwrap())
        .to_writer(&mut out)
        .unwrap();
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
    let (status, code, _) = refusal(
        client
            .chain("v3/bill/tradebill")
            .get(json!({ "query": { "bill_date": "2001-02-30" } })),
    );
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"));
}

#[tokio::test]
async fn v2_downloadbill_answers_the_csv_or_gzip_and_an_xml_error_for_a_bad_date() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (today, tids) = paid_day(&sandbox, &client);
    let date = today.replace('-', "");
    let node = client.v2().chain("pay/downloadbill");
    for tar_type in [None, Some("GZIP")] {
        let mut xml = json!({ "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "bill_date": date, "bill_type": "ALL" });
        if let Some(t) = tar_type {
            xml["tar_type"] = json!(t);
        }
        let mut out = Vec::new();
        Download::v2(&node, json!({ "xml": xml }))
            .to_writer_async(&mut out)
            .await
            .unwrap();
        check_bill(std::str::from_utf8(&out).unwrap(), &tids);
    }
    let err = Download::v2(
        &node,
        json!({ "xml": { "appid": "wx1", "mch_id": MCHID, "bill_date": "2026-12-01", "bill_type": "ALL" } }),
    )
    .to_writer_async(&mut Vec::new())
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode), "{err}");
    assert!(err.to_string().contains("invalid bill_date"), "{err}");
}

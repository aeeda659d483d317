//! Retries and failover (`Builder::retry`): a call that never reached the server goes to the backup domain,
//! re-signed; a `GET` is also retried after a 5xx; a request that may have reached the server is never sent
//! twice; the call's deadline bounds every attempt; nothing is retried unless asked for.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;
use wechatpay::sandbox::Sandbox;
use wechatpay::{ErrorKind, Retry};

/// A base URI on a loopback port where nothing listens (bound, then released).
fn refusing_base() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/")
}

/// Short waits, so the tests do not sleep for long.
fn quick() -> Retry {
    Retry::new().backoff(Duration::from_millis(5), Duration::from_millis(20))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_call_that_cannot_connect_fails_over_to_the_backup_domain_signed_afresh() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox
        .builder()
        .unwrap()
        .base_uri(refusing_base())
        .retry(quick().backup_base_uri(sandbox.base_uri()))
        .build()
        .unwrap();
    let get = client.chain("v3/marketing/favor/stocks/{stock_id}");
    let get_opts = json!({ "stock_id": "9856000" });
    let post = client.chain("v3/pay/transactions/native");
    let post_opts = json!({ "json": {
        "appid": "wxd678efh567hg6787", "mchid": wechatpay::sandbox::MCHID, "description": "d",
        "out_trade_no": "FAILOVER1", "notify_url": "http://127.0.0.1:9/notify", "amount": { "total": 1 },
    } });
    let v2 = client.v2().chain("mmpaymkttransfers/query_coupon_stock");
    let v2_opts = json!({ "xml": { "appid": "wx1", "mch_id": wechatpay::sandbox::MCHID, "coupon_stock_id": "1" } });

    // blocking
    assert_eq!(get.get(get_opts.clone()).unwrap().status(), 200);
    // a POST that never reached any server is safe to send again
    assert_eq!(post.post(post_opts.clone()).unwrap().status(), 200);
    assert_eq!(v2.post(v2_opts.clone()).unwrap().status(), 200);
    // async
    let rt = runtime();
    rt.block_on(async {
        assert_eq!(get.get_async(get_opts).await.unwrap().status(), 200);
        assert_eq!(post.post_async(post_opts).await.unwrap().status(), 200);
        assert_eq!(v2.post_async(v2_opts).await.unwrap().status(), 200);
    });

    let seen = sandbox.requests();
    let targets: Vec<&str> = seen.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/v3/marketing/favor/stocks/9856000",
            "/v3/pay/transactions/native",
            "/mmpaymkttransfers/query_coupon_stock",
            "/v3/marketing/favor/stocks/9856000",
            "/v3/pay/transactions/native",
            "/mmpaymkttransfers/query_coupon_stock",
        ]
    );
    // the APIv3 requests are signed for the backup (the sandbox checks Authorization), the APIv2 `sign` holds
    assert!(seen.iter().all(|r| r.signature_valid), "{seen:#?}");
}

#[test]
fn the_signature_sent_to_the_backup_verifies_against_the_request_it_received() {
    let mut server = mockito::Server::new();
    let body = r#"{"transaction_id":"4200000000000001"}"#;
    let mut mock = server
        .mock("GET", "/v3/pay/transactions/id/4200000000000001")
        .match_request(|req| verify_authorization(req).is_ok())
        .with_body(body);
    for (name, value) in signed_headers(&platform_private(), PLATFORM_ID, NOW, "BACKUPNONCE", body) {
        mock = mock.with_header(name, &value);
    }
    let mock = mock.expect(2).create();
    let client = builder(&refusing_base())
        .retry(quick().backup_base_uri(base(&server)))
        .build()
        .unwrap();
    let node = client.chain("v3/pay/transactions/id/{id}");
    for (how, result) in both(&node, "GET", json!({ "id": "4200000000000001" })) {
        assert_eq!(result.unwrap_or_else(|e| panic!("{how}: {e:?}")).text(), body, "{how}");
    }
    mock.assert();
}

#[test]
fn retries_are_off_by_default() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.builder().unwrap().base_uri(refusing_base()).build().unwrap();
    let node = client.chain("v3/pay/transactions/id/{transaction_id}");
    for (how, result) in both(&node, "GET", json!({ "transaction_id": "1" })) {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{how}: {err:?}");
    }
    assert!(sandbox.requests().is_empty());
}

/// A server that answers 500 once, then a signed 200, per call pair.
fn five_hundred_then_ok(server: &mut mockito::Server) -> (mockito::Mock, mockito::Mock) {
    let body = r#"{"ok":true}"#;
    let failing = server
        .mock("GET", "/v3/pay/transactions/id/7")
        .with_status(500)
        .with_body(r#"{"code":"SYSTEM_ERROR","message":"try again"}"#)
        .expect(1)
        .create();
    let mut ok = server.mock("GET", "/v3/pay/transactions/id/7").with_body(body);
    for (name, value) in signed_headers(&platform_private(), PLATFORM_ID, NOW, "OKNONCE", body) {
        ok = ok.with_header(name, &value);
    }
    (failing, ok.expect(1).create())
}

#[test]
fn a_get_answered_500_then_200_succeeds_with_retry_and_fails_without() {
    for way in ["blocking", "async"] {
        let mut server = mockito::Server::new();
        let (failing, ok) = five_hundred_then_ok(&mut server);
        let client = builder(&base(&server)).retry(quick()).build().unwrap();
        let node = client.chain("v3/pay/transactions/id/7");
        let result = match way {
            "blocking" => node.get(()),
            _ => runtime().block_on(node.get_async(())),
        };
        assert_eq!(
            result.unwrap_or_else(|e| panic!("{way}: {e:?}")).text(),
            r#"{"ok":true}"#
        );
        failing.assert();
        ok.assert();

        let mut server = mockito::Server::new();
        let (failing, ok) = five_hundred_then_ok(&mut server);
        let client = builder(&base(&server)).build().unwrap();
        let node = client.chain("v3/pay/transactions/id/7");
        let result = match way {
            "blocking" => node.get(()),
            _ => runtime().block_on(node.get_async(())),
        };
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Status, "{way}");
        assert_eq!(err.response().unwrap().status(), 500, "{way}");
        failing.assert();
        ok.expect(0).assert();
    }
}

#[test]
fn a_get_is_not_retried_on_5xx_when_told_not_to() {
    let mut server = mockito::Server::new();
    let (failing, ok) = five_hundred_then_ok(&mut server);
    let client = builder(&base(&server))
        .retry(quick().retry_gets(false))
        .build()
        .unwrap();
    let err = client.chain("v3/pay/transactions/id/7").get(()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    failing.assert();
    ok.expect(0).assert();
}

/// A server that accepts each connection, reads the request head and closes without answering; it counts the
/// connections.
fn accept_then_close() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            drop(stream);
        }
    });
    (format!("http://{addr}/"), count)
}

#[test]
fn a_post_that_may_have_reached_the_server_is_never_retried() {
    let (base, count) = accept_then_close();
    let client = builder(&base)
        .retry(quick().max_attempts(5).backup_base_uri(&base))
        .build()
        .unwrap();
    let node = client.chain("v3/pay/transactions/native");
    for (how, result) in both(&node, "POST", json!({ "json": { "out_trade_no": "ONCE1" } })) {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{how}: {err:?}");
    }
    assert_eq!(count.load(Ordering::SeqCst), 2, "one connection per call, none retried");
}

#[test]
fn the_call_deadline_bounds_all_attempts_and_waits() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/v3/pay/transactions/id/9")
        .with_status(503)
        .expect_at_least(2)
        .create();
    let client = builder(&base(&server))
        .timeout(Duration::from_millis(400))
        .retry(
            Retry::new()
                .max_attempts(1000)
                .backoff(Duration::from_millis(50), Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.chain("v3/pay/transactions/id/9").get(()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    mock.assert();
}

#[test]
fn max_attempts_caps_the_attempts() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/v3/pay/transactions/id/8")
        .with_status(502)
        .expect(3)
        .create();
    let client = builder(&base(&server)).retry(quick().max_attempts(3)).build().unwrap();
    let err = client.chain("v3/pay/transactions/id/8").get(()).unwrap_err();
    assert_eq!(err.response().unwrap().status(), 502);
    mock.assert();
}

#[test]
fn an_invalid_backup_base_uri_is_a_configuration_error() {
    let err = builder("https://api.mch.weixin.qq.com/")
        .retry(Retry::new().backup_base_uri("not a url"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

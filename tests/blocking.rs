//! The blocking verbs from `fn main`-like code, from plain threads, inside both Tokio runtime flavours; and the
//! async verbs under load. All against the sandbox gateway.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

use futures::future::join_all;
use serde_json::json;
use wechatpay::sandbox::Sandbox;

fn stock() -> serde_json::Value {
    json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "123456" } })
}

#[test]
fn blocking_from_a_plain_test_thread_and_many_threads() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    assert_eq!(
        client["v3/marketing/favor/stocks/{stock_id}"]
            .get(stock())
            .unwrap()
            .status(),
        200
    );
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = client.clone();
            s.spawn(move || {
                let resp = client
                    .chain("v3/marketing/favor/stocks/{stock_id}")
                    .get(json!({ "stock_id": i }))
                    .unwrap();
                assert_eq!(resp.json::<serde_json::Value>().unwrap()["stock_id"], i.to_string());
            });
        }
    });
    assert_eq!(sandbox.requests().len(), 9);
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_inside_a_current_thread_runtime_does_not_panic_or_deadlock() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    // Blocks this (only) worker thread; the request runs on the crate's own runtime thread.
    let resp = client
        .v3()
        .seg("marketing")
        .seg("favor")
        .seg("stocks")
        .seg("_stock_id_")
        .get(stock())
        .unwrap();
    assert_eq!(resp.status(), 200);
    // and the async form still works on this runtime afterwards
    let resp = client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get_async(stock())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_inside_a_multi_thread_runtime_does_not_panic() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let resp = client["v3/marketing/favor/stocks/{stock_id}"].get(stock()).unwrap();
    assert_eq!(resp.status(), 200);
    // also from a blocking task
    let c = client.clone();
    let status = tokio::task::spawn_blocking(move || c.chain("v3/marketing/favor/stocks/{stock_id}").get(stock()))
        .await
        .unwrap()
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_spawned_async_calls() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let handles: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(
                client
                    .chain("v3/marketing/favor/stocks/{stock_id}")
                    .get_async(json!({ "stock_id": i })),
            )
        })
        .collect();
    let results = join_all(handles).await;
    for (i, r) in results.into_iter().enumerate() {
        let resp = r.expect("task").expect("call");
        assert_eq!(resp.json::<serde_json::Value>().unwrap()["stock_id"], i.to_string());
    }
    assert_eq!(sandbox.requests().len(), 64);
}

#[test]
fn building_a_client_starts_nothing_and_dropping_it_is_clean() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    assert!(format!("{client:?}").contains("blocking_started: false"));
    client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(stock())
        .unwrap();
    assert!(format!("{client:?}").contains("blocking_started: true"));
    drop(client);
    // A new client still works after the old one's runtime thread ended.
    let client = sandbox.client().unwrap();
    client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(stock())
        .unwrap();
}

/// A keep-alive server that closes each connection shortly after answering, as gateways close idle connections:
/// a blocking call made after a pause must open a new connection, not fail on the closed one.
#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        for _ in 0..4 {
            let Ok((mut s, _)) = listener.accept() else { return };
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}");
            std::thread::sleep(std::time::Duration::from_millis(5));
            drop(s);
        }
    });
    let client = Sandbox::start()
        .unwrap()
        .builder()
        .unwrap()
        .base_uri(base.as_str())
        .build()
        .unwrap();
    for pause in [0, 30, 200, 700] {
        std::thread::sleep(std::time::Duration::from_millis(pause));
        let err = client.chain("v3/x").get(()).unwrap_err();
        assert_eq!(err.kind(), wechatpay::ErrorKind::Status, "after {pause} ms: {err}");
    }
    server.join().unwrap();
}

/// A Sign hook that panics makes its blocking call fail with an error (as an async call's task would), and the
/// client keeps working.
#[test]
fn a_panicking_hook_is_an_error_and_the_client_keeps_working() {
    let sandbox = Sandbox::start().unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = calls.clone();
    let fallback = wechatpay::v3::Signer::new(
        wechatpay::sandbox::MCHID,
        wechatpay::sandbox::MERCHANT_SERIAL,
        Sandbox::merchant_private_key().unwrap(),
    );
    let signer = move |ctx: &wechatpay::SignContext<'_>| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            panic!("a hook's bug");
        }
        wechatpay::Sign::authorization(&fallback, ctx)
    };
    let client = sandbox.builder().unwrap().signer(signer).build().unwrap();
    let node = client.chain("v3/marketing/favor/stocks/{stock_id}");
    let err = node.get(stock()).unwrap_err();
    assert_eq!(err.kind(), wechatpay::ErrorKind::Transport, "{err}");
    node.get(stock()).unwrap();
    node.get(stock()).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
}

/// What one async call in flight holds: its future, which a server task keeps for every concurrent call. The pipeline
/// is built from combinators where an `async` wrapper would keep its inputs twice (it was 9.6 KB, now about 4 KB);
/// the bound leaves room for compiler differences and catches a wrapper added back.
#[test]
fn an_async_calls_future_stays_small() {
    let client = Sandbox::start().unwrap().client().unwrap();
    let v3 = client
        .chain("v3/pay/transactions/native")
        .post_async(json!({ "json": { "a": 1 } }));
    let v2 = client
        .chain("v2/pay/orderquery")
        .post_async(json!({ "xml": { "a": "1" } }));
    for (api, size) in [("v3", std::mem::size_of_val(&v3)), ("v2", std::mem::size_of_val(&v2))] {
        assert!(size <= 6 * 1024, "{api}: the call's future is {size} bytes");
    }
}

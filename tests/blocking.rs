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

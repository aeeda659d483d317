//! Many calls at once with the `_async` verbs: `futures::future::join_all` (PHP's `Utils::all(...)->wait()`) and
//! `tokio::spawn` (the futures are `Send + 'static`). Run: `cargo run --example async_many`.

use futures::future::join_all;
use serde_json::json;
use wechatpay::sandbox::Sandbox;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    let stock = &client["v3/marketing/favor/stocks/{stock_id}"];

    // twenty queries in flight together, results in order
    let calls = (0..20).map(|i| {
        stock.get_async(json!({ "stock_id": format!("98560{i:02}"), "query": { "stock_creator_mchid": "123456" } }))
    });
    let results = join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!("join_all: {ok}/{} answered and verified", results.len());

    // the same futures can be spawned on any Tokio runtime
    let handles: Vec<_> = (0..5)
        .map(|i| {
            tokio::spawn(
                stock.get_async(json!({ "stock_id": format!("7{i}"), "query": { "stock_creator_mchid": "1" } })),
            )
        })
        .collect();
    for handle in handles {
        let resp = handle.await??;
        println!(
            "spawned: {} {}",
            resp.status(),
            resp.json::<serde_json::Value>()?["stock_id"]
        );
    }
    Ok(())
}

//! A small load driver: N APIv3 calls with C in flight against the local sandbox, reporting throughput and
//! latency. Run: `cargo run --release --example load -- 2000 32` (calls, concurrency).
//!
//! The sandbox shares the machine: it verifies each request signature and signs each answer, so the numbers
//! measure client + gateway together. Use `cargo bench --bench per_call` for the client's CPU cost alone.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use wechatpay::sandbox::Sandbox;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32).max(1);
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    let started = Instant::now();
    let latencies: Vec<Duration> = rt.block_on(async {
        futures::stream::iter(0..calls)
            .map(|i| {
                let call = client.chain("v3/pay/transactions/native").post_async(json!({
                    "json": {
                        "appid": "wxd678efh567hg6787", "mchid": "1230000109", "description": "load",
                        "out_trade_no": format!("LOAD{i}"), "notify_url": "http://127.0.0.1:9/notify",
                        "amount": { "total": 1 },
                    },
                }));
                async move {
                    let t = Instant::now();
                    call.await.map(|_| t.elapsed())
                }
            })
            .buffer_unordered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
    })?;
    let wall = started.elapsed();
    let mut sorted = latencies;
    sorted.sort();
    let pct = |p: f64| sorted[((sorted.len() as f64 - 1.0) * p) as usize];
    println!(
        "{calls} calls, {concurrency} in flight: {:.2?} wall, {:.0} calls/s",
        wall,
        calls as f64 / wall.as_secs_f64()
    );
    println!(
        "latency p50 {:.2?}  p90 {:.2?}  p99 {:.2?}  max {:.2?}",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}

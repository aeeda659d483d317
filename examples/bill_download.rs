//! A trade bill in two steps, as WeChat Pay serves it: `v3/bill/tradebill` answers a `download_url` and the bill's
//! SHA-1; `wechatpay::download` streams the file (gunzipped, digest checked) to disk without holding it in memory,
//! and leaves no file behind on any failure. Run: `cargo run --example bill_download`.

use serde_json::json;
use wechatpay::download::{Bill, Download};
use wechatpay::sandbox::{MCHID, Sandbox};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;

    // a paid order, so that today's bill has a row
    let order = json!({ "json": {
        "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "bill example",
        "out_trade_no": "bill-example-1", "notify_url": "http://127.0.0.1:9/notify", "amount": { "total": 1 },
    } });
    client.chain("v3/pay/transactions/native").post(order)?;
    let paid = sandbox.pay("bill-example-1")?;
    let bill_date = paid["success_time"]
        .as_str()
        .and_then(|t| t.get(..10))
        .ok_or("no success_time")?;

    // step 1: where the bill is, and its digest
    let answer = client
        .v3()
        .seg("bill")
        .seg("tradebill")
        .get(json!({ "query": { "bill_date": bill_date, "bill_type": "ALL", "tar_type": "GZIP" } }))?;
    let bill = Bill::from_response(&answer)?.gzip(true);

    // step 2: stream it into a file (a temporary name, renamed only once the SHA-1 matched)
    let dir = std::env::temp_dir().join(format!("wechatpay-bill-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("tradebill-{bill_date}.csv"));
    let summary = Download::bill(&client, &bill).to_file(&path)?;
    println!(
        "{} bytes, SHA-1 {} → {}",
        summary.bytes(),
        summary.sha1(),
        path.display()
    );
    let csv = std::fs::read_to_string(&path)?;
    println!("{}", csv.lines().take(3).collect::<Vec<_>>().join("\n"));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

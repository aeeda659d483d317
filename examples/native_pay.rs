//! A Native (QR code) order in the three chain forms of wechatpay-php, blocking, against the local sandbox.
//! Run: `cargo run --example native_pay`. For the real gateway, build the client with `wechatpay::Builder`.

use serde_json::{Value, json};
use wechatpay::sandbox::{MCHID, Sandbox};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    let order = |out_trade_no: &str| {
        json!({ "json": {
            "mchid": MCHID,
            "appid": "wxd678efh567hg6787",
            "description": "Image形象店-深圳腾大-QQ公仔",
            "out_trade_no": out_trade_no,
            "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
            "amount": { "total": 1, "currency": "CNY" },
        } })
    };

    // $instance->v3->pay->transactions->native->post([...])
    let chained = client
        .v3()
        .seg("pay")
        .seg("transactions")
        .seg("native")
        .post(order("native-chained-1"))?;
    // $instance->chain('v3/pay/transactions/native')->post([...])
    let chain = client
        .chain("v3/pay/transactions/native")
        .post(order("native-chain-2"))?;
    // $instance['v3/pay/transactions/native']->post([...])
    let indexed = client["v3/pay/transactions/native"].post(order("native-index-3"))?;

    for (form, resp) in [("chained", chained), ("chain()", chain), ("index", indexed)] {
        let answer: Value = resp.json()?;
        let code_url = answer["code_url"].as_str().ok_or("no code_url in the answer")?;
        println!("{form:8} {} {code_url}", resp.status());
    }
    Ok(())
}

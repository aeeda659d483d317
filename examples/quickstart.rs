//! The two APIv3 calls of the seed pages, each in the six PHP call forms (chained / `chain()` / index, blocking
//! and async), against the local sandbox gateway. Run: `cargo run --example quickstart`.

use futures::future::join_all;
use serde_json::json;
use wechatpay::sandbox::Sandbox;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    println!("sandbox gateway at {}", sandbox.base_uri());

    // 查询批次详情: GET v3/marketing/favor/stocks/{stock_id}?stock_creator_mchid=…
    let stock = || json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "123456" } });
    // 查询代金券详情: GET v3/marketing/favor/users/{openid}/coupons/{coupon_id}?appid=…
    let coupon = || {
        json!({
            "openid": "o4GgauInH_RCEdvrrNGrntXDuXXX",
            "coupon_id": "9856000",
            "query": { "appid": "wx233544546545989" },
        })
    };

    // Blocking: 纯链式, 声明式, 属性式
    let chained = client
        .v3()
        .seg("marketing")
        .seg("favor")
        .seg("stocks")
        .seg("_stock_id_");
    show("stocks   chained  blocking", chained.get(stock()))?;
    show(
        "stocks   chain()  blocking",
        client.chain("v3/marketing/favor/stocks/{stock_id}").get(stock()),
    )?;
    show(
        "stocks   index    blocking",
        client["v3/marketing/favor/stocks/{stock_id}"].get(stock()),
    )?;

    let chained = client
        .v3()
        .seg("marketing")
        .seg("favor")
        .seg("users")
        .seg("_openid_")
        .seg("coupons")
        .seg("{coupon_id}");
    let path = "v3/marketing/favor/users/{openid}/coupons/{coupon_id}";
    show("coupons  chained  blocking", chained.get(coupon()))?;
    show("coupons  chain()  blocking", client.chain(path).get(coupon()))?;
    show("coupons  index    blocking", client[path].get(coupon()))?;

    // Async: the same six calls as futures, awaited together on a Tokio runtime.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let results = rt.block_on(join_all(vec![
        Box::pin(
            client
                .v3()
                .seg("marketing")
                .seg("favor")
                .seg("stocks")
                .seg("_stock_id_")
                .get_async(stock()),
        ) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>,
        Box::pin(client.chain("v3/marketing/favor/stocks/{stock_id}").get_async(stock())),
        Box::pin(client["v3/marketing/favor/stocks/{stock_id}"].get_async(stock())),
        Box::pin(chained.get_async(coupon())),
        Box::pin(client.chain(path).get_async(coupon())),
        Box::pin(client[path].get_async(coupon())),
    ]));
    let labels = [
        "stocks   chained  async",
        "stocks   chain()  async",
        "stocks   index    async",
    ]
    .into_iter()
    .chain([
        "coupons  chained  async",
        "coupons  chain()  async",
        "coupons  index    async",
    ]);
    for (label, result) in labels.zip(results) {
        show(label, result)?;
    }
    Ok(())
}

fn show(label: &str, result: Result<wechatpay::Response, wechatpay::Error>) -> Result<(), wechatpay::Error> {
    let resp = result?;
    println!("{label}: {} {}", resp.status(), resp.text());
    Ok(())
}

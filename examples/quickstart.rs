//! Three documented calls (wechatpay-php's README examples), each in the six PHP call forms (chained / `chain()` / index, blocking and
//! async), against the local sandbox gateway: two APIv3 GETs and the APIv2 `query_coupon_stock`.
//! Run: `cargo run --example quickstart`.

use futures::future::{BoxFuture, join_all};
use serde_json::{Value, json};
use wechatpay::sandbox::{MCHID, Sandbox};
use wechatpay::{Client, Response, Transformer};

/// One documented call: its chained node, its `chain()`/index path, its verb and options.
struct Seed {
    name: &'static str,
    chained: Client,
    path: &'static str,
    post: bool,
    options: Value,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    println!("sandbox gateway at {}", sandbox.base_uri());

    let seeds = [
        Seed {
            name: "查询批次详情 (v3)",
            chained: client
                .v3()
                .seg("marketing")
                .seg("favor")
                .seg("stocks")
                .seg("_stock_id_"),
            path: "v3/marketing/favor/stocks/{stock_id}",
            post: false,
            options: json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "123456" } }),
        },
        Seed {
            name: "查询代金券详情 (v3)",
            chained: client
                .v3()
                .seg("marketing")
                .seg("favor")
                .seg("users")
                .seg("_openid_")
                .seg("coupons")
                .seg("{coupon_id}"),
            path: "v3/marketing/favor/users/{openid}/coupons/{coupon_id}",
            post: false,
            options: json!({
                "openid": "o4GgauInH_RCEdvrrNGrntXDuXXX",
                "coupon_id": "9856000",
                "query": { "appid": "wx233544546545989" },
            }),
        },
        Seed {
            name: "查询代金券批次 (v2)",
            chained: client.v2().seg("mmpaymkttransfers").seg("query_coupon_stock"),
            path: "v2/mmpaymkttransfers/query_coupon_stock",
            post: true,
            options: json!({ "xml": {
                "coupon_stock_id": "1757", "appid": "wx5edab3bdfba3dc1c", "mch_id": MCHID,
                "op_user_id": "10000098", "device_info": "", "version": "1.0", "type": "XML",
            } }),
        },
    ];

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for seed in &seeds {
        let nodes = [
            ("chained", &seed.chained),
            ("chain()", &client.chain(seed.path)),
            ("index", &client[seed.path]),
        ];
        // 同步: blocking verbs
        for (form, node) in nodes {
            let resp = if seed.post {
                node.post(seed.options.clone())
            } else {
                node.get(seed.options.clone())
            };
            show(seed.name, form, "blocking", resp?);
        }
        // 异步: the same calls as futures, awaited together
        let calls: Vec<BoxFuture<'static, wechatpay::Result<Response>>> = nodes
            .iter()
            .map(|(_, node)| {
                let o = seed.options.clone();
                if seed.post {
                    Box::pin(node.post_async(o)) as BoxFuture<'static, _>
                } else {
                    Box::pin(node.get_async(o))
                }
            })
            .collect();
        for ((form, _), resp) in nodes.iter().zip(rt.block_on(join_all(calls))) {
            show(seed.name, form, "async", resp?);
        }
    }
    Ok(())
}

fn show(name: &str, form: &str, mode: &str, resp: Response) {
    let is_xml = resp
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/xml"));
    let body = if is_xml {
        Transformer::to_array(resp.body()).to_string()
    } else {
        resp.text()
    };
    println!("{name} {form:8} {mode:8} {} {body}", resp.status());
}

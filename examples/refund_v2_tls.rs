//! An APIv2 refund with the merchant API certificate, over HTTPS, against the local sandbox: a Native order
//! (`v2/pay/unifiedorder`), paid by the sandbox, then refunded with `v2/secapi/pay/refund` and `security: true`,
//! which presents the merchant certificate as the TLS client certificate, as the real gateway requires.
//! Run: `cargo run --example refund_v2_tls`. For the real gateway, give `wechatpay::Builder::merchant_cert` your
//! `apiclient_cert.pem` and `apiclient_key.pem` (or `merchant_pkcs12` your `apiclient_cert.p12`).

use serde_json::json;
use wechatpay::Transformer;
use wechatpay::sandbox::{MCHID, Sandbox};

const APPID: &str = "wx2421b1c4370ec43b";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // HTTPS on 127.0.0.1 with TEST ONLY certificates; the builder trusts the sandbox CA and carries the
    // sandbox merchant certificate and key.
    let sandbox = Sandbox::start_tls()?;
    let client = sandbox.client()?;
    println!("sandbox at {}", sandbox.base_uri());

    // $instance->v2->pay->unifiedorder->post(['xml' => [...]])
    let created = client.chain("v2/pay/unifiedorder").post(json!({ "xml": {
        "appid": APPID, "mch_id": MCHID, "body": "腾讯充值中心-QQ会员充值", "out_trade_no": "TLS-REFUND-1",
        "total_fee": "88", "spbill_create_ip": "127.0.0.1", "notify_url": "http://127.0.0.1:9/notify",
        "trade_type": "NATIVE",
    } }))?;
    let created = Transformer::to_array(created.body());
    println!("ordered: code_url {}", created["code_url"]);

    // The user pays (the notification to the unreachable notify_url is not awaited here).
    let paid = sandbox.pay("TLS-REFUND-1")?;
    println!("paid: transaction_id {}", paid["transaction_id"]);

    // $instance->v2->secapi->pay->refund->post(['xml' => [...], 'security' => true])
    let refunded = client.chain("v2/secapi/pay/refund").post(json!({
        "security": true,
        "xml": {
            "appid": APPID, "mch_id": MCHID, "out_trade_no": "TLS-REFUND-1", "out_refund_no": "TLS-REFUND-1-R1",
            "total_fee": "88", "refund_fee": "88",
        },
    }))?;
    // A `FAIL` answer is an `Err` (`ErrorKind::Rejected`), so here the refund succeeded.
    let refunded = Transformer::to_array(refunded.body());
    println!(
        "refunded: result_code {} refund_id {} refund_fee {}",
        refunded["result_code"], refunded["refund_id"], refunded["refund_fee"]
    );

    // Without `security: true` no certificate is presented, and the gateway refuses the refund.
    let refused = client.chain("v2/secapi/pay/refund").post(json!({ "xml": {
        "appid": APPID, "mch_id": MCHID, "out_trade_no": "TLS-REFUND-1", "out_refund_no": "TLS-REFUND-1-R2",
        "total_fee": "88", "refund_fee": "1",
    } }));
    match refused {
        Err(err) => println!("without the certificate: {:?}: {err}", err.kind()),
        Ok(_) => return Err("the refund without the certificate was accepted".into()),
    }
    Ok(())
}

//! JSAPI / mini-program payment: create the order (`v3/pay/transactions/jsapi`), then sign the parameters the
//! front end hands to `wx.requestPayment` (wechatpay-php's README recipe), against the local sandbox.
//! Run: `cargo run --example jsapi_pay_sign`.

use serde_json::{Value, json};
use wechatpay::sandbox::{MCHID, Sandbox};
use wechatpay::{Formatter, Rsa, paysign};

const APPID: &str = "wxd678efh567hg6787";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;

    // 1. the order, for the user's openid in this app
    let prepay: Value = client
        .chain("v3/pay/transactions/jsapi")
        .post(json!({ "json": {
            "appid": APPID,
            "mchid": MCHID,
            "description": "Image形象店-深圳腾大-QQ公仔",
            "out_trade_no": "1217752501201407033233368018",
            "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
            "amount": { "total": 100, "currency": "CNY" },
            "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        } }))?
        .json()?;
    let prepay_id = prepay["prepay_id"].as_str().ok_or("no prepay_id in the answer")?;

    // 2. the parameters of wx.requestPayment, signed with the merchant private key
    let merchant_key = Sandbox::merchant_private_key()?;
    let params = paysign::jsapi(APPID, prepay_id, &merchant_key)?;
    println!("{}", serde_json::to_string_pretty(&params)?);

    // what WeChat checks: paySign over appId, timeStamp, nonceStr and package, one per line
    let message =
        Formatter::joined_by_line_feed(&[&params.app_id, &params.time_stamp, &params.nonce_str, &params.package]);
    assert!(Rsa::verify(message, &params.pay_sign, &merchant_key.to_public()));
    println!("paySign verifies with the merchant public key");
    Ok(())
}

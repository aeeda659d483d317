//! `paysign`: the front-end payment parameters (JSAPI, APP, APIv2 JSAPI) and the merchant-coupon signatures,
//! checked against wechatpay-php's README recipes, independent digests and the merchant public key.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use serde_json::{Map, Value, json};
use support::*;
use wechatpay::paysign::{self, PaySign};
use wechatpay::{ErrorKind, FixedClock, Rsa};

const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

fn pinned() -> PaySign {
    PaySign::new()
        .clock(FixedClock(1414561699))
        .nonce(|| Ok(NONCE.to_owned()))
}

fn keys_of(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn jsapi_signs_the_readme_message() {
    let p = pinned()
        .jsapi("wx8888888888888888", "123", &merchant_private())
        .unwrap();
    let message = "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=123\n";
    assert!(Rsa::verify(message, &p.pay_sign, &merchant_public()));
    // PKCS#1 v1.5 is deterministic: exactly the signature of that message
    assert_eq!(p.pay_sign, Rsa::sign(message, &merchant_private()).unwrap());
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(
        keys_of(&v),
        ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"]
    );
    assert_eq!(
        v,
        json!({
            "appId": "wx8888888888888888", "timeStamp": "1414561699", "nonceStr": NONCE,
            "package": "prepay_id=123", "signType": "RSA", "paySign": p.pay_sign,
        })
    );
    // another key's public half does not verify it
    assert!(!Rsa::verify(message, &p.pay_sign, &platform_public()));
}

#[test]
fn app_signs_appid_timestamp_noncestr_prepayid() {
    let p = pinned()
        .app(
            "wx8888888888888888",
            "1900000109",
            "WX1217752501201407033233368018",
            &merchant_private(),
        )
        .unwrap();
    let message = "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nWX1217752501201407033233368018\n";
    assert!(Rsa::verify(message, &p.sign, &merchant_public()));
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(
        keys_of(&v),
        [
            "appid",
            "partnerid",
            "prepayid",
            "package",
            "noncestr",
            "timestamp",
            "sign"
        ]
    );
    assert_eq!(
        v,
        json!({
            "appid": "wx8888888888888888", "partnerid": "1900000109", "prepayid": "WX1217752501201407033233368018",
            "package": "Sign=WXPay", "noncestr": NONCE, "timestamp": "1414561699", "sign": p.sign,
        })
    );
}

#[test]
fn v2_jsapi_matches_independent_md5_and_hmac_sha256() {
    let secret = "192006250b4c09247ec02edce69f6a2d";
    let plain = "appId=wxd930ea5d5a258f4f&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&signType={T}&timeStamp=1414561699";

    let p = pinned()
        .v2_jsapi(
            "wxd930ea5d5a258f4f",
            "wx2017033010242291fcfe0db70013231072",
            "MD5",
            secret,
        )
        .unwrap();
    let md5 = hex::encode(Md5::digest(format!("{}&key={secret}", plain.replace("{T}", "MD5")))).to_uppercase();
    assert_eq!(p.pay_sign, md5);

    let p = pinned()
        .v2_jsapi(
            "wxd930ea5d5a258f4f",
            "wx2017033010242291fcfe0db70013231072",
            "HMAC-SHA256",
            secret,
        )
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}&key={secret}", plain.replace("{T}", "HMAC-SHA256")).as_bytes());
    assert_eq!(p.pay_sign, hex::encode(mac.finalize().into_bytes()).to_uppercase());

    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(
        keys_of(&v),
        ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"]
    );
    assert_eq!(v["signType"], "HMAC-SHA256");
    assert_eq!(v["package"], "prepay_id=wx2017033010242291fcfe0db70013231072");
}

#[test]
fn the_free_functions_use_now_and_fresh_nonces() {
    let key = merchant_private();
    let a = paysign::jsapi("wx8888888888888888", "123", &key).unwrap();
    let b = paysign::jsapi("wx8888888888888888", "123", &key).unwrap();
    let ts: i64 = a.time_stamp.parse().unwrap();
    assert!((ts - wechatpay::Formatter::timestamp()).abs() < 60);
    assert_eq!(a.nonce_str.len(), 32);
    assert!(a.nonce_str.bytes().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(a.nonce_str, b.nonce_str);
    let message = format!("wx8888888888888888\n{}\n{}\nprepay_id=123\n", a.time_stamp, a.nonce_str);
    assert!(Rsa::verify(message, &a.pay_sign, &merchant_public()));

    let app = paysign::app("wx8888888888888888", "1900000109", "123", &key).unwrap();
    let message = format!("wx8888888888888888\n{}\n{}\n123\n", app.timestamp, app.noncestr);
    assert!(Rsa::verify(message, &app.sign, &merchant_public()));

    let v2 = paysign::v2_jsapi("wx8888888888888888", "123", "MD5", "k").unwrap();
    assert_eq!((v2.nonce_str.len(), v2.pay_sign.len()), (32, 32));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let key = merchant_private();
    assert_eq!(
        paysign::jsapi("wx8888888888888888", "123", &merchant_public())
            .unwrap_err()
            .kind(),
        ErrorKind::Crypto
    );
    assert_eq!(
        paysign::app("wx1", "1900000109", "123", &key.to_public())
            .unwrap_err()
            .kind(),
        ErrorKind::Crypto
    );
    assert_eq!(
        paysign::jsapi("", "123", &key).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::jsapi("wx1", "", &key).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::app("wx1", "", "123", &key).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::v2_jsapi("wx1", "123", "md5", "k").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::v2_jsapi("wx1", "123", "HMAC-SHA256", "").unwrap_err().kind(),
        ErrorKind::Config
    );
    // a failing nonce source fails the call
    let failing = PaySign::new().nonce(|| wechatpay::Formatter::nonce(0));
    assert_eq!(
        failing.jsapi("wx1", "123", &key).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

const COUPON_KEY: &str = "exposed_your_key_here_have_risks";

#[test]
fn coupon_h5_vector() {
    let params = map(json!({
        "stock_id": "12111100000001", "out_request_no": "20191204550002", "send_coupon_merchant": "10016226",
        "open_id": "oVvBvwEurkeUJpBzX90-6MfCHbec", "coupon_code": "75345199",
    }));
    let signed = paysign::coupon_h5(&params, COUPON_KEY).unwrap();
    let want = "D4AE51952153389716232ABDE5124F2B1C94431BE7B647F6DB22BE7E4A5FBE33";
    assert_eq!(signed["sign"], want);
    // the full parameter set: the input plus `sign`
    let mut expected = params.clone();
    expected.insert("sign".into(), want.into());
    assert_eq!(signed, expected);
    // a stale `sign` and an empty value are not signed
    let mut stale = params.clone();
    stale.insert("sign".into(), "STALE".into());
    stale.insert("remark".into(), "".into());
    assert_eq!(paysign::coupon_h5(&stale, COUPON_KEY).unwrap()["sign"], want);
    // another key, another sign
    assert_ne!(paysign::coupon_h5(&params, "another_key").unwrap()["sign"], want);
}

#[test]
fn coupon_mini_program_vector() {
    let coupons = [
        map(json!({"stock_id": "abc123", "out_request_no": "1234567"})),
        map(json!({"stock_id": "321cba", "out_request_no": "7654321"})),
    ];
    let signed = paysign::coupon_mini_program(&coupons, "10016226", COUPON_KEY).unwrap();
    assert_eq!(
        Value::Object(signed),
        json!({
            "send_coupon_params": [
                {"stock_id": "abc123", "out_request_no": "1234567"},
                {"stock_id": "321cba", "out_request_no": "7654321"},
            ],
            "send_coupon_merchant": "10016226",
            "sign": "20FB971D442A119C85CA1A49DBDEA61A14944D98AFC1D2B040030C5C8792A83A",
        })
    );
    // the order of the coupons is signed
    let swapped = [coupons[1].clone(), coupons[0].clone()];
    let other = paysign::coupon_mini_program(&swapped, "10016226", COUPON_KEY).unwrap();
    assert_ne!(
        other["sign"],
        "20FB971D442A119C85CA1A49DBDEA61A14944D98AFC1D2B040030C5C8792A83A"
    );
}

#[test]
fn coupon_bad_inputs_are_typed_errors() {
    let nested = map(json!({"stock_id": ["a"], "out_request_no": "1"}));
    assert_eq!(
        paysign::coupon_h5(&nested, COUPON_KEY).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::coupon_mini_program(&[nested], "10016226", COUPON_KEY)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        paysign::coupon_mini_program(&[], "10016226", COUPON_KEY)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    let flat = map(json!({"stock_id": "a"}));
    assert_eq!(paysign::coupon_h5(&flat, "").unwrap_err().kind(), ErrorKind::Config);
}

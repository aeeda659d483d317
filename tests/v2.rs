//! The APIv2 (XML) pipeline, driven from `tests/fixtures/php-oracle/v2_vectors.jsonl`
//! (34 requests and 22 responses observed from wechatpay-php 1.4.12), each run blocking and async against mockito.
//! Where we deliberately differ from PHP (docs/DECISIONS.md) the test pins our behaviour and says so.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::{Value, json};
use support::*;
use wechatpay::{Builder, Client, ErrorKind, Formatter, Hash, Transformer, V2Rejection};

const SECRET: &str = "exposed_your_key_here_have_risks";

fn v2_client(base: &str, secret: &str) -> Client {
    let keys = format!("file://{}", fixture("keys/").display());
    Builder::new()
        .mchid(MCHID)
        .secret(secret)
        .merchant_cert(
            format!("{keys}merchant.cert.pem"),
            format!("{keys}merchant.pkcs8.key.pem"),
        )
        .base_uri(base)
        .build()
        .unwrap()
}

/// `{"$stringable": s}` in the corpus stands for a PHP object with `__toString`: in Rust the caller passes `s`.
fn unstringable(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$stringable") => m["$stringable"].clone(),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), unstringable(v))).collect()),
        other => other.clone(),
    }
}

/// A `return_code=SUCCESS` answer signed with `secret`.
fn signed_success(secret: &str) -> String {
    signed_xml(
        json!({"return_code": "SUCCESS", "return_msg": "OK", "nonce_str": "IITRi8Iabbblz1Jc"}),
        secret,
    )
}

/// Our documented deviations from PHP's request vectors.
const REFUSED: [&str; 2] = [
    "unknown sign_type (lowercase) gives an empty sign element",
    "nested array value (PHP signs it as \"Array\")",
];
const SANITISED: &str = "control characters, CR and a \"]]>\" sequence";

#[test]
fn every_php_oracle_request_vector_blocking_and_async() {
    let cases: Vec<Value> = corpus("v2_vectors.jsonl")
        .into_iter()
        .filter(|c| c["kind"] == "v2_request")
        .collect();
    assert_eq!(cases.len(), 34);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let expected = &case["expected"];
        let secret = case["config_override"]["secret"].as_str().unwrap_or(SECRET);
        let mut server = mockito::Server::new();
        let client = v2_client(&base(&server), secret);
        let node = client.chain(case["chain_path"].as_str().unwrap());
        let options = unstringable(&case["options"]);

        if expected.get("error").is_some() || REFUSED.contains(&name) {
            // nothing may be sent
            let mock = server.mock(method, mockito::Matcher::Any).expect(0).create();
            for (mode, result) in both(&node, method, options.clone()) {
                let err = result.expect_err(name);
                assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{name} ({mode}): {err}");
                if let Some(php) = expected["error"]["message"].as_str() {
                    assert_eq!(err.to_string(), ours(php), "{name}");
                }
            }
            mock.assert();
            continue;
        }

        let url = url::Url::parse(expected["url"].as_str().unwrap()).unwrap();
        let mut mock = server
            .mock(method, url.path())
            .match_header("content-type", expected["content_type"].as_str().unwrap())
            .with_body(signed_success(secret));
        let deterministic = expected["deterministic"].as_bool().unwrap_or(true);
        if method == "GET" {
            mock = mock.match_query(mockito::Matcher::Exact(url.query().unwrap_or("").to_owned()));
        } else if name == SANITISED {
            // Deviation: PHP writes U+0001 raw (invalid XML) and a broken CDATA for `]]>`; we drop the control
            // character before signing and split the CDATA section, so the gateway reads what was signed.
            mock = mock.match_request(|req| {
                let fields = Transformer::try_to_array(req.body().unwrap()).unwrap();
                let m = fields.as_object().unwrap();
                let sign = Hash::sign("MD5", &Formatter::query_string_like(&Formatter::ksort(m)), SECRET).unwrap();
                fields["c"] == "xy"
                    && fields["cd"] == "a]]>b<"
                    && fields["r"] == "a\rb"
                    && fields["sign"] == sign.as_str()
            });
        } else if deterministic {
            mock = mock.match_body(mockito::Matcher::Exact(expected["body"].as_str().unwrap().to_owned()));
        } else {
            let template = expected["body"].as_str().unwrap().to_owned();
            mock = mock
                .match_request(move |req| matches_template(&template, &String::from_utf8_lossy(req.body().unwrap())));
        }
        let mock = mock.expect(2).create();
        for (mode, result) in both(&node, method, options) {
            result.unwrap_or_else(|e| panic!("{name} ({mode}): {e:?}"));
        }
        mock.assert();
    }
}

/// Whether `body` is `template` with `{NONCE}` = 32 base62 characters and `{SIGN}` = 32 uppercase hex digits.
fn matches_template(template: &str, body: &str) -> bool {
    let mut rest = body;
    for (i, piece) in template.split("{NONCE}").enumerate() {
        if i > 0 {
            let Some((nonce, after)) = rest.split_at_checked(32) else {
                return false;
            };
            if !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return false;
            }
            rest = after;
        }
        for (j, part) in piece.split("{SIGN}").enumerate() {
            if j > 0 {
                let Some((sign, after)) = rest.split_at_checked(32) else {
                    return false;
                };
                if !sign.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')) {
                    return false;
                }
                rest = after;
            }
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        }
    }
    rest.is_empty()
}

fn reason(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Rejected(V2Rejection::ReturnCode) => "return_code_not_success",
        ErrorKind::Rejected(V2Rejection::ResultCode) => "result_code_not_success",
        ErrorKind::Rejected(V2Rejection::SignMissing) => "sign_missing",
        ErrorKind::Rejected(V2Rejection::SignMismatch) => "sign_mismatch",
        ErrorKind::Status => "http_status",
        _ => "other",
    }
}

#[test]
fn every_php_oracle_response_vector_blocking_and_async() {
    let cases: Vec<Value> = corpus("v2_vectors.jsonl")
        .into_iter()
        .filter(|c| c["kind"] == "v2_response")
        .collect();
    assert_eq!(cases.len(), 22);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let mut server = mockito::Server::new();
        let body = case["response"]["body"].as_str().unwrap();
        let mock = server
            .mock(method, case["request_path"].as_str().unwrap())
            .match_query(mockito::Matcher::Any)
            .with_status(case["response"]["status"].as_u64().unwrap() as usize)
            .with_body(body)
            .expect(2)
            .create();
        let mut options = case["options"].clone();
        if let Some(b) = options.get("base_uri").and_then(Value::as_str) {
            let prefix = url::Url::parse(b).unwrap().path().to_owned();
            options["base_uri"] = json!(format!("{}{prefix}", server.url()));
        }
        let client = v2_client(&base(&server), SECRET);
        let node = client.chain(case["chain_path"].as_str().unwrap());
        let mut outcome = case["expected"]["outcome"].as_str().unwrap();
        if name.starts_with("not whitelisted: /mmpaysptrans/pay_bank") {
            // Deviation: we add the real bank-payout paths to the unsigned list (docs/DECISIONS.md).
            outcome = "accepted";
        }
        for (mode, result) in both(&node, method, options.clone()) {
            match outcome {
                "accepted" => assert_eq!(result.unwrap_or_else(|e| panic!("{name} ({mode}): {e:?}")).text(), body),
                "rejected" => {
                    let err = result.expect_err(name);
                    assert_eq!(
                        reason(err.kind()),
                        case["expected"]["reason"].as_str().unwrap(),
                        "{name} ({mode}): {err}"
                    );
                    assert_eq!(
                        err.response().expect("a rejection carries the response").text(),
                        body,
                        "{name}"
                    );
                }
                _ => {
                    let err = result.expect_err(name);
                    assert_eq!(err.kind(), ErrorKind::Status, "{name}");
                    let php = case["expected"]["php"]["message"].as_str().unwrap();
                    assert_eq!(
                        err.to_string(),
                        php.replace("https://api.mch.weixin.qq.com", &server.url())
                    );
                }
            }
        }
        mock.assert();
    }
}

#[test]
fn rejections_let_callers_read_err_code() {
    let mut server = mockito::Server::new();
    let answer = json!({
        "return_code": "SUCCESS", "result_code": "FAIL", "err_code": "ORDERNOTEXIST", "err_code_des": "订单不存在",
    });
    let _m = server
        .mock("POST", "/pay/orderquery")
        .with_body(signed_xml(answer, SECRET))
        .create();
    let client = v2_client(&base(&server), SECRET);
    let err = client
        .v2()
        .seg("pay")
        .seg("orderquery")
        .post(json!({"xml": {"mch_id": MCHID}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ResultCode));
    assert!(err.to_string().contains("ORDERNOTEXIST"), "{err}");
    let fields = Transformer::to_array(err.response().unwrap().body());
    assert_eq!(fields["err_code_des"], "订单不存在");
}

#[test]
fn nonceless_paths_of_the_inventory_need_no_option() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/papay/querycontract")
        .match_request(|req| !String::from_utf8_lossy(req.body().unwrap()).contains("nonce_str"))
        .with_body(signed_success(SECRET))
        .expect(1)
        .create();
    let client = v2_client(&base(&server), SECRET);
    client
        .v2()
        .seg("papay")
        .seg("querycontract")
        .post(json!({"xml": {"mch_id": MCHID, "contract_id": "1"}}))
        .unwrap();
    mock.assert();
}

#[test]
fn calls_that_cannot_be_signed_send_nothing() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    // no secret configured
    let v3_only = builder(&base(&server)).build().unwrap();
    let err = v3_only
        .chain("v2/pay/micropay")
        .post(json!({"xml": {"mch_id": MCHID}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    // HMAC with an empty secret
    let empty = Builder::new()
        .mchid(MCHID)
        .secret("")
        .base_uri(base(&server))
        .build()
        .unwrap();
    let err = empty
        .chain("v2/pay/micropay")
        .post(json!({"xml": {"mch_id": MCHID, "sign_type": "HMAC-SHA256"}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    // security without a merchant certificate
    let no_cert = Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .base_uri(base(&server))
        .build()
        .unwrap();
    let err = no_cert
        .chain("v2/secapi/pay/refund")
        .post(json!({"security": true, "xml": {"mch_id": MCHID}}))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    mock.assert();
}

#[test]
fn merchant_certificate_problems_are_config_errors() {
    let keys = format!("file://{}", fixture("keys/").display());
    let b = || Builder::new().mchid(MCHID).secret(SECRET);
    let missing = b()
        .merchant_cert(format!("{keys}nope.pem"), format!("{keys}merchant.pkcs8.key.pem"))
        .build();
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::Config);
    let mismatch = b()
        .merchant_cert(
            format!("{keys}merchant.cert.pem"),
            format!("{keys}platform.pkcs8.key.pem"),
        )
        .build();
    let err = mismatch.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("does not match"), "{err}");
    let not_a_cert = b()
        .merchant_cert(
            format!("{keys}merchant.spki.pem"),
            format!("{keys}merchant.pkcs8.key.pem"),
        )
        .build();
    assert_eq!(not_a_cert.unwrap_err().kind(), ErrorKind::Config);
}

/// The APIv2 samples of the wechatpay.im documentation site, sent through wechatpay-php: the exact bytes PHP put
/// on the wire.
#[test]
fn documentation_site_samples_go_out_as_php_sends_them() {
    let n = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let rows: Vec<(&str, &str, Value, &str, &str)> = vec![
        (
            "14",
            "v2/mmpaymkttransfers/query_coupon_stock",
            json!({"xml": {"coupon_stock_id": "1757", "appid": "wx5edab3bdfba3dc1c", "mch_id": MCHID, "op_user_id": "10000098", "device_info": "", "version": "1.0", "type": "XML", "nonce_str": n}}),
            "/mmpaymkttransfers/query_coupon_stock",
            "<xml><coupon_stock_id>1757</coupon_stock_id><appid>wx5edab3bdfba3dc1c</appid><mch_id>1230000109</mch_id><op_user_id>10000098</op_user_id><device_info></device_info><version>1.0</version><type>XML</type><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>0531FB102B2818C35A776558BF31C8E3</sign></xml>",
        ),
        (
            "15",
            "v2/secapi/pay/refund",
            json!({"security": true, "xml": {"appid": "wx8888888888888888", "mch_id": MCHID, "sign_type": "HMAC-SHA256", "out_trade_no": "1217752501201407033233368018", "out_refund_no": "1217752501201407033233368018", "total_fee": "100", "refund_fee": "100", "refund_desc": "商品已售完", "nonce_str": n}}),
            "/secapi/pay/refund",
            "<xml><appid>wx8888888888888888</appid><mch_id>1230000109</mch_id><sign_type>HMAC-SHA256</sign_type><out_trade_no>1217752501201407033233368018</out_trade_no><out_refund_no>1217752501201407033233368018</out_refund_no><total_fee>100</total_fee><refund_fee>100</refund_fee><refund_desc>商品已售完</refund_desc><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>F9B3CDDB9FF922A06E0F88CFE63D7036ABE3A9952CFF7A6B3DD22F7460E1BFC7</sign></xml>",
        ),
        (
            "16",
            "v2/risk/getpublickey",
            json!({"base_uri": "FRAUD/", "security": true, "xml": {"mch_id": MCHID, "sign_type": "MD5", "nonce_str": n}}),
            "/risk/getpublickey",
            "<xml><mch_id>1230000109</mch_id><sign_type>MD5</sign_type><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>1DF05B74E6B24667DD847624F73180D0</sign></xml>",
        ),
        (
            "17",
            "v2/pay/downloadbill",
            json!({"xml": {"appid": "wx8888888888888888", "mch_id": MCHID, "bill_date": "20140603", "bill_type": "ALL", "tar_type": "GZIP", "nonce_str": n}}),
            "/pay/downloadbill",
            "<xml><appid>wx8888888888888888</appid><mch_id>1230000109</mch_id><bill_date>20140603</bill_date><bill_type>ALL</bill_type><tar_type>GZIP</tar_type><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>A04E1C722E13C33B71F1034EA0A4970D</sign></xml>",
        ),
        (
            "19",
            "v2/secapi/mch/_addinstitutionsub_",
            json!({"addinstitutionsub": "addInstitutionsub", "security": true, "nonceless": true, "xml": {"app_id": "wx8888888888888888", "mch_id": MCHID, "merchant_name": "Merchantname"}}),
            "/secapi/mch/addInstitutionsub",
            "<xml><app_id>wx8888888888888888</app_id><mch_id>1230000109</mch_id><merchant_name>Merchantname</merchant_name><sign>BD1E752BDCDF16D367D494217D5B54BC</sign></xml>",
        ),
        (
            "20",
            "v2/mmpaymkttransfers/promotion/transfers",
            json!({"security": true, "xml": {"mch_appid": "wx8888888888888888", "mchid": MCHID, "partner_trade_no": "10000098201411111234567890", "openid": "oxTWIuGaIt6gTKsQRLau2M0yL16E", "check_name": "FORCE_CHECK", "amount": "10099", "desc": "理赔", "nonce_str": n}}),
            "/mmpaymkttransfers/promotion/transfers",
            "<xml><mch_appid>wx8888888888888888</mch_appid><mchid>1230000109</mchid><partner_trade_no>10000098201411111234567890</partner_trade_no><openid>oxTWIuGaIt6gTKsQRLau2M0yL16E</openid><check_name>FORCE_CHECK</check_name><amount>10099</amount><desc>理赔</desc><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>7EFA706812EA1E6F50DCA0EE1C475F0E</sign></xml>",
        ),
        (
            "21",
            "v2/face/get_wxpayface_authinfo",
            json!({"base_uri": "PAYAPP/", "xml": {"store_id": "1234567", "appid": "wx8888888888888888", "mch_id": MCHID, "now": "1414488825", "version": "1", "sign_type": "HMAC-SHA256", "nonce_str": n}}),
            "/face/get_wxpayface_authinfo",
            "<xml><store_id>1234567</store_id><appid>wx8888888888888888</appid><mch_id>1230000109</mch_id><now>1414488825</now><version>1</version><sign_type>HMAC-SHA256</sign_type><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign>69B792305483B17B6E260DEDD7B11B4B39B1EEE8BD0F05F1F5433059E656906D</sign></xml>",
        ),
    ];
    for (row, chain, mut opts, path, body) in rows {
        let mut server = mockito::Server::new();
        if opts.get("base_uri").is_some() {
            opts["base_uri"] = json!(base(&server)); // the other host (fraud., payapp.) is the mock too
        }
        let mock = server
            .mock("POST", path)
            .match_header("content-type", "text/xml; charset=utf-8")
            .match_body(body)
            .with_body(signed_success(SECRET))
            .expect(2)
            .create();
        let client = v2_client(&base(&server), SECRET);
        // the property-chain form, so `_addinstitutionsub_` is a placeholder segment of its own
        let node = chain.split('/').fold(client.clone(), |node, seg| node.seg(seg));
        for (mode, result) in both(&node, "POST", opts.clone()) {
            result.unwrap_or_else(|e| panic!("row {row} ({mode}): {e:?}"));
        }
        mock.assert();
    }
    // Row 18: GET, nonceless, signed query.
    let mut server = mockito::Server::new();
    let query = "appid=wxcbda96de0b165486&mch_id=1230000109&plan_id=12535&contract_code=100000&request_serial=1000&contract_display_account=%E5%BE%AE%E4%BF%A1%E4%BB%A3%E6%89%A3&notify_url=https%3A%2F%2Fweixin.qq.com&version=1.0&sign_type=HMAC-SHA256&timestamp=1414488825&clientip=119.145.83.6&sign=25CC4B29D204BD76AB8DADE2EA8088830F760AA82A17CC7178D0BE44F43CA105";
    let mock = server
        .mock("GET", "/papay/h5entrustweb")
        .match_query(mockito::Matcher::Exact(query.into()))
        .expect(2)
        .create();
    let client = v2_client(&base(&server), SECRET);
    let opts = json!({"nonceless": true, "query": {"appid": "wxcbda96de0b165486", "mch_id": MCHID, "plan_id": "12535", "contract_code": "100000", "request_serial": "1000", "contract_display_account": "微信代扣", "notify_url": "https://weixin.qq.com", "version": "1.0", "sign_type": "HMAC-SHA256", "timestamp": "1414488825", "clientip": "119.145.83.6"}});
    for (mode, result) in both(&client.v2().seg("papay").seg("h5entrustweb"), "GET", opts) {
        result.unwrap_or_else(|e| panic!("row 18 ({mode}): {e:?}"));
    }
    mock.assert();
}

#[test]
fn pkcs12_bundles_load_legacy_and_modern_and_refuse_a_wrong_password() {
    for file in ["merchant.legacy.p12", "merchant.p12"] {
        let p12 = std::fs::read(fixture(&format!("keys/{file}"))).unwrap();
        Builder::new()
            .mchid(MCHID)
            .secret(SECRET)
            .merchant_pkcs12(p12.clone(), MCHID)
            .build()
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        let err = Builder::new()
            .mchid(MCHID)
            .secret(SECRET)
            .merchant_pkcs12(p12, "wrong")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{file}");
    }
    let err = Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .merchant_pkcs12(b"not a p12".to_vec(), MCHID)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

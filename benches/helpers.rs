//! CPU cost of the helpers around the calls, each beside the primitive it wraps: the APIv2 sign + XML build of a
//! request, the APIv2 parse + sign check of an answer, an APIv3 notification's verification + AES-256-GCM
//! decryption (1 KB resource), `Transformer::to_array` on a 30-field document, and `MediaUtil`'s meta (SHA-256) of
//! a 1 MB file. No network.
//!
//! Run: `cargo bench --bench helpers`.
#![allow(missing_docs, reason = "criterion_group! generates an undocumented fn")]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use wechatpay::sandbox::{self, APIV3_KEY, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, Sandbox};
use wechatpay::util::MediaUtil;
use wechatpay::{Builder, Formatter, Hash, Transformer};

const SECRET: &str = "exposed_your_key_here_have_risks";

/// A 15-field `pay/unifiedorder` request, in the caller's order.
fn unifiedorder() -> Map<String, Value> {
    let v = json!({
        "appid": "wx2421b1c4370ec43b", "mch_id": MCHID, "device_info": "013467007045764",
        "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", "sign_type": "MD5", "body": "腾讯充值中心-QQ会员充值",
        "detail": "{\"goods_detail\":[{\"goods_id\":\"iphone6s_16G\",\"quantity\":1,\"price\":528800}]}",
        "attach": "深圳分店", "out_trade_no": "20150806125346", "fee_type": "CNY", "total_fee": "88",
        "spbill_create_ip": "123.12.12.123", "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
        "trade_type": "NATIVE", "product_id": "12235413214070356458058",
    });
    v.as_object().cloned().unwrap_or_default()
}

/// An answer of `fields` fields, signed with MD5 like the gateway signs it.
fn signed_answer(fields: usize) -> String {
    let mut map = Map::new();
    map.insert("return_code".into(), json!("SUCCESS"));
    map.insert("result_code".into(), json!("SUCCESS"));
    for i in map.len()..fields.saturating_sub(1) {
        map.insert(format!("field_{i:02}"), json!(format!("value {i} 值")));
    }
    let sign = Hash::sign("MD5", &Formatter::query_string_like(&Formatter::ksort(&map)), SECRET).unwrap_or_default();
    map.insert("sign".into(), json!(sign));
    Transformer::to_xml(&Value::Object(map))
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("apiv2");
    let request = unifiedorder();
    g.bench_function("sign + XML build (15 fields)", |b| {
        b.iter(|| {
            let mut data = black_box(&request).clone();
            let sign = Hash::sign("MD5", &Formatter::query_string_like(&Formatter::ksort(&data)), SECRET);
            data.insert("sign".into(), json!(sign.unwrap_or_default()));
            Transformer::to_xml(&Value::Object(data))
        })
    });
    let answer = signed_answer(30);
    g.bench_function("parse + sign check (30 fields)", |b| {
        b.iter(|| wechatpay::notify::v2::verify(black_box(answer.as_bytes()), SECRET).map(|v| v.is_object()))
    });
    g.bench_function("Transformer::to_array (30 fields)", |b| {
        b.iter(|| Transformer::to_array(black_box(answer.as_bytes())))
    });
    g.finish();

    let mut g = c.benchmark_group("apiv3");
    let client = Builder::new()
        .mchid(MCHID)
        .serial(MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key().expect("key"))
        .cert(PLATFORM_SERIAL, Sandbox::platform_public_key().expect("key"))
        .apiv3_key(APIV3_KEY)
        .build()
        .expect("client");
    let resource = json!({ "out_trade_no": "1217752501201407033233368018", "attach": "x".repeat(900) });
    let (headers, body) = sandbox::notification("TRANSACTION.SUCCESS", &resource).expect("notification");
    g.bench_function("notification verify + AES-256-GCM (1 KB)", |b| {
        b.iter(|| {
            client
                .notification(black_box(&headers), black_box(&body))
                .map(|n| n.plaintext().len())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("media");
    let file = vec![0x5au8; 1 << 20];
    g.bench_function("MediaUtil meta (1 MB)", |b| {
        b.iter_batched(
            || file.clone(),
            |bytes| MediaUtil::from_bytes("logo.png", bytes).meta().len(),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(helpers, benches);
criterion_main!(helpers);

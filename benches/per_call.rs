//! Per-call CPU cost of the APIv3 pipeline without the network: path resolution, request signing, response
//! verification; and the RSA backends side by side (the reason we sign with aws-lc-rs).
//!
//! Run: `cargo bench --bench per_call`.
#![allow(missing_docs, reason = "criterion_group! generates an undocumented fn")]

use criterion::{Criterion, criterion_group, criterion_main};
use rsa::pkcs8::DecodePrivateKey;
use serde_json::json;
use std::hint::black_box;
use wechatpay::http::{HeaderMap, HeaderValue, Method, StatusCode};
use wechatpay::{Builder, FixedClock, KeyType, Response, Rsa, Sign, SignContext, Verify, VerifyContext};

const NOW: i64 = 1_700_000_000;

fn key_path(name: &str) -> String {
    format!("file://{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn benches(c: &mut Criterion) {
    let merchant = Rsa::from(key_path("merchant.pkcs8.key.pem"), KeyType::Private).expect("key");
    let platform = Rsa::from(key_path("platform.pkcs8.key.pem"), KeyType::Private).expect("key");
    let platform_pub = Rsa::from(key_path("platform.spki.pem"), KeyType::Public).expect("key");
    let body = r#"{"mchid":"1230000109","out_trade_no":"native12177525012014070332333","appid":"wxdace645e0bc2cXXX","description":"Image形象店-深圳腾大-QQ公仔","notify_url":"https://weixin.qq.com/","amount":{"total":1,"currency":"CNY"}}"#.as_bytes();
    let message = [
        b"POST\n/v3/pay/transactions/native\n1700000000\n593BEC0C930BF1AFEB40B4A08C8FB242\n".as_slice(),
        body,
        b"\n",
    ]
    .concat();

    let mut g = c.benchmark_group("rsa2048_sign");
    g.bench_function("aws_lc_rs (Rsa::sign)", |b| {
        b.iter(|| Rsa::sign(black_box(&message), &merchant).expect("sign"))
    });
    let pem = std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/merchant.pkcs8.key.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("pem");
    let rc = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).expect("rsa key");
    g.bench_function("rsa crate (baseline)", |b| {
        b.iter(|| {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(black_box(&message));
            rc.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
                .expect("sign")
        })
    });
    g.finish();

    let client = Builder::new()
        .mchid("1230000109")
        .serial("408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB")
        .private_key(merchant.clone())
        .cert("PUB_KEY_ID_0114232134912410000000000000", platform_pub.clone())
        .build()
        .expect("client");
    let signer = wechatpay::v3::Signer::new(
        "1230000109",
        "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
        merchant.clone(),
    )
    .with_clock(FixedClock(NOW));
    let keys = wechatpay::certs::PlatformKeys::new();
    keys.insert("PUB_KEY_ID_0114232134912410000000000000", platform_pub);
    let verifier = wechatpay::v3::Verifier::new(keys).with_clock(FixedClock(NOW));
    let resp_body = r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#;
    let sig = Rsa::sign(
        format!("{NOW}\nc5ac7061fccab6bf3e254dcf98995b8c\n{resp_body}\n"),
        &platform,
    )
    .expect("sign");
    let mut headers = HeaderMap::new();
    headers.insert(
        "wechatpay-nonce",
        HeaderValue::from_static("c5ac7061fccab6bf3e254dcf98995b8c"),
    );
    headers.insert(
        "wechatpay-serial",
        HeaderValue::from_static("PUB_KEY_ID_0114232134912410000000000000"),
    );
    headers.insert("wechatpay-signature", HeaderValue::from_str(&sig).expect("header"));
    headers.insert(
        "wechatpay-timestamp",
        HeaderValue::from_str(&NOW.to_string()).expect("header"),
    );
    let response = Response::new(StatusCode::OK, headers, resp_body);

    let mut g = c.benchmark_group("v3_call_cpu");
    let opts = json!({ "out_trade_no": "1217752501201407033233368018", "query": { "mchid": "1230000109" } });
    g.bench_function("resolve (template + route + query)", |b| {
        b.iter(|| {
            client
                .v3()
                .seg("pay")
                .seg("transactions")
                .seg("outTradeNo")
                .seg("_out_trade_no_")
                .resolve(black_box(opts.clone()))
        })
    });
    g.bench_function("sign request (Authorization)", |b| {
        b.iter(|| {
            signer.authorization(&SignContext::new(
                &Method::POST,
                "/v3/pay/transactions/native",
                black_box(body),
            ))
        })
    });
    g.bench_function("verify response", |b| {
        b.iter(|| {
            verifier
                .verify(&VerifyContext::new("/v3/pay/transactions/native", black_box(&response)))
                .expect("ok")
        })
    });
    g.bench_function("resolve + sign + verify", |b| {
        b.iter(|| {
            let route = client.chain("v3/pay/transactions/native").resolve(()).expect("route");
            let target = route.target();
            signer
                .authorization(&SignContext::new(&Method::POST, &target, body))
                .expect("sign");
            verifier
                .verify(&VerifyContext::new(route.url().path(), &response))
                .expect("ok")
        })
    });
    g.finish();
}

criterion_group!(per_call, benches);
criterion_main!(per_call);

//! The chain: normalisation, templates, routing, pathname, `Index` caching, through the public
//! client (no network: `Client::resolve` computes where a call would go). Vectors from
//! `tests/fixtures/php-oracle/chains.jsonl` and `tests/fixtures/inventory/endpoints.tsv`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::{Value, json};
use wechatpay::{Api, Builder, Client};

fn php_client() -> Client {
    // The corpus' base_uri; APIv2-only is enough to resolve paths.
    Builder::new()
        .mchid("1230000109")
        .secret("exposed_your_key_here_have_risks")
        .build()
        .unwrap()
}

fn api(name: &str) -> Api {
    match name {
        "v2" => Api::V2,
        "v3" => Api::V3,
        other => panic!("client {other}"),
    }
}

/// The URL without a fragment (never sent) and without an empty `?` (Guzzle omits it).
fn wire(url: &str) -> String {
    let url = url.split('#').next().unwrap();
    url.strip_suffix('?').unwrap_or(url).to_owned()
}

#[test]
fn raw_keys_and_segments_normalise_through_every_form() {
    let c = php_client();
    for row in support::corpus("chains.jsonl") {
        if row["kind"] != "segment" && row["kind"] != "raw_key" {
            continue;
        }
        let raw = row["raw"].as_str().unwrap();
        let want = row["segment"].as_str().unwrap();
        assert_eq!(c.chain(raw).pathname(), want, "chain({raw:?})");
        assert_eq!(c.seg(raw).pathname(), want, "seg({raw:?})");
        assert_eq!(c[raw].pathname(), want, "[{raw:?}]");
    }
}

#[test]
fn property_chains_build_the_php_url() {
    let c = php_client();
    for row in support::corpus("chains.jsonl")
        .into_iter()
        .filter(|r| r["kind"] == "property_chain")
    {
        let mut node = c.clone();
        for step in row["steps"].as_array().unwrap() {
            node = node.seg(step.as_str().unwrap());
        }
        assert_eq!(node.pathname(), row["pathname"].as_str().unwrap());
        let mut indexed = &c;
        for step in row["steps"].as_array().unwrap() {
            indexed = &indexed[step.as_str().unwrap()];
        }
        assert_eq!(indexed.pathname(), row["pathname"].as_str().unwrap());
        let route = node.resolve(row["options"].clone()).unwrap();
        assert_eq!(
            route.api(),
            api(row["request"]["client"].as_str().unwrap()),
            "{}",
            row["pathname"]
        );
        assert_eq!(
            wire(route.url().as_str()),
            wire(row["request"]["url"].as_str().unwrap()),
            "{}",
            row["pathname"]
        );
        assert_eq!(route.target(), row["request"]["target"].as_str().unwrap());
    }
}

#[test]
fn expansions_route_to_the_php_url() {
    let c = php_client();
    let rows: Vec<Value> = support::corpus("chains.jsonl")
        .into_iter()
        .filter(|r| r["kind"] == "expansion")
        .collect();
    assert_eq!(rows.len(), 42);
    for row in rows {
        let label = row["label"].as_str().unwrap();
        let route = c
            .chain(row["template"].as_str().unwrap())
            .resolve(row["variables"].clone())
            .unwrap();
        assert_eq!(route.api(), api(row["request"]["client"].as_str().unwrap()), "{label}");
        assert_eq!(route.target(), row["request"]["target"].as_str().unwrap(), "{label}");
        let want = wire(row["request"]["url"].as_str().unwrap());
        // Guzzle percent-encodes `[` `]` in a fragment, the URL standard does not; fragments are never sent.
        assert_eq!(wire(route.url().as_str()), want, "{label}");
    }
}

#[test]
fn query_options_build_the_php_query() {
    let c = php_client();
    for row in support::corpus("chains.jsonl")
        .into_iter()
        .filter(|r| r["kind"] == "query_option")
    {
        let route = c
            .chain(row["chain_path"].as_str().unwrap())
            .resolve(row["options"].clone())
            .unwrap();
        assert_eq!(
            route.url().as_str(),
            row["request"]["url"].as_str().unwrap(),
            "{}",
            row["label"]
        );
        assert_eq!(
            route.target(),
            row["request"]["target"].as_str().unwrap(),
            "{}",
            row["label"]
        );
    }
}

#[test]
fn routing_table() {
    let c = php_client();
    let cases: [(&str, Value, Api, &str); 10] = [
        (
            "v3/pay/transactions/native",
            json!({}),
            Api::V3,
            "https://api.mch.weixin.qq.com/v3/pay/transactions/native",
        ),
        (
            "{+myurl}",
            json!({"myurl": "v2/pay/micropay"}),
            Api::V2,
            "https://api.mch.weixin.qq.com/pay/micropay",
        ),
        ("v2", json!({}), Api::V3, "https://api.mch.weixin.qq.com/v2"),
        (
            "/v2/pay/x",
            json!({}),
            Api::V3,
            "https://api.mch.weixin.qq.com/v2/pay/x",
        ),
        (
            "/v3/pay/x",
            json!({}),
            Api::V3,
            "https://api.mch.weixin.qq.com/v3/pay/x",
        ),
        (
            "sandboxnew/pay/micropay",
            json!({}),
            Api::V3,
            "https://api.mch.weixin.qq.com/sandboxnew/pay/micropay",
        ),
        (
            "https://apihk.mch.weixin.qq.com/v3/global/statements",
            json!({}),
            Api::V3,
            "https://apihk.mch.weixin.qq.com/v3/global/statements",
        ),
        (
            "v3/pay/transactions/native",
            json!({"base_uri": "https://api2.mch.weixin.qq.com/"}),
            Api::V3,
            "https://api2.mch.weixin.qq.com/v3/pay/transactions/native",
        ),
        (
            "v3/statements",
            json!({"base_uri": "https://api.mch.weixin.qq.com/hk/"}),
            Api::V3,
            "https://api.mch.weixin.qq.com/hk/v3/statements",
        ),
        (
            "v3/statements",
            json!({"base_uri": "https://api.mch.weixin.qq.com/hk"}),
            Api::V3,
            "https://api.mch.weixin.qq.com/v3/statements",
        ),
    ];
    for (path, opts, want_api, want_url) in cases {
        let route = c.chain(path).resolve(opts).unwrap();
        assert_eq!((route.api(), route.url().as_str()), (want_api, want_url), "{path}");
    }
}

#[test]
fn expansion_table() {
    let c = php_client();
    let node = c
        .v3()
        .seg("pay")
        .seg("transactions")
        .seg("outTradeNo")
        .seg("_out_trade_no_")
        .seg("close");
    let url = |n: &Client, v: Value| n.resolve(v).unwrap().url().to_string();
    assert_eq!(
        url(&node, json!({"out_trade_no": "ABC 123/x"})),
        "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/ABC%20123%2Fx/close"
    );
    assert_eq!(
        url(
            &c.chain("v3/id/{transaction_id}"),
            json!({"transaction_id": "a b+c&d=e?f#g中"})
        ),
        "https://api.mch.weixin.qq.com/v3/id/a%20b%2Bc%26d%3De%3Ff%23g%E4%B8%AD"
    );
    assert_eq!(
        url(
            &c.v3().seg("smartguide").seg("guides").seg("_guide_id_").seg("assign"),
            json!({"guide_id": 123})
        ),
        "https://api.mch.weixin.qq.com/v3/smartguide/guides/123/assign"
    );
    assert_eq!(
        url(&c.v3().seg("x").seg("{id}").seg("y").seg("{id}"), json!({"id": "7"})),
        "https://api.mch.weixin.qq.com/v3/x/7/y/7"
    );
    assert_eq!(
        url(
            &c.v3().seg("merchantService").seg("images").seg("_media_id_"),
            json!({"media_id": "ChsyMDAy%2FFR1p"})
        ),
        "https://api.mch.weixin.qq.com/v3/merchant-service/images/ChsyMDAy%252FFR1p"
    );
    assert_eq!(
        url(&c["v3/marketing/favor/stocks/{stock_id}"], json!({})),
        "https://api.mch.weixin.qq.com/v3/marketing/favor/stocks/"
    );
    assert_eq!(
        url(&c.chain("v3/applyment4sub/applyment/{empty}"), json!({})),
        "https://api.mch.weixin.qq.com/v3/applyment4sub/applyment/"
    );
    assert_eq!(
        url(&c.chain("v3/applyment4sub/applyment").seg(""), json!({})),
        "https://api.mch.weixin.qq.com/v3/applyment4sub/applyment/"
    );
}

#[test]
fn every_documented_endpoint_routes_to_its_pipeline() {
    let tsv = support::inventory("endpoints.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (chain_col, path_col, api_col, base_col) = (col("sdk_chain_path"), col("path"), col("api"), col("base_uri"));
    let c = php_client();
    let mut count = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let chain = f[chain_col];
        let mut opts = json!({});
        let node = if chain.bytes().any(|b| b.is_ascii_uppercase()) {
            // Capitals would be kebab-cased (as in PHP): the documented way is a full-path variable.
            assert_ne!(c.chain(chain).pathname(), chain);
            opts["p"] = json!(chain);
            c.chain("{+p}")
        } else {
            let node = c.chain(chain);
            assert_eq!(node.pathname(), chain, "documented paths survive normalisation");
            node
        };
        if !f[base_col].is_empty() {
            opts["base_uri"] = json!(f[base_col]);
        }
        let route = node.resolve(opts).unwrap();
        assert_eq!(route.api(), api(f[api_col]), "{chain}");
        // With every placeholder undefined the wire path is the documented one with the placeholders emptied.
        let mut want = String::new();
        let mut depth = 0;
        for ch in f[path_col].chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                c if depth == 0 => want.push(c),
                _ => {}
            }
        }
        assert!(
            route.url().path().ends_with(&want),
            "{chain}: {} vs {want}",
            route.url().path()
        );
        count += 1;
    }
    assert_eq!(count, 1154);
}

#[test]
fn index_returns_the_same_node_twice_and_caches_per_raw_key() {
    let c = php_client();
    let a: *const Client = &c["v3/pay/transactions"];
    let b: *const Client = &c["v3/pay/transactions"];
    assert!(std::ptr::eq(a, b));
    let nested: *const Client = &c["v3"]["pay"];
    assert!(std::ptr::eq(nested, &c["v3"]["pay"]));
    assert!(!std::ptr::eq(&c["v3"], &c["V3"]), "cached by raw key, as PHP");
    assert_eq!(c["V3"].pathname(), "v3");
    // Index works concurrently from many threads.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| assert_eq!(c["v3/certificates"].pathname(), "v3/certificates"));
        }
    });
}

#[test]
fn invalid_options_are_reported_before_anything_is_sent() {
    let c = php_client();
    for bad in [
        json!({"headers": 1}),
        json!({"base_uri": "not a url"}),
        json!({"timeout": "soon"}),
        json!(["x"]),
    ] {
        let err = c.chain("v3/x").resolve(bad.clone()).unwrap_err();
        assert_eq!(err.kind(), wechatpay::ErrorKind::InvalidArgument, "{bad}");
    }
}

#[test]
fn a_path_that_reads_as_another_scheme_is_refused_before_sending() {
    let client = support::client("https://api.mch.weixin.qq.com/");
    // `A:A` normalises to `a:a`, an absolute URL of scheme `a` (PHP resolves it the same way): nothing to send
    let err = client.chain("A:A").resolve(()).unwrap_err();
    assert_eq!(err.kind(), wechatpay::ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("not an http(s) URL"), "{err}");
    let err = client.chain("A:A").get(()).unwrap_err();
    assert_eq!(err.kind(), wechatpay::ErrorKind::InvalidArgument);
    // a colon after the first slash is an ordinary path character
    assert_eq!(client.chain("v3/a/b:c").resolve(()).unwrap().target(), "/v3/a/b:c");
}

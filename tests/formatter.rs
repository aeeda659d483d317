//! `wechatpay::Formatter` against the PHP-oracle vectors in `tests/fixtures/php-oracle/crypto_vectors.jsonl`
//! (kinds `formatter_*`), plus PHP's `FormatterTest` properties (nonce lengths and charset, timestamp shape).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests: a panic is the failure report"
)]

mod support;

use serde_json::{Map, Value};
use support::{s, vectors};
use wechatpay::{ErrorKind, Formatter};

fn ts(v: &Value) -> i64 {
    s(v, "timestamp").parse().unwrap()
}

/// PHP's `(string)` for the scalars the vectors use (`1`, `2.0`→`2`, `true`→`1`, `false`/`null`→``).
fn php_string(v: &Value) -> String {
    match v {
        Value::Null | Value::Bool(false) => String::new(),
        Value::Bool(true) => "1".into(),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap();
            if f.fract() == 0.0 {
                format!("{}", f as i64)
            } else {
                f.to_string()
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => panic!("not a scalar: {other}"),
    }
}

/// crypto_vectors.jsonl, kind `formatter_ksort`.
#[test]
fn ksort_matches_php() {
    for v in vectors("formatter_ksort") {
        let map: Map<String, Value> = v["input_keys"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, k)| (php_string(k), i.into()))
            .collect();
        let sorted = Formatter::ksort(&map);
        let keys: Vec<&str> = sorted.keys().map(String::as_str).collect();
        let expected: Vec<&str> = v["expected_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, expected, "formatter_ksort {v}");
        // values travel with their keys; the input is untouched
        for (k, value) in &sorted {
            assert_eq!(&map[k], value);
        }
        assert_eq!(map.len(), sorted.len());
    }
}

/// crypto_vectors.jsonl, kind `formatter_query_string_like` (input order is kept: no sorting).
#[test]
fn query_string_like_matches_php() {
    for v in vectors("formatter_query_string_like") {
        let map: Map<String, Value> = v["input_pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].clone()))
            .collect();
        assert_eq!(
            Formatter::query_string_like(&map),
            s(&v, "expected"),
            "formatter_query_string_like {v}"
        );
    }
}

/// crypto_vectors.jsonl, kind `formatter_joined_by_line_feed` (mixed scalars converted by PHP's rules here).
#[test]
fn joined_by_line_feed_matches_php() {
    for v in vectors("formatter_joined_by_line_feed") {
        let pieces: Vec<String> = v["pieces"].as_array().unwrap().iter().map(php_string).collect();
        let joined = Formatter::joined_by_line_feed(&pieces);
        assert_eq!(joined, s(&v, "expected"), "formatter_joined_by_line_feed {v}");
        assert!(pieces.is_empty() || joined.ends_with('\n'));
        assert!(joined.matches('\n').count() >= pieces.len());
    }
    assert_eq!(Formatter::joined_by_line_feed(&["a", "b"]), "a\nb\n");
    assert_eq!(Formatter::joined_by_line_feed::<String>(&[]), "");
}

/// crypto_vectors.jsonl, kind `formatter_request`.
#[test]
fn request_matches_php() {
    for v in vectors("formatter_request") {
        let got = Formatter::request(s(&v, "method"), s(&v, "uri"), ts(&v), s(&v, "nonce"), s(&v, "body"));
        assert_eq!(got, s(&v, "expected"), "formatter_request {v}");
        assert!(got.capacity() <= got.len() + 20, "allocated once, up front");
    }
}

/// crypto_vectors.jsonl, kind `formatter_response`.
#[test]
fn response_matches_php() {
    for v in vectors("formatter_response") {
        let got = Formatter::response(ts(&v), s(&v, "nonce"), s(&v, "body"));
        assert_eq!(got, s(&v, "expected"), "formatter_response {v}");
        assert!(got.matches('\n').count() >= 3);
    }
}

/// crypto_vectors.jsonl, kind `formatter_authorization` (arguments in PHP's order; fields in header order).
#[test]
fn authorization_matches_php() {
    for v in vectors("formatter_authorization") {
        let a = &v["args_in_php_order"];
        let got = Formatter::authorization(s(a, "mchid"), s(a, "nonce"), s(a, "signature"), ts(a), s(a, "serial"));
        assert_eq!(got, s(&v, "expected"), "formatter_authorization {v}");
    }
}

/// PHP's `FormatterTest::testNonce`: lengths 1, 16, 32, 100, charset `[a-zA-Z0-9]`; size 0 is refused.
#[test]
fn nonce_lengths_and_charset() {
    for size in [1, 16, 32, 100] {
        let nonce = Formatter::nonce(size).unwrap();
        assert_eq!(nonce.len(), size);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    }
    let err = Formatter::nonce(0).unwrap_err();
    assert_eq!(
        (err.kind(), err.to_string().as_str()),
        (ErrorKind::InvalidArgument, "Size must be a positive integer.")
    );
    // every one of the 62 characters shows up in a long nonce, and two nonces differ
    let long = Formatter::nonce(10_000).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    seen.extend(long.bytes());
    assert_eq!(seen.len(), 62);
    assert_ne!(Formatter::nonce(32).unwrap(), Formatter::nonce(32).unwrap());
}

/// PHP's `FormatterTest::testTimestamp` and `testRequest` shapes.
#[test]
fn timestamp_and_request_shape() {
    let ts = Formatter::timestamp();
    assert!(ts.to_string().len() == 10 && ts.to_string().starts_with('1'), "{ts}");
    let nonce = Formatter::nonce(32).unwrap();
    let message = Formatter::request("GET", "/v3/certificates", ts, &nonce, "");
    let lines: Vec<&str> = message.split('\n').collect();
    assert_eq!(
        lines,
        [
            "GET",
            "/v3/certificates",
            ts.to_string().as_str(),
            nonce.as_str(),
            "",
            ""
        ]
    );
    let auth = Formatter::authorization(
        "1230000109",
        &nonce,
        "c2ln",
        ts,
        "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
    );
    assert!(
        auth.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",serial_no=\"408B07E7"),
        "{auth}"
    );
    assert!(
        auth.ends_with(&format!("timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"c2ln\"")),
        "{auth}"
    );
}

//! Property tests (proptest, a fixed number of cases and no failure files, so CI stays fast and repeatable):
//! the chain and URI templates never panic and always give a valid request target; `Transformer` never panics on
//! arbitrary bytes and reads back what it writes; the APIv2 sign does not depend on key order; the APIv3 verifier
//! refuses every single-byte change of a signed response's or notification's body, timestamp, nonce or signature.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use serde_json::{Map, Value};
use support::*;
use wechatpay::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use wechatpay::{ErrorKind, FixedClock, Formatter, Hash, Response, Transformer, Verify, VerifyContext};

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        // the same cases on every run, so that CI is repeatable; change the seed to explore further
        rng_seed: RngSeed::Fixed(0x5EED_2026_1206),
        ..Config::default()
    }
}

/// A path segment as users write them: PHP-style property names, placeholders, odd characters and all.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        "_[a-z_]{1,8}_",
        "\\{[+#./;?&]?[a-z_]{1,8}\\}",
        ".{0,12}",
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn chains_and_templates_always_give_a_valid_request_target(
        segments in prop::collection::vec(segment(), 0..6),
        raw in ".{0,40}",
        vars in prop::collection::btree_map("[a-z_]{1,8}", ".{0,16}", 0..4),
        query in prop::collection::btree_map("[a-z_]{1,8}", ".{0,16}", 0..3),
    ) {
        let client = support::client("https://api.mch.weixin.qq.com/");
        let mut opts: Map<String, Value> = vars.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        opts.insert("query".into(), Value::Object(query.into_iter().map(|(k, v)| (k, Value::String(v))).collect()));
        let opts = Value::Object(opts);
        let mut node = client.v3();
        for s in &segments {
            node = node.seg(s);
        }
        for node in [node, client.chain(&raw), client[raw.as_str()].clone()] {
            // an error is fine (an unusable path is refused); a panic or an invalid target is not
            if let Ok(route) = node.resolve(opts.clone()) {
                let target = route.target();
                prop_assert!(target.starts_with('/'), "{target:?}");
                prop_assert!(target.parse::<wechatpay::http::uri::PathAndQuery>().is_ok(), "{target:?}");
            }
        }
    }

    #[test]
    fn transformer_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let lenient = Transformer::to_array(&bytes);
        prop_assert!(lenient.is_object() || lenient.is_array());
        let _ = Transformer::try_to_array(&bytes);
    }

    #[test]
    fn transformer_never_panics_on_xml_like_text(text in "(<[a-z!?/]{0,3}[a-z]{0,3}( [a-z]=\"[^\"]{0,3}\")?/?>|[a-z &;#x0-9<>\\]\\[CDAT]{0,6}){0,30}") {
        let _ = Transformer::to_array(text.as_bytes());
        let _ = Transformer::try_to_array(text.as_bytes());
    }

    #[test]
    fn transformer_reads_back_what_it_writes(
        fields in prop::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,10}", "[a-zA-Z0-9<>&'\"一-龥]([ -~一-龥]{0,30})?", 1..12),
    ) {
        let map: Map<String, Value> = fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let xml = Transformer::to_xml(&Value::Object(map.clone()));
        prop_assert_eq!(Transformer::try_to_array(xml.as_bytes()).unwrap(), Value::Object(map), "{}", xml);
    }

    #[test]
    fn the_apiv2_sign_does_not_depend_on_key_order(
        fields in prop::collection::vec(("[a-z_]{1,10}", "[a-zA-Z0-9 ]{0,12}"), 1..16),
        seed in any::<u64>(),
    ) {
        let forward: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut keys: Vec<&String> = forward.keys().collect();
        // a seeded shuffle
        let mut state = seed | 1;
        for i in (1..keys.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            keys.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled: Map<String, Value> = keys.into_iter().map(|k| (k.clone(), forward[k].clone())).collect();
        for algo in [Hash::ALGO_MD5, Hash::ALGO_HMAC_SHA256] {
            let sign = |m: &Map<String, Value>| Hash::sign(algo, &Formatter::query_string_like(&Formatter::ksort(m)), "k");
            prop_assert_eq!(sign(&forward).unwrap(), sign(&shuffled).unwrap());
        }
    }
}

/// A response signed by the platform key, as the gateway signs it.
struct Signed {
    ts: Vec<u8>,
    nonce: Vec<u8>,
    signature: Vec<u8>,
    body: Vec<u8>,
}

impl Signed {
    fn new() -> Signed {
        let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz","amount":{"total":1}}"#.to_vec();
        let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242".to_owned();
        let headers = signed_headers(
            &platform_private(),
            PLATFORM_ID,
            NOW,
            &nonce,
            std::str::from_utf8(&body).unwrap(),
        );
        let signature = headers
            .iter()
            .find(|(n, _)| *n == "Wechatpay-Signature")
            .unwrap()
            .1
            .clone();
        Signed {
            ts: NOW.to_string().into_bytes(),
            nonce: nonce.into_bytes(),
            signature: signature.into_bytes(),
            body,
        }
    }

    fn response(&self) -> Option<Response> {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("wechatpay-timestamp", self.ts.as_slice()),
            ("wechatpay-nonce", self.nonce.as_slice()),
            ("wechatpay-signature", self.signature.as_slice()),
            ("wechatpay-serial", PLATFORM_ID.as_bytes()),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from_bytes(value).ok()?);
        }
        Some(Response::new(StatusCode::OK, headers, self.body.clone()))
    }
}

fn verifier() -> wechatpay::v3::Verifier {
    let keys = wechatpay::certs::PlatformKeys::new();
    keys.insert(PLATFORM_ID, platform_public());
    wechatpay::v3::Verifier::new(keys).with_clock(FixedClock(NOW))
}

#[test]
fn the_unchanged_response_verifies() {
    let resp = Signed::new().response().unwrap();
    verifier()
        .verify(&VerifyContext::new("/v3/pay/transactions/native", &resp))
        .unwrap();
}

#[test]
fn a_signature_spelled_non_canonically_is_refused() {
    // a 2048-bit signature is 256 bytes: base64 ending in `==`; PHP's lenient decoder would skip a `!` there
    let mut signed = Signed::new();
    assert!(signed.signature.ends_with(b"=="));
    let last = signed.signature.len() - 1;
    signed.signature[last] = b'!';
    let resp = signed.response().unwrap();
    let err = verifier()
        .verify(&VerifyContext::new("/v3/pay/transactions/native", &resp))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(wechatpay::VerifyFailure::BadSignature));
    // and so is the canonical signature with a space inside, which PHP would also accept
    let mut signed = Signed::new();
    signed.signature.insert(100, b' ');
    let resp = signed.response().unwrap();
    assert!(
        verifier()
            .verify(&VerifyContext::new("/v3/pay/transactions/native", &resp))
            .is_err()
    );
}

fn flip(bytes: &mut [u8], at: usize, to: u8) -> bool {
    let i = at % bytes.len();
    if bytes[i] == to {
        return false;
    }
    bytes[i] = to;
    true
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_single_byte_change_of_a_signed_response_is_refused(
        field in 0..4usize,
        at in any::<usize>(),
        // visible ASCII: what a header value can carry; any byte for the body
        visible in 0x21u8..0x7f,
        any_byte in any::<u8>(),
    ) {
        let mut signed = Signed::new();
        let changed = match field {
            0 => flip(&mut signed.body, at, any_byte),
            1 => flip(&mut signed.ts, at, visible),
            2 => flip(&mut signed.nonce, at, visible),
            _ => flip(&mut signed.signature, at, visible),
        };
        prop_assume!(changed);
        let resp = signed.response().unwrap();
        let err = verifier().verify(&VerifyContext::new("/v3/pay/transactions/native", &resp)).unwrap_err();
        prop_assert!(matches!(err.kind(), ErrorKind::Verify(_)), "{:?}", err.kind());
    }
}

/// The same for notifications, through `Client::notification` (built as WeChat Pay sends them by the sandbox).
#[cfg(feature = "sandbox")]
mod notifications {
    use super::*;
    use wechatpay::sandbox::{self, Sandbox};

    fn part(headers: &HeaderMap, name: &str) -> Vec<u8> {
        headers[name].as_bytes().to_vec()
    }

    proptest! {
        #![proptest_config(config(64))]

        #[test]
        fn every_single_byte_change_of_a_notification_is_refused(
            field in 0..4usize,
            at in any::<usize>(),
            visible in 0x21u8..0x7f,
            any_byte in any::<u8>(),
        ) {
            let client = Sandbox::start().unwrap().client().unwrap();
            let resource = serde_json::json!({ "out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS" });
            let (mut headers, mut body) = sandbox::notification("TRANSACTION.SUCCESS", &resource).unwrap();
            prop_assert!(client.notification(&headers, &body).is_ok());
            let name = ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature"][field.min(3).saturating_sub(1)];
            let changed = if field == 0 {
                flip(&mut body, at, any_byte)
            } else {
                let mut value = part(&headers, name);
                let changed = flip(&mut value, at, visible);
                headers.insert(HeaderName::from_static(name), HeaderValue::from_bytes(&value).unwrap());
                changed
            };
            prop_assume!(changed);
            let err = client.notification(&headers, &body).unwrap_err();
            prop_assert!(matches!(err.kind(), ErrorKind::Verify(_)), "{:?}", err.kind());
        }
    }
}

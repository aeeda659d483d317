//! Shared test helpers: fixture keys, a client for a mock server, the PHP-oracle corpus, `both()` to run a case
//! blocking and async.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

use serde_json::Value;
use wechatpay::{Builder, Client, KeyType, Options, Response, Rsa, RsaKey};

pub const MCHID: &str = "1230000109";
pub const SERIAL: &str = "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB";
pub const PLATFORM_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The clock every deterministic test pins (the corpus' `fixed_clock_example.now`).
pub const NOW: i64 = 1_700_000_000;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn key(name: &str, kind: KeyType) -> RsaKey {
    Rsa::from(format!("file://{}", fixture(&format!("keys/{name}")).display()), kind).expect("fixture key loads")
}

pub fn merchant_private() -> RsaKey {
    key("merchant.pkcs8.key.pem", KeyType::Private)
}
pub fn merchant_public() -> RsaKey {
    key("merchant.spki.pem", KeyType::Public)
}
pub fn platform_private() -> RsaKey {
    key("platform.pkcs8.key.pem", KeyType::Private)
}
pub fn platform_public() -> RsaKey {
    key("platform.spki.pem", KeyType::Public)
}

/// The corpus' fixed configuration (php-oracle/README.md) pointed at `base`, clock pinned at [`NOW`].
pub fn builder(base: &str) -> Builder {
    Builder::new()
        .mchid(MCHID)
        .serial(SERIAL)
        .private_key(merchant_private())
        .cert(PLATFORM_ID, platform_public())
        .base_uri(base)
        .clock(wechatpay::FixedClock(NOW))
}

pub fn client(base: &str) -> Client {
    builder(base).build().expect("client builds")
}

/// `mockito` base URI with the trailing slash PHP's `base_uri` has.
pub fn base(server: &mockito::Server) -> String {
    format!("{}/", server.url())
}

/// Lines of a PHP-oracle vector file (`tests/fixtures/php-oracle/<name>`), parsed.
pub fn corpus(name: &str) -> Vec<Value> {
    let path = fixture("php-oracle").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
        .collect()
}

/// A file of the endpoint inventory (`tests/fixtures/inventory/<name>`), as text.
pub fn inventory(name: &str) -> String {
    let path = fixture("inventory").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Runs one call blocking, then the same call async on a fresh runtime (PHP's paired `testX` / `testXAsync`).
pub fn both(node: &Client, method: &str, opts: impl Into<Options>) -> [(&'static str, wechatpay::Result<Response>); 2] {
    let opts: Options = opts.into();
    let blocking = match method {
        "GET" => node.get(opts.clone()),
        "POST" => node.post(opts.clone()),
        "PUT" => node.put(opts.clone()),
        "PATCH" => node.patch(opts.clone()),
        "DELETE" => node.delete(opts.clone()),
        other => panic!("unknown method {other}"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fut = async {
        match method {
            "GET" => node.get_async(opts).await,
            "POST" => node.post_async(opts).await,
            "PUT" => node.put_async(opts).await,
            "PATCH" => node.patch_async(opts).await,
            _ => node.delete_async(opts).await,
        }
    };
    let asynchronous = rt.block_on(fut);
    [("blocking", blocking), ("async", asynchronous)]
}

/// Signs `TS\nNONCE\nBODY\n` like the gateway and returns the four `Wechatpay-*` headers.
pub fn signed_headers(key: &RsaKey, serial: &str, ts: i64, nonce: &str, body: &str) -> Vec<(&'static str, String)> {
    let sig = Rsa::sign(format!("{ts}\n{nonce}\n{body}\n"), key).expect("sign");
    vec![
        ("Wechatpay-Nonce", nonce.to_owned()),
        ("Wechatpay-Serial", serial.to_owned()),
        ("Wechatpay-Signature", sig),
        ("Wechatpay-Timestamp", ts.to_string()),
    ]
}

/// Checks an APIv3 request's `Authorization` against the merchant public key over the captured method,
/// request-target and body, as PHP's own tests check it. Returns the parsed fields.
pub fn verify_authorization(req: &mockito::Request) -> Result<Vec<(String, String)>, String> {
    let auth = req.header("authorization");
    let auth = auth
        .first()
        .ok_or("no Authorization")?
        .to_str()
        .map_err(|e| e.to_string())?;
    let rest = auth.strip_prefix("WECHATPAY2-SHA256-RSA2048 ").ok_or("bad scheme")?;
    let fields: Vec<(String, String)> = rest
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or("bad field")?;
            Ok((k.to_owned(), v.trim_matches('"').to_owned()))
        })
        .collect::<Result<_, &str>>()?;
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    if names != ["mchid", "serial_no", "timestamp", "nonce_str", "signature"] {
        return Err(format!("field order {names:?}"));
    }
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let body = req.body().map_err(|e| e.to_string())?;
    let mut message = format!(
        "{}\n{}\n{}\n{}\n",
        req.method(),
        req.path_and_query(),
        get("timestamp"),
        get("nonce_str")
    )
    .into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    if !Rsa::verify(&message, &get("signature"), &merchant_public()) {
        return Err("signature does not verify".into());
    }
    Ok(fields)
}

/// Every vector of `kind` in crypto_vectors.jsonl (at least one, so a renamed kind cannot pass silently).
pub fn vectors(kind: &str) -> Vec<Value> {
    let found: Vec<Value> = corpus("crypto_vectors.jsonl")
        .into_iter()
        .filter(|v| v["kind"] == kind)
        .collect();
    assert!(!found.is_empty(), "no `{kind}` vectors in crypto_vectors.jsonl");
    found
}

/// A string field of a vector.
pub fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("string field `{field}` in {v}"))
}

/// An APIv2 XML answer: `fields` plus their MD5 `sign` with `secret`.
pub fn signed_xml(fields: Value, secret: &str) -> String {
    let mut data = fields.as_object().expect("fields are a map").clone();
    let sign = wechatpay::Hash::sign(
        "MD5",
        &wechatpay::Formatter::query_string_like(&wechatpay::Formatter::ksort(&data)),
        secret,
    )
    .expect("MD5 signs");
    data.insert("sign".into(), Value::String(sign));
    wechatpay::Transformer::to_xml(&Value::Object(data))
}

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

/// Our text for one of wechatpay-php's error messages (as the oracle vectors record them). We keep PHP's meaning
/// but write plain, correct English that names the fix (docs/DECISIONS.md); this table is the correspondence,
/// so the vectors still pin every message. Texts without an entry (Guzzle's status errors) are ours unchanged.
pub fn ours(php: &str) -> String {
    const TABLE: [(&str, &str); 11] = [
        (
            r"^Cannot load (private|public)Key from\(string\), please take care about the \\\$thing input\.$",
            "Cannot load a $1 key from the given text: pass PEM text, a `file://` path (a plain path is read as PEM \
             text) or an `RsaKey`.",
        ),
        (
            r"^Decrypting the input \$ciphertext failed, please checking your \$key and \$iv whether or nor correct\.$",
            "AES decryption failed: the key (the APIv3 key for notifications and certificates), the IV (nonce) or the \
             associated data is wrong, or the ciphertext was altered.",
        ),
        (
            r"^Decrypting the input \$ciphertext failed, please checking your \$privateKey whether or nor correct\.$",
            "RSA decryption failed: the ciphertext was not encrypted for this private key, or it was altered.",
        ),
        (
            r"^Encrypting the input \$plaintext failed, please checking your \$publicKey whether or nor correct\.$",
            "RSA encryption failed: check the public key, and that the plaintext fits (at most 214 bytes with a \
             2048-bit key).",
        ),
        (
            r"^Here's only support the OPENSSL_PKCS1_OAEP_PADDING\(4\) mode, yours\((-?\d+)\)\.$",
            "Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not $1.",
        ),
        (
            r"^The inputs `\$ciphertext` incomplete, the bytes length must be one of 16, 15, 14, 13, 12, 8 or 4\.$",
            "The ciphertext is too short to carry its 16-byte authentication tag: pass the whole base64 `ciphertext`.",
        ),
        (
            r"^The xml's structure\[mch_id\((.*)\)\] doesn't matched the init one mchid\((.*)\)\.$",
            "The request's merchant ID `$1` (`mch_id`, `mchid` or `combine_mch_id`) is not this client's `$2`: nothing \
             was sent.",
        ),
        (
            r"^Cannot found the serial\(`(.*)`\)'s configuration, which's from the response\(header:Wechatpay-Serial\), your's (.*)\.$",
            "The response is signed with the key `$1` (header `Wechatpay-Serial`), which is not configured \
             (configured: $2): add it with `Builder::cert`, or refresh the platform certificates.",
        ),
        (
            r"^It's allowed time offset in ± (\d+) seconds, the response was on (.*), your's localtime on (.*)\.$",
            "The response's timestamp $2 is more than $1 seconds away from the local clock ($3): check this \
             machine's clock, or the answer is a replay.",
        ),
        (
            r"^The response's Headers incomplete, must have\(`Wechatpay-Nonce`, `Wechatpay-Serial`, `Wechatpay-Signature` and `Wechatpay-Timestamp`\)\.$",
            "The response is not signed: it lacks one of the headers `Wechatpay-Nonce`, `Wechatpay-Serial`, \
             `Wechatpay-Signature` and `Wechatpay-Timestamp`, which WeChat Pay sends with every answer.",
        ),
        (
            r"^Verify the response's data with: timestamp=(.*), nonce=(.*), signature=.*, cert=\[(.*) => \.\.\.\] failed\.$",
            "The response's signature does not verify with the key `$3` (timestamp $1, nonce $2): the answer was \
             altered on its way, or the key configured under that serial is wrong.",
        ),
    ];
    for (pattern, replacement) in TABLE {
        let re = regex::Regex::new(pattern).expect("table pattern");
        if re.is_match(php) {
            return re.replace(php, replacement).into_owned();
        }
    }
    php.to_owned()
}

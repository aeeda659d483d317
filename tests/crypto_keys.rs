//! `Rsa::from` and friends: every key form wechatpay-php's `Rsa::from` accepts, the `rsa_from` vectors of
//! `tests/fixtures/php-oracle/crypto_vectors.jsonl`, and the failures, with the test-only keys committed in
//! `tests/fixtures/keys/` (see its README for how each file was made).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests: a panic is the failure report"
)]

mod support;

use support::{ours, vectors};
use wechatpay::ErrorKind;
use wechatpay::crypto::{KeyInput, KeyType, Rsa, RsaKey};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
const LOAD_PRIVATE: &str = "Cannot load a private key from the given text: pass PEM text, a `file://` path (a plain \
                            path is read as PEM text) or an `RsaKey`.";
const LOAD_PUBLIC: &str = "Cannot load a public key from the given text: pass PEM text, a `file://` path (a plain \
                           path is read as PEM text) or an `RsaKey`.";

fn uri(file: &str) -> String {
    format!("file://{KEYS}/{file}")
}

fn pem(file: &str) -> String {
    std::fs::read_to_string(format!("{KEYS}/{file}")).unwrap()
}

/// The one-line base64 body of a PEM file.
fn body(file: &str) -> String {
    pem(file).lines().filter(|l| !l.starts_with("-----")).collect()
}

fn passphrase() -> String {
    pem("merchant.passphrase.txt")
}

/// The key signs (private) or verifies (both) every `rsa_sign` vector of crypto_vectors.jsonl, which were made
/// with the merchant key.
fn works_with_merchant_vectors(key: &RsaKey, what: &str) {
    for v in vectors("rsa_sign") {
        let (message, signature) = (v["message"].as_str().unwrap(), v["signature"].as_str().unwrap());
        if key.is_private() {
            assert_eq!(Rsa::sign(message, key).unwrap(), signature, "{what}");
        }
        assert!(Rsa::verify(message, signature, key), "{what}");
    }
}

/// crypto_vectors.jsonl, kind `rsa_from`: each `label` rebuilt from the fixture keys.
#[test]
fn rsa_from_vectors() {
    for v in vectors("rsa_from") {
        let label = v["label"].as_str().unwrap();
        let input = match label {
            "private.pkcs8://<merchant pkcs8 base64>" => format!("private.pkcs8://{}", body("merchant.pkcs8.key.pem")),
            "public.spki://<merchant spki base64>" => format!("public.spki://{}", body("merchant.spki.pem")),
            "public.pkcs1://<merchant pkcs1 public base64>" => {
                format!("public.pkcs1://{}", body("merchant.pkcs1.pub.pem"))
            }
            "public.spki:// used with private type" => format!("public.spki://{}", body("merchant.spki.pem")),
            "private.pkcs8:// with a public body" => format!("private.pkcs8://{}", body("merchant.spki.pem")),
            "-----BEGIN RSA PUBLIC KEY----- PEM (getpublickey style) as public" => pem("merchant.pkcs1.pub.pem"),
            "private PEM as public" => pem("merchant.pkcs8.key.pem"),
            "garbage as private" | "garbage as public" => "garbage".to_owned(),
            other => panic!("rsa_from label without a recipe: {other}"),
        };
        let kind = if v["type"] == "public" {
            KeyType::Public
        } else {
            KeyType::Private
        };
        match Rsa::from(&input, kind) {
            Ok(key) => {
                assert!(v["loads"].as_bool().unwrap(), "{label} loaded, PHP did not");
                assert_eq!(key.kind(), kind);
                if v["works_with_merchant_vectors"] == true {
                    works_with_merchant_vectors(&key, label);
                }
            }
            Err(err) => {
                assert!(!v["loads"].as_bool().unwrap(), "{label} did not load: {err}");
                assert_eq!(
                    err.to_string(),
                    ours(v["error"]["message"].as_str().unwrap()),
                    "{label}"
                );
                assert_eq!(err.kind(), ErrorKind::Crypto);
            }
        }
    }
}

/// Every loading form PHP accepts (file, PEM text, pseudo-protocols, encrypted PKCS#8), each checked against the merchant `rsa_sign` vectors.
#[test]
fn every_form_php_accepts_loads() {
    let crlf = |s: String| s.replace('\n', "\r\n");
    let private: Vec<(&str, KeyInput)> = vec![
        ("file:// PKCS#1", uri("merchant.pkcs1.key.pem").into()),
        ("file:// PKCS#8", uri("merchant.pkcs8.key.pem").into()),
        (
            "file:// encrypted PKCS#8 + passphrase",
            (uri("merchant.pkcs8.encrypted.key.pem"), passphrase()).into(),
        ),
        ("PKCS#1 text", pem("merchant.pkcs1.key.pem").into()),
        ("PKCS#8 text", pem("merchant.pkcs8.key.pem").into()),
        ("PKCS#8 text, CRLF", crlf(pem("merchant.pkcs8.key.pem")).into()),
        ("PKCS#1 text, CRLF", crlf(pem("merchant.pkcs1.key.pem")).into()),
        (
            "PKCS#8 text after garbage",
            format!("Bag Attributes: x\n{}", pem("merchant.pkcs8.key.pem")).into(),
        ),
        (
            "encrypted text + passphrase",
            (pem("merchant.pkcs8.encrypted.key.pem"), passphrase()).into(),
        ),
        (
            "unencrypted + empty passphrase",
            (uri("merchant.pkcs8.key.pem").as_str(), "").into(),
        ),
        (
            "private.pkcs1://",
            format!("private.pkcs1://{}", body("merchant.pkcs1.key.pem")).into(),
        ),
        (
            "private.pkcs8://",
            format!("private.pkcs8://{}", body("merchant.pkcs8.key.pem")).into(),
        ),
    ];
    let public: Vec<(&str, KeyInput)> = vec![
        ("file:// SPKI", uri("merchant.spki.pem").into()),
        ("file:// PKCS#1 public", uri("merchant.pkcs1.pub.pem").into()),
        ("file:// X.509 certificate", uri("merchant.cert.pem").into()),
        ("SPKI text", pem("merchant.spki.pem").into()),
        ("SPKI text, CRLF", crlf(pem("merchant.spki.pem")).into()),
        ("certificate text", pem("merchant.cert.pem").into()),
        ("certificate text, CRLF", crlf(pem("merchant.cert.pem")).into()),
        ("PKCS#1 public text", pem("merchant.pkcs1.pub.pem").into()),
        (
            "PKCS#1 public, one-line body (getpublickey)",
            format!(
                "-----BEGIN RSA PUBLIC KEY-----\r\n{}\r\n-----END RSA PUBLIC KEY-----",
                body("merchant.pkcs1.pub.pem")
            )
            .into(),
        ),
        (
            "public.pkcs1://",
            format!("public.pkcs1://{}", body("merchant.pkcs1.pub.pem")).into(),
        ),
        (
            "public.spki://",
            format!("public.spki://{}", body("merchant.spki.pem")).into(),
        ),
    ];
    for (kind, forms) in [(KeyType::Private, private), (KeyType::Public, public)] {
        for (what, input) in forms {
            let key = Rsa::from(input, kind).unwrap_or_else(|e| panic!("{what}: {e} ({e:?})"));
            assert_eq!((key.kind(), key.bits()), (kind, 2048), "{what}");
            works_with_merchant_vectors(&key, what);
            // an already-loaded key passes through, by value and by reference
            assert!(
                Rsa::from(&key, kind).is_ok() && Rsa::from(key.clone(), kind).is_ok(),
                "{what}"
            );
        }
    }
    // the sugar of PHP's fromPkcs1 / fromPkcs8 / fromSpki
    works_with_merchant_vectors(
        &Rsa::from_pkcs1(&body("merchant.pkcs1.key.pem"), KeyType::Private).unwrap(),
        "1",
    );
    works_with_merchant_vectors(
        &Rsa::from_pkcs1(&body("merchant.pkcs1.pub.pem"), KeyType::Public).unwrap(),
        "2",
    );
    works_with_merchant_vectors(&Rsa::from_pkcs8(&body("merchant.pkcs8.key.pem")).unwrap(), "3");
    works_with_merchant_vectors(&Rsa::from_spki(&body("merchant.spki.pem")).unwrap(), "4");
    // the platform key pair is distinct
    let platform = Rsa::from(uri("platform.pkcs8.key.pem"), Rsa::KEY_TYPE_PRIVATE).unwrap();
    let platform_public = Rsa::from(uri("platform.spki.pem"), Rsa::KEY_TYPE_PUBLIC).unwrap();
    assert!(Rsa::verify("m", &Rsa::sign("m", &platform).unwrap(), &platform_public));
    assert_ne!(
        platform_public.spki_der(),
        Rsa::from_spki(&body("merchant.spki.pem")).unwrap().spki_der()
    );
}

#[test]
fn unusable_inputs_fail_with_php_text() {
    let wrapped_b64 = pem("merchant.pkcs8.key.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let path_without_scheme = format!("{KEYS}/merchant.pkcs8.key.pem");
    let cases: Vec<(&str, String, KeyType, &str)> = vec![
        (
            "PKCS#1 private PEM as public",
            pem("merchant.pkcs1.key.pem"),
            KeyType::Public,
            LOAD_PUBLIC,
        ),
        (
            "PKCS#8 private file as public",
            uri("merchant.pkcs8.key.pem"),
            KeyType::Public,
            LOAD_PUBLIC,
        ),
        (
            "encrypted PEM as public",
            pem("merchant.pkcs8.encrypted.key.pem"),
            KeyType::Public,
            LOAD_PUBLIC,
        ),
        (
            "SPKI as private",
            pem("merchant.spki.pem"),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "PKCS#1 public as private",
            pem("merchant.pkcs1.pub.pem"),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "certificate as private",
            uri("merchant.cert.pem"),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "encrypted without passphrase",
            uri("merchant.pkcs8.encrypted.key.pem"),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "plain path without file://",
            path_without_scheme,
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        ("missing file", uri("no-such-key.pem"), KeyType::Private, LOAD_PRIVATE),
        (
            "garbage",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into(),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        ("empty", String::new(), KeyType::Public, LOAD_PUBLIC),
        (
            "protocol body with newlines",
            format!("private.pkcs8://{wrapped_b64}"),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "private.pkcs1:// as public",
            format!("private.pkcs1://{}", body("merchant.pkcs1.key.pem")),
            KeyType::Public,
            LOAD_PUBLIC,
        ),
        (
            "public.pkcs1:// as private",
            format!("public.pkcs1://{}", body("merchant.pkcs1.pub.pem")),
            KeyType::Private,
            LOAD_PRIVATE,
        ),
        (
            "public.spki:// with a PKCS#1 body",
            format!("public.spki://{}", body("merchant.pkcs1.pub.pem")),
            KeyType::Public,
            LOAD_PUBLIC,
        ),
    ];
    for (what, input, kind, message) in cases {
        let err = Rsa::from(input.as_str(), kind).unwrap_err();
        assert_eq!(
            (err.kind(), err.to_string().as_str()),
            (ErrorKind::Crypto, message),
            "{what}"
        );
        assert!(
            std::error::Error::source(&err).is_some(),
            "{what}: the reason is kept as source"
        );
    }
    // the I/O error of an unreadable file is the source
    let err = Rsa::from(uri("no-such-key.pem"), KeyType::Private).unwrap_err();
    let io = std::error::Error::source(&err)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .expect("io source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // the passphrase form says from(array), like PHP
    let err = Rsa::from(
        (uri("merchant.pkcs8.encrypted.key.pem").as_str(), "wrong"),
        KeyType::Private,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot load a private key from the given text and passphrase: pass PEM text, a `file://` path (a plain \
         path is read as PEM text) or an `RsaKey`."
    );
    // a loaded public key cannot become a private one: from(object)
    let public = Rsa::from(uri("merchant.spki.pem"), KeyType::Public).unwrap();
    let err = Rsa::from(&public, KeyType::Private).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot load a private key from the given public key: pass PEM text, a `file://` path (a plain path is \
         read as PEM text) or an `RsaKey`."
    );
    // a loaded private key asked for as public passes through (it verifies with its public half)
    let private = Rsa::from(uri("merchant.pkcs8.key.pem"), KeyType::Private).unwrap();
    assert!(Rsa::from(&private, KeyType::Public).unwrap().is_private());
}

/// Private-key operations run on aws-lc-rs only (constant time), which supports 2048..=8192-bit keys: a smaller
/// private key loads, verifies and encrypts with its public half, but signing and decrypting are `Crypto` errors
/// that say why. The signature was made with
/// `printf 'wechatpay-chain legacy key' | openssl dgst -sha256 -sign legacy1024.pkcs8.key.pem | base64 -w0`.
#[test]
fn keys_aws_lc_refuses_load_and_verify_but_never_sign_or_decrypt() {
    use std::error::Error as _;
    let key = Rsa::from(uri("legacy1024.pkcs8.key.pem"), KeyType::Private).unwrap();
    assert_eq!(key.bits(), 1024);
    let expected = "NRX3H5kgVRMzkCDJl5hcIquJQaJypQx52V9fY0eKJ7xYqZG3VQABoEl6LPCnXGNtjlZWCImnIiI6t8NKd6c2zH7Uj5n8l8Dj\
                    q8b+jHLxxVPFHHqjTe7v3DGX45zCqhpcHTeACxzT3im99yJO6qhUBR3+0aghqTUov0SYFGX758U=";
    assert!(Rsa::verify("wechatpay-chain legacy key", expected, &key.to_public()));
    assert!(!Rsa::verify("wechatpay-chain legacy key!", expected, &key.to_public()));

    let err = Rsa::sign("wechatpay-chain legacy key", &key).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.source().is_some_and(|s| s.to_string().contains("2048")), "{err:?}");

    let ciphertext = Rsa::encrypt("x", &key.to_public()).unwrap();
    let err = Rsa::decrypt(&ciphertext, &key).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.source().is_some_and(|s| s.to_string().contains("2048")), "{err:?}");
}

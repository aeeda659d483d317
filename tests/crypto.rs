//! `wechatpay::crypto` against the PHP-oracle vectors in `tests/fixtures/php-oracle/crypto_vectors.jsonl`
//! (wechatpay-php 1.4.12 as oracle), with the test-only keys committed in `tests/fixtures/keys/`.
//! Key loading forms are covered in `tests/crypto_keys.rs`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests: a panic is the failure report"
)]

mod support;

use support::{ours, s, vectors};
use wechatpay::ErrorKind;
use wechatpay::crypto::{AesGcm, Hash, KeyType, Rsa, RsaKey};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

fn key(file: &str, kind: KeyType) -> RsaKey {
    Rsa::from(format!("file://{KEYS}/{file}"), kind).unwrap()
}

fn merchant() -> RsaKey {
    key("merchant.pkcs8.key.pem", KeyType::Private)
}

fn public_key(name: &str) -> RsaKey {
    key(&format!("{name}.spki.pem"), KeyType::Public)
}

/// crypto_vectors.jsonl, kind `hash_md5`.
#[test]
fn hash_md5_matches_php() {
    for v in vectors("hash_md5") {
        let got = Hash::md5(s(&v, "thing"), s(&v, "key"), v["agency"].as_bool().unwrap());
        assert_eq!(got, s(&v, "expected"), "hash_md5 {v}");
    }
}

/// crypto_vectors.jsonl, kind `hash_hmac`.
#[test]
fn hash_hmac_matches_php() {
    for v in vectors("hash_hmac") {
        let (thing, key, algo) = (s(&v, "thing"), s(&v, "key"), s(&v, "algorithm"));
        if let Some(expected) = v["expected"].as_str() {
            assert_eq!(Hash::hmac_with(thing, key, algo).unwrap(), expected, "hash_hmac {v}");
            if algo == "sha256" {
                assert_eq!(Hash::hmac(thing, key), expected, "hash_hmac {v}");
            }
            // PHP's test: the `&key=` suffix makes it differ from a plain HMAC of `thing`
            assert_ne!(
                Hash::hmac_with(thing, key, algo).unwrap(),
                Hash::hmac_with("", key, algo).unwrap()
            );
        } else {
            // PHP raises ValueError for an empty key (the vector's `error`). Deliberate difference: `hmac` does
            // not fail (nor panic) and keys with the empty string; `hmac_with` returns a Config error.
            assert_eq!(v["error"]["exception"], "ValueError");
            assert_eq!(Hash::hmac(thing, key).len(), 64);
            assert_eq!(Hash::hmac_with(thing, key, algo).unwrap_err().kind(), ErrorKind::Config);
        }
    }
}

/// crypto_vectors.jsonl, kind `hash_sign`.
#[test]
fn hash_sign_matches_php_or_documented_deviation() {
    for v in vectors("hash_sign") {
        let (ty, data, key) = (s(&v, "type"), s(&v, "data"), s(&v, "key"));
        let got = Hash::sign(ty, data, key);
        if let Some(expected) = v["expected"].as_str() {
            assert_eq!(got.unwrap(), expected, "hash_sign {v}");
        } else if v["expected"].is_null() && v.get("error").is_none() {
            // PHP returns null for an unknown (case-sensitive) type; we return an InvalidArgument naming it.
            let err = got.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "hash_sign {v}");
            assert!(err.to_string().contains(&format!("`{ty}`")), "{err}");
        } else {
            // PHP raises ValueError for HMAC-SHA256 with an empty key; we return a Config error.
            assert_eq!(v["error"]["exception"], "ValueError");
            assert_eq!(got.unwrap_err().kind(), ErrorKind::Config, "hash_sign {v}");
        }
    }
}

/// crypto_vectors.jsonl, kind `hash_equals`.
#[test]
fn hash_equals_matches_php() {
    for v in vectors("hash_equals") {
        let expected = v["expected"].as_bool().unwrap();
        assert_eq!(
            Hash::equals(s(&v, "known"), v["user"].as_str()),
            expected,
            "hash_equals {v}"
        );
    }
}

/// crypto_vectors.jsonl, kind `aes_gcm`: encryption reproduces PHP's ciphertext, decryption round-trips.
#[test]
fn aes_gcm_matches_php() {
    for v in vectors("aes_gcm") {
        let (plain, key, iv, aad) = (s(&v, "plaintext"), s(&v, "key"), s(&v, "iv"), s(&v, "aad"));
        let sealed = AesGcm::encrypt(plain, key, iv, aad).unwrap();
        assert_eq!(sealed, s(&v, "ciphertext"), "aes_gcm {v}");
        assert_eq!(
            AesGcm::decrypt(s(&v, "ciphertext"), key, iv, aad).unwrap(),
            plain,
            "aes_gcm {v}"
        );
    }
}

/// crypto_vectors.jsonl, kind `aes_gcm_decrypt_error`: PHP's messages, in our words.
#[test]
fn aes_gcm_decrypt_errors_match_php() {
    for v in vectors("aes_gcm_decrypt_error") {
        let err = AesGcm::decrypt(s(&v, "ciphertext"), s(&v, "key"), s(&v, "iv"), s(&v, "aad")).unwrap_err();
        assert_eq!(
            err.to_string(),
            ours(v["error"]["message"].as_str().unwrap()),
            "{}",
            v["label"]
        );
        assert_eq!(err.kind(), ErrorKind::Crypto);
    }
}

#[test]
fn aes_gcm_iv_and_key_lengths() {
    let key = "0123456789abcdef0123456789abcdef";
    for iv in ["0123456789ab", "0123456789abcdef", "x", &"i".repeat(64)] {
        let sealed = AesGcm::encrypt("微信支付", key, iv, "transaction").unwrap();
        assert_eq!(
            AesGcm::decrypt(&sealed, key, iv, "transaction").unwrap(),
            "微信支付",
            "iv {}",
            iv.len()
        );
        assert!(AesGcm::decrypt(&sealed, key, &format!("{iv}-"), "transaction").is_err());
    }
    for iv in ["", &"i".repeat(65)] {
        let err = AesGcm::encrypt("x", key, iv, "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "iv {}", iv.len());
        assert!(err.to_string().contains(&format!("got {} bytes", iv.len())), "{err}");
    }
    // Deviation from PHP (which pads/truncates silently): a key that is not 32 bytes is an error.
    for bad_key in [&key[1..], "0123456789abcdef0123456789abcdef0"] {
        let err = AesGcm::encrypt("x", bad_key, "0123456789ab", "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.to_string().contains(&format!("got {} bytes", bad_key.len())),
            "{err}"
        );
        let err = AesGcm::decrypt("8cyLVizq736WbULJw2UFB6Y7dCqydUqO", bad_key, "0123456789ab", "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
    // inputs shorter than a tag: 4, 8, 12-15 bytes fail authentication, other lengths are "incomplete"
    for len in 0..16usize {
        let err = AesGcm::decrypt(&wechatpay_b64(&vec![7u8; len]), key, "0123456789ab", "").unwrap_err();
        let incomplete = err.to_string().starts_with("The ciphertext is too short");
        assert_eq!(incomplete, !matches!(len, 4 | 8 | 12..=15), "length {len}: {err}");
    }
    assert!(AesGcm::decrypt_bytes(&AesGcm::encrypt([0xff], key, "iv", "").unwrap(), key, "iv", "").is_ok());
    assert!(AesGcm::decrypt(&AesGcm::encrypt([0xff], key, "iv", "").unwrap(), key, "iv", "").is_err());
}

fn wechatpay_b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// crypto_vectors.jsonl, kind `rsa_sign`: byte-for-byte equal signatures (PKCS#1 v1.5 is deterministic).
#[test]
fn rsa_sign_matches_php() {
    let (private, public) = (merchant(), public_key("merchant"));
    for v in vectors("rsa_sign") {
        assert_eq!(v["key"], "merchant");
        let message = s(&v, "message");
        assert_eq!(
            Rsa::sign(message, &private).unwrap(),
            s(&v, "signature"),
            "rsa_sign {:?}",
            message
        );
        assert!(Rsa::verify(message, s(&v, "signature"), &public));
    }
}

/// crypto_vectors.jsonl, kind `rsa_verify` (incl. the lenient base64 with line breaks inserted).
#[test]
fn rsa_verify_matches_php() {
    for v in vectors("rsa_verify") {
        let key = public_key(s(&v, "public_key"));
        let got = Rsa::verify(s(&v, "message"), s(&v, "signature"), &key);
        assert_eq!(got, v["expected"].as_bool().unwrap(), "rsa_verify {}", v["label"]);
        // a private key verifies with its public half
        if s(&v, "public_key") == "merchant" {
            assert_eq!(Rsa::verify(s(&v, "message"), s(&v, "signature"), &merchant()), got);
        }
    }
}

/// crypto_vectors.jsonl, kind `rsa_oaep`: the merchant key decrypts PHP's ciphertexts; ours round-trip.
#[test]
fn rsa_oaep_matches_php() {
    let (private, public) = (merchant(), public_key("merchant"));
    for v in vectors("rsa_oaep") {
        let plain = s(&v, "plaintext");
        assert_eq!(
            Rsa::decrypt(s(&v, "ciphertext"), &private).unwrap(),
            plain,
            "rsa_oaep {plain:?}"
        );
        let ours = Rsa::encrypt(plain, &public).unwrap();
        assert_ne!(ours, s(&v, "ciphertext"), "OAEP is randomised");
        assert!(ours.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
        assert_eq!(Rsa::decrypt(&ours, &private).unwrap(), plain);
        assert_eq!(
            Rsa::decrypt_with_padding(&ours, &private, Rsa::OPENSSL_PKCS1_OAEP_PADDING).unwrap(),
            plain
        );
    }
}

/// crypto_vectors.jsonl, kind `rsa_error`: PHP's messages in our words, one scenario per label.
#[test]
fn rsa_errors_match_php() {
    let (private, public) = (merchant(), public_key("merchant"));
    let ciphertext = Rsa::encrypt("hello", &public).unwrap();
    for v in vectors("rsa_error") {
        let label = s(&v, "label");
        let err = match label {
            "plaintext too long for 2048-bit OAEP" => {
                assert!(Rsa::encrypt([b'x'; 214], &public).is_ok());
                Rsa::encrypt([b'x'; 215], &public).unwrap_err()
            }
            "PKCS#1 v1.5 padding refused on encrypt" => {
                Rsa::encrypt_with_padding("hello", &public, Rsa::OPENSSL_PKCS1_PADDING).unwrap_err()
            }
            "PKCS#1 v1.5 padding refused on decrypt" => {
                Rsa::decrypt_with_padding(&ciphertext, &private, Rsa::OPENSSL_PKCS1_PADDING).unwrap_err()
            }
            "undecryptable ciphertext" => {
                let for_platform = Rsa::encrypt("hello", &public_key("platform")).unwrap();
                assert!(Rsa::decrypt("AAAA", &private).is_err());
                Rsa::decrypt(&for_platform, &private).unwrap_err()
            }
            other => panic!("rsa_error label without a scenario: {other}"),
        };
        assert_eq!(
            err.to_string(),
            ours(v["error"]["message"].as_str().unwrap()),
            "{label}"
        );
        assert_eq!(err.kind(), ErrorKind::Crypto);
    }
}

#[test]
fn rsa_wrong_key_kinds_fail_with_clear_texts() {
    let public = public_key("merchant");
    let err = Rsa::sign("x", &public).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Signing failed: the key is not a usable RSA private key"),
        "{err}"
    );
    let err = Rsa::decrypt(&Rsa::encrypt("x", &public).unwrap(), &public).unwrap_err();
    assert!(err.to_string().starts_with("RSA decryption failed"), "{err}");
    // a private key encrypts with its public half
    assert_eq!(
        Rsa::decrypt(&Rsa::encrypt("x", &merchant()).unwrap(), &merchant()).unwrap(),
        "x"
    );
    let err = Rsa::decrypt_with_padding("", &merchant(), 7).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not 7."
    );
}

/// crypto_vectors.jsonl, kind `rsa_pkcs1_to_spki`.
#[test]
fn rsa_pkcs1_to_spki_matches_php() {
    for v in vectors("rsa_pkcs1_to_spki") {
        assert_eq!(Rsa::pkcs1_to_spki(s(&v, "pkcs1")).unwrap(), s(&v, "expected"));
        assert!(Rsa::from_spki(s(&v, "expected")).is_ok());
        assert!(Rsa::from_pkcs1(s(&v, "pkcs1"), KeyType::Public).is_ok());
    }
    assert_eq!(
        Rsa::pkcs1_to_spki("bm90IGEga2V5").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn debug_never_shows_key_material() {
    for (file, kind) in [
        ("merchant.pkcs8.key.pem", KeyType::Private),
        ("merchant.spki.pem", KeyType::Public),
    ] {
        let pem = std::fs::read_to_string(format!("{KEYS}/{file}")).unwrap();
        let key = Rsa::from(&pem, kind).unwrap();
        let shown = format!(
            "{key:?} {:?} {:?}",
            key.to_public(),
            wechatpay::crypto::KeyInput::from(&pem)
        );
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        for chunk in body.as_bytes().chunks(12) {
            assert!(!shown.contains(std::str::from_utf8(chunk).unwrap()), "{shown}");
        }
        assert!(
            shown.starts_with(&format!("RsaKey {{ kind: {kind:?}, bits: 2048 }}")),
            "{shown}"
        );
    }
    let err = Rsa::from(("garbage", "my-passphrase"), KeyType::Private).unwrap_err();
    assert!(!format!("{err:?} {err}").contains("my-passphrase"));
}

#[test]
fn keys_are_cheap_shareable_values() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<RsaKey>();
    let key = merchant();
    let signature = std::thread::spawn({
        let key = key.clone();
        move || Rsa::sign("threads", &key).unwrap()
    })
    .join()
    .unwrap();
    assert!(Rsa::verify("threads", &signature, &key.to_public()));
    assert_eq!(
        key.to_spki_pem(),
        std::fs::read_to_string(format!("{KEYS}/merchant.spki.pem")).unwrap()
    );
    assert_eq!(key.to_public().spki_der(), key.spki_der());
    assert_eq!(
        (key.bits(), key.kind(), key.is_private()),
        (2048, KeyType::Private, true)
    );
}

//! `wechatpay::crypto::AesEcb` against the PHP-oracle vectors (`aes_ecb`, `aes_ecb_decrypt_error`), the refund
//! `req_info` vector of PHP's README, and random round trips.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests: a panic is the failure report"
)]

mod support;

use serde_json::json;
use support::{ours, s, vectors};
use wechatpay::crypto::{AesEcb, Hash};
use wechatpay::{ErrorKind, Formatter, Transformer};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const DECRYPT_FAILED: &str = "AES decryption failed: the key (the APIv3 key for notifications and certificates), the IV \
                              (nonce) or the associated data is wrong, or the ciphertext was altered.";

/// PHP's test regex for the base64 output: `^[a-zA-Z0-9\+/]+={0,2}$`.
fn is_php_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len() - body.len() <= 2
        && !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[test]
fn aes_ecb_vectors() {
    let all = vectors("aes_ecb");
    assert_eq!(all.len(), 6);
    for v in &all {
        let (plaintext, key, ciphertext) = (s(v, "plaintext"), s(v, "key"), s(v, "ciphertext"));
        assert_eq!(AesEcb::encrypt(plaintext, key).unwrap(), ciphertext, "{v}");
        assert_eq!(AesEcb::decrypt(ciphertext, key).unwrap(), plaintext, "{v}");
        if let Some(expected) = v.get("decrypted_to_array") {
            assert_eq!(
                &Transformer::to_array(AesEcb::decrypt(ciphertext, key).unwrap()),
                expected
            );
        }
    }
}

#[test]
fn aes_ecb_decrypt_error_vectors() {
    let all = vectors("aes_ecb_decrypt_error");
    assert_eq!(all.len(), 2);
    for v in &all {
        let err = AesEcb::decrypt(s(v, "ciphertext"), s(v, "key")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Crypto, "{v}");
        assert_eq!(err.to_string(), ours(s(&v["error"], "message")), "{v}");
    }
}

#[test]
fn spec_vectors() {
    assert_eq!(AesEcb::encrypt("hello", KEY).unwrap(), "pZwJZBLuy3mDACEQT4YTBw==");
    assert_eq!(AesEcb::encrypt("", KEY).unwrap(), "iqNiQf3o3wVNwyXGxpW4ng==");
    assert_eq!(AesEcb::decrypt("iqNiQf3o3wVNwyXGxpW4ng==", KEY).unwrap(), "");
}

#[test]
fn refund_req_info() {
    // the key is the lowercase hex MD5 of the APIv2 key, used as 32 ASCII bytes
    let key = Hash::md5("exposed_your_key_here_have_risks", "", false);
    assert_eq!(key, "4ad14ac334ab13540eb6c5479512a8e8");
    let req_info = "sQHh/cSF5F2ms58BHQoBmSe6PR7CX1bhrvBSH9Qhny+XrJMY2DfYIO50b51BFVxzk/GNmvI9NBWlrTMA5+VT+K+NsYPb34LqIBdXa855Njw90G0n9TT92WA2FoWroPAVilC2Z6TAmBPgwFhQATOv20/8sH/A9WdRHyNO8K7ZgUk=";
    let xml = "<root><out_refund_no><![CDATA[131811191610442717309]]></out_refund_no><refund_status><![CDATA[SUCCESS]]></refund_status></root>";
    assert_eq!(AesEcb::decrypt(req_info, &key).unwrap(), xml);
    assert_eq!(AesEcb::encrypt(xml, &key).unwrap(), req_info);
    assert_eq!(
        Transformer::try_to_array(AesEcb::decrypt(req_info, &key).unwrap()).unwrap(),
        json!({"out_refund_no": "131811191610442717309", "refund_status": "SUCCESS"})
    );
    // base64 is decoded leniently, like PHP: line breaks in the field do not matter
    let wrapped: String = req_info
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i % 64 == 63).then_some('\n').into_iter().chain([c]))
        .collect();
    assert_eq!(AesEcb::decrypt(&wrapped, &key).unwrap(), xml);
}

#[test]
fn random_round_trips() {
    for plaintext in ["hello wechatpay 你好 微信支付", "", "0123456789abcdef", "x"] {
        for _ in 0..20 {
            let key = Formatter::nonce(32).unwrap();
            let sealed = AesEcb::encrypt(plaintext, &key).unwrap();
            assert!(is_php_base64(&sealed), "{sealed}");
            assert_eq!(AesEcb::decrypt(&sealed, &key).unwrap(), plaintext);
        }
    }
    let mut seed = 0x1234_5678_u64;
    for len in 0..100 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (seed >> 56) as u8
            })
            .collect();
        let sealed = AesEcb::encrypt(&bytes, KEY).unwrap();
        assert_eq!(wechatpay_b64_len(&sealed), (len / 16 + 1) * 16);
        assert_eq!(AesEcb::decrypt_bytes(&sealed, KEY).unwrap(), bytes);
    }
}

/// Length in bytes of what a padded base64 string decodes to.
fn wechatpay_b64_len(b64: &str) -> usize {
    b64.len() / 4 * 3 - b64.bytes().rev().take_while(|&b| b == b'=').count()
}

#[test]
fn key_must_be_32_bytes() {
    for key in ["", "short", &KEY[1..], &format!("{KEY}x")] {
        let err = AesEcb::encrypt("x", key).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{key}");
        assert!(err.to_string().contains("32 bytes"), "{err}");
        assert_eq!(
            AesEcb::decrypt("pZwJZBLuy3mDACEQT4YTBw==", key).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}

#[test]
fn bad_ciphertexts() {
    let one_block = AesEcb::encrypt("", KEY).unwrap();
    for input in [
        "",
        "!!!!",
        "AAAA",
        "AAAAAAAAAAAAAAAAAAAAAA==",
        &one_block[..8],
        &format!("{one_block}AAAA"),
    ] {
        let err = AesEcb::decrypt(input, KEY).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Crypto, "{input}");
        assert_eq!(err.to_string(), DECRYPT_FAILED, "{input}");
    }
    // a plaintext that is not UTF-8: `decrypt` says so, `decrypt_bytes` returns it
    let sealed = AesEcb::encrypt([0xc4, 0xe3], KEY).unwrap();
    let err = AesEcb::decrypt(&sealed, KEY).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.to_string().contains("decrypt_bytes"));
    assert_eq!(AesEcb::decrypt_bytes(&sealed, KEY).unwrap(), [0xc4, 0xe3]);
}

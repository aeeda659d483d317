//! Parsing of every key form wechatpay-php's `Rsa::from` accepts: `file://` URIs, PEM text of six kinds,
//! the four pseudo-protocols, encrypted PKCS#8; and the DER wrapping of `Rsa::pkcs1_to_spki`.

use std::error::Error as StdError;

use ::rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use ::rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ::rsa::{RsaPrivateKey, RsaPublicKey};
use x509_cert::der::{Decode, Encode};
use zeroize::Zeroizing;

use super::key::{KeyInput, RsaKey};
use super::{KeyType, base64_decode_strict};
use crate::error::{Error, Result};

/// Why a key did not load; kept as the error's `source` (never contains key material).
pub(super) type Why = Box<dyn StdError + Send + Sync + 'static>;

/// `Rsa::from`: loads `input` as `kind`, or fails with PHP's load message (the reason kept as `source`).
pub(super) fn load(input: KeyInput, kind: KeyType) -> Result<RsaKey> {
    let (php_type, outcome) = match input {
        KeyInput::Text(text) => ("text", parse_text(&text, None, kind)),
        KeyInput::WithPassphrase(text, pass) => ("text and passphrase", parse_text(&text, Some(&pass), kind)),
        KeyInput::Loaded(key) if kind == KeyType::Private && !key.is_private() => {
            ("public key", Err("a public key cannot be used as a private key".into()))
        }
        KeyInput::Loaded(key) => ("key", Ok(key)),
    };
    outcome.map_err(|why| {
        let msg = format!(
            "Cannot load a {} key from the given {php_type}: pass PEM text, a `file://` path (a plain path is read \
             as PEM text) or an `RsaKey`.",
            kind.name()
        );
        Error::crypto(msg).with_source(why)
    })
}

/// PHP's pseudo-protocols (`private.pkcs1://`, `private.pkcs8://`, `public.pkcs1://`, `public.spki://`): prefix, key kind, DER form.
const PROTOCOLS: [(&str, KeyType, Form); 4] = [
    ("private.pkcs1://", KeyType::Private, Form::Pkcs1Private),
    ("private.pkcs8://", KeyType::Private, Form::Pkcs8Private),
    ("public.pkcs1://", KeyType::Public, Form::Pkcs1Public),
    ("public.spki://", KeyType::Public, Form::Spki),
];

#[derive(Clone, Copy)]
enum Form {
    Pkcs1Private,
    Pkcs8Private,
    EncryptedPkcs8,
    Pkcs1Public,
    Spki,
    Certificate,
}

impl Form {
    fn from_label(label: &str) -> Option<(Form, KeyType)> {
        Some(match label {
            "RSA PRIVATE KEY" => (Form::Pkcs1Private, KeyType::Private),
            "PRIVATE KEY" => (Form::Pkcs8Private, KeyType::Private),
            "ENCRYPTED PRIVATE KEY" => (Form::EncryptedPkcs8, KeyType::Private),
            "RSA PUBLIC KEY" => (Form::Pkcs1Public, KeyType::Public),
            "PUBLIC KEY" => (Form::Spki, KeyType::Public),
            "CERTIFICATE" => (Form::Certificate, KeyType::Public),
            _ => return None,
        })
    }
}

fn parse_text(text: &str, passphrase: Option<&str>, kind: KeyType) -> std::result::Result<RsaKey, Why> {
    if let Some(path) = text.strip_prefix("file://") {
        let pem = Zeroizing::new(std::fs::read_to_string(path)?);
        return parse_pem(&pem, passphrase, kind);
    }
    for (prefix, proto_kind, form) in PROTOCOLS {
        if let Some(b64) = text.strip_prefix(prefix) {
            if proto_kind != kind {
                return Err(format!("`{prefix}` does not hold a key of the requested type").into());
            }
            let der = Zeroizing::new(base64_decode_strict(b64).ok_or("the body is not one line of base64")?);
            return parse_der(form, &der, passphrase);
        }
    }
    parse_pem(text, passphrase, kind)
}

/// The first PEM block whose label is a key form of the requested kind (OpenSSL skips the other blocks too);
/// anything before the armour, CRLF line endings and unwrapped bodies are tolerated.
fn parse_pem(text: &str, passphrase: Option<&str>, kind: KeyType) -> std::result::Result<RsaKey, Why> {
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_len) = after.find("-----") else { break };
        let label = &after[..label_len];
        let body_and_more = &after[label_len + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = body_and_more.find(&end_marker) else {
            break;
        };
        rest = &body_and_more[body_len + end_marker.len()..];
        match Form::from_label(label) {
            Some((form, form_kind)) if form_kind == kind => {
                let body: Zeroizing<String> = Zeroizing::new(
                    body_and_more[..body_len]
                        .chars()
                        .filter(|c| !c.is_ascii_whitespace())
                        .collect(),
                );
                let der = Zeroizing::new(base64_decode_strict(&body).ok_or("the PEM body is not base64")?);
                return parse_der(form, &der, passphrase);
            }
            _ => continue,
        }
    }
    Err("no PEM block holding a key of the requested type".into())
}

fn parse_der(form: Form, der: &[u8], passphrase: Option<&str>) -> std::result::Result<RsaKey, Why> {
    match form {
        Form::Pkcs1Private => RsaKey::from_private(RsaPrivateKey::from_pkcs1_der(der)?),
        Form::Pkcs8Private => RsaKey::from_private(RsaPrivateKey::from_pkcs8_der(der)?),
        Form::EncryptedPkcs8 => {
            let info = ::rsa::pkcs8::EncryptedPrivateKeyInfo::try_from(der)?;
            let plain = info.decrypt(passphrase.unwrap_or_default())?; // a SecretDocument
            RsaKey::from_private(RsaPrivateKey::from_pkcs8_der(plain.as_bytes())?)
        }
        Form::Pkcs1Public => RsaKey::from_public(RsaPublicKey::from_pkcs1_der(der)?),
        Form::Spki => RsaKey::from_public(RsaPublicKey::from_public_key_der(der)?),
        Form::Certificate => {
            let cert = x509_cert::Certificate::from_der(der)?;
            let spki = cert.tbs_certificate.subject_public_key_info.to_der()?;
            RsaKey::from_public(RsaPublicKey::from_public_key_der(&spki)?)
        }
    }
}

/// DER `SubjectPublicKeyInfo` around a PKCS#1 `RSAPublicKey`, built like PHP's `pkcs1ToSpki`:
/// `SEQUENCE { SEQUENCE { rsaEncryption OID, NULL }, BIT STRING { 0 unused bits, RSAPublicKey } }`.
pub(super) fn spki_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    const ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0x03];
    push_der_len(&mut bit_string, pkcs1.len() + 1);
    bit_string.push(0x00);
    bit_string.extend_from_slice(pkcs1);
    let mut der = vec![0x30];
    push_der_len(&mut der, ALGORITHM.len() + bit_string.len());
    der.extend_from_slice(&ALGORITHM);
    der.extend_from_slice(&bit_string);
    der
}

/// Appends a DER length: short form up to 0x7F, else `0x80 | n` and n big-endian bytes.
fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_shortest_form() {
        for (len, expected) in [
            (0usize, &[0x00][..]),
            (0x7f, &[0x7f]),
            (0x80, &[0x81, 0x80]),
            (0xff, &[0x81, 0xff]),
            (0x100, &[0x82, 0x01, 0x00]),
            (0x1_0000, &[0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut out = Vec::new();
            push_der_len(&mut out, len);
            assert_eq!(out, expected, "length {len:#x}");
        }
    }

    #[test]
    fn pem_blocks_of_another_kind_are_skipped() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
        let cert = std::fs::read_to_string(format!("{dir}/merchant.cert.pem")).unwrap();
        let key = std::fs::read_to_string(format!("{dir}/merchant.pkcs1.key.pem")).unwrap();
        let bundle = format!("{cert}{key}");
        assert!(parse_pem(&bundle, None, KeyType::Private).is_ok_and(|k| k.is_private()));
        assert!(parse_pem(&bundle, None, KeyType::Public).is_ok_and(|k| !k.is_private()));
        assert!(parse_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n", None, KeyType::Public).is_err());
    }
}

//! `PemUtil` and `Certificate`: serial numbers printed as OpenSSL's `BN_bn2hex` does (certificates generated here
//! with rcgen so each serial's DER form is known), validity, public keys, files and `file://` paths, errors.

#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

mod support;

use rcgen::{CertificateParams, KeyPair, SerialNumber};
use support::fixture;
use wechatpay::ErrorKind;
use wechatpay::util::{Certificate, PemUtil};

/// A self-signed certificate with `serial` (as rcgen is given it) valid over `[from, to]` (Unix seconds).
fn cert_with(serial: &[u8], from: i64, to: i64, key: &KeyPair) -> rcgen::Certificate {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.serial_number = Some(SerialNumber::from_slice(serial));
    params.not_before = rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(from as u64);
    params.not_after = rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(to as u64);
    params.self_signed(key).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn serials_are_unsigned_big_integers_in_whole_bytes() {
    let key = KeyPair::generate().unwrap();
    // (serial given to rcgen, DER INTEGER the certificate holds, what OpenSSL prints)
    let cases: [(&[u8], &[u8], &str); 4] = [
        // high bit set: DER adds a 00 sign byte, which is not part of the number
        (&[0x80, 0xAB], &[0x02, 0x03, 0x00, 0x80, 0xAB], "80AB"),
        // leading zero bytes in the value are not printed
        (&[0x00, 0xFF, 0x01], &[0x02, 0x03, 0x00, 0xFF, 0x01], "FF01"),
        // whole bytes: a leading zero nibble stays
        (&[0x0A, 0x1B, 0x2C], &[0x02, 0x03, 0x0A, 0x1B, 0x2C], "0A1B2C"),
        (&[0x00, 0x00, 0x0A, 0x1B], &[0x02, 0x02, 0x0A, 0x1B], "0A1B"),
    ];
    for (serial, der_integer, expected) in cases {
        let cert = cert_with(serial, 1_700_000_000, 1_800_000_000, &key);
        assert!(contains(cert.der(), der_integer), "premise: DER of {expected}");
        let pem = cert.pem();
        assert_eq!(PemUtil::parse_certificate_serial_no(&pem).unwrap(), expected);
        assert_eq!(Certificate::from_pem(&pem).unwrap().serial_no(), expected);
    }
    // a 20-byte serial with the high bit set, as WeChat Pay's 40-hex-digit serials can be
    let long: Vec<u8> = (0..20).map(|i| 0xF0 - i as u8).collect();
    let cert = cert_with(&long, 1_700_000_000, 1_800_000_000, &key);
    assert_eq!(
        PemUtil::parse_certificate_serial_no(&cert.pem()).unwrap(),
        "F0EFEEEDECEBEAE9E8E7E6E5E4E3E2E1E0DFDEDD"
    );
}

#[test]
fn validity_is_read_in_unix_seconds_and_rfc3339() {
    let key = KeyPair::generate().unwrap();
    let cert = Certificate::from_pem(&cert_with(&[0x01], 1_735_689_600, 2_051_222_400, &key).pem()).unwrap();
    assert_eq!(cert.not_before(), 1_735_689_600);
    assert_eq!(cert.not_after(), 2_051_222_400);
    assert_eq!(cert.not_before_rfc3339(), "2025-01-01T00:00:00Z");
    assert_eq!(cert.not_after_rfc3339(), "2035-01-01T00:00:00Z");
    assert!(!cert.is_valid_at(1_735_689_599));
    assert!(cert.is_valid_at(1_735_689_600));
    assert!(cert.is_valid_at(2_051_222_400));
    assert!(!cert.is_valid_at(2_051_222_401));
    // an EC certificate has no RSA public key
    assert_eq!(cert.public_key().unwrap_err().kind(), ErrorKind::Crypto);
    assert!(format!("{cert:?}").contains("2035-01-01T00:00:00Z"));
}

#[test]
fn files_and_file_uris_load_and_the_public_key_verifies() {
    let path = fixture("keys/merchant.cert.pem");
    let plain = PemUtil::load_certificate(&path).unwrap();
    let uri = PemUtil::load_certificate(format!("file://{}", path.display())).unwrap();
    assert_eq!(plain.serial_no(), support::SERIAL);
    assert_eq!(uri.serial_no(), support::SERIAL);
    assert_eq!(
        PemUtil::parse_certificate_serial_no(&format!("file://{}", path.display())).unwrap(),
        support::SERIAL
    );
    // the certificate's key is the merchant key: a merchant signature verifies with it
    let sig = wechatpay::Rsa::sign(b"hello", &support::merchant_private()).unwrap();
    assert!(wechatpay::Rsa::verify(b"hello", &sig, &plain.public_key().unwrap()));
    // PEM text round-trips; CRLF and leading text are tolerated
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(plain.to_pem(), text.replace("\r\n", "\n"));
    let crlf = format!("Bag Attributes\r\n{}", text.replace('\n', "\r\n"));
    assert_eq!(Certificate::from_pem(&crlf).unwrap().serial_no(), support::SERIAL);
}

#[test]
fn failures_are_errors_with_php_meaning() {
    let err = PemUtil::load_certificate("/nonexistent/apiclient_cert.pem").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert_eq!(
        err.to_string(),
        "Cannot read the certificate file `/nonexistent/apiclient_cert.pem`: check the path (plain or `file://`)."
    );
    // a key file is not a certificate
    let key = fixture("keys/merchant.pkcs8.key.pem");
    let err = PemUtil::load_certificate(&key).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.to_string().contains("holds no X.509 certificate"));
    for bad in [
        "not a certificate".to_owned(),
        "file:///nonexistent.pem".to_owned(),
        format!("file://{}", key.display()),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
    ] {
        let err = PemUtil::parse_certificate_serial_no(&bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Crypto);
        assert_eq!(
            err.to_string(),
            "Cannot read the certificate's serial number: the input is not an X.509 certificate (PEM text or a \
             `file://` path)."
        );
    }
}

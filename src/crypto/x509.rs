//! X.509 certificate reading for `PemUtil` and the platform-certificate downloader: the serial as OpenSSL's
//! `BN_bn2hex` prints it, the validity window, and the DER bytes. Keeps `x509-cert` inside the crypto tree.

use x509_cert::der::Decode;

use super::{base64_decode_strict, base64_encode};

/// The fields of a parsed certificate the crate uses.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    /// The DER encoding.
    pub(crate) der: Vec<u8>,
    /// The serial as uppercase hex of the unsigned big integer, leading zero bytes dropped (`BN_bn2hex`).
    pub(crate) serial: String,
    /// `notBefore`, Unix seconds.
    pub(crate) not_before: i64,
    /// `notAfter`, Unix seconds.
    pub(crate) not_after: i64,
    /// `notBefore` as RFC 3339 (UTC, `Z`).
    pub(crate) not_before_rfc3339: String,
    /// `notAfter` as RFC 3339 (UTC, `Z`).
    pub(crate) not_after_rfc3339: String,
}

/// Parses the first `CERTIFICATE` PEM block of `text` (text before it, other blocks, CRLF line ends and unwrapped
/// bodies are tolerated). The error says why, without any input material.
pub(crate) fn parse_pem(text: &str) -> Result<Parsed, &'static str> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = text.find(BEGIN).ok_or("no `BEGIN CERTIFICATE` PEM block")?;
    let after = &text[start + BEGIN.len()..];
    let len = after.find(END).ok_or("the `CERTIFICATE` PEM block is not terminated")?;
    let body: String = after[..len].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64_decode_strict(&body).ok_or("the PEM body is not base64")?;
    parse_der(der)
}

/// Parses one DER certificate (`from_der` refuses trailing bytes).
pub(crate) fn parse_der(der: Vec<u8>) -> Result<Parsed, &'static str> {
    let cert = x509_cert::Certificate::from_der(&der).map_err(|_| "not a DER X.509 certificate")?;
    let tbs = &cert.tbs_certificate;
    let serial = bn2hex(tbs.serial_number.as_bytes());
    let unix = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    let not_before = unix(tbs.validity.not_before);
    let not_after = unix(tbs.validity.not_after);
    Ok(Parsed {
        serial,
        not_before,
        not_after,
        not_before_rfc3339: tbs.validity.not_before.to_date_time().to_string(),
        not_after_rfc3339: tbs.validity.not_after.to_date_time().to_string(),
        der,
    })
}

/// OpenSSL's `BN_bn2hex` of a non-negative integer given as big-endian bytes: whole bytes in uppercase hex,
/// leading zero bytes dropped, `0` for zero.
pub(crate) fn bn2hex(bytes: &[u8]) -> String {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    if skip == bytes.len() {
        return "0".to_owned();
    }
    hex::encode_upper(&bytes[skip..])
}

/// PEM armour around DER, 64 characters a line, `\n` line ends.
pub(crate) fn to_pem(der: &[u8]) -> String {
    let b64 = base64_encode(der);
    let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_print_like_bn_bn2hex() {
        assert_eq!(bn2hex(&[0x00, 0xFF, 0x01]), "FF01");
        assert_eq!(bn2hex(&[0x80, 0xAB]), "80AB");
        assert_eq!(bn2hex(&[0x0A, 0x1B, 0x2C]), "0A1B2C");
        assert_eq!(bn2hex(&[0x00, 0x00]), "0");
        assert_eq!(bn2hex(&[]), "0");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(parse_pem("hello").is_err());
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err());
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
    }
}

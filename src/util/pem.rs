//! `PemUtil` (wechatpay-php's `WeChatPay\Util\PemUtil`) and [`Certificate`], the crate's read-only view of an X.509
//! certificate: serial number, validity window, public key, PEM text.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::crypto::x509::{self, Parsed};
use crate::crypto::{KeyType, Rsa, RsaKey};
use crate::error::{Error, Result};

/// PHP's `parseCertificateSerialNo` failure text.
const SERIAL_FAILED: &str = "Cannot read the certificate's serial number: the input is not an X.509 certificate (PEM text or a `file://` path).";

/// An X.509 certificate (a WeChat Pay platform certificate, or the merchant API certificate): cheap to clone.
///
/// # Examples
///
/// ```
/// use wechatpay::util::PemUtil;
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
/// let cert = PemUtil::load_certificate(path)?;
/// assert_eq!(cert.serial_no(), "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
/// assert!(cert.not_before() < cert.not_after());
/// assert!(cert.public_key()?.bits() >= 2048);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    parsed: Arc<Parsed>,
}

impl Certificate {
    /// Reads the first `CERTIFICATE` block of PEM text (PHP `PemUtil::loadCertificateFromString`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when the text holds no parsable X.509 certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::Certificate;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let pem = std::fs::read_to_string(path).unwrap();
    /// assert_eq!(Certificate::from_pem(&pem)?.serial_no(), "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
    /// assert!(Certificate::from_pem("not a certificate").is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from_pem(pem: &str) -> Result<Certificate> {
        x509::parse_pem(pem)
            .map(|parsed| Certificate {
                parsed: Arc::new(parsed),
            })
            .map_err(|why| Error::crypto("The input is not an X.509 certificate in PEM form.").with_source(why))
    }

    /// The serial number as OpenSSL prints it (`BN_bn2hex`): uppercase hex of the unsigned big integer, in whole
    /// bytes, leading zero bytes dropped. This is the key WeChat Pay sends in `Wechatpay-Serial`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert_eq!(cert.serial_no().len(), 40);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn serial_no(&self) -> &str {
        &self.parsed.serial
    }

    /// Start of the validity window (`notBefore`), Unix seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert!(cert.not_before() > 1_700_000_000);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn not_before(&self) -> i64 {
        self.parsed.not_before
    }

    /// End of the validity window (`notAfter`), Unix seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert!(cert.not_after() > cert.not_before());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn not_after(&self) -> i64 {
        self.parsed.not_after
    }

    /// `notBefore` as RFC 3339 text in UTC, e.g. `2025-01-01T00:00:00Z`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert!(cert.not_before_rfc3339().ends_with('Z'));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn not_before_rfc3339(&self) -> &str {
        &self.parsed.not_before_rfc3339
    }

    /// `notAfter` as RFC 3339 text in UTC, e.g. `2035-01-01T00:00:00Z`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert_eq!(cert.not_after_rfc3339().len(), "2035-01-01T00:00:00Z".len());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn not_after_rfc3339(&self) -> &str {
        &self.parsed.not_after_rfc3339
    }

    /// Whether `ts` (Unix seconds) lies in the validity window, both ends inclusive.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// assert!(cert.is_valid_at(cert.not_before()) && cert.is_valid_at(cert.not_after()));
    /// assert!(!cert.is_valid_at(cert.not_after() + 1));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn is_valid_at(&self, ts: i64) -> bool {
        self.parsed.not_before <= ts && ts <= self.parsed.not_after
    }

    /// The certificate's RSA public key, ready for [`Rsa::verify`] or a client's platform keys.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when the key is not an RSA key.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let key = wechatpay::util::PemUtil::load_certificate(path)?.public_key()?;
    /// assert!(!key.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn public_key(&self) -> Result<RsaKey> {
        Rsa::from(self.to_pem(), KeyType::Public)
    }

    /// The certificate as PEM text (64-character lines, `\n` line ends).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::Certificate;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let cert = wechatpay::util::PemUtil::load_certificate(path)?;
    /// let again = Certificate::from_pem(&cert.to_pem())?;
    /// assert_eq!(again.serial_no(), cert.serial_no());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn to_pem(&self) -> String {
        x509::to_pem(&self.parsed.der)
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial_no", &self.parsed.serial)
            .field("not_before", &self.parsed.not_before_rfc3339)
            .field("not_after", &self.parsed.not_after_rfc3339)
            .finish()
    }
}

/// wechatpay-php's `PemUtil`: loads X.509 certificates and reads their serial numbers.
///
/// # Examples
///
/// ```
/// use wechatpay::util::PemUtil;
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
/// let serial = PemUtil::parse_certificate_serial_no(&format!("file://{path}"))?;
/// assert_eq!(serial, "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PemUtil;

impl PemUtil {
    /// Reads a certificate file (PHP `PemUtil::loadCertificate`): a plain path or a `file://` path.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto): ``Cannot read the certificate file `<path>`: …`` when the
    /// file cannot be read (the I/O error is the `source`); a different message when
    /// the file holds no X.509 certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::PemUtil;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// assert!(PemUtil::load_certificate(path).is_ok());
    /// assert!(PemUtil::load_certificate(format!("file://{path}")).is_ok());
    /// let err = PemUtil::load_certificate("/nowhere/cert.pem").unwrap_err();
    /// assert_eq!(err.to_string(), "Cannot read the certificate file `/nowhere/cert.pem`: check the path (plain or `file://`).");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn load_certificate(path: impl AsRef<Path>) -> Result<Certificate> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = read_certificate_file(path).map_err(|e| {
            Error::crypto(format!(
                "Cannot read the certificate file `{shown}`: check the path (plain or `file://`)."
            ))
            .with_source(e)
        })?;
        x509::parse_pem(&text)
            .map(|parsed| Certificate {
                parsed: Arc::new(parsed),
            })
            .map_err(|why| Error::crypto(format!("The file `{shown}` holds no X.509 certificate.")).with_source(why))
    }

    /// Reads a certificate from PEM text (PHP `PemUtil::loadCertificateFromString`); as
    /// [`Certificate::from_pem`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when the text holds no X.509 certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::util::PemUtil::load_certificate_from_string("junk").is_err());
    /// ```
    pub fn load_certificate_from_string(pem: &str) -> Result<Certificate> {
        Certificate::from_pem(pem)
    }

    /// The serial number of a certificate given as PEM text or a `file://` path (PHP
    /// `PemUtil::parseCertificateSerialNo`), as [`Certificate::serial_no`] prints it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto), `Cannot read the certificate's serial number: …`, when the
    /// file cannot be read or holds no certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::PemUtil;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.cert.pem");
    /// let pem = std::fs::read_to_string(path).unwrap();
    /// assert_eq!(PemUtil::parse_certificate_serial_no(&pem)?, "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
    /// assert!(PemUtil::parse_certificate_serial_no("file:///nowhere.pem").is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn parse_certificate_serial_no(certificate: &str) -> Result<String> {
        let text = match certificate.strip_prefix("file://") {
            Some(path) => std::fs::read_to_string(path).map_err(|e| Error::crypto(SERIAL_FAILED).with_source(e))?,
            None => certificate.to_owned(),
        };
        x509::parse_pem(&text)
            .map(|parsed| parsed.serial)
            .map_err(|why| Error::crypto(SERIAL_FAILED).with_source(why))
    }
}

/// Reads `path`, accepting a `file://` prefix as PHP's stream wrappers do.
fn read_certificate_file(path: &Path) -> std::io::Result<String> {
    match path.to_str().and_then(|s| s.strip_prefix("file://")) {
        Some(stripped) => std::fs::read_to_string(stripped),
        None => std::fs::read_to_string(path),
    }
}

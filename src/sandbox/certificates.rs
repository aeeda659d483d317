//! The sandbox's `GET /v3/certificates`: two TEST ONLY platform certificates in a rotation window, each encrypted
//! with [`APIV3_KEY`](super::APIV3_KEY), the answer signed by the newer certificate's key like the real gateway.
//! In public-key mode the route answers 404 `RESOURCE_NOT_EXISTS`, as WeChat Pay does for a merchant that
//! verifies with the WeChat Pay public key only. How the certificates were made: `keys/README.md`.

use http::StatusCode;
use serde_json::{Value, json};

use super::keys::APIV3_KEY;
use crate::crypto::{AesGcm, KeyType, Rsa, RsaKey};
use crate::error::Result;
use crate::formatter::Formatter;
use crate::util::Certificate;

/// Serial of the older sandbox platform certificate (TEST ONLY), valid from 2020-01-01 until 2030-01-01 UTC.
pub const PLATFORM_CERT_OLD_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// Serial of the newer sandbox platform certificate (TEST ONLY), valid from 2025-01-01 until 2035-01-01 UTC; its
/// key signs the `v3/certificates` answer.
pub const PLATFORM_CERT_NEW_SERIAL: &str = "6A2D0E9B1F3C4B5A8E7D6C5B4A39281706F5E4D3";

const OLD_CERT: &str = include_str!("keys/platform-cert-old.cert.pem");
const NEW_CERT: &str = include_str!("keys/platform-cert-new.cert.pem");
const NEW_KEY: &str = include_str!("keys/platform-cert-new.pkcs8.key.pem");

/// The certificates and the key that signs their listing.
pub(super) struct Certificates {
    certs: Vec<(Certificate, &'static str)>,
    pub(super) signing_key: RsaKey,
}

/// What `GET /v3/certificates` answers, before signing.
pub(super) enum Listing {
    /// 200 with the list, to be signed by the newer certificate.
    Certificates(Value),
    /// A plain answer signed like every other route.
    Plain(StatusCode, Value),
}

impl Certificates {
    pub(super) fn load() -> Result<Self> {
        Ok(Certificates {
            certs: vec![
                (Certificate::from_pem(OLD_CERT)?, OLD_CERT),
                (Certificate::from_pem(NEW_CERT)?, NEW_CERT),
            ],
            signing_key: Rsa::from(NEW_KEY, KeyType::Private)?,
        })
    }

    /// The answer to `GET /v3/certificates` (any `algorithm_type`: the sandbox has RSA certificates only).
    pub(super) fn answer(&self, public_key_mode: bool) -> Listing {
        if public_key_mode {
            return Listing::Plain(
                StatusCode::NOT_FOUND,
                json!({ "code": "RESOURCE_NOT_EXISTS", "message": "无可用的平台证书" }),
            );
        }
        let mut data = Vec::new();
        for (cert, pem) in &self.certs {
            let nonce = Formatter::nonce(12).unwrap_or_else(|_| "sandboxnonce".to_owned());
            let Ok(ciphertext) = AesGcm::encrypt(pem, APIV3_KEY, &nonce, "certificate") else {
                return Listing::Plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "code": "SYSTEM_ERROR", "message": "the sandbox cannot encrypt its certificates" }),
                );
            };
            data.push(json!({
                "serial_no": cert.serial_no(),
                "effective_time": cert.not_before_rfc3339(),
                "expire_time": cert.not_after_rfc3339(),
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": ciphertext,
                },
            }));
        }
        Listing::Certificates(json!({ "data": data }))
    }
}

//! The merchant TLS client identity for APIv2 `security` calls: certificate and key, checked
//! to belong together, handed to rustls as one PEM bundle.

use crate::crypto::{KeyInput, KeyType, Rsa};
use crate::error::{Error, Result};

/// Loads `cert` (`file://…` or PEM text, possibly a chain) and `key` (anything [`Rsa::from`] accepts as private,
/// including `(pem, passphrase)`), checks that the certificate's public key is the key's, and builds the identity.
pub(crate) fn merchant_identity(cert: &str, key: KeyInput) -> Result<reqwest::Identity> {
    let cert_pem = match cert.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("The merchant certificate file `{path}` cannot be read.")).with_source(e)
        })?,
        None => cert.to_owned(),
    };
    if !cert_pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::config("The merchant certificate is not a PEM `CERTIFICATE`."));
    }
    let cert_key = Rsa::from(cert_pem.as_str(), KeyType::Public)
        .map_err(|e| Error::config("The merchant certificate cannot be parsed.").with_source(e))?;
    let key = Rsa::from(key, KeyType::Private)
        .map_err(|e| Error::config("The merchant certificate's private key cannot be loaded.").with_source(e))?;
    if cert_key.spki_der() != key.to_public().spki_der() {
        return Err(Error::config(
            "The merchant certificate does not match the merchant private key.",
        ));
    }
    let key_pem = key
        .private_pkcs8_pem()
        .ok_or_else(|| Error::config("The merchant key is not a private key."))?;
    let mut bundle = zeroize::Zeroizing::new(Vec::with_capacity(cert_pem.len() + key_pem.len() + 1));
    bundle.extend_from_slice(cert_pem.as_bytes());
    bundle.push(b'\n');
    bundle.extend_from_slice(key_pem.as_bytes());
    reqwest::Identity::from_pem(&bundle)
        .map_err(|e| Error::config("The merchant certificate and key cannot be used for TLS.").with_source(e))
}

/// Loads a PKCS#12 bundle (`apiclient_cert.p12`; WeChat Pay's default password is the mchid), legacy RC2/3DES or
/// PBES2-encrypted, and builds the identity from its key and certificate chain.
pub(crate) fn merchant_pkcs12(p12: &[u8], password: &str) -> Result<reqwest::Identity> {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    let store = KeyStore::from_pkcs12(p12, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
        Error::config("The merchant PKCS#12 cannot be opened (wrong password or not PKCS#12).").with_source(e)
    })?;
    let chain = store
        .entries()
        .find_map(|(_, entry)| match entry {
            KeyStoreEntry::PrivateKeyChain(chain) if !chain.certs().is_empty() => Some(chain),
            _ => None,
        })
        .ok_or_else(|| Error::config("The merchant PKCS#12 holds no private key with its certificate."))?;
    let mut certs = String::new();
    for cert in chain.certs() {
        certs.push_str(&pem_block("CERTIFICATE", cert.as_der()));
    }
    let key = zeroize::Zeroizing::new(pem_block("PRIVATE KEY", chain.key().as_der()));
    merchant_identity(&certs, KeyInput::from(key.as_str()))
}

/// `-----BEGIN {label}-----` armour around base64 DER, 64 characters a line.
fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = crate::crypto::base64_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

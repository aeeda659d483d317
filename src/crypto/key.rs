//! `RsaKey` (a loaded key, shared behind an `Arc`) and `KeyInput` (everything `Rsa::from` accepts).

use std::fmt;
use std::sync::Arc;

use ::rsa::pkcs1::EncodeRsaPublicKey;
use ::rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, SecretDocument};
use ::rsa::traits::PublicKeyParts;
use ::rsa::{RsaPrivateKey, RsaPublicKey};
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RsaKeyPair};
use zeroize::Zeroizing;

use super::load::Why;
use super::{KeyType, base64_encode};

/// An RSA key loaded by [`Rsa::from`](super::Rsa::from) and friends: cheap to clone (`Arc` inside), `Send + Sync`.
///
/// A private key keeps a ready-to-use signer and OAEP decrypter (aws-lc-rs, constant time, built once at load
/// time), and its public half; private material is zeroized on drop. Every private-key operation runs on aws-lc-rs,
/// which supports 2048- to 8192-bit keys (WeChat Pay issues 2048-bit keys): a smaller private key loads, but signing
/// or decrypting with it is a `Crypto` error. `Debug` shows only the kind and size, never key material.
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::{KeyType, Rsa};
/// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
/// let key = Rsa::from(pem, KeyType::Private)?;
/// assert_eq!(format!("{key:?}"), "RsaKey { kind: Private, bits: 2048 }");
/// assert!(key.is_private());
/// assert_eq!(key.to_public().kind(), KeyType::Public);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct RsaKey {
    inner: Arc<Inner>,
}

struct Inner {
    kind: KeyType,
    public: RsaPublicKey,
    /// DER `SubjectPublicKeyInfo` of the public half.
    spki: Box<[u8]>,
    /// aws-lc's parsed public key; `None` when aws-lc refuses the size (the `rsa` crate verifies instead: a public-key operation, no secret to leak).
    verifier: Option<ParsedPublicKey>,
    private: Option<Private>,
}

pub(super) struct Private {
    /// The key as PKCS#8 DER (zeroized on drop), handed to the TLS stack for APIv2 `security` calls.
    pkcs8: SecretDocument,
    /// aws-lc's signer; `None` when aws-lc refuses the key (below 2048 bits).
    pub(super) signer: Option<RsaKeyPair>,
    /// aws-lc's RSA-OAEP decrypter; `None` when aws-lc refuses the key (below 2048 bits).
    pub(super) decrypter: Option<OaepPrivateDecryptingKey>,
}

impl RsaKey {
    /// The RustCrypto key is only the parser's output: it is re-encoded for aws-lc and dropped (zeroized).
    pub(super) fn from_private(key: RsaPrivateKey) -> std::result::Result<Self, Why> {
        let pkcs8 = key.to_pkcs8_der()?; // a SecretDocument: zeroized on drop
        let signer = RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).ok();
        let decrypter = PrivateDecryptingKey::from_pkcs8(pkcs8.as_bytes())
            .ok()
            .and_then(|k| OaepPrivateDecryptingKey::new(k).ok());
        let private = Private {
            pkcs8,
            signer,
            decrypter,
        };
        Self::build(key.to_public_key(), Some(private))
    }

    pub(super) fn from_public(public: RsaPublicKey) -> std::result::Result<Self, Why> {
        Self::build(public, None)
    }

    fn build(public: RsaPublicKey, private: Option<Private>) -> std::result::Result<Self, Why> {
        let spki = public.to_public_key_der()?.into_vec().into_boxed_slice();
        let pkcs1 = public.to_pkcs1_der()?;
        let verifier = ParsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, pkcs1.as_bytes()).ok();
        let kind = if private.is_some() {
            KeyType::Private
        } else {
            KeyType::Public
        };
        Ok(RsaKey {
            inner: Arc::new(Inner {
                kind,
                public,
                spki,
                verifier,
                private,
            }),
        })
    }

    pub(super) fn public_key(&self) -> &RsaPublicKey {
        &self.inner.public
    }

    pub(super) fn verifier(&self) -> Option<&ParsedPublicKey> {
        self.inner.verifier.as_ref()
    }

    pub(super) fn private(&self) -> Option<&Private> {
        self.inner.private.as_ref()
    }

    /// The private key as PKCS#8 PEM (zeroized on drop), for handing to the TLS stack; `None` for a public key.
    pub(crate) fn private_pkcs8_pem(&self) -> Option<Zeroizing<String>> {
        let private = self.inner.private.as_ref()?;
        private.pkcs8.to_pem("PRIVATE KEY", ::rsa::pkcs8::LineEnding::LF).ok()
    }

    /// Whether this is a private or a public key.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let spki = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.spki.pem");
    /// assert_eq!(Rsa::from(spki, KeyType::Public)?.kind(), KeyType::Public);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn kind(&self) -> KeyType {
        self.inner.kind
    }

    /// `true` for a private key.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let spki = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.spki.pem");
    /// assert!(!Rsa::from(spki, KeyType::Public)?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn is_private(&self) -> bool {
        self.inner.kind == KeyType::Private
    }

    /// The modulus size in bits (2048 for WeChat Pay keys).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let spki = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// assert_eq!(Rsa::from(spki, KeyType::Public)?.bits(), 2048);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn bits(&self) -> usize {
        self.inner.public.n().bits()
    }

    /// The public half of this key (a public key returns a clone of itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let private = Rsa::from(pem, KeyType::Private)?;
    /// let public = private.to_public();
    /// assert!(!public.is_private());
    /// assert!(Rsa::verify("hi", &Rsa::sign("hi", &private)?, &public));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn to_public(&self) -> RsaKey {
        if self.inner.private.is_none() {
            return self.clone();
        }
        let i = &self.inner;
        let inner = Inner {
            kind: KeyType::Public,
            public: i.public.clone(),
            spki: i.spki.clone(),
            verifier: i.verifier.clone(),
            private: None,
        };
        RsaKey { inner: Arc::new(inner) }
    }

    /// The DER `SubjectPublicKeyInfo` of the public half.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let spki = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.spki.pem");
    /// assert_eq!(Rsa::from(spki, KeyType::Public)?.spki_der()[0], 0x30);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn spki_der(&self) -> &[u8] {
        &self.inner.spki
    }

    /// The public half as a `-----BEGIN PUBLIC KEY-----` PEM (64-column base64, LF line endings), as
    /// `openssl rsa -pubout` writes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.spki.pem");
    /// let pem = Rsa::from(format!("file://{path}"), KeyType::Public)?.to_spki_pem();
    /// assert_eq!(pem, std::fs::read_to_string(path).unwrap());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn to_spki_pem(&self) -> String {
        let b64 = base64_encode(&self.inner.spki);
        let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 60);
        pem.push_str("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKey")
            .field("kind", &self.kind())
            .field("bits", &self.bits())
            .finish()
    }
}

/// Everything [`Rsa::from`](super::Rsa::from) accepts (PHP's `$thing`): text (PEM, `file://` URI or a
/// pseudo-protocol string), text plus a passphrase (PHP's `[$pem, $passphrase]`), or an already-loaded key.
///
/// Built through `From`: `&str`, `String`, `&String`, `(&str, &str)`, `(String, String)`, `RsaKey`, `&RsaKey`.
/// Text and passphrases are zeroized on drop; `Debug` never shows them.
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::KeyInput;
/// let input = KeyInput::from(("-----BEGIN ENCRYPTED PRIVATE KEY-----...", "my-secret-passphrase"));
/// let shown = format!("{input:?}");
/// assert!(!shown.contains("BEGIN") && !shown.contains("my-secret-passphrase"));
/// ```
#[non_exhaustive]
pub enum KeyInput {
    /// PEM text, `file://<path>`, or `private.pkcs1://`, `private.pkcs8://`, `public.pkcs1://`, `public.spki://`.
    Text(Zeroizing<String>),
    /// PEM text or `file://<path>` of a (possibly `ENCRYPTED`) PKCS#8 private key, and its passphrase.
    WithPassphrase(Zeroizing<String>, Zeroizing<String>),
    /// A key loaded before: passed through.
    Loaded(RsaKey),
}

impl fmt::Debug for KeyInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |t: &str| match t.strip_prefix("file://") {
            Some(path) => format!("file://{path}"),
            None => format!("[redacted; {} bytes]", t.len()),
        };
        match self {
            KeyInput::Text(t) => f.debug_tuple("Text").field(&format_args!("{}", text(t))).finish(),
            KeyInput::WithPassphrase(t, _) => f
                .debug_tuple("WithPassphrase")
                .field(&format_args!("{}", text(t)))
                .field(&format_args!("[redacted]"))
                .finish(),
            KeyInput::Loaded(k) => f.debug_tuple("Loaded").field(k).finish(),
        }
    }
}

impl From<&str> for KeyInput {
    fn from(s: &str) -> Self {
        KeyInput::Text(Zeroizing::new(s.to_owned()))
    }
}

impl From<String> for KeyInput {
    fn from(s: String) -> Self {
        KeyInput::Text(Zeroizing::new(s))
    }
}

impl From<&String> for KeyInput {
    fn from(s: &String) -> Self {
        KeyInput::from(s.as_str())
    }
}

impl From<(&str, &str)> for KeyInput {
    fn from((text, passphrase): (&str, &str)) -> Self {
        KeyInput::WithPassphrase(Zeroizing::new(text.to_owned()), Zeroizing::new(passphrase.to_owned()))
    }
}

impl From<(String, String)> for KeyInput {
    fn from((text, passphrase): (String, String)) -> Self {
        KeyInput::WithPassphrase(Zeroizing::new(text), Zeroizing::new(passphrase))
    }
}

impl From<RsaKey> for KeyInput {
    fn from(key: RsaKey) -> Self {
        KeyInput::Loaded(key)
    }
}

impl From<&RsaKey> for KeyInput {
    fn from(key: &RsaKey) -> Self {
        KeyInput::Loaded(key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str, kind: KeyType) -> RsaKey {
        let path = format!("file://{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
        super::super::load::load(KeyInput::from(path), kind).unwrap()
    }

    #[test]
    fn aws_lc_signs_decrypts_and_verifies_2048_bit_keys() {
        let key = fixture("merchant.pkcs8.key.pem", KeyType::Private);
        assert!(key.private().and_then(|p| p.signer.as_ref()).is_some());
        assert!(key.private().and_then(|p| p.decrypter.as_ref()).is_some());
        assert!(key.verifier().is_some());
        assert!(key.to_public().verifier().is_some() && key.to_public().private().is_none());
    }

    #[test]
    fn keys_aws_lc_refuses_load_without_private_operations() {
        let key = fixture("legacy1024.pkcs8.key.pem", KeyType::Private);
        assert_eq!(key.bits(), 1024);
        assert!(
            key.private()
                .is_some_and(|p| p.signer.is_none() && p.decrypter.is_none())
        );
        assert!(
            key.private_pkcs8_pem()
                .is_some_and(|pem| pem.starts_with("-----BEGIN PRIVATE KEY-----"))
        );
    }
}

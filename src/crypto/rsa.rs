//! `Rsa`: PHP's `WeChatPay\Crypto\Rsa` — key loading, SHA256withRSA signatures, RSA-OAEP (SHA-1) encryption.

use ::rsa::pkcs1::der::Decode as _;
use ::rsa::rand_core::OsRng;
use ::rsa::{Oaep, Pkcs1v15Sign};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::key::{KeyInput, RsaKey};
use super::{KeyType, base64_decode_lenient, base64_decode_strict, base64_encode, load};
use crate::error::{Error, Result};

const SIGN_FAILED: &str =
    "Signing failed: the key is not a usable RSA private key (a public key, or under 2048 bits); check `private_key`.";
const ENCRYPT_FAILED: &str =
    "RSA encryption failed: check the public key, and that the plaintext fits (at most 214 bytes with a 2048-bit key).";
const DECRYPT_FAILED: &str =
    "RSA decryption failed: the ciphertext was not encrypted for this private key, or it was altered.";
/// The `source()` of a signing or decryption error on a key aws-lc-rs refuses.
const KEY_SIZE_UNSUPPORTED: &str =
    "private-key operations run on aws-lc-rs, which supports RSA keys of 2048 to 8192 bits; use a 2048-bit key";

/// The RSA helpers of wechatpay-php's `WeChatPay\Crypto\Rsa`, as associated functions (`Rsa` is a namespace).
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::Rsa;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
/// let private = Rsa::from(format!("file://{dir}/merchant.pkcs8.key.pem"), Rsa::KEY_TYPE_PRIVATE)?;
/// let public = Rsa::from(format!("file://{dir}/merchant.spki.pem"), Rsa::KEY_TYPE_PUBLIC)?;
/// let signature = Rsa::sign("GET\n/v3/certificates\n1554208460\nNONCE\n\n", &private)?;
/// assert!(Rsa::verify("GET\n/v3/certificates\n1554208460\nNONCE\n\n", &signature, &public));
/// let ciphertext = Rsa::encrypt("13800138000", &public)?;
/// assert_eq!(Rsa::decrypt(&ciphertext, &private)?, "13800138000");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Rsa;

impl Rsa {
    /// PHP's `Rsa::KEY_TYPE_PRIVATE`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::crypto::Rsa::KEY_TYPE_PRIVATE == wechatpay::crypto::KeyType::Private);
    /// ```
    pub const KEY_TYPE_PRIVATE: KeyType = KeyType::Private;

    /// PHP's `Rsa::KEY_TYPE_PUBLIC`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::crypto::Rsa::KEY_TYPE_PUBLIC == wechatpay::crypto::KeyType::Public);
    /// ```
    pub const KEY_TYPE_PUBLIC: KeyType = KeyType::Public;

    /// PHP's `OPENSSL_PKCS1_OAEP_PADDING` (4): the only padding [`Rsa::encrypt_with_padding`] accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::Rsa::OPENSSL_PKCS1_OAEP_PADDING, 4);
    /// ```
    pub const OPENSSL_PKCS1_OAEP_PADDING: i32 = 4;

    /// PHP's `OPENSSL_PKCS1_PADDING` (1, PKCS#1 v1.5): always refused, as in wechatpay-php since 1.4.10.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::Rsa::OPENSSL_PKCS1_PADDING, 1);
    /// ```
    pub const OPENSSL_PKCS1_PADDING: i32 = 1;

    /// Loads a key (PHP's `Rsa::from($thing, $type)`). `thing` is one of:
    /// - `file://<path>` of any PEM below (a plain path without `file://` is refused, as in PHP);
    /// - PEM text: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8), `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY`
    ///   (PKCS#1, also with the one-line body APIv2 `risk/getpublickey` returns) or `CERTIFICATE` (X.509, its
    ///   public key); LF or CRLF, text before the armour ignored;
    /// - `private.pkcs1://`, `private.pkcs8://`, `public.pkcs1://` or `public.spki://` followed by one line of
    ///   base64 DER;
    /// - `(pem_or_file_uri, passphrase)` for an `ENCRYPTED PRIVATE KEY` (PKCS#8 PBES2; an unencrypted key
    ///   loads too, the passphrase then being ignored);
    /// - an [`RsaKey`] (or `&RsaKey`), passed through. Unlike PHP, a loaded private key asked for as
    ///   [`KeyType::Public`] is passed through as well (it verifies and encrypts with its public half).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto), ``Cannot load a private key from the given text: …``
    /// (`public`; `text and passphrase` for the passphrase form, `key` or `public key` for a loaded key), with the
    /// reason as `source()`, when nothing usable as `kind` is found: e.g. a private PEM asked for as public (PHP does not derive it), a public key or certificate
    /// asked for as private, a protocol whose kind differs from `kind`, a wrong passphrase, an unreadable file
    /// (the I/O error is the `source`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
    /// let key = Rsa::from(format!("file://{dir}/merchant.pkcs8.key.pem"), KeyType::Private)?;
    /// let pem = std::fs::read_to_string(format!("{dir}/merchant.cert.pem")).unwrap();
    /// assert!(Rsa::from(&pem, KeyType::Public).is_ok());
    /// let encrypted = format!("file://{dir}/merchant.pkcs8.encrypted.key.pem");
    /// let pass = std::fs::read_to_string(format!("{dir}/merchant.passphrase.txt")).unwrap();
    /// assert!(Rsa::from((encrypted.as_str(), pass.as_str()), KeyType::Private)?.is_private());
    /// let err = Rsa::from(&pem, KeyType::Private).unwrap_err();
    /// assert!(err.to_string().starts_with("Cannot load a private key from the given text"));
    /// assert!(Rsa::from(&key, KeyType::Private).is_ok());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from(thing: impl Into<KeyInput>, kind: KeyType) -> Result<RsaKey> {
        load::load(thing.into(), kind)
    }

    /// PHP's `Rsa::fromPkcs1($b64, $type)`: base64 DER of a PKCS#1 `RSAPrivateKey` or `RSAPublicKey`.
    ///
    /// # Errors
    ///
    /// The load error of [`Rsa::from`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// // the v2 `risk/getpublickey` fixture key
    /// let b64 = concat!(
    ///     "MIIBCgKCAQEArT82k67xybiJS9AD8nNAeuDYdrtCRaxkS6cgs8L9h83eqlDTlrdwzBVSv5V4imTq/URbXn4K0V/KJ1TwDrqO",
    ///     "I8hamGB0fvU13WW1NcJuv41RnJVua0QAlS3tS1JzOZpMS9BEGeFvyFF/epbi/m9+2kUWG94FccArNnBtBqqvFncXgQsm98JB",
    ///     "3a62NbS1ePP/hMI7Kkz+JNMyYsWkrOUFDCXAbSZkWBJekY4nGZtK1erqGRve8JbxTWirAm/s08rUrjOuZFA21/EI2nea3Did",
    ///     "JMTVnXVPY2qcAjF+595shwUKyTjKB8v1REPB3hPF1Z75O6LwuLfyPiCrCTmVoyfqjwIDAQAB",
    /// );
    /// assert_eq!(Rsa::from_pkcs1(b64, KeyType::Public)?.bits(), 2048);
    /// assert!(Rsa::from_pkcs1(b64, KeyType::Private).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from_pkcs1(b64: &str, kind: KeyType) -> Result<RsaKey> {
        let prefix = if kind == KeyType::Public {
            "public.pkcs1://"
        } else {
            "private.pkcs1://"
        };
        Self::from(Zeroizing::new(format!("{prefix}{b64}")).as_str(), kind)
    }

    /// PHP's `Rsa::fromPkcs8($b64)`: base64 DER of a PKCS#8 `PrivateKeyInfo`, as a private key.
    ///
    /// # Errors
    ///
    /// The load error of [`Rsa::from`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Rsa;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let pem = std::fs::read_to_string(path).unwrap();
    /// let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    /// assert!(Rsa::from_pkcs8(&b64)?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from_pkcs8(b64: &str) -> Result<RsaKey> {
        Self::from(
            Zeroizing::new(format!("private.pkcs8://{b64}")).as_str(),
            KeyType::Private,
        )
    }

    /// PHP's `Rsa::fromSpki($b64)`: base64 DER of a `SubjectPublicKeyInfo`, as a public key.
    ///
    /// # Errors
    ///
    /// The load error of [`Rsa::from`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Rsa;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// let pem = std::fs::read_to_string(path).unwrap();
    /// let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    /// assert!(!Rsa::from_spki(&b64)?.is_private());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn from_spki(b64: &str) -> Result<RsaKey> {
        Self::from(format!("public.spki://{b64}"), KeyType::Public)
    }

    /// PHP's `Rsa::pkcs1ToSpki($b64)`: wraps a base64 PKCS#1 `RSAPublicKey` into a base64 DER
    /// `SubjectPublicKeyInfo` (the body of `openssl rsa -pubout`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when the input is not one line of
    /// base64 of a DER `RSAPublicKey` (PHP does not check and wraps any bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::Rsa;
    /// // the v2 `risk/getpublickey` fixture key
    /// let pkcs1 = concat!(
    ///     "MIIBCgKCAQEArT82k67xybiJS9AD8nNAeuDYdrtCRaxkS6cgs8L9h83eqlDTlrdwzBVSv5V4imTq/URbXn4K0V/KJ1TwDrqO",
    ///     "I8hamGB0fvU13WW1NcJuv41RnJVua0QAlS3tS1JzOZpMS9BEGeFvyFF/epbi/m9+2kUWG94FccArNnBtBqqvFncXgQsm98JB",
    ///     "3a62NbS1ePP/hMI7Kkz+JNMyYsWkrOUFDCXAbSZkWBJekY4nGZtK1erqGRve8JbxTWirAm/s08rUrjOuZFA21/EI2nea3Did",
    ///     "JMTVnXVPY2qcAjF+595shwUKyTjKB8v1REPB3hPF1Z75O6LwuLfyPiCrCTmVoyfqjwIDAQAB",
    /// );
    /// let spki = Rsa::pkcs1_to_spki(pkcs1)?;
    /// assert!(spki.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArT82"));
    /// assert!(Rsa::pkcs1_to_spki("not base64!").is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn pkcs1_to_spki(b64: &str) -> Result<String> {
        let invalid = || Error::invalid("The input is not a base64 PKCS#1 `RSAPublicKey`.");
        let pkcs1 = base64_decode_strict(b64).ok_or_else(invalid)?;
        ::rsa::pkcs1::RsaPublicKey::from_der(&pkcs1).map_err(|e| invalid().with_source(e))?;
        Ok(base64_encode(load::spki_from_pkcs1(&pkcs1)))
    }

    /// Signs `message` with SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256) and returns the base64 signature: the
    /// APIv3 `Authorization` signature and the APIv3 pay-sign (PHP's `Rsa::sign`). Deterministic.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto),
    /// `Signing failed: …`, when `key` is a public key, a key under 2048 bits, or the signer fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let key = Rsa::from(pem, KeyType::Private)?;
    /// let signature = Rsa::sign("GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n", &key)?;
    /// assert!(signature.starts_with("WVXfWTSpGP7IyxOfsOccl97f"));
    /// assert!(Rsa::sign("x", &key.to_public()).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn sign(message: impl AsRef<[u8]>, key: &RsaKey) -> Result<String> {
        let message = message.as_ref();
        let private = key.private().ok_or_else(|| Error::crypto(SIGN_FAILED))?;
        let signer = private
            .signer
            .as_ref()
            .ok_or_else(|| Error::crypto(SIGN_FAILED).with_source(KEY_SIZE_UNSUPPORTED))?;
        let mut signature = vec![0u8; signer.public_modulus_len()];
        signer
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
            .map_err(|e| Error::crypto(SIGN_FAILED).with_source(e))?;
        Ok(base64_encode(signature))
    }

    /// Verifies a base64 SHA256withRSA signature of `message` (PHP's `Rsa::verify`). The base64 is decoded
    /// leniently like PHP's `base64_decode` (characters outside the alphabet, e.g. line breaks, are skipped). A
    /// private key verifies with its public half. Anything that does not verify, including garbage, is `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
    /// let private = Rsa::from(format!("file://{dir}/merchant.pkcs8.key.pem"), KeyType::Private)?;
    /// let public = Rsa::from(format!("file://{dir}/merchant.spki.pem"), KeyType::Public)?;
    /// let signature = Rsa::sign("message", &private)?;
    /// assert!(Rsa::verify("message", &signature, &public));
    /// assert!(Rsa::verify("message", &signature, &private));
    /// assert!(!Rsa::verify("massage", &signature, &public));
    /// assert!(!Rsa::verify("message", "!!!", &public));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn verify(message: impl AsRef<[u8]>, signature_b64: &str, key: &RsaKey) -> bool {
        verify_bytes(message.as_ref(), &base64_decode_lenient(signature_b64), key)
    }

    /// Encrypts `plaintext` with RSA-OAEP (SHA-1, MGF1-SHA-1, empty label: OpenSSL's defaults, what WeChat Pay
    /// expects for sensitive fields) and returns base64 (PHP's `Rsa::encrypt`). Randomised. A private key
    /// encrypts with its public half. A 2048-bit key takes at most 214 bytes.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto),
    /// `RSA encryption failed: …`, e.g. when the plaintext is too long.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// let ciphertext = Rsa::encrypt("张三", &Rsa::from(pem, KeyType::Public)?)?;
    /// assert_eq!(ciphertext.len(), 344);
    /// assert!(Rsa::encrypt([b'x'; 215], &Rsa::from(pem, KeyType::Public)?).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn encrypt(plaintext: impl AsRef<[u8]>, key: &RsaKey) -> Result<String> {
        let ciphertext = key
            .public_key()
            .encrypt(&mut OsRng, Oaep::new::<Sha1>(), plaintext.as_ref())
            .map_err(|e| Error::crypto(ENCRYPT_FAILED).with_source(e))?;
        Ok(base64_encode(ciphertext))
    }

    /// [`Rsa::encrypt`] with PHP's `$padding` argument: only [`Rsa::OPENSSL_PKCS1_OAEP_PADDING`] is accepted.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto),
    /// ``Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not 1.`` (with the given number)
    /// for any other padding; otherwise those of [`Rsa::encrypt`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/platform.spki.pem");
    /// let key = Rsa::from(pem, KeyType::Public)?;
    /// assert!(Rsa::encrypt_with_padding("x", &key, Rsa::OPENSSL_PKCS1_OAEP_PADDING).is_ok());
    /// let err = Rsa::encrypt_with_padding("x", &key, Rsa::OPENSSL_PKCS1_PADDING).unwrap_err();
    /// assert_eq!(err.to_string(), "Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not 1.");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn encrypt_with_padding(plaintext: impl AsRef<[u8]>, key: &RsaKey, padding: i32) -> Result<String> {
        check_padding(padding)?;
        Self::encrypt(plaintext, key)
    }

    /// Decrypts base64 RSA-OAEP (SHA-1) `ciphertext_b64` with a private key into text (PHP's `Rsa::decrypt`).
    /// The base64 is decoded leniently, like PHP.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto),
    /// `RSA decryption failed: …`, when `key` is public or decryption fails; a Crypto error too when the plaintext is not UTF-8 (use
    /// [`Rsa::decrypt_bytes`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let key = Rsa::from(pem, KeyType::Private)?;
    /// let ciphertext = Rsa::encrypt("420000000000000000", &key.to_public())?;
    /// assert_eq!(Rsa::decrypt(&ciphertext, &key)?, "420000000000000000");
    /// assert!(Rsa::decrypt(&ciphertext, &key.to_public()).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt(ciphertext_b64: &str, key: &RsaKey) -> Result<String> {
        String::from_utf8(Self::decrypt_bytes(ciphertext_b64, key)?).map_err(|e| {
            Error::crypto("The decrypted plaintext is not UTF-8 text; use `Rsa::decrypt_bytes`.").with_source(e)
        })
    }

    /// [`Rsa::decrypt`] returning the raw plaintext bytes.
    ///
    /// # Errors
    ///
    /// As [`Rsa::decrypt`], except that any bytes are accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let key = Rsa::from(pem, KeyType::Private)?;
    /// let ciphertext = Rsa::encrypt([0xff, 0x00], &key)?;
    /// assert_eq!(Rsa::decrypt_bytes(&ciphertext, &key)?, [0xff, 0x00]);
    /// assert!(Rsa::decrypt(&ciphertext, &key).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt_bytes(ciphertext_b64: &str, key: &RsaKey) -> Result<Vec<u8>> {
        let private = key.private().ok_or_else(|| Error::crypto(DECRYPT_FAILED))?;
        let decrypter = private
            .decrypter
            .as_ref()
            .ok_or_else(|| Error::crypto(DECRYPT_FAILED).with_source(KEY_SIZE_UNSUPPORTED))?;
        let ciphertext = base64_decode_lenient(ciphertext_b64);
        let mut buffer = Zeroizing::new(vec![0u8; decrypter.min_output_size()]);
        let plaintext = decrypter
            .decrypt(&OAEP_SHA1_MGF1SHA1, &ciphertext, &mut buffer, None)
            .map_err(|e| Error::crypto(DECRYPT_FAILED).with_source(e))?;
        Ok(plaintext.to_vec())
    }

    /// [`Rsa::decrypt`] with PHP's `$padding` argument: only [`Rsa::OPENSSL_PKCS1_OAEP_PADDING`] is accepted.
    ///
    /// # Errors
    ///
    /// The padding error of [`Rsa::encrypt_with_padding`]; otherwise those of [`Rsa::decrypt`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::{KeyType, Rsa};
    /// let pem = concat!("file://", env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/merchant.pkcs8.key.pem");
    /// let key = Rsa::from(pem, KeyType::Private)?;
    /// let ciphertext = Rsa::encrypt("hi", &key)?;
    /// assert_eq!(Rsa::decrypt_with_padding(&ciphertext, &key, 4)?, "hi");
    /// let err = Rsa::decrypt_with_padding(&ciphertext, &key, 3).unwrap_err();
    /// assert_eq!(err.to_string(), "Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not 3.");
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt_with_padding(ciphertext_b64: &str, key: &RsaKey, padding: i32) -> Result<String> {
        check_padding(padding)?;
        Self::decrypt(ciphertext_b64, key)
    }
}

/// [`Rsa::verify`] of a signature in canonical standard base64 only (what WeChat Pay sends): the response
/// verifier's form, under which a signature has one spelling, so that no single-byte change of the header (a
/// padding `=` turned into a character PHP's lenient decoder skips, say) still verifies.
pub(crate) fn verify_canonical(message: &[u8], signature_b64: &str, key: &RsaKey) -> bool {
    base64_decode_strict(signature_b64).is_some_and(|signature| verify_bytes(message, &signature, key))
}

fn verify_bytes(message: &[u8], signature: &[u8], key: &RsaKey) -> bool {
    match key.verifier() {
        Some(verifier) => verifier.verify_sig(message, signature).is_ok(),
        None => {
            let digest = Sha256::digest(message);
            key.public_key()
                .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                .is_ok()
        }
    }
}

fn check_padding(padding: i32) -> Result<()> {
    if padding == Rsa::OPENSSL_PKCS1_OAEP_PADDING {
        Ok(())
    } else {
        Err(Error::crypto(format!(
            "Only OAEP padding (`Rsa::OPENSSL_PKCS1_OAEP_PADDING`, 4) is supported, not {padding}."
        )))
    }
}

//! `AesGcm`: PHP's `WeChatPay\Crypto\AesGcm` — AES-256-GCM with the APIv3 key, 16-byte tag appended.

use ::aes_gcm::aead::consts::{
    U1, U2, U3, U4, U5, U6, U7, U8, U9, U10, U11, U12, U13, U14, U15, U16, U17, U18, U19, U20, U21, U22, U23, U24, U25,
    U26, U27, U28, U29, U30, U31, U32, U33, U34, U35, U36, U37, U38, U39, U40, U41, U42, U43, U44, U45, U46, U47, U48,
    U49, U50, U51, U52, U53, U54, U55, U56, U57, U58, U59, U60, U61, U62, U63, U64,
};
use ::aes_gcm::aead::generic_array::{ArrayLength, GenericArray};
use ::aes_gcm::aead::{Aead, KeyInit, Payload};
use ::aes_gcm::aes::Aes256;

use super::{base64_decode_lenient, base64_encode};
use crate::error::{Error, Result};

use super::{AES_DECRYPT_FAILED as DECRYPT_FAILED, AES_ENCRYPT_FAILED as ENCRYPT_FAILED};
const INCOMPLETE: &str =
    "The ciphertext is too short to carry its 16-byte authentication tag: pass the whole base64 `ciphertext`.";

/// The longest IV accepted, in bytes (WeChat Pay uses 12; GCM allows any length, this port supports 1..=64).
const MAX_IV_LENGTH: usize = 64;

/// AES-256-GCM as wechatpay-php's `WeChatPay\Crypto\AesGcm` does it: the APIv3 key's 32 bytes as the key, an IV of
/// any length (WeChat Pay's are 12 ASCII characters, e.g. `61f9c719728a`), the AAD as given, and base64 of
/// `ciphertext ‖ 16-byte tag`. Used for APIv3 notifications (`resource`) and platform certificates.
///
/// Deviation from PHP: a key that is not exactly 32 bytes is an error (PHP silently pads or truncates it).
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::AesGcm;
/// let key = "0123456789abcdef0123456789abcdef";
/// let sealed = AesGcm::encrypt("hello wechatpay 你好 微信支付", key, "0123456789ab", "certificate")?;
/// assert_eq!(sealed, "8cyLVizq736WbULJw2UFB6Y7dCqydUqOmiErpmgeDQbOxP/z/JKqUOKnGFY/hwPRUEBg");
/// assert_eq!(AesGcm::decrypt(&sealed, key, "0123456789ab", "certificate")?, "hello wechatpay 你好 微信支付");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AesGcm;

impl AesGcm {
    /// AES block size in bytes (PHP's `AesInterface::BLOCK_SIZE`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::AesGcm::BLOCK_SIZE, 16);
    /// ```
    pub const BLOCK_SIZE: usize = 16;

    /// Key length in bytes (PHP's `AesInterface::KEY_LENGTH_BYTE`): the APIv3 key is 32 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::AesGcm::KEY_LENGTH_BYTE, 32);
    /// ```
    pub const KEY_LENGTH_BYTE: usize = 32;

    /// Authentication tag length in bytes (PHP's `AesInterface::AUTH_TAG_LENGTH_BYTE`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::AesGcm::AUTH_TAG_LENGTH_BYTE, 16);
    /// ```
    pub const AUTH_TAG_LENGTH_BYTE: usize = 16;

    /// Encrypts `plaintext` and returns base64(`ciphertext ‖ tag`) (PHP's `AesGcm::encrypt`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when `key` is not 32 bytes or `iv` is
    /// empty or longer than 64 bytes; [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) with PHP's
    /// `AES encryption failed: …` if the cipher fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesGcm;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// assert_eq!(AesGcm::encrypt(r#"{"a":1}"#, key, "0123456789abcdef", "")?, "E70U29+N2XAkBspvfMb6fYdBKncfWUA=");
    /// assert!(AesGcm::encrypt("x", &key[1..], "0123456789ab", "").is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn encrypt(plaintext: impl AsRef<[u8]>, key: &str, iv: &str, aad: &str) -> Result<String> {
        let payload = Payload {
            msg: plaintext.as_ref(),
            aad: aad.as_bytes(),
        };
        let sealed = dispatch(Op::Seal, key.as_bytes(), iv.as_bytes(), payload)?;
        Ok(base64_encode(sealed))
    }

    /// Decrypts base64(`ciphertext ‖ tag`) into text (PHP's `AesGcm::decrypt`); the base64 is decoded leniently,
    /// like PHP.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument): `key` not 32 bytes, `iv` empty or
    ///   longer than 64 bytes;
    /// - [`ErrorKind::Crypto`](crate::ErrorKind::Crypto): input shorter than 16 bytes and not 4, 8 or 12–15 bytes
    ///   long (as PHP), ``The ciphertext is too short to carry its 16-byte authentication tag: …``;
    ///   authentication failure (wrong key, IV or AAD, tampered or truncated data), `AES decryption failed: …`;
    ///   a plaintext that is not UTF-8 (use [`AesGcm::decrypt_bytes`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesGcm;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// assert_eq!(AesGcm::decrypt("E70U29+N2XAkBspvfMb6fYdBKncfWUA=", key, "0123456789abcdef", "")?, r#"{"a":1}"#);
    /// let err = AesGcm::decrypt("E70U29+N2XAkBspvfMb6fYdBKncfWUA=", key, "0123456789abcdef", "x").unwrap_err();
    /// assert!(err.to_string().starts_with("AES decryption failed"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt(ciphertext_b64: &str, key: &str, iv: &str, aad: &str) -> Result<String> {
        String::from_utf8(Self::decrypt_bytes(ciphertext_b64, key, iv, aad)?).map_err(|e| {
            Error::crypto("The decrypted plaintext is not UTF-8 text; use `AesGcm::decrypt_bytes`.").with_source(e)
        })
    }

    /// [`AesGcm::decrypt`] returning the raw plaintext bytes.
    ///
    /// # Errors
    ///
    /// As [`AesGcm::decrypt`], except that any bytes are accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesGcm;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// let sealed = AesGcm::encrypt([0xff, 0xfe], key, "0123456789ab", "")?;
    /// assert_eq!(AesGcm::decrypt_bytes(&sealed, key, "0123456789ab", "")?, [0xff, 0xfe]);
    /// let err = AesGcm::decrypt_bytes("YWJj", key, "0123456789ab", "").unwrap_err();
    /// assert!(err.to_string().starts_with("The ciphertext is too short"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt_bytes(ciphertext_b64: &str, key: &str, iv: &str, aad: &str) -> Result<Vec<u8>> {
        let sealed = base64_decode_lenient(ciphertext_b64);
        if sealed.len() < Self::AUTH_TAG_LENGTH_BYTE && !matches!(sealed.len(), 4 | 8 | 12..=15) {
            return Err(Error::crypto(INCOMPLETE));
        }
        // PHP would check a 4/8/12–15-byte input as a truncated tag over an empty ciphertext; the tag must be 16
        // bytes here, so such an input fails authentication below.
        dispatch(
            Op::Open,
            key.as_bytes(),
            iv.as_bytes(),
            Payload {
                msg: &sealed,
                aad: aad.as_bytes(),
            },
        )
    }
}

#[derive(Clone, Copy)]
enum Op {
    Seal,
    Open,
}

/// One AES-256-GCM operation with a nonce of `N` bytes (GCM derives J0 by GHASH for lengths other than 12).
fn run<N: ArrayLength<u8>>(op: Op, key: &[u8], iv: &[u8], payload: Payload<'_, '_>) -> Result<Vec<u8>> {
    let cipher = ::aes_gcm::AesGcm::<Aes256, N>::new_from_slice(key).map_err(|_| key_error(key.len()))?;
    let nonce = GenericArray::<u8, N>::from_slice(iv);
    match op {
        Op::Seal => cipher
            .encrypt(nonce, payload)
            .map_err(|e| Error::crypto(ENCRYPT_FAILED).with_source(AeadError(e))),
        Op::Open => cipher
            .decrypt(nonce, payload)
            .map_err(|e| Error::crypto(DECRYPT_FAILED).with_source(AeadError(e))),
    }
}

/// Picks the nonce-size instantiation for `iv.len()` at run time.
fn dispatch(op: Op, key: &[u8], iv: &[u8], payload: Payload<'_, '_>) -> Result<Vec<u8>> {
    if key.len() != AesGcm::KEY_LENGTH_BYTE {
        return Err(key_error(key.len()));
    }
    macro_rules! by_len {
        ($($n:literal => $t:ty),* $(,)?) => {
            match iv.len() {
                $($n => run::<$t>(op, key, iv, payload),)*
                other => Err(Error::invalid(format!(
                    "The IV (nonce) must be 1 to {MAX_IV_LENGTH} bytes long; got {other} bytes."
                ))),
            }
        };
    }
    by_len!(
        1 => U1, 2 => U2, 3 => U3, 4 => U4, 5 => U5, 6 => U6, 7 => U7, 8 => U8, 9 => U9, 10 => U10, 11 => U11,
        12 => U12, 13 => U13, 14 => U14, 15 => U15, 16 => U16, 17 => U17, 18 => U18, 19 => U19, 20 => U20,
        21 => U21, 22 => U22, 23 => U23, 24 => U24, 25 => U25, 26 => U26, 27 => U27, 28 => U28, 29 => U29,
        30 => U30, 31 => U31, 32 => U32, 33 => U33, 34 => U34, 35 => U35, 36 => U36, 37 => U37, 38 => U38,
        39 => U39, 40 => U40, 41 => U41, 42 => U42, 43 => U43, 44 => U44, 45 => U45, 46 => U46, 47 => U47,
        48 => U48, 49 => U49, 50 => U50, 51 => U51, 52 => U52, 53 => U53, 54 => U54, 55 => U55, 56 => U56,
        57 => U57, 58 => U58, 59 => U59, 60 => U60, 61 => U61, 62 => U62, 63 => U63, 64 => U64,
    )
}

fn key_error(len: usize) -> Error {
    Error::invalid(format!(
        "The key must be {} bytes (the APIv3 key); got {len} bytes.",
        AesGcm::KEY_LENGTH_BYTE
    ))
}

/// `aead::Error` as a `std::error::Error` source (it only implements one with aead's `std` feature).
#[derive(Debug)]
struct AeadError(::aes_gcm::aead::Error);

impl std::fmt::Display for AeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for AeadError {}

//! Cryptographic helpers with the names and message texts of wechatpay-php's `WeChatPay\Crypto\*`: [`Rsa`] (keys,
//! SHA256withRSA, RSA-OAEP), [`AesGcm`] (APIv3 key decryption), [`AesEcb`] (the APIv2 refund notification's
//! `req_info`), [`Hash`](struct@Hash) (APIv2 MD5/HMAC signs).
//!
//! This module tree is the only part of the crate that names the cryptographic backend crates (`aws-lc-rs`,
//! RustCrypto's `rsa`/`pkcs1`/`pkcs8`/`spki`/`x509-cert`/`aes-gcm`/`aes`/`ecb`/`md-5`/`sha1`/`sha2`/`hmac`, `subtle`,
//! `base64`, `getrandom`); the rest of the crate goes through the items below.

mod aes_ecb;
mod aes_gcm;
mod hash;
mod key;
mod load;
pub(crate) mod rsa;
pub(crate) mod x509;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use self::aes_ecb::AesEcb;
pub use self::aes_gcm::AesGcm;
pub use self::hash::Hash;
pub use self::key::{KeyInput, RsaKey};
pub use self::rsa::Rsa;

use crate::error::{Error, Result};

/// Which half of an RSA key pair is wanted: PHP's `Rsa::KEY_TYPE_PRIVATE` / `Rsa::KEY_TYPE_PUBLIC`.
///
/// # Examples
///
/// ```
/// use wechatpay::crypto::{KeyType, Rsa};
/// assert_eq!(Rsa::KEY_TYPE_PRIVATE, KeyType::Private);
/// assert_eq!(Rsa::KEY_TYPE_PUBLIC, KeyType::Public);
/// assert_eq!(format!("{:?}", KeyType::Public), "Public");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// A private key: signs and decrypts (and, through its public half, verifies and encrypts).
    Private,
    /// A public key (SPKI, PKCS#1 or the key of an X.509 certificate): verifies and encrypts.
    Public,
}

impl KeyType {
    /// The word PHP uses in its load error, `privateKey` / `publicKey`.
    fn name(self) -> &'static str {
        match self {
            KeyType::Private => "private",
            KeyType::Public => "public",
        }
    }
}

/// PHP's failure text of `AesGcm::encrypt` and `AesEcb::encrypt`.
const AES_ENCRYPT_FAILED: &str = "AES encryption failed: check the key and the IV.";
/// PHP's failure text of `AesGcm::decrypt` and `AesEcb::decrypt`.
const AES_DECRYPT_FAILED: &str = "AES decryption failed: the key (the APIv3 key for notifications and certificates), the IV (nonce) or the \
     associated data is wrong, or the ciphertext was altered.";

/// Standard base64 with padding (what PHP's `base64_encode` produces).
pub(crate) fn base64_encode(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Strict standard base64 (no whitespace, no foreign characters); `None` when the input is not base64.
pub(crate) fn base64_decode_strict(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// PHP's non-strict `base64_decode`: characters outside `A-Za-z0-9+/` (whitespace, `=`, garbage) are skipped,
/// and a dangling 6-bit group is dropped. Never fails.
pub(crate) fn base64_decode_lenient(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in text.as_bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::crypto(format!("The system random number generator failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_base64_skips_foreign_characters() {
        assert_eq!(base64_decode_lenient("YW Jj\n"), b"abc");
        assert_eq!(base64_decode_lenient("YWJjZA=="), b"abcd");
        assert_eq!(base64_decode_lenient("YWJjZA"), b"abcd");
        assert_eq!(base64_decode_lenient("!!!"), b"");
        assert_eq!(base64_decode_lenient("Y"), b"");
        assert_eq!(base64_decode_lenient("YW=Jj"), b"abc");
    }

    #[test]
    fn strict_base64_refuses_whitespace() {
        assert_eq!(base64_decode_strict("YWJj").as_deref(), Some(&b"abc"[..]));
        assert!(base64_decode_strict("YW\nJj").is_none());
    }
}

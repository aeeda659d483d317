//! `AesEcb`: PHP's `WeChatPay\Crypto\AesEcb` — AES-256-ECB with PKCS#7 padding, for the APIv2 refund
//! notification's `req_info`.

use ::aes::Aes256;
use ::aes::cipher::block_padding::Pkcs7;
use ::aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit};

use super::{base64_decode_lenient, base64_encode};
use crate::error::{Error, Result};

use super::{AES_DECRYPT_FAILED as DECRYPT_FAILED, AES_ENCRYPT_FAILED as ENCRYPT_FAILED};

/// AES-256-ECB with PKCS#7 padding, as wechatpay-php's `WeChatPay\Crypto\AesEcb` does it: the key's 32 bytes as
/// the key, no IV, base64 of the ciphertext.
///
/// WeChat Pay uses it for one thing: the `req_info` field of the APIv2 refund notification, encrypted with the
/// **lowercase hex MD5 of the APIv2 key** (`Hash::md5(secret, "", false)`, 32 ASCII characters) as the key.
///
/// Deviation from PHP: a key that is not exactly 32 bytes is an error (PHP silently pads or truncates it).
///
/// # Examples
///
/// Decrypting a refund notification's `req_info` and reading it with [`Transformer`](crate::Transformer):
///
/// ```
/// use wechatpay::crypto::{AesEcb, Hash};
/// let req_info = "sQHh/cSF5F2ms58BHQoBmSe6PR7CX1bhrvBSH9Qhny+XrJMY2DfYIO50b51BFVxzk/GNmvI9NBWlrTMA5+VT+K+NsYPb34LqIBdXa855Njw90G0n9TT92WA2FoWroPAVilC2Z6TAmBPgwFhQATOv20/8sH/A9WdRHyNO8K7ZgUk=";
/// let key = Hash::md5("exposed_your_key_here_have_risks", "", false);
/// let xml = AesEcb::decrypt(req_info, &key)?;
/// let data = wechatpay::Transformer::to_array(&xml);
/// assert_eq!(data["refund_status"], "SUCCESS");
/// assert_eq!(data["out_refund_no"], "131811191610442717309");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AesEcb;

impl AesEcb {
    /// AES block size in bytes (PHP's `AesInterface::BLOCK_SIZE`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::AesEcb::BLOCK_SIZE, 16);
    /// ```
    pub const BLOCK_SIZE: usize = 16;

    /// Key length in bytes (PHP's `AesInterface::KEY_LENGTH_BYTE`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::crypto::AesEcb::KEY_LENGTH_BYTE, 32);
    /// ```
    pub const KEY_LENGTH_BYTE: usize = 32;

    /// Encrypts `plaintext` and returns base64 of the PKCS#7-padded AES-256-ECB ciphertext (PHP's
    /// `AesEcb::encrypt`). An empty plaintext gives one block of padding.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when `key` is not 32 bytes;
    /// [`ErrorKind::Crypto`](crate::ErrorKind::Crypto), `AES encryption failed: …`, if the cipher cannot be set up.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesEcb;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// assert_eq!(AesEcb::encrypt("hello", key)?, "pZwJZBLuy3mDACEQT4YTBw==");
    /// assert_eq!(AesEcb::encrypt("", key)?, "iqNiQf3o3wVNwyXGxpW4ng==");
    /// assert_eq!(AesEcb::encrypt("x", "short").unwrap_err().kind(), wechatpay::ErrorKind::InvalidArgument);
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn encrypt(plaintext: impl AsRef<[u8]>, key: &str) -> Result<String> {
        check_key(key)?;
        let cipher = ecb::Encryptor::<Aes256>::new_from_slice(key.as_bytes())
            .map_err(|e| Error::crypto(ENCRYPT_FAILED).with_source(e.to_string()))?;
        Ok(base64_encode(
            cipher.encrypt_padded_vec_mut::<Pkcs7>(plaintext.as_ref()),
        ))
    }

    /// Decrypts base64 of an AES-256-ECB ciphertext into text (PHP's `AesEcb::decrypt`); the base64 is decoded
    /// leniently, like PHP's `base64_decode`.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument): `key` not 32 bytes;
    /// - [`ErrorKind::Crypto`](crate::ErrorKind::Crypto), `AES decryption failed: …`:
    ///   an empty input or one that is not a whole number of 16-byte blocks, or bad padding after decryption
    ///   (almost always a wrong key); also a plaintext that is not UTF-8 (use [`AesEcb::decrypt_bytes`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesEcb;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// assert_eq!(AesEcb::decrypt("pZwJZBLuy3mDACEQT4YTBw==", key)?, "hello");
    /// let err = AesEcb::decrypt("AAAA", key).unwrap_err();
    /// assert!(err.to_string().starts_with("AES decryption failed"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt(ciphertext_b64: &str, key: &str) -> Result<String> {
        String::from_utf8(Self::decrypt_bytes(ciphertext_b64, key)?).map_err(|e| {
            Error::crypto("The decrypted plaintext is not UTF-8 text; use `AesEcb::decrypt_bytes`.").with_source(e)
        })
    }

    /// [`AesEcb::decrypt`] returning the raw plaintext bytes.
    ///
    /// # Errors
    ///
    /// As [`AesEcb::decrypt`], except that any bytes are accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::crypto::AesEcb;
    /// let key = "0123456789abcdef0123456789abcdef";
    /// let sealed = AesEcb::encrypt([0xff, 0xfe], key)?;
    /// assert_eq!(AesEcb::decrypt_bytes(&sealed, key)?, [0xff, 0xfe]);
    /// assert!(AesEcb::decrypt_bytes("", key).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn decrypt_bytes(ciphertext_b64: &str, key: &str) -> Result<Vec<u8>> {
        check_key(key)?;
        let sealed = base64_decode_lenient(ciphertext_b64);
        if sealed.is_empty() || sealed.len() % Self::BLOCK_SIZE != 0 {
            return Err(Error::crypto(DECRYPT_FAILED).with_source(format!(
                "the ciphertext is {} bytes long, not a positive multiple of {}",
                sealed.len(),
                Self::BLOCK_SIZE
            )));
        }
        let cipher = ecb::Decryptor::<Aes256>::new_from_slice(key.as_bytes())
            .map_err(|e| Error::crypto(DECRYPT_FAILED).with_source(e.to_string()))?;
        cipher
            .decrypt_padded_vec_mut::<Pkcs7>(&sealed)
            .map_err(|_| Error::crypto(DECRYPT_FAILED).with_source("bad PKCS#7 padding (wrong key or corrupted data)"))
    }
}

fn check_key(key: &str) -> Result<()> {
    if key.len() == AesEcb::KEY_LENGTH_BYTE {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "The key must be {} bytes (for `req_info`: the lowercase hex MD5 of the APIv2 key); got {} bytes.",
            AesEcb::KEY_LENGTH_BYTE,
            key.len()
        )))
    }
}

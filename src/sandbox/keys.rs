//! The sandbox's merchant and platform identities. TEST ONLY key pairs, published with the crate (the same
//! throw-away keys as the PHP-oracle corpus): never use them for anything real.

use crate::crypto::{KeyType, Rsa, RsaKey};
use crate::error::Result;

/// The sandbox merchant id.
pub const MCHID: &str = "1230000109";
/// The sandbox merchant API certificate serial.
pub const MERCHANT_SERIAL: &str = "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB";
/// The sandbox merchant's APIv2 key (TEST ONLY).
pub const SECRET: &str = "sandbox_apiv2_key_32_bytes_test0";
/// The sandbox merchant's APIv3 key (TEST ONLY, 32 bytes): notifications and certificates are encrypted with it.
pub const APIV3_KEY: &str = "sandbox_apiv3_key_32_bytes_test0";
/// The id under which the sandbox platform public key signs responses.
pub const PLATFORM_SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";

pub(crate) const MERCHANT_PRIVATE: &str = include_str!("keys/merchant.pkcs8.key.pem");
const MERCHANT_PUBLIC: &str = include_str!("keys/merchant.spki.pem");
const PLATFORM_PRIVATE: &str = include_str!("keys/platform.pkcs8.key.pem");
const PLATFORM_PUBLIC: &str = include_str!("keys/platform.spki.pem");

pub(crate) fn merchant_private() -> Result<RsaKey> {
    Rsa::from(MERCHANT_PRIVATE, KeyType::Private)
}

pub(crate) fn merchant_public() -> Result<RsaKey> {
    Rsa::from(MERCHANT_PUBLIC, KeyType::Public)
}

pub(crate) fn platform_private() -> Result<RsaKey> {
    Rsa::from(PLATFORM_PRIVATE, KeyType::Private)
}

pub(crate) fn platform_public() -> Result<RsaKey> {
    Rsa::from(PLATFORM_PUBLIC, KeyType::Public)
}

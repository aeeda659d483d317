//! Helpers mirroring wechatpay-php's `WeChatPay\Util` classes: [`MediaUtil`] builds the `multipart/form-data`
//! body of a media upload (APIv3, signed over its meta JSON; and the APIv2 `secapi/mch/uploadmedia` form);
//! [`PemUtil`] reads X.509 certificates (platform certificates, the merchant API certificate) and their serial
//! numbers.

mod media;
mod multipart;
mod pem;

pub use self::pem::{Certificate, PemUtil};
pub use media::MediaUtil;

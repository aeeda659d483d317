//! Helpers of wechatpay-php's `WeChatPay\Util` namespace: [`PemUtil`] reads X.509 certificates (platform
//! certificates, the merchant API certificate) and their serial numbers.

mod pem;

pub use self::pem::{Certificate, PemUtil};

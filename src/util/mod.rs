//! Helpers mirroring wechatpay-php's `WeChatPay\Util` classes: [`MediaUtil`] builds the `multipart/form-data`
//! body of a media upload (APIv3, signed over its meta JSON; and the APIv2 `secapi/mch/uploadmedia` form).

mod media;
mod multipart;

pub use media::MediaUtil;

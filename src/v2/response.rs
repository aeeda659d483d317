//! The APIv2 response checks (wechatpay-php's `ClientXmlTrait::transformResponse`): unsigned paths pass untouched; otherwise `return_code` and
//! `result_code` must be `SUCCESS` and `sign` must match (MD5, or HMAC-SHA256 when it is 64 characters long).

use serde_json::{Map, Value};

use super::paths::UNSIGNED_RESPONSES;
use crate::crypto::Hash;
use crate::error::{Error, ErrorKind, Result, V2Rejection};
use crate::response::Response;
use crate::transformer::Transformer;

/// Accepts the response to a request on `path` or says which check failed. The caller attaches the response.
pub(crate) fn check(path: &str, response: &Response, secret: &str) -> Result<()> {
    if UNSIGNED_RESPONSES.contains(&path) {
        return Ok(());
    }
    let data = match Transformer::to_array(response.body()) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let field = |name: &str| data.get(name).and_then(Value::as_str);
    if !field("return_code").is_some_and(|c| Hash::equals("SUCCESS", c)) {
        return Err(reject(
            V2Rejection::ReturnCode,
            format!(
                "The APIv2 response's return_code is `{}`, not `SUCCESS` (return_msg: {}).",
                field("return_code").unwrap_or(""),
                field("return_msg").unwrap_or("")
            ),
        ));
    }
    if let Some(result) = data.get("result_code") {
        if !result.as_str().is_some_and(|c| Hash::equals("SUCCESS", c)) {
            return Err(reject(
                V2Rejection::ResultCode,
                format!(
                    "The APIv2 response's result_code is `{}`, not `SUCCESS` (err_code: {}, err_code_des: {}).",
                    crate::php::strval(result),
                    field("err_code").unwrap_or(""),
                    field("err_code_des").unwrap_or("")
                ),
            ));
        }
    }
    crate::notify::v2::check_sign(&data, secret)
}

fn reject(why: V2Rejection, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Rejected(why), message)
}

//! WeChat Pay's own error fields, read from the body of an error's response: APIv3's JSON
//! `{"code","message","detail"}` and APIv2's XML `return_code` / `return_msg` / `result_code` / `err_code` /
//! `err_code_des`.

use std::fmt;

use serde_json::{Map, Value};

use crate::response::Response;
use crate::route::Api;
use crate::transformer::Transformer;

const SUCCESS: &str = "SUCCESS";

/// The error WeChat Pay itself reported, from [`Error::wechat`](crate::Error::wechat) (or
/// [`WechatError::from_response`]): one [`code`](WechatError::code) and [`message`](WechatError::message)
/// whichever API answered, plus the raw fields.
///
/// - APIv3 (a JSON body with a `code`): `code` and `message` as sent, [`detail`](WechatError::detail) when present.
/// - APIv2 (an XML body whose `return_code` or `result_code` is not `SUCCESS`): `return_code` / `return_msg` when
///   the call itself failed, `err_code` / `err_code_des` when the business result failed.
///
/// # Examples
///
/// ```
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// // the sandbox answers 400 PARAM_ERROR to a native order whose body is not an object
/// let err = client.chain("v3/pay/transactions/native").post(serde_json::json!({"json": []})).unwrap_err();
/// assert_eq!(err.kind(), wechatpay::ErrorKind::Status);
/// let wechat = err.wechat().expect("WeChat Pay's error body");
/// assert_eq!(wechat.code(), "PARAM_ERROR");
/// assert_eq!(wechat.message(), "body must be a JSON object");
/// assert_eq!(wechat.api(), wechatpay::Api::V3);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WechatError {
    api: Api,
    code: String,
    message: String,
    fields: Map<String, Value>,
}

impl WechatError {
    /// Reads WeChat Pay's error fields from a response body, if it carries an error: for responses you
    /// received with `http_errors(false)`; [`Error::wechat`](crate::Error::wechat) does this for errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let resp = Response::new(StatusCode::NOT_FOUND, Default::default(), r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#);
    /// assert_eq!(WechatError::from_response(&resp).unwrap().code(), "ORDER_NOT_EXIST");
    /// let ok = Response::new(StatusCode::OK, Default::default(), r#"{"trade_state":"SUCCESS"}"#);
    /// assert!(WechatError::from_response(&ok).is_none());
    /// ```
    pub fn from_response(response: &Response) -> Option<WechatError> {
        let body = response.body();
        let first = body.iter().copied().find(|b| !b.is_ascii_whitespace())?;
        match first {
            b'{' => from_json(body),
            b'<' => from_xml(body),
            _ => None,
        }
    }

    /// Which API answered: [`Api::V3`] for a JSON error, [`Api::V2`] for an XML one.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let resp = Response::new(StatusCode::OK, Default::default(), "<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>");
    /// assert_eq!(WechatError::from_response(&resp).unwrap().api(), wechatpay::Api::V2);
    /// ```
    pub fn api(&self) -> Api {
        self.api
    }

    /// The error code: APIv3 `code` (e.g. `PARAM_ERROR`, `ORDER_NOT_EXIST`); APIv2 `err_code` (e.g.
    /// `ORDERPAID`) when the business result failed, else `return_code` (`FAIL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let xml = "<xml><return_code>SUCCESS</return_code><result_code>FAIL</result_code><err_code>ORDERPAID</err_code><err_code_des>该订单已支付</err_code_des></xml>";
    /// let e = WechatError::from_response(&Response::new(StatusCode::OK, Default::default(), xml)).unwrap();
    /// assert_eq!((e.code(), e.message()), ("ORDERPAID", "该订单已支付"));
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The description: APIv3 `message`; APIv2 `err_code_des` when the business result failed, else
    /// `return_msg`. Empty when WeChat Pay sent none.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let resp = Response::new(StatusCode::BAD_REQUEST, Default::default(), r#"{"code":"PARAM_ERROR","message":"参数错误"}"#);
    /// assert_eq!(WechatError::from_response(&resp).unwrap().message(), "参数错误");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// APIv3's `detail` (e.g. `{"field":"/amount/total","value":0,"issue":"…","location":"body"}`), when sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let body = r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/amount/total","location":"body"}}"#;
    /// let e = WechatError::from_response(&Response::new(StatusCode::BAD_REQUEST, Default::default(), body)).unwrap();
    /// assert_eq!(e.detail().unwrap()["field"], "/amount/total");
    /// ```
    pub fn detail(&self) -> Option<&Value> {
        self.fields.get("detail").filter(|d| !d.is_null())
    }

    /// One raw field as text, e.g. `return_code`, `return_msg`, `result_code`, `err_code`, `err_code_des` (APIv2)
    /// or `code`, `message` (APIv3); `None` when absent or not a string.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let resp = Response::new(StatusCode::OK, Default::default(), "<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>");
    /// let e = WechatError::from_response(&resp).unwrap();
    /// assert_eq!(e.field("return_msg"), Some("签名错误"));
    /// assert_eq!(e.field("err_code"), None);
    /// ```
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// Every field of the error body (the decoded JSON object, or the XML's elements).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Response, WechatError, http::StatusCode};
    /// let resp = Response::new(StatusCode::TOO_MANY_REQUESTS, Default::default(), r#"{"code":"FREQUENCY_LIMITED","message":"频率超限"}"#);
    /// assert_eq!(WechatError::from_response(&resp).unwrap().fields().len(), 2);
    /// ```
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }
}

impl fmt::Display for WechatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

/// APIv3: a JSON object with a string `code`.
fn from_json(body: &[u8]) -> Option<WechatError> {
    let fields: Map<String, Value> = serde_json::from_slice(body).ok()?;
    let code = fields.get("code")?.as_str()?.to_owned();
    let message = fields
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(WechatError {
        api: Api::V3,
        code,
        message,
        fields,
    })
}

/// APIv2: an XML document whose `return_code`, or else `result_code`, is not `SUCCESS`.
fn from_xml(body: &[u8]) -> Option<WechatError> {
    let Value::Object(fields) = Transformer::to_array(body) else {
        return None;
    };
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    let return_code = text("return_code")?;
    let (code, message) = if return_code != SUCCESS {
        (return_code, text("return_msg"))
    } else {
        match text("result_code") {
            Some(result) if result != SUCCESS => (text("err_code").unwrap_or(result), text("err_code_des")),
            _ => return None,
        }
    };
    Some(WechatError {
        api: Api::V2,
        code: code.to_owned(),
        message: message.unwrap_or_default().to_owned(),
        fields: fields.clone(),
    })
}

//! The APIv2 request transform (wechatpay-php's `ClientXmlTrait::transformRequest`): data from `xml` (or the GET query), the mch-id guard,
//! `nonce_str`, the `sign`, then an XML body or a signed query. A prepared multipart body (the
//! `secapi/mch/uploadmedia` form, already signed) is sent as it is, as PHP's recipe that removes the transform.
//! Pure: no I/O.

use crate::body::Body;
use http::Method;
use serde_json::{Map, Value};
use url::Url;

use super::paths::NONCELESS_REQUESTS;
use crate::crypto::Hash;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::php::strval;
use crate::query::rawurlencode;
use crate::transformer::Transformer;

/// What goes on the wire: the final URL (a GET carries the signed data in its query) and the body.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) url: Url,
    pub(crate) body: Body,
}

/// Transforms an APIv2 request. `secret` is `None` when the client has no APIv2 key.
pub(crate) fn prepare(
    mchid: &str,
    secret: Option<&str>,
    method: &Method,
    mut url: Url,
    opts: &Options,
    xml: Option<Value>,
    nonce: impl FnOnce() -> Result<String>,
) -> Result<Prepared> {
    let secret = secret.ok_or_else(|| Error::config("APIv2 calls need the APIv2 key: set `secret` on the Builder."))?;
    if let Some(body) = opts.body.as_ref().filter(|b| b.is_multipart()) {
        return Ok(Prepared {
            url,
            body: body.clone(),
        });
    }
    let mut data = data_of(method, &url, xml)?;
    guard_mchid(mchid, &data)?;
    let sign_type = data
        .get("sign_type")
        .filter(|v| !v.is_null())
        .map_or_else(|| Hash::ALGO_MD5.to_owned(), strval);
    let wants_nonce = !opts.nonceless && !NONCELESS_REQUESTS.contains(&url.path());
    if wants_nonce && data.get("nonce_str").is_none_or(Value::is_null) {
        data.insert("nonce_str".to_owned(), Value::String(nonce()?));
    }
    let sign = super::sign_fields(&sign_type, &data, secret)?;
    data.insert("sign".to_owned(), Value::String(sign));
    if method == Method::GET {
        let query = build_query(&data);
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        Ok(Prepared {
            url,
            body: Body::default(),
        })
    } else {
        Ok(Prepared {
            url,
            body: Body::from(Transformer::to_xml(&Value::Object(data))),
        })
    }
}

/// The data to sign: `xml` when given, else (GET) the URL's query, else nothing; values flat and XML-safe.
fn data_of(method: &Method, url: &Url, xml: Option<Value>) -> Result<Map<String, Value>> {
    let mut data = match xml {
        Some(Value::Object(map)) => map,
        Some(Value::Null) | None if method == Method::GET => parse_query(url.query().unwrap_or("")),
        Some(Value::Null) | None => Map::new(),
        Some(_) => return Err(Error::invalid("The option `xml` must be a map of the APIv2 fields.")),
    };
    for (key, value) in data.iter_mut() {
        match value {
            // Decision (docs/DECISIONS.md): PHP signs a nested value as the word `Array` while sending it as
            // nested XML, which the gateway cannot verify; we refuse it before anything is sent.
            Value::Array(_) | Value::Object(_) => {
                return Err(Error::invalid(format!(
                    "The APIv2 field `{key}` is a nested value; APIv2 data must be flat (send structured fields such \
                     as `detail` as a JSON string)."
                )));
            }
            // Characters XML cannot carry are dropped before signing, so the sign covers what the gateway reads.
            Value::String(s) => {
                if let std::borrow::Cow::Owned(clean) = crate::transformer::strip_invalid_chars(s) {
                    *s = clean;
                }
            }
            _ => {}
        }
    }
    Ok(data)
}

/// Guzzle's `Query::parse`: `+` and `%XX` decoded, a repeated key becomes a list.
fn parse_query(query: &str) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let v = Value::String(v.into_owned());
        match map.get_mut(k.as_ref()) {
            Some(Value::Array(list)) => list.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(k.into_owned(), v);
            }
        }
    }
    map
}

/// The mch-id guard: the configured `mchid` must equal the first present of `mch_id`, `mchid`, `combine_mch_id`
/// (same string; an integer never matches, as in PHP).
fn guard_mchid(mchid: &str, data: &Map<String, Value>) -> Result<()> {
    if mchid.is_empty() {
        return Ok(());
    }
    let input = ["mch_id", "mchid", "combine_mch_id"]
        .iter()
        .find_map(|k| data.get(*k).filter(|v| !v.is_null()));
    match input {
        Some(Value::String(s)) if s == mchid => Ok(()),
        other => Err(Error::invalid(format!(
            "The request's merchant ID `{}` (`mch_id`, `mchid` or `combine_mch_id`) is not this client's `{mchid}`: \
             nothing was sent.",
            other.map(strval).unwrap_or_default()
        ))),
    }
}

/// Guzzle's `Query::build` with RFC 3986 encoding: insertion order, `true`/`false` as `1`/`0`, null as a bare key,
/// a list as a repeated key.
fn build_query(data: &Map<String, Value>) -> String {
    let mut out = String::new();
    let mut push = |key: &str, value: &Value| {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&rawurlencode(key));
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "=1" } else { "=0" }),
            v => {
                out.push('=');
                out.push_str(&rawurlencode(&strval(v)));
            }
        }
    };
    for (key, value) in data {
        match value {
            Value::Array(items) => items.iter().for_each(|item| push(key, item)),
            v => push(key, v),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_parse_and_build_like_guzzle() {
        let m = parse_query("a=1&b=x+y%2Bz&a=2&c");
        assert_eq!(
            Value::Object(m.clone()),
            json!({"a": ["1", "2"], "b": "x y+z", "c": ""})
        );
        assert_eq!(build_query(&m), "a=1&a=2&b=x%20y%2Bz&c=");
        let m = json!({"t": true, "f": false, "n": null, "k": "中"});
        assert_eq!(build_query(m.as_object().unwrap()), "t=1&f=0&n&k=%E4%B8%AD");
    }
}

//! The APIv2 `sign` over a map of fields (PHP's `Hash::sign($type, Formatter::queryStringLike(Formatter::ksort($data)),
//! $key)`), computed without copying the fields: the sorted `key=value&…` string is fed to the digest piece by
//! piece, so a large answer costs no second copy of itself.

use serde_json::{Map, Value};

use crate::crypto::Hash;
use crate::error::Result;
use crate::php::strval_ref;

/// The uppercase `sign` of `data` (every field but `sign`, `null` and empty strings, sorted by key bytes) with
/// `sign_type` (`MD5` or `HMAC-SHA256`) and the APIv2 key.
pub(crate) fn sign_fields(sign_type: &str, data: &Map<String, Value>, secret: &str) -> Result<String> {
    let mut fields: Vec<(&String, &Value)> = data
        .iter()
        .filter(|(key, value)| *key != "sign" && !value.is_null() && value.as_str() != Some(""))
        .collect();
    fields.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Hash::sign_with(sign_type, secret, |feed| {
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                feed(b"&");
            }
            feed(key.as_bytes());
            feed(b"=");
            feed(strval_ref(value).as_bytes());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::sign_fields;
    use crate::{Formatter, Hash};
    use serde_json::json;

    #[test]
    fn equals_the_sign_over_the_joined_string() {
        let data = json!({
            "return_code": "SUCCESS", "b": true, "c": false, "d": 0, "sign": "x", "e": null, "f": "", "g": 1.5,
            "appid": "wx8888888888888888", "Z": "upper sorts first", "中文": "值",
        });
        let map = data.as_object().unwrap();
        for (algo, key) in [
            ("MD5", "exposed_your_key_here_have_risks"),
            ("MD5", ""),
            ("HMAC-SHA256", "k"),
        ] {
            let joined = Formatter::query_string_like(&Formatter::ksort(map));
            assert_eq!(
                sign_fields(algo, map, key).unwrap(),
                Hash::sign(algo, &joined, key).unwrap()
            );
        }
        assert!(sign_fields("md5", map, "k").is_err());
        assert!(sign_fields("HMAC-SHA256", map, "").is_err());
    }
}

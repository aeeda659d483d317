//! PHP's `rawurlencode` and `http_build_query($data, '', '&', PHP_QUERY_RFC3986)` over `serde_json::Value`
//! (the `query` option, as Guzzle builds it). The URI-template expansion shares both.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use serde_json::Value;

/// Every byte except `A–Z a–z 0–9 - _ . ~` is percent-encoded, as PHP's `rawurlencode` does (RFC 3986 unreserved).
pub(crate) const RAWURLENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// PHP `rawurlencode($s)`: UTF-8 bytes one by one, uppercase hex, `%` → `%25`, space → `%20`.
pub(crate) fn rawurlencode(s: &str) -> String {
    percent_encode(s.as_bytes(), RAWURLENCODE).to_string()
}

/// PHP `http_build_query($value, '', '&', PHP_QUERY_RFC3986)` for the `query` request option.
///
/// `k=v` pairs joined by `&` in insertion order; keys and values go through [`rawurlencode`]; `true` → `1`,
/// `false` → `0` (`http_build_query`'s own rule, unlike `(string) false`); `null` entries are dropped; floats use
/// PHP's 14-digit form; nested maps and lists become `a%5Bx%5D=1` / `l%5B0%5D=a`. An empty map or list gives `""`.
/// A scalar is not a valid argument in PHP (a `TypeError`); here it yields `""`.
pub(crate) fn build_query(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| push_entry(&mut out, None, k, v)),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .for_each(|(i, v)| push_entry(&mut out, None, &i.to_string(), v)),
        _ => {}
    }
    out
}

/// `http_build_query([$key => $value], '', '&', PHP_QUERY_RFC3986)`: one top-level entry. The key is encoded here
/// like any other, so a key that is already percent-encoded gets encoded a second time, as in PHP.
pub(crate) fn build_query_entry(key: &str, value: &Value) -> String {
    let mut out = String::new();
    push_entry(&mut out, None, key, value);
    out
}

/// Appends `key=value` (or, for a map or list, its flattened entries) to `out`. `parent` is the already-encoded
/// name of the enclosing entry (`arr%5By%5D`); nested keys are wrapped in `%5B`…`%5D` after it.
fn push_entry(out: &mut String, parent: Option<&str>, key: &str, value: &Value) {
    let mut name = String::new();
    if let Some(parent) = parent {
        name.push_str(parent);
        name.push_str("%5B");
    }
    name.extend(percent_encode(key.as_bytes(), RAWURLENCODE));
    if parent.is_some() {
        name.push_str("%5D");
    }

    let scalar = match value {
        Value::Null => return,
        Value::Object(map) => return map.iter().for_each(|(k, v)| push_entry(out, Some(&name), k, v)),
        Value::Array(list) => {
            return list
                .iter()
                .enumerate()
                .for_each(|(i, v)| push_entry(out, Some(&name), &i.to_string(), v));
        }
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Number(_) | Value::String(_) => crate::php::strval(value),
    };
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(&name);
    out.push('=');
    out.extend(percent_encode(scalar.as_bytes(), RAWURLENCODE));
}

#[cfg(test)]
mod tests {
    use super::{build_query, build_query_entry, rawurlencode};
    use serde_json::{Value, json};

    const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/php-oracle/chains.jsonl");

    #[test]
    fn rawurlencode_keeps_only_unreserved() {
        assert_eq!(rawurlencode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(rawurlencode(" +/%"), "%20%2B%2F%25");
        assert_eq!(
            rawurlencode(":/?#[]@!$&'()*+,;="),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D"
        );
        assert_eq!(rawurlencode("中é😀"), "%E4%B8%AD%C3%A9%F0%9F%98%80");
        assert_eq!(rawurlencode("\0\x7f"), "%00%7F");
        assert_eq!(rawurlencode(""), "");
    }

    #[test]
    fn spec_2_6_example() {
        let query =
            json!({"s": "a b", "t": true, "f": false, "n": null, "i": 0, "arr": {"x": 1}, "u": "中", "r": "a+b/c"});
        assert_eq!(
            build_query(&query),
            "s=a%20b&t=1&f=0&i=0&arr%5Bx%5D=1&u=%E4%B8%AD&r=a%2Bb%2Fc"
        );
    }

    #[test]
    fn scalars_nesting_and_empties() {
        assert_eq!(build_query(&json!({})), "");
        assert_eq!(build_query(&json!([])), "");
        assert_eq!(build_query(&json!({"n": null})), "");
        assert_eq!(build_query(&json!({"e": {}, "l": [], "a": 1})), "a=1");
        assert_eq!(build_query(&json!({"n": null, "a": 1, "m": null, "b": 2})), "a=1&b=2");
        assert_eq!(build_query(&json!(["a", "b"])), "0=a&1=b");
        assert_eq!(
            build_query(&json!({"f": 0.1, "g": 1e20, "h": -2.5, "i": -7})),
            "f=0.1&g=1.0E%2B20&h=-2.5&i=-7"
        );
        assert_eq!(build_query(&json!({"e": ""})), "e=");
        assert_eq!(build_query(&json!({"": "x"})), "=x");
        assert_eq!(
            build_query(&json!({"a b": {"c d": [true, false, null, "x y"]}})),
            "a%20b%5Bc%20d%5D%5B0%5D=1&a%20b%5Bc%20d%5D%5B1%5D=0&a%20b%5Bc%20d%5D%5B3%5D=x%20y"
        );
        assert_eq!(build_query(&json!("a=b")), "");
    }

    #[test]
    fn single_entry_encodes_its_key_again() {
        assert_eq!(build_query_entry("a%20b", &json!({"x": "y z"})), "a%2520b%5Bx%5D=y%20z");
        assert_eq!(build_query_entry("k", &json!([])), "");
        assert_eq!(build_query_entry("k", &json!(false)), "k=0");
    }

    /// Every `query_option` row whose `query` is a map or list: the part after `?` of the request URL (none when
    /// the built query is empty). String queries are used verbatim by the caller and are not ours.
    #[test]
    fn oracle_query_option_rows() {
        let text = std::fs::read_to_string(CHAINS).unwrap_or_else(|e| panic!("{CHAINS}: {e}"));
        let mut checked = 0;
        for row in text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        {
            if row["kind"] != "query_option" {
                continue;
            }
            let query = &row["options"]["query"];
            if !(query.is_object() || query.is_array()) {
                continue;
            }
            let url = row["request"]["url"].as_str().expect("url");
            let expected = url.split_once('?').map_or("", |(_, q)| q);
            assert_eq!(build_query(query), expected, "{}", row["label"]);
            checked += 1;
        }
        assert_eq!(checked, 8);
    }
}

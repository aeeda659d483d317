//! PHP's scalar-to-string conversion, `(string) $value`, over `serde_json::Value`: the one rule behind
//! template expansion, query building, `queryStringLike` and APIv2 XML values.

use std::borrow::Cow;

use serde_json::Value;

/// `(string) $value` as PHP 8 does it: `null`→``, `true`→`1`, `false`→``, integers in decimal, floats with
/// 14 significant digits (`1.0`→`1`, `1e20`→`1.0E+20`), strings unchanged, arrays/objects→`Array`.
pub(crate) fn strval(value: &Value) -> String {
    strval_ref(value).into_owned()
}

/// [`strval`] without copying a string value.
pub(crate) fn strval_ref(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null | Value::Bool(false) => Cow::Borrowed(""),
        Value::Bool(true) => Cow::Borrowed("1"),
        Value::Number(n) => Cow::Owned(if let Some(i) = n.as_i64() {
            i.to_string()
        } else if let Some(u) = n.as_u64() {
            u.to_string()
        } else {
            float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Cow::Borrowed(s),
        Value::Array(_) | Value::Object(_) => Cow::Borrowed("Array"),
    }
}

/// PHP's float-to-string with `precision = 14`.
pub(crate) fn float(f: f64) -> String {
    if f.is_nan() {
        return "NAN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // 14 significant digits in scientific form: d.ddddddddddddde±x
    let sci = format!("{:.13e}", f);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    if !(-4..14).contains(&exp) {
        let (head, tail) = digits.split_at(1);
        let tail = if tail.is_empty() { "0" } else { tail };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{head}.{tail}E{esign}{}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_convert_like_php() {
        for (v, s) in [
            (json!(null), ""),
            (json!(true), "1"),
            (json!(false), ""),
            (json!(0), "0"),
            (json!(-7), "-7"),
            (json!(1.0), "1"),
            (json!(1.5), "1.5"),
            (json!(0.1), "0.1"),
            (json!(1e20), "1.0E+20"),
            (json!(1e14), "1.0E+14"),
            (json!(123456789012345.0), "1.2345678901234E+14"),
            (json!(0.0001), "0.0001"),
            (json!(0.00001), "1.0E-5"),
            (json!(-2.5), "-2.5"),
            (json!("007"), "007"),
            (json!({"a": 1}), "Array"),
        ] {
            assert_eq!(strval(&v), s, "{v}");
        }
    }
}

//! RFC 6570 URI-template expansion exactly as PHP's `guzzlehttp/uri-template` 1.0 (≤ 1.0.5, the line that
//! wechatpay-php 1.4 runs on) does it, byte for byte. Deliberate quirks kept:
//!
//! - a `%` in a value is always encoded (`%25`), even in `{+x}` and `{#x}`: reserved expansion only decodes the 18
//!   reserved delimiters back out of `rawurlencode`'s output;
//! - expressions are `\{([^}]+)\}`: `{}` stays literal and `{{x}}` is the expression `{x` followed by a `}`;
//! - `{x:n}` cuts the *raw* string to `n` bytes before encoding (a UTF-8 character may be split); `n` is PHP's `(int)`
//!   of whatever follows the first `:`;
//! - `false` is defined but expands to nothing; `null` and missing variables are skipped entirely;
//! - a JSON object is a PHP associative array unless it is empty or its first key is `"0"` (PHP's `isAssoc`);
//! - an exploded map with a nested map or list goes through `http_build_query`, which encodes the key a second time;
//! - an empty `{#x}` / `{.x}` still yields its `#` / `.` when a scalar was defined.

use crate::php::strval;
use crate::query::{RAWURLENCODE, build_query_entry, rawurlencode};
use percent_encoding::{AsciiSet, percent_encode};
use serde_json::{Map, Value};

/// `rawurlencode` followed by guzzle's `decodeReserved`: the reserved delimiters `:/?#[]@!$&'()*+,;=` stay
/// literal. Because `rawurlencode` encodes every `%`, decoding its uppercase triplets afterwards is the same as never
/// encoding these characters.
const RESERVED: &AsciiSet = &without(RAWURLENCODE, b":/?#[]@!$&'()*+,;=");

/// `base` minus every byte of `bytes` (non-empty), at compile time.
const fn without(base: &AsciiSet, bytes: &[u8]) -> AsciiSet {
    let mut set = base.remove(bytes[0]);
    let mut i = 1;
    while i < bytes.len() {
        set = set.remove(bytes[i]);
        i += 1;
    }
    set
}

/// One row of guzzle's operator table.
struct Operator {
    prefix: &'static str,
    joiner: &'static str,
    query: bool,
    /// `+` and `#`: reserved characters are decoded back.
    reserved: bool,
}

impl Operator {
    fn of(first: u8) -> Option<Self> {
        let (prefix, joiner, query, reserved) = match first {
            b'+' => ("", ",", false, true),
            b'#' => ("#", ",", false, true),
            b'.' => (".", ".", false, false),
            b'/' => ("/", "/", false, false),
            b';' => (";", ";", true, false),
            b'?' => ("?", "&", true, false),
            b'&' => ("&", "&", true, false),
            _ => return None,
        };
        Some(Self {
            prefix,
            joiner,
            query,
            reserved,
        })
    }

    const SIMPLE: Self = Self {
        prefix: "",
        joiner: ",",
        query: false,
        reserved: false,
    };

    fn encoding(&self) -> &'static AsciiSet {
        if self.reserved { RESERVED } else { RAWURLENCODE }
    }
}

/// A varspec's modifier.
#[derive(Clone, Copy, PartialEq)]
enum Modifier {
    None,
    /// `name*`
    Explode,
    /// `name:n` with PHP's `(int)` of the rest.
    Prefix(i64),
}

/// Where a template's expressions find their values: the request options (see `Options`), or a plain map.
pub(crate) trait Vars {
    fn lookup(&self, name: &str) -> Option<&Value>;
}

impl Vars for Map<String, Value> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Expands every `{…}` expression of `template` with `vars` (the whole request-options map). A template without
/// `{` comes back unchanged.
pub(crate) fn expand(template: &str, vars: &impl Vars) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            // `[^}]+` needs at least one byte: `{}` is literal and the scan resumes right after this `{`.
            Some(0) => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
            Some(close) => {
                out.push_str(&rest[..open]);
                expand_expression(&mut out, &after[..close], vars);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// guzzle's `expandMatch`: appends the expansion of one expression (the text between the braces) to `out`.
fn expand_expression(out: &mut String, expression: &str, vars: &impl Vars) {
    let (op, body) = match Operator::of(expression.as_bytes()[0]) {
        Some(op) => (op, &expression[1..]),
        None => (Operator::SIMPLE, expression),
    };
    let start = out.len();
    out.push_str(op.prefix);
    let body_start = out.len();
    let mut all_undefined = true;
    let mut first = true;

    for varspec in body.split(',') {
        let (name, modifier) = parse_varspec(php_trim(varspec));
        let Some(value) = vars.lookup(name).filter(|v| !v.is_null()) else {
            continue;
        };
        if !std::mem::take(&mut first) {
            out.push_str(op.joiner);
        }
        match value {
            Value::Array(_) | Value::Object(_) => {
                let (expanded, use_query) = expand_array(value, name, modifier, &op);
                if use_query {
                    push_query_pair(out, name, expanded.is_empty(), &op, |out| out.push_str(&expanded));
                } else {
                    out.push_str(&expanded);
                }
            }
            _ => {
                all_undefined = false;
                let string = strval(value);
                let bytes = match modifier {
                    Modifier::Prefix(length) => &string.as_bytes()[..php_substr_len(string.len(), length)],
                    _ => string.as_bytes(),
                };
                let encode = |out: &mut String| out.extend(percent_encode(bytes, op.encoding()));
                if op.query {
                    push_query_pair(out, name, bytes.is_empty(), &op, encode);
                } else {
                    encode(out);
                }
            }
        }
    }

    if out.len() == body_start {
        out.truncate(start);
        // RFC 6570 3.2.4 / 3.2.5 as guzzle reads them: only `#` and `.`, and only after a defined scalar.
        if !all_undefined && matches!(op.prefix, "#" | ".") {
            out.push_str(op.prefix);
        }
    }
}

/// `name=value`, or the bare `name` when the value is empty and the joiner is not `&` (`;` operator).
fn push_query_pair(out: &mut String, name: &str, empty: bool, op: &Operator, value: impl FnOnce(&mut String)) {
    out.push_str(name);
    if !(empty && op.joiner != "&") {
        out.push('=');
        value(out);
    }
}

/// The list / map branch of `expandMatch`: the expanded text and whether `name=` still applies.
fn expand_array(value: &Value, name: &str, modifier: Modifier, op: &Operator) -> (String, bool) {
    let entries: Vec<(std::borrow::Cow<'_, str>, &Value)> = match value {
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string().into(), v))
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.as_str().into(), v)).collect(),
        _ => Vec::new(),
    };
    if entries.is_empty() {
        return (String::new(), false);
    }
    // PHP's isAssoc: the first key is not the integer 0 (a map key "0" becomes the integer 0 in PHP).
    let assoc = value.is_object() && entries[0].0 != "0";
    let explode = modifier == Modifier::Explode;

    let mut kvp = Vec::with_capacity(entries.len());
    for (key, item) in entries {
        let nested = assoc && (item.is_array() || item.is_object());
        let key = if assoc { rawurlencode(&key).into() } else { key };
        let encoded = if nested {
            String::from("Array") // `(string)` of an array, used only by the non-exploded `k,v` form
        } else {
            percent_encode(strval(item).as_bytes(), op.encoding()).to_string()
        };
        kvp.push(match (explode, assoc) {
            (true, true) if nested => build_query_entry(&key, item),
            (true, true) | (false, true) => format!("{key}{}{encoded}", if explode { "=" } else { "," }),
            (true, false) if op.query && php_key_gt_zero(&key) => format!("{name}={encoded}"),
            _ => encoded,
        });
    }
    let use_query = op.query && !(explode && assoc);
    (kvp.join(if explode { op.joiner } else { "," }), use_query)
}

/// PHP's `trim()` default set: space, `\t`, `\n`, `\r`, `\0`, `\x0B`.
fn php_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// guzzle's `parseExpression` for one varspec: a `:` after the first byte starts a prefix length, else a trailing
/// `*` explodes.
fn parse_varspec(spec: &str) -> (&str, Modifier) {
    match spec.find(':') {
        Some(colon) if colon > 0 => (&spec[..colon], Modifier::Prefix(php_int(&spec[colon + 1..]))),
        _ => match spec.strip_suffix('*') {
            Some(name) => (name, Modifier::Explode),
            None => (spec, Modifier::None),
        },
    }
}

/// How many bytes `substr($s, 0, $length)` keeps of a `len`-byte string (PHP 8: a negative length drops bytes from
/// the end, and too negative a length gives `""`).
fn php_substr_len(len: usize, length: i64) -> usize {
    let magnitude = usize::try_from(length.unsigned_abs()).unwrap_or(usize::MAX);
    if length >= 0 {
        magnitude.min(len)
    } else {
        len.saturating_sub(magnitude)
    }
}

/// The leading numeric part of `s` under PHP's numeric-string grammar (leading whitespace, sign, digits, fraction,
/// exponent), whether it is written as an integer, and whether only whitespace follows it.
fn php_numeric_prefix(s: &str) -> Option<(&str, bool, bool)> {
    let b = s.as_bytes();
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C');
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let begin = b.iter().take_while(|&&c| is_space(c)).count();
    let mut end = begin + usize::from(matches!(b.get(begin), Some(b'+' | b'-')));
    let int_digits = digits(end);
    end += int_digits;
    let mut integer = true;
    if b.get(end) == Some(&b'.') && (int_digits > 0 || digits(end + 1) > 0) {
        end += 1 + digits(end + 1);
        integer = false;
    } else if int_digits == 0 {
        return None;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(end + 1), Some(b'+' | b'-')));
        if digits(end + 1 + sign) > 0 {
            end += 1 + sign + digits(end + 1 + sign);
            integer = false;
        }
    }
    let whole = b[end..].iter().all(|&c| is_space(c));
    Some((&s[begin..end], integer, whole))
}

/// PHP 8's `(int) $string`: the leading number, saturated to the `int` range; no number (or an infinite one) → 0.
fn php_int(s: &str) -> i64 {
    let Some((number, integer, _)) = php_numeric_prefix(s) else {
        return 0;
    };
    match (integer, number.parse::<i64>(), number.parse::<f64>()) {
        (true, Ok(n), _) => n,
        (_, _, Ok(f)) if f.is_finite() => f as i64, // `as` saturates, like zend_dval_to_lval_cap
        _ => 0,
    }
}

/// PHP 8's `$key > 0` for a key of a list-like array (only reached for a map whose first key is `"0"`): numeric
/// strings compare as numbers, any other string compares with `"0"` as a string.
fn php_key_gt_zero(key: &str) -> bool {
    match php_numeric_prefix(key) {
        Some((number, _, true)) => number.parse::<f64>().is_ok_and(|f| f > 0.0),
        _ => key > "0",
    }
}

#[cfg(test)]
mod tests;

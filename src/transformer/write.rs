//! `serde_json::Value` → XML the way wechatpay-php's `Transformer::toXml` drives PHP's `XMLWriter`, with PHP's two malformed-output bugs fixed (`]]>` in a value, XML-invalid characters).

use serde_json::Value;

use super::XmlOptions;
use super::chars::{all_xml_chars, is_name_char, is_name_start_char, is_xml_char};
use crate::php::strval_ref;

/// PHP's `Transformer::isElementNameValid` (`$name && no space && ^[\pL_][\pL0-9._:-]*$`), intersected with XML's
/// `Name` so that the output is always well-formed. `\pL` is approximated by Unicode `Alphabetic`.
pub(super) fn is_element_name(name: &str) -> bool {
    if let Some((first, rest)) = name.as_bytes().split_first().filter(|_| name.is_ascii()) {
        // the ASCII subset of the rule below
        return (first.is_ascii_alphabetic() || *first == b'_')
            && rest
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| (c == '_' || c.is_alphabetic()) && is_name_start_char(c));
    first_ok
        && chars
            .all(|c| (c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '_' | ':' | '-')) && is_name_char(c))
}

enum Step<'v> {
    Open(&'v str, &'v Value, usize),
    Close(&'v str, usize),
}

/// Serialises `data` under `options.root`; iterative, so no input nesting can overflow the stack.
pub(super) fn write<'v>(data: &'v Value, options: &'v XmlOptions) -> String {
    let root = if is_element_name(&options.root) {
        options.root.as_str()
    } else {
        "xml"
    };
    let item = if is_element_name(&options.item) {
        options.item.as_str()
    } else {
        "item"
    };
    let mut out = String::with_capacity(512);
    if !options.headless {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let mut steps = vec![Step::Open(root, data, 0)];
    while let Some(step) = steps.pop() {
        match step {
            Step::Open(name, value, depth) => {
                indent(&mut out, options.indent, depth);
                let children: Vec<(&'v str, &'v Value)> = match value {
                    Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| (if is_element_name(k) { k.as_str() } else { item }, v))
                        .collect(),
                    Value::Array(list) => list.iter().map(|v| (item, v)).collect(),
                    // `null` data is PHP's empty array: `<xml/>`
                    Value::Null if depth == 0 => Vec::new(),
                    scalar => {
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                        content(&mut out, &strval_ref(scalar));
                        close_tag(&mut out, name, options.indent);
                        continue;
                    }
                };
                if children.is_empty() {
                    out.push('<');
                    out.push_str(name);
                    out.push_str("/>");
                    if options.indent {
                        out.push('\n');
                    }
                    continue;
                }
                out.push('<');
                out.push_str(name);
                out.push('>');
                if options.indent {
                    out.push('\n');
                }
                steps.push(Step::Close(name, depth));
                steps.extend(children.into_iter().rev().map(|(k, v)| Step::Open(k, v, depth + 1)));
            }
            Step::Close(name, depth) => {
                indent(&mut out, options.indent, depth);
                close_tag(&mut out, name, options.indent);
            }
        }
    }
    if !options.headless && !options.indent {
        // XMLWriter's endDocument() adds a line feed unless it has been indenting
        out.push('\n');
    }
    out
}

/// XMLWriter's indentation: one space per level.
fn indent(out: &mut String, on: bool, depth: usize) {
    if on {
        out.extend(std::iter::repeat_n(' ', depth));
    }
}

fn close_tag(out: &mut String, name: &str, indent: bool) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
    if indent {
        out.push('\n');
    }
}

/// PHP's `Transformer::content`: a value with any of `<`, `>`, `&`, `"` goes into CDATA, anything else is text
/// with CR as `&#13;` (XMLWriter's escaping; the other four never reach it).
///
/// Deviations, all where PHP writes malformed or lossy XML:
/// - XML-invalid characters (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF) are dropped; PHP
///   writes them raw, which no XML parser accepts.
/// - `]]>` inside a CDATA value is split across two sections (`]]]]><![CDATA[>`); PHP ends the section early.
/// - A CR inside a CDATA value is written as `&#13;` between two sections; PHP writes it raw and parsers turn
///   it into LF.
fn content(out: &mut String, value: &str) {
    let clean: String;
    let value = if all_xml_chars(value) {
        value
    } else {
        clean = value.chars().filter(|&c| is_xml_char(c)).collect();
        &clean
    };
    if value.contains(['<', '>', '&', '"']) {
        out.push_str("<![CDATA[");
        out.push_str(
            &value
                .replace("]]>", "]]]]><![CDATA[>")
                .replace('\r', "]]>&#13;<![CDATA["),
        );
        out.push_str("]]>");
    } else {
        let mut pieces = value.split('\r');
        out.push_str(pieces.next().unwrap_or_default());
        for piece in pieces {
            out.push_str("&#13;");
            out.push_str(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_unicode_element_names_follow_one_rule() {
        for name in [
            "xml",
            "A9",
            "_",
            "a:b-c.d_e",
            ":a",
            "0a",
            "-",
            ".",
            "a b",
            "a/b",
            "a\u{7F}",
            "é",
            "a中",
            "",
        ] {
            let mut chars = name.chars();
            let by_chars = chars
                .next()
                .is_some_and(|c| (c == '_' || c.is_alphabetic()) && is_name_start_char(c))
                && chars.all(|c| {
                    (c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '_' | ':' | '-')) && is_name_char(c)
                });
            assert_eq!(is_element_name(name), by_chars, "{name:?}");
        }
    }

    #[test]
    fn carriage_returns_in_text_become_references() {
        let mut out = String::new();
        content(&mut out, "a\rb\r");
        assert_eq!(out, "a&#13;b&#13;");
    }
}

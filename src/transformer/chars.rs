//! The XML 1.0 lexical rules shared by the parser ([`super::parse`]), the prolog and DTD scanner
//! ([`super::dtd`]) and the writer ([`super::write`]): which characters XML allows (PHP's `sanitize`), line-end
//! normalisation, `Name` and `S`, the predefined entities and character references. It also holds [`Failure`],
//! the reason a document is refused, which every parsing step reports; this module depends on no other.

use std::borrow::Cow;

/// Why a document was refused: libxml's wording where there is one, plus where it happened.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) message: String,
    pub(super) source: Option<quick_xml::Error>,
}

pub(super) type Parsed<T> = Result<T, Failure>;

pub(super) fn fail<T>(message: impl Into<String>) -> Parsed<T> {
    Err(Failure {
        message: message.into(),
        source: None,
    })
}

/// Deletes every code point that XML 1.0 does not allow (`Char`): PHP's `Transformer::sanitize` on valid UTF-8.
pub(crate) fn sanitize(text: &str) -> Cow<'_, str> {
    if all_xml_chars(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// Whether every character of `text` is an XML 1.0 `Char`, in one pass over the bytes: in valid UTF-8 the only
/// characters outside `Char` are the C0 controls but tab, line feed and carriage return (single bytes), and
/// U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`).
pub(super) fn all_xml_chars(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        0x20.. if b != 0xEF => true,
        b'\t' | b'\n' | b'\r' => true,
        0xEF => !matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
        _ => false,
    })
}

/// XML 1.0 `Char`: `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML end-of-line handling (XML 1.0 section 2.11): `\r\n` and lone `\r` become `\n` before parsing.
pub(super) fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// XML 1.0 (5th edition) `NameStartChar`.
pub(super) fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (5th edition) `NameChar`.
pub(super) fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// XML 1.0 `Name`.
pub(super) fn is_xml_name(name: &str) -> bool {
    if let Some((first, rest)) = name.as_bytes().split_first().filter(|_| name.is_ascii()) {
        // the ASCII subset of the two classes below
        return (first.is_ascii_alphabetic() || matches!(first, b'_' | b':'))
            && rest
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.'));
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// XML `S` (after line-end normalisation `\r` cannot occur, but it is harmless here).
pub(super) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn is_blank(text: &str) -> bool {
    // every `S` character is ASCII
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

pub(super) fn predefined(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// The body of a character reference (`#60`, `#x3C`), checked to be an XML `Char`.
pub(super) fn char_ref(body: &str) -> Parsed<char> {
    let (digits, radix) = match body.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    let valid = !digits.is_empty() && digits.len() <= 8 && digits.chars().all(|c| c.is_digit(radix));
    let code = if valid {
        u32::from_str_radix(digits, radix).ok()
    } else {
        None
    };
    match code.and_then(char::from_u32) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => match code {
            Some(n) => fail(format!("xmlParseCharRef: invalid xmlChar value {n}")),
            None => fail(format!("invalid character reference `&#{body};`")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_references() {
        assert_eq!(char_ref("60").ok(), Some('<'));
        assert_eq!(char_ref("x3C").ok(), Some('<'));
        assert_eq!(char_ref("x1F600").ok(), Some('😀'));
        for bad in ["", "x", "X3C", "1", "0", "xD800", "x110000", "99999999999", "-1", "1a"] {
            assert!(char_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_byte_scan_agrees_with_the_char_rule() {
        let edges = [
            '\u{0}',
            '\u{8}',
            '\t',
            '\n',
            '\u{B}',
            '\r',
            '\u{1F}',
            ' ',
            '~',
            '\u{7F}',
            '\u{80}',
            '\u{9F}',
            'é',
            '中',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{EFBF}',
            '\u{10000}',
            '😀',
            '\u{10FFFF}',
        ];
        for a in edges {
            for b in edges {
                let text: String = ['x', a, b, 'y'].into_iter().collect();
                assert_eq!(all_xml_chars(&text), text.chars().all(is_xml_char), "{text:?}");
            }
        }
        assert!(all_xml_chars(""));
    }

    #[test]
    fn ascii_and_unicode_names_follow_one_rule() {
        for name in [
            "a",
            "A9",
            "_",
            ":",
            "a:b-c.d_e",
            "0a",
            "-",
            ".",
            "a b",
            "a/b",
            "a\u{7F}",
            "é",
            "aé",
        ] {
            let mut chars = name.chars();
            let by_chars = chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char);
            assert_eq!(is_xml_name(name), by_chars, "{name}");
        }
    }

    #[test]
    fn names() {
        for good in ["a", "_a", "a:b", "中文", "a-b.c", "É", "a\u{300}"] {
            assert!(is_xml_name(good), "{good}");
        }
        for bad in ["", "0", "-a", ".a", "a b", "a/", "ª"] {
            assert!(!is_xml_name(bad), "{bad}");
        }
    }
}

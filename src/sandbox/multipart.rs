//! A small, bounded `multipart/form-data` reader for the sandbox: the body is already in memory (capped by the
//! server), at most [`MAX_PARTS`] parts with at most [`MAX_HEADER_BYTES`] of headers each.

use bytes::Bytes;
use http::HeaderMap;

const MAX_PARTS: usize = 16;
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// One part of a `multipart/form-data` request body, as the sandbox read it.
///
/// # Examples
///
/// ```
/// use wechatpay::{Options, util::MediaUtil};
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let media = MediaUtil::from_bytes("hello.txt", b"hello".to_vec());
/// sandbox.client()?.chain("v3/merchant/media/upload")
///     .post(Options::new().body(media.stream()).header("Content-Type", media.content_type()))?;
/// let parts = sandbox.requests()[0].parts()?;
/// assert_eq!(parts[1].name, "file");
/// assert_eq!(parts[1].filename.as_deref(), Some("hello.txt"));
/// assert_eq!(parts[1].header("content-type"), Some("text/plain"));
/// assert_eq!(&parts[1].body[..], b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, for a file part.
    pub filename: Option<String>,
    /// Its headers in order, as sent (`Name`, `value`).
    pub headers: Vec<(String, String)>,
    /// Its content.
    pub body: Bytes,
}

impl Part {
    /// The first header named `name` (case-insensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::MediaUtil;
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let media = MediaUtil::from_bytes("a.png", vec![1]);
    /// sandbox.client()?.chain("v3/merchant/media/upload")
    ///     .post(wechatpay::Options::new().body(media.stream()))?;
    /// assert_eq!(sandbox.requests()[0].parts()?[0].header("Content-Type"), Some("application/json"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The boundary of a `multipart/form-data` `Content-Type`, `None` for any other body.
pub(crate) fn boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, params) = ct.split_once(';').unwrap_or((ct, ""));
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Reads the parts of a multipart body with `boundary`; `Err` says what is malformed.
pub(crate) fn parse(boundary: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err("the multipart boundary must be 1 to 70 characters".to_owned());
    }
    let first = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut rest = body
        .strip_prefix(first.as_bytes())
        .ok_or("the body does not start with the multipart boundary")?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a multipart boundary is not followed by CRLF")?;
        if parts.len() == MAX_PARTS {
            return Err(format!("more than {MAX_PARTS} multipart parts"));
        }
        let head_end = find(rest, b"\r\n\r\n").ok_or("a multipart part has no end of headers")?;
        if head_end > MAX_HEADER_BYTES {
            return Err("the headers of a multipart part are too long".to_owned());
        }
        let head = std::str::from_utf8(&rest[..head_end]).map_err(|_| "multipart part headers are not UTF-8")?;
        let content = &rest[head_end + 4..];
        let end = find(content, delimiter.as_bytes()).ok_or("a multipart part is not closed by the boundary")?;
        parts.push(part(head, Bytes::copy_from_slice(&content[..end]))?);
        rest = &content[end + delimiter.len()..];
    }
}

fn part(head: &str, body: Bytes) -> Result<Part, String> {
    let mut headers = Vec::new();
    for line in head.split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed multipart header `{line}`"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let disposition = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-disposition"))
        .map(|(_, v)| v.as_str())
        .ok_or("a multipart part has no Content-Disposition")?;
    let params = disposition_params(disposition)?;
    let param = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    Ok(Part {
        name: param("name").ok_or("a multipart part has no name")?,
        filename: param("filename"),
        headers,
        body,
    })
}

/// `form-data; name="x"; filename="y"` → `[("name","x"),("filename","y")]`, quoted values read up to the closing
/// quote (a backslash escapes the next character).
fn disposition_params(value: &str) -> Result<Vec<(String, String)>, String> {
    let (kind, mut rest) = value.split_once(';').unwrap_or((value, ""));
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(format!("Content-Disposition must be form-data, got `{}`", kind.trim()));
    }
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', ';']);
        if rest.is_empty() {
            return Ok(params);
        }
        let (key, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("malformed Content-Disposition `{value}`"))?;
        let key = key.trim().to_ascii_lowercase();
        if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            out.push(next);
                        }
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => out.push(c),
                }
            }
            let end = end.ok_or_else(|| format!("unterminated quote in Content-Disposition `{value}`"))?;
            params.push((key, out));
            rest = &quoted[end + 1..];
        } else {
            let (v, after) = after.split_once(';').unwrap_or((after, ""));
            params.push((key, v.trim().to_owned()));
            rest = after;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parts_in_order_with_their_headers() {
        let body = b"--B\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{}\r\n\
            --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\"; b.png\"\r\n\r\nx\r\ny\r\n--B--\r\n";
        let parts = parse("B", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "meta");
        assert_eq!(parts[0].header("content-type"), Some("application/json"));
        assert_eq!(&parts[0].body[..], b"{}");
        assert_eq!(parts[1].filename.as_deref(), Some("a \"q\"; b.png"));
        assert_eq!(&parts[1].body[..], b"x\r\ny");
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        for body in [
            &b""[..],
            b"--B",
            b"--Bx",
            b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunclosed",
            b"--B\r\nno colon\r\n\r\nx\r\n--B--",
            b"--B\r\nContent-Disposition: attachment\r\n\r\nx\r\n--B--",
            b"--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--B--",
            b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--",
        ] {
            assert!(parse("B", body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let many = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n".repeat(MAX_PARTS + 1) + "--B--";
        assert!(parse("B", many.as_bytes()).is_err());
    }

    #[test]
    fn boundary_comes_from_the_content_type() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "multipart/form-data; boundary=\"abc\"".parse().unwrap());
        assert_eq!(boundary(&h).as_deref(), Some("abc"));
        h.insert("content-type", "application/json".parse().unwrap());
        assert_eq!(boundary(&h), None);
    }
}

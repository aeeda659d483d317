//! `MediaUtil`: wechatpay-php's `WeChatPay\Util\MediaUtil`, the body of a media upload.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use md5::Md5;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::multipart::{self, Part};
use crate::body::Body;
use crate::crypto::Hash;
use crate::error::{Error, Result};

/// The body of a media upload (wechatpay-php's `MediaUtil`): a file, its meta JSON
/// `{"filename":"<basename>","sha256":"<lowercase hex SHA-256>"}`, and a random multipart boundary.
///
/// APIv3 (`v3/merchant/media/upload`, `…/video_upload`, `v3/marketing/favor/media/image-upload`,
/// `v3/merchant-service/images/upload`, …): send [`stream`](Self::stream) as the body with
/// [`content_type`](Self::content_type) as the `Content-Type`. The stream is a `multipart/form-data` body of two
/// parts, `meta` (the meta JSON) then `file`, and the request signature covers the meta JSON, not the multipart
/// bytes, which is what the gateway checks.
///
/// APIv2 (`secapi/mch/uploadmedia`): see [`v2_upload_form`](Self::v2_upload_form).
///
/// The meta JSON is encoded like PHP's `json_encode` (`/` as `\/`, non-ASCII as `\uXXXX`), so it is byte for byte
/// what wechatpay-php sends.
///
/// # Examples
///
/// ```
/// use wechatpay::{Options, util::MediaUtil};
///
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// # let dir = std::env::temp_dir().join(format!("wechatpay-doc-media-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("logo.png");
/// # std::fs::write(&path, b"\x89PNG\r\n\x1a\n").unwrap();
/// // `path` is a plain path or a `file://` URI
/// let media = MediaUtil::new(&path)?;
/// let resp = client.v3().seg("merchant").seg("media").seg("upload").post(
///     Options::new().body(media.stream()).header("Content-Type", media.content_type()),
/// )?;
/// assert!(resp.json::<serde_json::Value>()?["media_id"].is_string());
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct MediaUtil {
    filename: String,
    content: Bytes,
    meta: String,
    boundary: String,
}

impl MediaUtil {
    /// Reads the file at `path` (a plain path or a `file://` URI) and computes its meta JSON.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) naming the path when the file cannot
    /// be read (PHP: `Unable to open "<path>" using mode "rb"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::MediaUtil;
    /// # let path = std::env::temp_dir().join(format!("wechatpay-doc-new-{}.txt", std::process::id()));
    /// # std::fs::write(&path, "hello").unwrap();
    /// let media = MediaUtil::new(format!("file://{}", path.display()))?;
    /// assert!(media.meta().ends_with(r#""sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}"#));
    ///
    /// let missing = MediaUtil::new("/no/such/dir/logo.png").unwrap_err();
    /// assert_eq!(missing.kind(), wechatpay::ErrorKind::InvalidArgument);
    /// assert!(missing.to_string().contains(r#"Unable to open "/no/such/dir/logo.png""#));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn new(path: impl AsRef<Path>) -> Result<MediaUtil> {
        let given = path.as_ref();
        let shown = given.to_string_lossy();
        let local = match shown.strip_prefix("file://") {
            Some(rest) => Path::new(rest).to_path_buf(),
            None => given.to_path_buf(),
        };
        let content = std::fs::read(&local)
            .map_err(|e| Error::invalid(format!("Unable to open \"{shown}\" using mode \"rb\": {e}")).with_source(e))?;
        Ok(Self::from_bytes(&shown, content))
    }

    /// Media from bytes already in memory (PHP's `new MediaUtil($name, $stream)`); `filename`'s base name names
    /// the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::util::MediaUtil;
    /// let media = MediaUtil::from_bytes("/path/to/hello.txt", b"hello".to_vec());
    /// assert_eq!(
    ///     media.meta(),
    ///     r#"{"filename":"hello.txt","sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}"#
    /// );
    /// ```
    pub fn from_bytes(filename: impl AsRef<str>, content: Vec<u8>) -> MediaUtil {
        let filename = basename(filename.as_ref()).to_owned();
        let content = Bytes::from(content);
        let meta = default_meta(&filename, &content);
        MediaUtil {
            filename,
            content,
            meta,
            boundary: boundary(),
        }
    }

    /// The meta JSON: what the `meta` part carries and what the APIv3 signature covers (PHP's `getMeta()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let media = wechatpay::util::MediaUtil::from_bytes("图片 1.png", b"x".to_vec());
    /// assert!(media.meta().starts_with(r#"{"filename":"\u56fe\u7247 1.png","sha256":""#));
    /// ```
    pub fn meta(&self) -> &str {
        &self.meta
    }

    /// Replaces the meta JSON, for APIs that want more fields (e.g. `bank_type`); returns its length in bytes, as
    /// PHP's `setMeta()`. An empty string restores the default meta (PHP's `setMeta(null)`): an empty meta is
    /// never a valid upload. The text is sent as given: it must be the JSON the API expects.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut media = wechatpay::util::MediaUtil::from_bytes("bill.csv", b"a,b\n".to_vec());
    /// let default = media.meta().to_owned();
    /// let meta = r#"{"bank_type":"LQT","filename":"bill.csv","sha256":"…"}"#;
    /// assert_eq!(media.set_meta(meta), meta.len());
    /// assert_eq!(media.stream().signed(), meta.as_bytes());
    /// media.set_meta("");
    /// assert_eq!(media.meta(), default);
    /// ```
    pub fn set_meta(&mut self, json: &str) -> usize {
        self.meta = if json.is_empty() {
            default_meta(&self.filename, &self.content)
        } else {
            json.to_owned()
        };
        self.meta.len()
    }

    /// The file's base name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::util::MediaUtil::from_bytes("/a/b/c.mp4", vec![]).filename(), "c.mp4");
    /// ```
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The file's bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::util::MediaUtil::from_bytes("c.mp4", vec![7]).content(), &[7]);
    /// ```
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// `multipart/form-data; boundary=<40 lowercase hex characters>`: put it in the request's `Content-Type`
    /// (PHP's `getContentType()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let media = wechatpay::util::MediaUtil::from_bytes("a.jpg", vec![]);
    /// let boundary = media.content_type().strip_prefix("multipart/form-data; boundary=").unwrap().to_owned();
    /// assert!(boundary.len() == 40 && boundary.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    /// ```
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The request body (PHP's `getStream()`): the multipart bytes, parts `meta` then `file`, signed over the
    /// meta JSON. Built from the current meta, so it follows [`set_meta`](Self::set_meta).
    ///
    /// # Examples
    ///
    /// ```
    /// let media = wechatpay::util::MediaUtil::from_bytes("hello.txt", b"hello".to_vec());
    /// let body = media.stream();
    /// let b = media.content_type()["multipart/form-data; boundary=".len()..].to_owned();
    /// let want = format!(
    ///     "--{b}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{}\r\n\
    ///      --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.txt\"\r\nContent-Length: 5\r\n\
    ///      Content-Type: text/plain\r\n\r\nhello\r\n--{b}--\r\n",
    ///     media.meta()
    /// );
    /// assert_eq!(body.as_bytes(), want.as_bytes());
    /// assert_eq!(body.signed(), media.meta().as_bytes());
    /// ```
    pub fn stream(&self) -> Body {
        let meta = Part {
            headers: vec![
                ("Content-Type", "application/json".to_owned()),
                ("Content-Disposition", "form-data; name=\"meta\"".to_owned()),
            ],
            content: self.meta.as_bytes(),
        };
        let file = Part::file("file", &self.filename, &self.content);
        let bytes = multipart::write(&self.boundary, &[meta, file]);
        Body::multipart(self.content_type(), bytes).with_signed(self.meta.clone())
    }

    /// The body of an APIv2 `secapi/mch/uploadmedia` request: a `multipart/form-data` form with the file as
    /// `media` and the fields `mch_id`, `media_hash` (lowercase hex MD5 of the file), `sign_type`
    /// (`HMAC-SHA256`) and `sign` (over those three fields with the APIv2 key, as every APIv2 request). Post it on
    /// the APIv2 path with the merchant TLS certificate (`security`); the body is sent as it is (no XML
    /// transform) with its own `Content-Type`, and the signed XML answer is checked like any APIv2 answer.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty APIv2 key.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Options, util::MediaUtil, sandbox::{Sandbox, MCHID, SECRET}};
    ///
    /// let sandbox = Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let media = MediaUtil::from_bytes("logo.png", b"\x89PNG\r\n\x1a\n".to_vec());
    /// let form = media.v2_upload_form(MCHID, SECRET)?;
    /// // against the real gateway, add `.security(true)` and set `merchant_cert` on the Builder
    /// let resp = client.v2().seg("secapi/mch/uploadmedia").post(Options::new().body(form))?;
    /// let answer = wechatpay::Transformer::to_array(resp.body());
    /// assert_eq!(answer["return_code"], "SUCCESS");
    /// assert!(answer["media_id"].is_string());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn v2_upload_form(&self, mch_id: &str, secret: &str) -> Result<Body> {
        let media_hash = hex::encode(Md5::digest(&self.content));
        let mut fields = Map::new();
        fields.insert("mch_id".into(), Value::String(mch_id.to_owned()));
        fields.insert("media_hash".into(), Value::String(media_hash));
        fields.insert("sign_type".into(), Value::String(Hash::ALGO_HMAC_SHA256.to_owned()));
        let sign = crate::v2::sign_fields(Hash::ALGO_HMAC_SHA256, &fields, secret)?;
        fields.insert("sign".into(), Value::String(sign));
        let mut parts = vec![Part::file("media", &self.filename, &self.content)];
        for (name, value) in &fields {
            parts.push(Part::field(name, value.as_str().unwrap_or_default()));
        }
        let boundary = boundary();
        let bytes = multipart::write(&boundary, &parts);
        Ok(Body::multipart(
            format!("multipart/form-data; boundary={boundary}"),
            bytes,
        ))
    }
}

impl fmt::Debug for MediaUtil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaUtil")
            .field("filename", &self.filename)
            .field("len", &self.content.len())
            .field("meta", &self.meta)
            .field("boundary", &self.boundary)
            .finish()
    }
}

/// PHP's `basename()`: the last non-empty component of a `/`-separated path (also `\`-separated on Windows).
fn basename(path: &str) -> &str {
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    let trimmed = path.trim_end_matches(separators);
    match trimmed.rfind(separators) {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

fn default_meta(filename: &str, content: &[u8]) -> String {
    let sha256 = hex::encode(Sha256::digest(content));
    format!("{{\"filename\":{},\"sha256\":\"{sha256}\"}}", php_json_string(filename))
}

/// A JSON string as PHP's `json_encode` writes it by default: `/` escaped, non-ASCII as `\uXXXX` (UTF-16, lower
/// case hex, surrogate pairs beyond the BMP).
fn php_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// 40 random lowercase hex characters (Guzzle's `sha1(uniqid())` shape).
fn boundary() -> String {
    let mut bytes = [0u8; 20];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: a boundary still unlikely to occur in the content (time and a process-wide counter).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = crate::clock::system_now();
        let digest = Sha256::digest(format!("{t}/{n}/{}", std::process::id()));
        bytes.copy_from_slice(&digest[..20]);
    }
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_like_php() {
        assert_eq!(php_json_string("a/b \"c\" \\"), r#""a\/b \"c\" \\""#);
        assert_eq!(php_json_string("图片 1.jpg"), r#""\u56fe\u7247 1.jpg""#);
        assert_eq!(php_json_string("😀.png"), r#""\ud83d\ude00.png""#);
        assert_eq!(php_json_string("\u{1}\n\u{7f}"), "\"\\u0001\\n\u{7f}\"");
    }

    #[test]
    fn basenames_like_php() {
        assert_eq!(basename("/path/to/video.mp4"), "video.mp4");
        assert_eq!(basename("video.mp4"), "video.mp4");
        assert_eq!(basename("/tmp/dir/"), "dir");
    }

    #[test]
    fn boundaries_are_random_hex() {
        let (a, b) = (boundary(), boundary());
        assert_ne!(a, b);
        assert!(a.len() == 40 && a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

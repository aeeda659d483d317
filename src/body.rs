//! `Body`: what [`Options::body`](crate::Options::body) carries. The bytes to send and, for a media upload, the
//! different bytes an APIv3 signer signs (wechatpay-php's `MediaUtil` stream, whose string form is the meta JSON).

use std::fmt;

use bytes::Bytes;

/// A request body: the bytes sent, the bytes an APIv3 signer signs, and (for a prepared `multipart/form-data`
/// body) its own `Content-Type`.
///
/// Every type that converts into [`Bytes`] converts into a `Body` that is sent and signed as it is. A media upload
/// body from [`MediaUtil::stream`](crate::util::MediaUtil::stream) sends the multipart payload but is signed over
/// its meta JSON, as the gateway checks it. A multipart body also makes its `Content-Type` (with the boundary) the
/// request's default one (a `Content-Type` header in the options still wins), and on an APIv2 path it is sent as
/// prepared, without the XML transform (see
/// [`MediaUtil::v2_upload_form`](crate::util::MediaUtil::v2_upload_form)).
///
/// `Debug` shows sizes only: an APIv2 form carries its `sign`.
///
/// # Examples
///
/// ```
/// use wechatpay::{Body, util::MediaUtil};
///
/// let plain = Body::from(r#"{"a":1}"#);
/// assert_eq!(plain.as_bytes(), plain.signed());
/// assert_eq!(plain.content_type(), None);
///
/// let media = MediaUtil::from_bytes("hello.txt", b"hello".to_vec()).stream();
/// assert_eq!(media.signed(), br#"{"filename":"hello.txt","sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}"#);
/// assert!(media.as_bytes().starts_with(b"--") && media.as_bytes().ends_with(b"--\r\n"));
/// assert!(media.content_type().is_some_and(|t| t.starts_with("multipart/form-data; boundary=")));
/// ```
#[derive(Clone, Default)]
pub struct Body {
    bytes: Bytes,
    /// The bytes to sign when they differ from the bytes sent (a media upload's meta JSON).
    signed: Option<Bytes>,
    /// `multipart/form-data; boundary=…` for a prepared multipart body.
    content_type: Option<String>,
}

impl Body {
    /// A prepared `multipart/form-data` body, sent as `bytes` with `content_type` (which carries the boundary)
    /// as the request's default `Content-Type`; on an APIv2 path it is sent as it is, without the XML transform.
    /// [`MediaUtil`](crate::util::MediaUtil) builds the common ones; this is for forms it does not cover.
    ///
    /// # Examples
    ///
    /// ```
    /// let form = wechatpay::Body::multipart(
    ///     "multipart/form-data; boundary=B",
    ///     "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n",
    /// );
    /// assert!(form.is_multipart());
    /// assert_eq!(form.signed(), form.as_bytes());
    /// ```
    pub fn multipart(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Body {
        Body {
            bytes: bytes.into(),
            signed: None,
            content_type: Some(content_type.into()),
        }
    }

    /// The same body, signed over `signed` instead of the bytes sent (an APIv3 upload's meta JSON).
    ///
    /// # Examples
    ///
    /// ```
    /// let meta = r#"{"filename":"a.txt","sha256":"…"}"#;
    /// let body = wechatpay::Body::multipart("multipart/form-data; boundary=B", "--B--\r\n").with_signed(meta);
    /// assert_eq!(body.signed(), meta.as_bytes());
    /// assert_eq!(body.as_bytes(), b"--B--\r\n");
    /// ```
    pub fn with_signed(mut self, signed: impl Into<Bytes>) -> Body {
        self.signed = Some(signed.into());
        self
    }

    /// The bytes sent on the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::Body::from("abc").as_bytes(), b"abc");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes an APIv3 signer signs: the meta JSON of a media upload, otherwise the bytes sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let media = wechatpay::util::MediaUtil::from_bytes("a.png", vec![1, 2, 3]);
    /// assert_eq!(media.stream().signed(), media.meta().as_bytes());
    /// ```
    pub fn signed(&self) -> &[u8] {
        self.signed.as_deref().unwrap_or(&self.bytes)
    }

    /// The `Content-Type` of a prepared multipart body (`multipart/form-data; boundary=…`), `None` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let media = wechatpay::util::MediaUtil::from_bytes("a.png", vec![1, 2, 3]);
    /// assert_eq!(media.stream().content_type(), Some(media.content_type().as_str()));
    /// assert_eq!(wechatpay::Body::from("x").content_type(), None);
    /// ```
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Whether this is a prepared `multipart/form-data` body.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!wechatpay::Body::from("x").is_multipart());
    /// assert!(wechatpay::util::MediaUtil::from_bytes("a.png", vec![]).stream().is_multipart());
    /// ```
    pub fn is_multipart(&self) -> bool {
        self.content_type.is_some()
    }

    /// The bytes sent, as a cheap shared handle.
    pub(crate) fn bytes(&self) -> Bytes {
        self.bytes.clone()
    }

    /// The number of bytes sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(wechatpay::Body::from(vec![0u8; 3]).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(wechatpay::Body::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("len", &self.bytes.len())
            .field("signed_len", &self.signed().len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body {
            bytes,
            signed: None,
            content_type: None,
        }
    }
}

macro_rules! body_from {
    ($($t:ty),*) => {
        $(impl From<$t> for Body {
            fn from(value: $t) -> Self {
                Body::from(Bytes::from(value))
            }
        })*
    };
}

body_from!(Vec<u8>, &'static [u8], &'static str, String, Box<[u8]>);

impl<const N: usize> From<&'static [u8; N]> for Body {
    fn from(value: &'static [u8; N]) -> Self {
        Body::from(Bytes::from_static(value))
    }
}

//! The `multipart/form-data` wire format as Guzzle's `MultipartStream` writes it: `--<boundary>\r\n`, each header
//! `Name: value\r\n`, `\r\n`, the content, `\r\n`; then `--<boundary>--\r\n`.

/// One part: its headers in order, and its content.
pub(super) struct Part<'a> {
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) content: &'a [u8],
}

impl<'a> Part<'a> {
    /// A text field as Guzzle adds it: `Content-Disposition`, then `Content-Length` when non-empty.
    pub(super) fn field(name: &str, value: &'a str) -> Self {
        let mut headers = vec![("Content-Disposition", format!("form-data; name=\"{name}\""))];
        if !value.is_empty() {
            headers.push(("Content-Length", value.len().to_string()));
        }
        Part {
            headers,
            content: value.as_bytes(),
        }
    }

    /// A file: `Content-Disposition` with the filename, `Content-Length` when non-empty (Guzzle skips a zero
    /// size), `Content-Type` guessed from the filename's extension.
    pub(super) fn file(name: &str, filename: &str, content: &'a [u8]) -> Self {
        let mut headers = vec![(
            "Content-Disposition",
            format!("form-data; name=\"{name}\"; filename=\"{filename}\""),
        )];
        if !content.is_empty() {
            headers.push(("Content-Length", content.len().to_string()));
        }
        headers.push(("Content-Type", mime_type(filename).to_owned()));
        Part { headers, content }
    }
}

/// The MIME type of a file name by its extension (case-insensitive), `application/octet-stream` when unknown.
pub(super) fn mime_type(filename: &str) -> &'static str {
    match filename.rsplit_once('.') {
        Some((_, ext)) => mime_guess::from_ext(ext)
            .first_raw()
            .unwrap_or("application/octet-stream"),
        None => "application/octet-stream",
    }
}

/// Writes `parts` with `boundary`.
pub(super) fn write(boundary: &str, parts: &[Part<'_>]) -> Vec<u8> {
    let size: usize = parts
        .iter()
        .map(|p| {
            boundary.len() + 8 + p.content.len() + p.headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>()
        })
        .sum();
    let mut out = Vec::with_capacity(size + boundary.len() + 6);
    for part in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &part.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(part.content);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_match_php_for_common_uploads() {
        for (name, want) in [
            ("a.jpg", "image/jpeg"),
            ("a.JPEG", "image/jpeg"),
            ("a.png", "image/png"),
            ("a.bmp", "image/bmp"),
            ("a.gif", "image/gif"),
            ("a.mp4", "video/mp4"),
            ("a.csv", "text/csv"),
            ("a.txt", "text/plain"),
            ("a.pdf", "application/pdf"),
            ("a.unknownext", "application/octet-stream"),
            ("noext", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(name), want, "{name}");
        }
    }

    #[test]
    fn fields_and_files_are_written_like_guzzle() {
        let body = write(
            "B",
            &[
                Part::field("mch_id", "1"),
                Part::field("empty", ""),
                Part::file("media", "x.bin", b"\0"),
            ],
        );
        assert_eq!(
            body,
            b"--B\r\nContent-Disposition: form-data; name=\"mch_id\"\r\nContent-Length: 1\r\n\r\n1\r\n\
              --B\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n\
              --B\r\nContent-Disposition: form-data; name=\"media\"; filename=\"x.bin\"\r\nContent-Length: 1\r\n\
              Content-Type: application/octet-stream\r\n\r\n\0\r\n--B--\r\n"
        );
    }
}

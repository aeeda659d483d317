//! The tool's failure: one line naming the problem (and, for a call that got an answer, the answer's body), printed
//! on stderr by `main`, which then exits non-zero.

use std::error::Error as _;
use std::fmt;

/// What went wrong, ready to print.
#[derive(Debug)]
pub(crate) struct Failure {
    /// One line: the problem and, when there is one, its cause.
    pub(crate) message: String,
    /// The response body, when the failure came with a response.
    pub(crate) body: Option<Vec<u8>>,
}

impl Failure {
    /// A failure of the tool's own checks (a missing setting, an unreadable file, malformed input).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            body: None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The library's message, then each distinct cause (the library never puts secrets in either), on one line.
impl From<wechatpay::Error> for Failure {
    fn from(e: wechatpay::Error) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure {
            message: one_line(&message),
            body: e.response().map(|r| r.body().to_vec()),
        }
    }
}

/// `text` with its line breaks folded into spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tool's result type.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

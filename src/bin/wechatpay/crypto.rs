//! `wechatpay crypto …`: the SDK's cryptography from the shell (wechatpay-php's `Crypto\Rsa`, `Crypto\AesGcm` and
//! the notification check), for scripts and for checking another implementation's output.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use wechatpay::{AesGcm, Rsa};

use crate::fail::{Failure, Outcome};
use crate::files;
use crate::merchant::{Merchant, Needs, load_private_key, load_public_key};

/// The `crypto` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Crypto {
    /// SHA256-with-RSA signature of a message with a private key; prints it in base64
    Sign {
        /// Private key PEM file (default: the merchant key, --private-key / WECHATPAY_PRIVATE_KEY)
        #[arg(long, env = "WECHATPAY_PRIVATE_KEY", value_name = "FILE")]
        private_key: Option<PathBuf>,
        #[command(flatten)]
        input: Message,
    },
    /// Checks a base64 SHA256-with-RSA signature; prints `valid` (exit 0) or `invalid` (exit 1)
    Verify {
        /// Public key or certificate PEM file
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
        /// The signature, base64
        #[arg(long, value_name = "BASE64")]
        signature: String,
        #[command(flatten)]
        input: Message,
    },
    /// RSA-OAEP (SHA-1) encryption with a public key or certificate; prints the base64 ciphertext
    Encrypt {
        /// Public key or certificate PEM file
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
        #[command(flatten)]
        input: Message,
    },
    /// RSA-OAEP (SHA-1) decryption of a base64 ciphertext with a private key; prints the plaintext
    Decrypt {
        /// Private key PEM file (default: the merchant key, --private-key / WECHATPAY_PRIVATE_KEY)
        #[arg(long, env = "WECHATPAY_PRIVATE_KEY", value_name = "FILE")]
        private_key: Option<PathBuf>,
        /// The ciphertext, base64
        #[arg(long, value_name = "BASE64")]
        ciphertext: String,
    },
    /// AEAD_AES_256_GCM encryption with the APIv3 key; prints the base64 ciphertext (with its tag)
    AesGcmEncrypt {
        #[command(flatten)]
        aes: Aes,
        #[command(flatten)]
        input: Message,
    },
    /// AEAD_AES_256_GCM decryption with the APIv3 key (a notification `resource`, a certificate); prints the plaintext
    AesGcmDecrypt {
        #[command(flatten)]
        aes: Aes,
        /// The ciphertext with its tag, base64
        #[arg(long, value_name = "BASE64")]
        ciphertext: String,
    },
    /// Verifies an APIv3 notification with the platform keys (--cert) and decrypts it with the APIv3 key; prints
    /// `{"id", "event_type", "resource_type", "summary", "create_time", "resource"}` as JSON
    Notification(NotificationArgs),
}

/// A message given inline or as a file.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Message {
    /// The message, as text
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// The message, as the bytes of a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    message_file: Option<PathBuf>,
}

impl Message {
    fn bytes(&self) -> Outcome<Vec<u8>> {
        match (&self.message, &self.message_file) {
            (Some(text), _) => Ok(text.clone().into_bytes()),
            (None, Some(path)) => read_input(path, "the message file (--message-file)"),
            (None, None) => Err(Failure::new("missing the message: pass --message or --message-file")),
        }
    }
}

/// The AES-GCM key, nonce and associated data.
#[derive(Debug, Args)]
pub(crate) struct Aes {
    /// APIv3 key (32 bytes)
    #[arg(
        long = "apiv3-key",
        env = "WECHATPAY_APIV3_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    apiv3_key: Option<String>,
    /// The nonce (IV), as text
    #[arg(long, value_name = "TEXT")]
    nonce: String,
    /// The associated data, as text
    #[arg(long, value_name = "TEXT", default_value = "")]
    associated_data: String,
}

impl Aes {
    fn key(&self) -> Outcome<&str> {
        self.apiv3_key
            .as_deref()
            .ok_or_else(|| crate::merchant::missing("--apiv3-key", "WECHATPAY_APIV3_KEY", "the APIv3 key"))
    }
}

/// Where the notification comes from.
#[derive(Debug, Args)]
pub(crate) struct NotificationArgs {
    /// The request body as received, from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    body: PathBuf,
    /// The request headers as received, one `Name: value` per line (HTTP style); the flags below add to or replace
    /// them
    #[arg(long, value_name = "FILE")]
    headers: Option<PathBuf>,
    /// Wechatpay-Timestamp
    #[arg(long, value_name = "SECONDS")]
    timestamp: Option<String>,
    /// Wechatpay-Nonce
    #[arg(long, value_name = "TEXT")]
    nonce: Option<String>,
    /// Wechatpay-Signature
    #[arg(long, value_name = "BASE64")]
    signature: Option<String>,
    /// Wechatpay-Serial
    #[arg(long = "serial-header", value_name = "SERIAL")]
    serial_header: Option<String>,
    #[command(flatten)]
    merchant: Merchant,
}

impl Crypto {
    pub(crate) fn run(self) -> Outcome {
        match self {
            Crypto::Sign { private_key, input } => {
                let key = load_private_key(&need_key(private_key)?, "the private key file (--private-key)")?;
                print_line(&Rsa::sign(input.bytes()?, &key)?)
            }
            Crypto::Verify {
                public_key,
                signature,
                input,
            } => {
                let key = load_public_key(&public_key, "the public key file (--public-key)")?;
                if Rsa::verify(input.bytes()?, signature.trim(), &key) {
                    print_line("valid")
                } else {
                    print_line("invalid")?;
                    Err(Failure::new("the signature does not verify"))
                }
            }
            Crypto::Encrypt { public_key, input } => {
                let key = load_public_key(&public_key, "the public key file (--public-key)")?;
                print_line(&Rsa::encrypt(input.bytes()?, &key)?)
            }
            Crypto::Decrypt {
                private_key,
                ciphertext,
            } => {
                let key = load_private_key(&need_key(private_key)?, "the private key file (--private-key)")?;
                print_bytes(&Rsa::decrypt_bytes(ciphertext.trim(), &key)?)
            }
            Crypto::AesGcmEncrypt { aes, input } => print_line(&AesGcm::encrypt(
                input.bytes()?,
                aes.key()?,
                &aes.nonce,
                &aes.associated_data,
            )?),
            Crypto::AesGcmDecrypt { aes, ciphertext } => print_bytes(&AesGcm::decrypt_bytes(
                ciphertext.trim(),
                aes.key()?,
                &aes.nonce,
                &aes.associated_data,
            )?),
            Crypto::Notification(args) => args.run(),
        }
    }
}

impl NotificationArgs {
    fn run(self) -> Outcome {
        let mut headers = http::HeaderMap::new();
        if let Some(path) = &self.headers {
            let text = files::read_text(path, "the headers file (--headers)")?;
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if line.starts_with("HTTP/") || line.starts_with("POST ") {
                    continue; // a status or request line pasted along with the headers
                }
                let Some((name, value)) = line.split_once(':') else {
                    return Err(Failure::new(format!(
                        "the headers file (--headers) `{}` has a line that is not `Name: value`",
                        path.display()
                    )));
                };
                insert(&mut headers, name.trim(), value.trim())?;
            }
        }
        for (name, value) in [
            ("wechatpay-timestamp", &self.timestamp),
            ("wechatpay-nonce", &self.nonce),
            ("wechatpay-signature", &self.signature),
            ("wechatpay-serial", &self.serial_header),
        ] {
            if let Some(value) = value {
                insert(&mut headers, name, value)?;
            }
        }
        let body = read_input(&self.body, "the body file (--body)")?;
        let client = self.merchant.client(Needs::Notifications)?;
        let event = client.notification(&headers, &body).map_err(|e| {
            let mut failure = Failure::from(e);
            failure.message = format!("the notification was refused: {}", failure.message);
            failure
        })?;
        let resource: serde_json::Value = event.resource()?;
        let out = json!({
            "id": event.id(),
            "event_type": event.event_type(),
            "resource_type": event.resource_type(),
            "summary": event.summary(),
            "create_time": event.create_time(),
            "resource": resource,
        });
        print_line(&out.to_string())
    }
}

fn insert(headers: &mut http::HeaderMap, name: &str, value: &str) -> Outcome {
    let name = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Failure::new(format!("`{name}` is not a header name")))?;
    let value = http::HeaderValue::from_str(value)
        .map_err(|_| Failure::new(format!("the value of the header `{name}` is not a header value")))?;
    headers.insert(name, value);
    Ok(())
}

fn need_key(path: Option<PathBuf>) -> Outcome<PathBuf> {
    path.ok_or_else(|| crate::merchant::missing("--private-key", "WECHATPAY_PRIVATE_KEY", "the private key PEM file"))
}

/// The bytes of a file, or of stdin for `-`.
fn read_input(path: &Path, what: &str) -> Outcome<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| Failure::new(format!("cannot read {what} from stdin: {e}")))?;
        return Ok(bytes);
    }
    files::read_bytes(path, what)
}

fn print_line(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))
}

/// A plaintext exactly as decrypted (no newline added).
fn print_bytes(bytes: &[u8]) -> Outcome {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))
}

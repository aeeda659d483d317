//! Streamed downloads: APIv3 bill files, APIv2 `pay/downloadbill` / `pay/downloadfundflow`, and the body check
//! of overseas statements.
//!
//! Bills can be hundreds of megabytes, so a [`Download`] never holds one in memory: the body is read chunk by
//! chunk (the client's `max_response_size` cap does not apply), gunzipped on the fly when it is gzip, hashed, and
//! written to a file ([`Download::to_file`]) or to any writer ([`Download::to_writer`], and the `_async` forms for
//! `tokio::io::AsyncWrite`). What is written is always the plain bill.
//!
//! - **APIv3 bills** take two steps. First call `v3/bill/tradebill` or `v3/bill/fundflowbill` like any API; its
//!   answer ([`Bill`]) names a `download_url` and the SHA-1 of the bill. Then [`Download::bill`] GETs that URL
//!   *as given* (the `token` is never normalised; a relative URL resolves against the base URI), signed with the
//!   client's APIv3 `Authorization` as the gateway requires. The file itself is unsigned, so it is not verified;
//!   instead its SHA-1 is compared with `hash_value`, which WeChat Pay computes over the original bill (the
//!   *decompressed* one when `tar_type=GZIP` was requested).
//! - **APIv2 downloads** ([`Download::v2`]) send the usual signed XML POST (`security: true` for
//!   `downloadfundflow`, which needs HMAC-SHA256 and the merchant TLS certificate). The answer is the CSV bill,
//!   gzip when `tar_type=GZIP` was requested (then gunzipped automatically), or an `<xml>` error document, which
//!   becomes an [`ErrorKind::Rejected`](crate::ErrorKind::Rejected) error naming WeChat Pay's `return_code`,
//!   `return_msg` and `err_code`. APIv2 bills carry no digest: a plain CSV body cut short by a connection that
//!   closes without a `Content-Length` cannot be told from a complete one (a gzip body can, by its trailer).
//! - **Sub-merchant fund-flow bills** (`v3/bill/sub-merchant-fundflowbill`) answer a list of files, each encrypted
//!   (AEAD_AES_256_GCM, with its key RSA-encrypted to the merchant) and with a digest of the decrypted file. This
//!   module downloads each file's bytes ([`Bill::unchecked`]); decrypting them with [`AesGcm`](crate::AesGcm) and
//!   comparing the digest are left to the caller.
//! - **Overseas statements**: [`check_statement`] ties the body to the signed `Wechatpay-Statement-Sha1` header.
//!
//! A failure (status 4xx/5xx, a digest mismatch, a truncated body, bad gzip, a local write error) is an error, and
//! [`Download::to_file`] then leaves no file behind: it writes a temporary file next to the destination, syncs it
//! and renames it into place only when everything checked out. A writer given to [`Download::to_writer`] may
//! have received part of the bill before the error: discard what it holds.
//!
//! Downloads answer the file or an error: redirects are not followed (a 3xx is an
//! [`ErrorKind::Status`](crate::ErrorKind::Status) error), and the `http_errors` / `allow_redirects` options do
//! not apply. Error messages never show a bill's `token`.
//!
//! Downloads are exempt from the client's call deadline (`Builder::timeout`, made for API calls; a large bill
//! may take minutes): `connect_timeout` and `read_timeout` (default 60 s, restarting on every read) end a
//! refused or stalled download, and an APIv2 download's `timeout` option bounds the whole of it.
//!
//! # Examples
//!
//! ```no_run
//! use serde_json::json;
//! use wechatpay::download::{Bill, Download};
//! # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
//! let answer = client.v3().seg("bill").seg("tradebill")
//!     .get(json!({ "query": { "bill_date": "2026-12-01", "tar_type": "GZIP" } }))?;
//! let bill = Bill::from_response(&answer)?.gzip(true);
//! let summary = Download::bill(&client, &bill).to_file("tradebill-2026-12-01.csv")?;
//! println!("{} bytes, SHA-1 {}", summary.bytes(), summary.sha1());
//!
//! // APIv2: the same, in one step
//! Download::v2(&client.v2().seg("pay").seg("downloadbill"), json!({ "xml": {
//!     "appid": "wx8888888888888888", "mch_id": "1", "bill_date": "20261201", "bill_type": "ALL",
//! } })).to_file("downloadbill-20261201.csv")?;
//! # Ok::<(), wechatpay::Error>(())
//! ```

mod bill;
mod handoff;
mod open;
mod save;
mod statement;
mod unpack;

use std::fmt;
use std::sync::Arc;

pub use bill::Bill;
pub use statement::check_statement;

use crate::client::Client;
use crate::config::Config;
use crate::options::Options;
use open::Target;

/// One file to download, ready to be written with [`to_file`](Download::to_file) or
/// [`to_writer`](Download::to_writer) (or their `_async` forms). Cheap to clone; each call downloads anew.
///
/// `Debug` never prints the bill's `token`.
///
/// # Examples
///
/// ```
/// use wechatpay::{download::{Bill, Download}, ErrorKind};
/// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
/// let bill = Bill::new("https://api.mch.weixin.qq.com/v3/billdownload/file?token=t", "MD5", "00");
/// let dir = std::env::temp_dir().join("wechatpay-download-doc");
/// let err = Download::bill(&client, &bill).to_file(dir.join("bill.csv")).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidArgument); // refused before anything is sent or written
/// assert!(!dir.join("bill.csv").exists());
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Clone)]
pub struct Download {
    config: Arc<Config>,
    target: Target,
    bill: Option<Bill>,
    gunzip: bool,
}

impl Download {
    /// The second step of an APIv3 bill download: GET `bill`'s `download_url` as given, signed by `client`'s
    /// APIv3 signer, gunzipped when [`Bill::gzip`] says so, checked against the bill's digest.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// let bill = wechatpay::download::Bill::new("v3/billdownload/file?token=AbC", "SHA1", "8823044c286bea726f149bfcfce0b0318122d755");
    /// let download = wechatpay::download::Download::bill(&client, &bill);
    /// assert!(!format!("{download:?}").contains("AbC"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn bill(client: &Client, bill: &Bill) -> Download {
        Download {
            config: client.config().clone(),
            target: Target::V3 {
                url: bill.download_url().to_owned(),
            },
            gunzip: bill.is_gzip(),
            bill: Some(bill.clone()),
        }
    }

    /// An APIv2 download (`pay/downloadbill`, `pay/downloadfundflow`): POSTs `node`'s path (under `v2`) with
    /// `opts` exactly as [`Client::post`] would sign it. Gunzips when the `xml` fields ask for `tar_type=GZIP`.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// # let client = wechatpay::Builder::new().mchid("1230000109").secret("k").build()?;
    /// let download = wechatpay::download::Download::v2(
    ///     &client.v2().seg("pay").seg("downloadfundflow"),
    ///     json!({ "security": true, "xml": { "mch_id": "1230000109", "bill_date": "20261201",
    ///         "account_type": "Basic", "sign_type": "HMAC-SHA256", "tar_type": "GZIP" } }),
    /// );
    /// assert!(format!("{download:?}").contains("gunzip: true"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn v2(node: &Client, opts: impl Into<Options>) -> Download {
        let opts: Options = opts.into();
        let gunzip = opts
            .xml
            .as_ref()
            .and_then(|x| x.get("tar_type"))
            .and_then(serde_json::Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("GZIP"));
        Download {
            config: node.config().clone(),
            target: Target::V2 {
                path: node.pathname().to_owned(),
                opts: Box::new(opts),
            },
            bill: None,
            gunzip,
        }
    }

    /// Overrides whether the body is gzip to decompress (from [`Bill::gzip`] or the APIv2 `tar_type`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// let bill = wechatpay::download::Bill::unchecked("https://x/v3/billdownload/file?token=t");
    /// let download = wechatpay::download::Download::bill(&client, &bill).gunzip(true);
    /// assert!(format!("{download:?}").contains("gunzip: true"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn gunzip(mut self, gunzip: bool) -> Download {
        self.gunzip = gunzip;
        self
    }

    /// The SHA-1 the bill must have, validated before anything is sent.
    fn expected(&self) -> crate::Result<Option<String>> {
        match &self.bill {
            Some(bill) => bill.expected_sha1(),
            None => Ok(None),
        }
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Download");
        match &self.target {
            Target::V3 { .. } => d.field("bill", &self.bill),
            Target::V2 { path, .. } => d.field("v2", path),
        };
        d.field("gunzip", &self.gunzip).finish_non_exhaustive()
    }
}

/// What a finished download wrote.
///
/// # Examples
///
/// ```no_run
/// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
/// # let bill = wechatpay::download::Bill::unchecked("https://x/");
/// let summary = wechatpay::download::Download::bill(&client, &bill).to_writer(&mut std::io::sink())?;
/// println!("{} bill bytes from {} received, SHA-1 {}", summary.bytes(), summary.received(), summary.sha1());
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    bytes: u64,
    received: u64,
    sha1: String,
}

impl Summary {
    /// Bytes of bill written (after decompression).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// # let bill = wechatpay::download::Bill::unchecked("https://x/");
    /// let n = wechatpay::download::Download::bill(&client, &bill).to_file("bill.csv")?.bytes();
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes of body received (the compressed size of a gzip bill).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// # let bill = wechatpay::download::Bill::unchecked("https://x/").gzip(true);
    /// let n = wechatpay::download::Download::bill(&client, &bill).to_file("bill.csv")?.received();
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The SHA-1 of the bill written, lowercase hex (equal to the announced `hash_value` when there was one).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// # let bill = wechatpay::download::Bill::unchecked("https://x/");
    /// let digest = wechatpay::download::Download::bill(&client, &bill).to_file("bill.csv")?.sha1().to_owned();
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn sha1(&self) -> &str {
        &self.sha1
    }
}

//! Where a download goes: a caller's `Write` (the body read on the crate's runtime thread, written on the
//! caller's), a caller's `AsyncWrite`, or a file that appears only once the download is complete and checked.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::NamedTempFile;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::open::{Target, open};
use super::unpack::Unpack;
use super::{Download, Summary, handoff};
use crate::config::Config;
use crate::error::{Error, Result, VerifyFailure};

/// Buffer between the bill and the file.
const FILE_BUFFER: usize = 64 * 1024;

impl Download {
    /// Downloads into the file at `path`, replacing it only on success: the bill is written to a temporary file
    /// in the same directory, synced to disk and renamed to `path` once complete and checked; on any error the
    /// temporary file is removed and `path` is left as it was.
    ///
    /// Blocking: the request runs on the crate's own runtime thread, like the blocking verbs.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for an unsupported hash type (nothing
    /// sent); [`ErrorKind::Status`](crate::ErrorKind::Status) for a 4xx/5xx answer (its body kept, up to 64 KiB);
    /// [`ErrorKind::Rejected`](crate::ErrorKind::Rejected) for an APIv2 error document;
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) for a failed, stalled or truncated transfer;
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) for bad gzip;
    /// [`VerifyFailure::DigestMismatch`] when the bill's SHA-1 differs from the announced one;
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be written.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// # let answer = client.v3().seg("bill").seg("fundflowbill").get(serde_json::json!({ "query": { "bill_date": "2026-12-01" } }))?;
    /// let bill = wechatpay::download::Bill::from_response(&answer)?;
    /// let summary = wechatpay::download::Download::bill(&client, &bill).to_file("fundflow.csv")?;
    /// assert_eq!(Some(summary.sha1()), bill.hash_value());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn to_file(&self, path: impl AsRef<Path>) -> Result<Summary> {
        let expected = self.expected()?;
        let part = Part::create(path.as_ref())?;
        let mut out = std::io::BufWriter::with_capacity(FILE_BUFFER, part.tmp.as_file());
        let summary = self.write_blocking(expected, &mut out)?;
        out.flush().map_err(write_error)?;
        drop(out);
        part.tmp.as_file().sync_all().map_err(write_error)?;
        part.commit()?;
        Ok(summary)
    }

    /// [`to_file`](Download::to_file), async: the future owns what it needs (`Send + 'static`). Dropping it
    /// before it completes removes the temporary file.
    ///
    /// # Errors
    ///
    /// As [`to_file`](Download::to_file).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client, bill: wechatpay::download::Bill) -> wechatpay::Result<()> {
    /// let summary = wechatpay::download::Download::bill(&client, &bill).to_file_async("bill.csv").await?;
    /// # Ok(()) }
    /// ```
    pub fn to_file_async(&self, path: impl AsRef<Path>) -> impl Future<Output = Result<Summary>> + Send + 'static {
        let this = self.clone();
        let path: PathBuf = path.as_ref().to_owned();
        async move {
            let expected = this.expected()?;
            let part = Part::create(&path)?;
            let file = part.tmp.as_file().try_clone().map_err(write_error)?;
            let mut out = tokio::io::BufWriter::with_capacity(FILE_BUFFER, tokio::fs::File::from_std(file));
            let summary = write_async(this.config, this.target, this.gunzip, expected, &mut out).await?;
            out.flush().await.map_err(write_error)?;
            out.into_inner().sync_all().await.map_err(write_error)?;
            part.commit()?;
            Ok(summary)
        }
    }

    /// Downloads into `writer`, never holding the bill in memory: the body is read on the crate's runtime thread
    /// and handed over in a bounded window of chunks; this thread gunzips, hashes and writes them, then flushes.
    ///
    /// On error the writer may hold part of the bill (a digest mismatch is only known at the end): discard it.
    ///
    /// # Errors
    ///
    /// As [`to_file`](Download::to_file); [`ErrorKind::Io`](crate::ErrorKind::Io) when `writer` fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client = wechatpay::Builder::new().mchid("1").secret("k").build()?;
    /// # let bill = wechatpay::download::Bill::unchecked("https://x/");
    /// let mut csv = Vec::new();
    /// wechatpay::download::Download::bill(&client, &bill).to_writer(&mut csv)?;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn to_writer<W: Write + ?Sized>(&self, writer: &mut W) -> Result<Summary> {
        let expected = self.expected()?;
        self.write_blocking(expected, writer)
    }

    /// [`to_writer`](Download::to_writer) into a `tokio::io::AsyncWrite`, async: the future borrows only the
    /// writer (`Send` when the writer is).
    ///
    /// # Errors
    ///
    /// As [`to_writer`](Download::to_writer).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client, bill: wechatpay::download::Bill) -> wechatpay::Result<()> {
    /// let mut out = tokio::io::sink();
    /// wechatpay::download::Download::bill(&client, &bill).to_writer_async(&mut out).await?;
    /// # Ok(()) }
    /// ```
    pub fn to_writer_async<'w, W>(&self, writer: &'w mut W) -> impl Future<Output = Result<Summary>> + Send + 'w
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let this = self.clone();
        async move {
            let expected = this.expected()?;
            write_async(this.config, this.target, this.gunzip, expected, writer).await
        }
    }

    fn write_blocking<W: Write + ?Sized>(&self, expected: Option<String>, writer: &mut W) -> Result<Summary> {
        let chunks = handoff::start(self.config.clone(), self.target.clone())?;
        let mut unpack = Unpack::new(self.gunzip);
        for chunk in chunks {
            let chunk = chunk?;
            let mut rest = &chunk[..];
            while !rest.is_empty() {
                let (n, out) = unpack.step(rest)?;
                writer.write_all(out).map_err(write_error)?;
                rest = &rest[n..];
            }
        }
        let tail = unpack.finish()?;
        writer.write_all(tail).map_err(write_error)?;
        writer.flush().map_err(write_error)?;
        conclude(&unpack, expected)
    }
}

async fn write_async<W>(
    config: Arc<Config>,
    target: Target,
    gunzip: bool,
    expected: Option<String>,
    writer: &mut W,
) -> Result<Summary>
where
    W: AsyncWrite + Unpin + Send + ?Sized,
{
    let clients = config.transport.async_clients.clone();
    let span = super::open::span(&target);
    let mut body = open(&config, &clients, &target, span).await?;
    let mut unpack = Unpack::new(gunzip);
    while let Some(chunk) = body.next().await? {
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let (n, out) = unpack.step(rest)?;
            writer.write_all(out).await.map_err(write_error)?;
            rest = &rest[n..];
        }
    }
    let tail = unpack.finish()?;
    writer.write_all(tail).await.map_err(write_error)?;
    writer.flush().await.map_err(write_error)?;
    conclude(&unpack, expected)
}

/// The summary, once the bill's digest matches the announced one (when there is one).
fn conclude(unpack: &Unpack, expected: Option<String>) -> Result<Summary> {
    let summary = unpack.summary();
    match expected {
        Some(want) if want != summary.sha1 => Err(Error::verify(
            VerifyFailure::DigestMismatch,
            format!(
                "The bill's SHA-1 is {}, but WeChat Pay announced {want}: the download is incomplete or altered.",
                summary.sha1
            ),
        )),
        _ => Ok(summary),
    }
}

fn write_error(e: std::io::Error) -> Error {
    Error::io(format!("Cannot write the bill: {e}.")).with_source(e)
}

/// A temporary file next to the destination; removed when dropped uncommitted.
struct Part {
    tmp: NamedTempFile,
    dest: PathBuf,
}

impl Part {
    fn create(dest: &Path) -> Result<Part> {
        let name = dest
            .file_name()
            .ok_or_else(|| Error::invalid(format!("`{}` names no file to download into.", dest.display())))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(|e| {
                Error::io(format!("Cannot create a temporary file in `{}`: {e}.", dir.display())).with_source(e)
            })?;
        Ok(Part {
            tmp,
            dest: dest.to_owned(),
        })
    }

    /// Renames the (synced) temporary file to the destination.
    fn commit(self) -> Result<()> {
        let dest = self.dest;
        self.tmp.persist(&dest).map_err(|e| {
            Error::io(format!("Cannot move the bill into `{}`: {}.", dest.display(), e.error)).with_source(e.error)
        })?;
        // Best effort: make the rename itself durable (directories cannot be opened for syncing everywhere).
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

//! Downloads stream: a 100 MB bill goes through with flat memory, blocking into a `Write` and async (gzip,
//! decompressed on the fly) into an `AsyncWrite`. Peak memory is the process's own high-water mark (`VmHWM`),
//! which is why this test has a binary of its own: no other test's allocations can move it.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod download_server;
mod support;

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use download_server::{BLOCK, block, head};
use flate2::{Compression, write::GzEncoder};
use sha1::{Digest, Sha1};
use wechatpay::download::{Bill, Download};

/// 1600 blocks of 64 KiB: 100 MiB.
const BLOCKS: u64 = 1600;
const TOTAL: u64 = BLOCKS * BLOCK as u64;
/// How much the peak resident set may grow while 100 MiB stream through.
const ALLOWED_GROWTH_KB: u64 = 30 * 1024;

/// A `Write` that keeps nothing: it counts.
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.get_mut().0 += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A `/proc/self/status` field in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Resets the peak to the current resident set (Linux `clear_refs` 5) and returns it.
fn reset_peak_kb() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    status_kb("VmHWM:")
}

#[test]
fn a_100_mib_bill_streams_with_flat_memory_blocking_and_async() {
    // The server generates the bill as it sends it: plain with a length, or gzip compressed on the fly.
    let server = download_server::start(|req, stream| {
        if req.target.contains("gzip") {
            head(stream, "200 OK", &[])?;
            let mut gz = GzEncoder::new(stream, Compression::fast());
            for i in 0..BLOCKS {
                gz.write_all(&block(i))?;
            }
            gz.finish()?;
        } else {
            head(stream, "200 OK", &[("Content-Length", TOTAL.to_string())])?;
            for i in 0..BLOCKS {
                stream.write_all(&block(i))?;
            }
        }
        Ok(())
    });
    let mut sha1 = Sha1::new();
    for i in 0..BLOCKS {
        sha1.update(block(i));
    }
    let digest = hex::encode(sha1.finalize());
    let client = support::client(&server.base);

    // Warm up: the runtime thread, the connection machinery and the allocator's pools, before measuring.
    let warm = Bill::unchecked("v3/billdownload/file?token=warm");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut sink = Counting(0);
    Download::bill(&client, &warm).to_writer(&mut sink).unwrap();
    let warm_gzip = Bill::unchecked("v3/billdownload/file?token=warm-gzip").gzip(true);
    rt.block_on(Download::bill(&client, &warm_gzip).to_writer_async(&mut Counting(0)))
        .unwrap();

    let plain = Bill::new("v3/billdownload/file?token=plain", "SHA1", &digest);
    let baseline = reset_peak_kb();
    let mut out = Counting(0);
    let summary = Download::bill(&client, &plain).to_writer(&mut out).unwrap();
    let growth = status_kb("VmHWM:") - baseline;
    assert_eq!((out.0, summary.bytes(), summary.received()), (TOTAL, TOTAL, TOTAL));
    assert_eq!(summary.sha1(), digest);
    eprintln!("blocking: peak grew by {growth} kB");
    assert!(
        growth < ALLOWED_GROWTH_KB,
        "blocking: peak grew by {growth} kB for {TOTAL} bytes"
    );

    let gzipped = Bill::new("v3/billdownload/file?token=gzip", "SHA1", &digest).gzip(true);
    let baseline = reset_peak_kb();
    let mut out = Counting(0);
    let summary = rt
        .block_on(Download::bill(&client, &gzipped).to_writer_async(&mut out))
        .unwrap();
    let growth = status_kb("VmHWM:") - baseline;
    assert_eq!((out.0, summary.bytes()), (TOTAL, TOTAL));
    assert!(
        summary.received() < TOTAL / 2,
        "the body was gzip: {}",
        summary.received()
    );
    eprintln!("async gzip: peak grew by {growth} kB");
    assert!(
        growth < ALLOWED_GROWTH_KB,
        "async gzip: peak grew by {growth} kB for {TOTAL} bytes"
    );
}

//! `--download MiB`: a bill of that many MiB streamed into a sink that keeps nothing, with the blocking and the
//! async verbs, plain and gzip, each in a fresh client process: the client's resident set when the download
//! starts and at its peak (`VmHWM`, reset just before), its CPU time per MiB and the throughput. Flat memory means
//! the peak stays near the start whatever the size.
//!
//! The bill comes from `load blob`, a process of its own that generates it while sending (64 KiB blocks, each
//! numbered, so that a lost or repeated block changes the digest the client checks).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use flate2::{Compression, write::GzEncoder};
use sha1::{Digest, Sha1};
use wechatpay::download::{Bill, Download};

use crate::{Outcome, Plan, Server, announce_and_wait, cpu_time, median, peak_rss_kb, run_repeated};

/// Size of one generated block.
const BLOCK: usize = 64 * 1024;
const BLOCKS_PER_MIB: u64 = (1024 * 1024 / BLOCK) as u64;

/// Block `i` of every generated bill: CSV-like text (so that gzip compresses it as it would a bill), its number
/// in the first line.
fn block(i: u64) -> Vec<u8> {
    static PATTERN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        let mut p = Vec::with_capacity(BLOCK + 128);
        let mut n = 0u64;
        while p.len() < BLOCK {
            n += 1;
            p.extend_from_slice(
                format!(
                    "`2026-12-01 10:00:{:02},`wx8888888888888888,`{n:08},`SUCCESS,`0.01\n",
                    n % 60
                )
                .as_bytes(),
            );
        }
        p.truncate(BLOCK);
        p
    });
    let mut out = pattern.clone();
    let stamp = format!("{i:016}");
    out[..stamp.len()].copy_from_slice(stamp.as_bytes());
    out
}

/// `load blob`: serves generated bills on a free loopback port until stdin closes. `GET /bill/<MiB>` is sent
/// plain with its length; `GET /bill/<MiB>.gz` gzip compressed on the fly, until the connection closes.
pub(crate) fn blob_server() -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base_uri = format!("http://{}/", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if let Err(e) = serve(stream) {
                    eprintln!("load blob: {e}");
                }
            });
        }
    });
    announce_and_wait(&base_uri)
}

fn serve(mut stream: TcpStream) -> Outcome {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or_default();
    let name = target.rsplit('/').next().unwrap_or_default();
    let (mib, gzip) = match name.strip_suffix(".gz") {
        Some(mib) => (mib, true),
        None => (name, false),
    };
    let Ok(mib) = mib.parse::<u64>() else {
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    };
    let blocks = mib * BLOCKS_PER_MIB;
    if gzip {
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")?;
        let mut gz = GzEncoder::new(&mut stream, Compression::fast());
        for i in 0..blocks {
            gz.write_all(&block(i))?;
        }
        gz.finish()?;
    } else {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            blocks * BLOCK as u64
        );
        stream.write_all(head.as_bytes())?;
        for i in 0..blocks {
            stream.write_all(&block(i))?;
        }
    }
    Ok(())
}

/// Starts `load blob`, runs one client process per row (`--mode` filters the verbs), prints the table.
pub(crate) fn orchestrate(me: &std::path::Path, plan: &Plan, mib: u64) -> Outcome {
    let mut blob = Server::start(me, "blob")?;
    println!(
        "a {mib} MiB bill into a sink that keeps nothing, digest checked; median of {} runs per row; server {} in its own \
         process\n",
        plan.repeat, blob.base_uri
    );
    println!("verbs      body   client CPU/MiB    MiB/s  RSS at start  peak RSS  growth");
    for mode in &plan.modes {
        for body in ["plain", "gzip"] {
            let args = [
                "download".to_owned(),
                (*mode).to_owned(),
                body.to_owned(),
                mib.to_string(),
                blob.base_uri.clone(),
            ];
            let reports = run_repeated(me, plan.repeat, &args)?;
            let median = |name: &str| median(&reports, name);
            let (before, peak) = (median("rss_before_kb")?, median("peak_rss_kb")?);
            println!(
                "{mode:<9}  {body:<5}  {:>10.2} ms  {:>7.0}  {:>9.1} MB  {:>5.1} MB  {:>+5.1} MB",
                median("cpu_ms_per_mib")?,
                median("mib_per_s")?,
                before / 1024.0,
                peak / 1024.0,
                (peak - before) / 1024.0,
            );
        }
    }
    blob.stop();
    Ok(())
}

/// `load download <blocking|async> <plain|gzip> <MiB> <base URI>`: downloads 1 MiB to warm up, then `MiB` with the
/// digest checked by the client, and reports.
pub(crate) fn client(args: &[String]) -> Outcome {
    let [mode, body, mib, base_uri] = args else {
        return Err("usage: load download <blocking|async> <plain|gzip> <MiB> <base URI>".into());
    };
    let mib: u64 = mib.parse()?;
    let gzip = match body.as_str() {
        "plain" => false,
        "gzip" => true,
        other => return Err(format!("unknown body `{other}` (plain or gzip)").into()),
    };
    let client = crate::client_for(base_uri)?;
    let rt = match mode.as_str() {
        "async" => Some(tokio::runtime::Builder::new_multi_thread().enable_all().build()?),
        "blocking" => None,
        other => return Err(format!("unknown mode `{other}`").into()),
    };
    let bill = |mib: u64| -> Bill {
        let mut sha1 = Sha1::new();
        for i in 0..mib * BLOCKS_PER_MIB {
            sha1.update(block(i));
        }
        let url = format!("{base_uri}bill/{mib}{}", if gzip { ".gz" } else { "" });
        Bill::new(url, "SHA1", hex::encode(sha1.finalize())).gzip(gzip)
    };
    let fetch = |bill: &Bill| -> Outcome<u64> {
        let download = Download::bill(&client, bill);
        let summary = match &rt {
            Some(rt) => rt.block_on(download.to_writer_async(&mut tokio::io::sink()))?,
            None => download.to_writer(&mut std::io::sink())?,
        };
        Ok(summary.bytes())
    };
    fetch(&bill(1))?;
    let measured = bill(mib);
    // Linux `clear_refs` 5 resets the peak to the current resident set.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let before = peak_rss_kb()?;
    let cpu = cpu_time();
    let wall = Instant::now();
    let bytes = fetch(&measured)?;
    let wall = wall.elapsed();
    let cpu = cpu_time() - cpu;
    if bytes != mib * 1024 * 1024 {
        return Err(format!("received {bytes} bytes for {mib} MiB").into());
    }
    println!(
        "rss_before_kb={before} peak_rss_kb={} cpu_ms_per_mib={:.3} mib_per_s={:.1}",
        peak_rss_kb()?,
        cpu.as_secs_f64() * 1e3 / mib as f64,
        mib as f64 / wall.as_secs_f64(),
    );
    Ok(())
}

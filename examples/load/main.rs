//! The load driver: what a call costs the client, in CPU time counted by the operating system and in peak
//! memory, for both APIs, the async and the blocking verbs, at 1, 32 and 256 calls in flight.
//!
//! ```sh
//! cargo run --release --example load                                # the whole matrix, 2000 calls, 3 runs each
//! cargo run --release --example load -- --calls 5000 --only v3      # one API (v2 or v3)
//! cargo run --release --example load -- --concurrency 32 --mode async
//! cargo run --release --example load -- --pin 0 --concurrency 1   # gateway and clients on one CPU
//! cargo run --release --example load -- --download 1024           # a 1 GiB bill streamed, memory and CPU
//! ```
//!
//! How it measures: the sandbox gateway runs in a process of its own (this program started as `load gateway`),
//! and every measurement runs in a fresh client process (`load client …`), so the client's CPU time
//! (`CLOCK_PROCESS_CPUTIME_ID`: every thread, user and kernel) and its peak RSS (`VmHWM`) are the client's alone.
//! Each client process first makes as many calls as it will have in flight (at least 64) to open its
//! connections, then measures the requested number of calls; each row is the median of `--repeat` such processes
//! (3 by default: a 2-core machine shared with the gateway varies by several per cent from run to run). The
//! floor beside the APIv3 numbers is what one call's cryptography costs at the least: one RSA-2048 signature and
//! one verification, measured in the same run, by `openssl speed` when the `openssl` command is there and by
//! aws-lc-rs (the signer the crate uses) in a process of its own.
//!
//! `--pin CPU` runs every process on that one CPU. On loopback the kernel delivers the request to the gateway
//! inside the client's `writev` and wakes the gateway's thread there; when the gateway waits on another, idle CPU,
//! that wake-up is an inter-processor interrupt, which a virtual machine makes expensive, and it is charged to the
//! client. Pinned, the same wake-up is a plain context switch, and the client's CPU time is its own work.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wechatpay::sandbox::{self, Sandbox};
use wechatpay::{Builder, Client};

mod download;

/// How many distinct orders one client process creates.
const ORDERS: usize = 100;

type Outcome<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Outcome {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gateway") => gateway(),
        Some("floor") => floor(number(args.get(1), 2000)?),
        Some("client") => client(&args[1..]),
        Some("blob") => download::blob_server(),
        Some("download") => download::client(&args[1..]),
        _ => orchestrate(&args),
    }
}

/// What the orchestrator was asked for.
struct Plan {
    calls: usize,
    apis: Vec<&'static str>,
    modes: Vec<&'static str>,
    concurrency: Vec<usize>,
    repeat: usize,
    /// `--download MiB`: the download rows instead of the calls.
    download_mib: Option<u64>,
    /// `--pin CPU`: every process of the run on that one CPU.
    pin: Option<usize>,
}

fn plan(args: &[String]) -> Outcome<Plan> {
    let mut plan = Plan {
        calls: 2000,
        apis: vec!["v3", "v2"],
        modes: vec!["async", "blocking"],
        concurrency: vec![1, 32, 256],
        repeat: 3,
        download_mib: None,
        pin: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--calls" => plan.calls = value.parse()?,
            "--only" => plan.apis.retain(|a| a == value),
            "--mode" => plan.modes.retain(|m| m == value),
            "--concurrency" => plan.concurrency = vec![value.parse::<usize>()?.max(1)],
            "--repeat" => plan.repeat = value.parse::<usize>()?.max(1),
            "--download" => plan.download_mib = Some(value.parse::<u64>()?.max(1)),
            "--pin" => plan.pin = Some(value.parse()?),
            _ => {
                return Err(format!(
                    "unknown flag `{flag}` (--calls N, --only v2|v3, --mode async|blocking, --concurrency N, \
                     --repeat N, --download MiB, --pin CPU)"
                )
                .into());
            }
        }
    }
    if plan.apis.is_empty() || plan.modes.is_empty() {
        return Err("nothing to run: --only takes v2 or v3, --mode takes async or blocking".into());
    }
    Ok(plan)
}

/// Runs the plan: the calls' table, or the downloads' with `--download`.
fn orchestrate(args: &[String]) -> Outcome {
    let plan = plan(args)?;
    let me = std::env::current_exe()?;
    if let Some(cpu) = plan.pin {
        // Inherited by every process started from here on: the gateway, the floor, the clients.
        if cpu >= rustix::thread::CpuSet::MAX_CPU {
            return Err(format!("--pin {cpu}: no such CPU").into());
        }
        let mut set = rustix::thread::CpuSet::new();
        set.set(cpu);
        rustix::thread::sched_setaffinity(None, &set).map_err(|e| format!("--pin {cpu}: {e}"))?;
    }
    match plan.download_mib {
        Some(mib) => download::orchestrate(&me, &plan, mib),
        None => calls(&me, &plan),
    }
}

/// Starts the gateway process, runs the floor and every client process, prints the table.
fn calls(me: &std::path::Path, plan: &Plan) -> Outcome {
    let mut gateway = Server::start(me, "gateway")?;
    println!(
        "{} calls per run, median of {} runs per row; gateway {} in its own process; {}\n",
        plan.calls,
        plan.repeat,
        gateway.base_uri,
        match plan.pin {
            Some(cpu) => format!("gateway and clients pinned to CPU {cpu}"),
            None => format!(
                "{} CPUs shared by gateway and clients",
                std::thread::available_parallelism().map_or(0, |n| n.get())
            ),
        }
    );

    let openssl = openssl_floor();
    let aws_lc = run_child(me, &["floor".to_owned(), "2000".to_owned()])?;
    let aws_lc_us = field(&aws_lc, "floor_us")?;
    let floor_us = openssl.unwrap_or(aws_lc_us);
    match openssl {
        Some(us) => println!("floor (RSA-2048 sign + verify): openssl speed {us:.0} µs, aws-lc-rs {aws_lc_us:.0} µs"),
        None => println!("floor (RSA-2048 sign + verify): aws-lc-rs {aws_lc_us:.0} µs (no `openssl` command)"),
    }
    println!();
    println!("api  verbs      in flight  client CPU/call  × floor   calls/s   p50 latency  peak RSS");
    for api in &plan.apis {
        for mode in &plan.modes {
            for &c in &plan.concurrency {
                let args = [
                    "client".to_owned(),
                    (*api).to_owned(),
                    (*mode).to_owned(),
                    c.to_string(),
                    plan.calls.to_string(),
                    gateway.base_uri.clone(),
                ];
                let reports = run_repeated(me, plan.repeat, &args)?;
                let median = |name: &str| median(&reports, name);
                let cpu = median("cpu_us_per_call")?;
                let ratio = if *api == "v3" {
                    format!("{:>6.2}×", cpu / floor_us)
                } else {
                    "     - ".to_owned()
                };
                println!(
                    "{api}   {mode:<9}  {c:>9}  {cpu:>12.1} µs  {ratio}  {:>8.0}  {:>8.2} ms  {:>6.1} MB",
                    median("calls_per_s")?,
                    median("p50_ms")?,
                    median("peak_rss_kb")? / 1024.0,
                );
            }
        }
    }
    gateway.stop();
    Ok(())
}

/// A server process (`load gateway`, `load blob`), stopped when its stdin closes.
struct Server {
    child: Child,
    base_uri: String,
}

impl Server {
    fn start(me: &std::path::Path, role: &str) -> Outcome<Server> {
        let mut child = Command::new(me)
            .arg(role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("the server process has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let base_uri = line.trim().to_owned();
        if !base_uri.starts_with("http://") {
            let _ = child.kill();
            return Err(format!("`load {role}` did not start: {base_uri:?}").into());
        }
        Ok(Server { child, base_uri })
    }

    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `load gateway`: the sandbox on a free loopback port until stdin closes.
fn gateway() -> Outcome {
    let server = Sandbox::start_on(([127, 0, 0, 1], 0).into())?;
    announce_and_wait(&server.base_uri())
}

/// What a server process does once it listens: prints its base URI for [`Server::start`], then runs until its
/// stdin closes (the orchestrator stopped it, or died).
fn announce_and_wait(base_uri: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{base_uri}")?;
    out.flush()?;
    drop(out);
    std::io::copy(&mut std::io::stdin(), &mut std::io::sink())?;
    Ok(())
}

/// Runs this program with `args` and returns what it printed (`key=value` words on one line).
fn run_child(me: &std::path::Path, args: &[String]) -> Outcome<String> {
    let out = Command::new(me).args(args).stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("`load {}` failed ({})", args.join(" "), out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn field(report: &str, name: &str) -> Outcome<f64> {
    report
        .split_whitespace()
        .find_map(|w| w.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
        .ok_or_else(|| format!("no `{name}` in {report:?}"))?
        .parse()
        .map_err(Into::into)
}

/// Runs this program with `args` `repeat` times, one process after the other; their reports.
fn run_repeated(me: &std::path::Path, repeat: usize, args: &[String]) -> Outcome<Vec<String>> {
    (0..repeat).map(|_| run_child(me, args)).collect()
}

/// The median of field `name` over several runs' reports.
fn median(reports: &[String], name: &str) -> Outcome<f64> {
    let mut values = reports.iter().map(|r| field(r, name)).collect::<Outcome<Vec<f64>>>()?;
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().ok_or_else(|| "no runs".into())
}

fn number(arg: Option<&String>, default: usize) -> Outcome<usize> {
    Ok(arg.map(|a| a.parse()).transpose()?.unwrap_or(default))
}

/// `openssl speed -mr rsa2048`: one signature plus one verification, in µs.
fn openssl_floor() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-mr", "-seconds", "2", "rsa2048"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `+F2:<index>:<bits>:<signatures per second>:<verifications per second>`
    let line = text.lines().find(|l| l.starts_with("+F2:"))?;
    let parts: Vec<&str> = line.split(':').collect();
    let sign: f64 = parts.get(3)?.parse().ok()?;
    let verify: f64 = parts.get(4)?.parse().ok()?;
    Some(1e6 / sign + 1e6 / verify)
}

/// `load floor N`: N RSA-2048 signatures and verifications of a request-sized message with aws-lc-rs alone.
fn floor(n: usize) -> Outcome {
    use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
    let pem = Sandbox::merchant_private_key_pem();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)?;
    let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("{e}"))?;
    let public = UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public_key().as_ref().to_vec(),
    );
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let message = b"POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"description\":\"load\",\"out_trade_no\":\"L1\",\"amount\":{\"total\":1}}\n";
    let mut sig = vec![0; pair.public_modulus_len()];
    let started = cpu_time();
    for _ in 0..n {
        pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .map_err(|e| format!("{e}"))?;
        public.verify(message, &sig).map_err(|e| format!("{e}"))?;
    }
    let us = (cpu_time() - started).as_secs_f64() * 1e6 / n as f64;
    println!("floor_us={us:.2}");
    Ok(())
}

/// `load client <v2|v3> <async|blocking> <in flight> <calls> <base URI>`: warm up, measure, report.
fn client(args: &[String]) -> Outcome {
    let [api, mode, concurrency, calls, base_uri] = args else {
        return Err("usage: load client <v2|v3> <async|blocking> <in flight> <calls> <base URI>".into());
    };
    let concurrency: usize = concurrency.parse::<usize>()?.max(1);
    let calls: usize = calls.parse()?;
    let client = client_for(base_uri)?;
    let call = Call {
        client,
        v3: api == "v3",
        prefix: format!("L{}{api}", std::process::id()),
    };
    // One runtime for the warm-up and the measurement: connections belong to the runtime that opened them.
    let rt = match mode.as_str() {
        "async" => Some(tokio::runtime::Builder::new_multi_thread().enable_all().build()?),
        "blocking" => None,
        other => return Err(format!("unknown mode `{other}`").into()),
    };
    let run = |calls: usize| match &rt {
        Some(rt) => run_async(rt, &call, concurrency, calls),
        None => run_blocking(&call, concurrency, calls),
    };
    run(concurrency.max(64))?;
    let cpu = cpu_time();
    let wall = Instant::now();
    let mut latencies = run(calls)?;
    let wall = wall.elapsed();
    let cpu = cpu_time() - cpu;
    latencies.sort();
    let p50 = latencies.get(latencies.len() / 2).copied().unwrap_or_default();
    println!(
        "cpu_us_per_call={:.2} calls_per_s={:.1} p50_ms={:.3} peak_rss_kb={}",
        cpu.as_secs_f64() * 1e6 / calls as f64,
        calls as f64 / wall.as_secs_f64(),
        p50.as_secs_f64() * 1e3,
        peak_rss_kb()?
    );
    Ok(())
}

/// A client of the sandbox's merchant (both APIs' keys) on `base_uri`.
fn client_for(base_uri: &str) -> Outcome<Client> {
    Ok(Builder::new()
        .mchid(sandbox::MCHID)
        .serial(sandbox::MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key()?)
        .cert(sandbox::PLATFORM_SERIAL, Sandbox::platform_public_key()?)
        .secret(sandbox::SECRET)
        .base_uri(base_uri)
        .build()?)
}

/// One kind of call. The order numbers cycle through [`ORDERS`] per process: the gateway answers a repeated
/// identical order as WeChat Pay does (the same prepay id), and keeps a bounded number of orders.
#[derive(Clone)]
struct Call {
    client: Client,
    v3: bool,
    prefix: String,
}

impl Call {
    /// The next call to make, until `calls` have been handed out among the tasks or threads sharing `next`.
    fn next(&self, next: &AtomicUsize, calls: usize) -> Option<(Client, Value)> {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < calls).then(|| self.node_and_options(i))
    }

    fn node_and_options(&self, i: usize) -> (Client, Value) {
        let out_trade_no = format!("{}{}", self.prefix, i % ORDERS);
        if self.v3 {
            (
                self.client.chain("v3/pay/transactions/native"),
                json!({ "json": {
                    "appid": "wxd678efh567hg6787", "mchid": sandbox::MCHID, "description": "load",
                    "out_trade_no": out_trade_no, "notify_url": "https://example.com/notify",
                    "amount": { "total": 1 },
                } }),
            )
        } else {
            (
                self.client.chain("v2/pay/unifiedorder"),
                json!({ "xml": {
                    "appid": "wx2421b1c4370ec43b", "mch_id": sandbox::MCHID, "body": "load", "out_trade_no": out_trade_no,
                    "total_fee": "1", "spbill_create_ip": "127.0.0.1", "notify_url": "https://example.com/notify",
                    "trade_type": "NATIVE",
                } }),
            )
        }
    }
}

/// `calls` calls from `concurrency` tasks on `rt` (a multi-thread runtime, one worker per core); per-call latencies.
fn run_async(rt: &tokio::runtime::Runtime, call: &Call, concurrency: usize, calls: usize) -> Outcome<Vec<Duration>> {
    let next = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut tasks = Vec::with_capacity(concurrency);
        for _ in 0..concurrency {
            let next = next.clone();
            let call = call.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while let Some((node, opts)) = call.next(&next, calls) {
                    let started = Instant::now();
                    node.post_async(opts).await?;
                    latencies.push(started.elapsed());
                }
                Ok::<_, wechatpay::Error>(latencies)
            }));
        }
        let mut all = Vec::with_capacity(calls);
        for task in tasks {
            all.extend(task.await??);
        }
        Ok(all)
    })
}

/// `calls` calls from `concurrency` threads using the blocking verbs; per-call latencies.
fn run_blocking(call: &Call, concurrency: usize, calls: usize) -> Outcome<Vec<Duration>> {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..concurrency)
            .map(|_| {
                s.spawn(|| {
                    let mut latencies = Vec::new();
                    while let Some((node, opts)) = call.next(&next, calls) {
                        let started = Instant::now();
                        node.post(opts)?;
                        latencies.push(started.elapsed());
                    }
                    Ok::<_, wechatpay::Error>(latencies)
                })
            })
            .collect();
        let mut all = Vec::with_capacity(calls);
        for t in threads {
            all.extend(t.join().map_err(|_| "a calling thread panicked")??);
        }
        Ok(all)
    })
}

/// CPU time of the whole process so far: every thread, user and kernel.
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The process's peak resident set (`VmHWM`), in KiB.
fn peak_rss_kb() -> Outcome<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?)
}

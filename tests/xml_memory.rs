//! Peak memory of one APIv2 call against a large hostile XML answer: parsing stays within a small multiple of the
//! body size whatever the document's shape (many tiny elements, or one huge text node), independently of the
//! transport's size cap (raised here so the parser itself is what is measured).
//!
//! Each case runs in a child process of this test binary (`--exact`, with an environment variable naming the case),
//! so that the process's peak RSS (`VmHWM`) measures one call and nothing else.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::process::Command;

use serde_json::json;
use support::*;

const BODY_MB: usize = 50;
const CASE_ENV: &str = "WECHATPAY_XML_MEMORY_CASE";

/// The peak resident set size of this process so far, in bytes (Linux).
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn hostile_body(case: &str) -> Vec<u8> {
    let size = BODY_MB << 20;
    let mut body = Vec::with_capacity(size + 64);
    body.extend_from_slice(b"<xml><return_code>SUCCESS</return_code><sign>0123456789ABCDEF0123456789ABCDEF</sign>");
    match case {
        "many_elements" => {
            while body.len() < size {
                body.extend_from_slice(b"<a>1</a>");
            }
        }
        _ => {
            body.extend_from_slice(b"<big>");
            body.resize(size, b'x');
            body.extend_from_slice(b"</big>");
        }
    }
    body.extend_from_slice(b"</xml>");
    body
}

/// Too many nodes fail the parse (no `return_code` is read); a huge text node parses, and the `sign` over it is
/// computed and does not match.
fn expected(case: &str) -> wechatpay::V2Rejection {
    match case {
        "many_elements" => wechatpay::V2Rejection::ReturnCode,
        _ => wechatpay::V2Rejection::SignMismatch,
    }
}

/// Runs in the child: one call against a server answering `case`'s body; prints the peak RSS growth ratio.
fn child(case: &str) {
    let body = hostile_body(case);
    let body_len = body.len();
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/pay/orderquery").with_body(body).create();
    let client = builder(&base(&server))
        .secret("exposed_your_key_here_have_risks")
        .max_response_size(64 << 20)
        .build()
        .unwrap();
    // the server holds its copy of the body: measure from here
    let before = peak_rss().unwrap();
    let result = client
        .chain("v2/pay/orderquery")
        .post(json!({ "xml": { "appid": "wx8888888888888888", "mch_id": MCHID, "out_trade_no": "1" } }));
    let after = peak_rss().unwrap();
    let err = result.expect_err("a hostile answer is refused");
    assert!(err.response().is_some(), "the refusal keeps the response: {err}");
    assert_eq!(err.kind(), wechatpay::ErrorKind::Rejected(expected(case)), "{err}");
    println!(
        "RATIO {:.2} {:?}",
        (after - before) as f64 / body_len as f64,
        err.kind()
    );
}

fn measure(case: &str) -> f64 {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            &format!("{case}_in_child"),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CASE_ENV, case)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RATIO "))
        .expect("child prints its ratio")
        .1;
    eprintln!("{case}: {line}");
    line.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn many_elements_in_child() {
    if std::env::var(CASE_ENV).as_deref() == Ok("many_elements") {
        child("many_elements");
    }
}

#[test]
fn huge_text_in_child() {
    if std::env::var(CASE_ENV).as_deref() == Ok("huge_text") {
        child("huge_text");
    }
}

#[test]
fn parsing_a_hostile_answer_costs_a_small_multiple_of_its_size() {
    if std::env::var(CASE_ENV).is_ok() {
        return;
    }
    for case in ["many_elements", "huge_text"] {
        let ratio = measure(case);
        assert!(
            ratio < 3.0,
            "{case}: the call grew the peak RSS by {ratio:.2}× the body size"
        );
    }
}

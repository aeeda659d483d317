//! Streamed downloads against real loopback servers: APIv3 bills (signed GET of the download URL as given, digest
//! over the plain bill, gunzip on the fly), APIv2 downloads (signed XML POST, `<xml>` error documents), overseas
//! statement digests, and every failure leaving no file behind.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod download_server;
mod support;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use flate2::{Compression, write::GzEncoder};
use serde_json::json;
use sha1::{Digest, Sha1};
use support::*;
use wechatpay::download::{Bill, Download, Summary, check_statement};
use wechatpay::{Error, ErrorKind, V2Rejection, VerifyFailure};

const SECRET: &str = "exposed_your_key_here_have_risks";
/// A token as WeChat Pay might send it: mixed case and the characters a normaliser would touch.
const TOKEN: &str = "6XIv5TUPto7pByrT_QKhd-6kwvyKLG2+uY2w/MMR8cNXqaA%2Bv%3d==";
const BILL: &[u8] = "交易时间,公众账号ID,商户号\n`2026-12-01 10:00:00,`wx8888888888888888,`1230000109\n".as_bytes();

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

fn v2_client(base: &str) -> wechatpay::Client {
    builder(base).secret(SECRET).build().expect("client builds")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// How a run went: its label, its result, and what the file or the writer holds (`None`: no file).
type Run = (&'static str, wechatpay::Result<Summary>, Option<Vec<u8>>);

/// One download run four ways: blocking and async, into a file and into a writer. Each result comes with what
/// ended up in the file or the writer (`None`: no file).
fn four_ways(download: &Download, dir: &Path) -> Vec<Run> {
    let rt = runtime();
    let mut out = Vec::new();
    let path = dir.join("bill.csv");
    let r = download.to_file(&path);
    out.push(("blocking file", r, std::fs::read(&path).ok()));
    let _ = std::fs::remove_file(&path);
    let mut buf = Vec::new();
    let r = download.to_writer(&mut buf);
    out.push(("blocking writer", r, Some(buf)));
    let r = rt.block_on(download.to_file_async(&path));
    out.push(("async file", r, std::fs::read(&path).ok()));
    let _ = std::fs::remove_file(&path);
    let mut buf = Vec::new();
    let r = rt.block_on(download.to_writer_async(&mut buf));
    out.push(("async writer", r, Some(buf)));
    out
}

/// Runs `download` four ways and asserts each fails with `kind`, leaving the directory as it was.
fn fails_everywhere(download: &Download, kind: ErrorKind) -> Vec<Error> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("keep.txt"), b"unrelated").expect("write");
    let mut errors = Vec::new();
    for (how, result, _) in four_ways(download, dir.path()) {
        let err = result.expect_err(how);
        assert_eq!(err.kind(), kind, "{how}: {err}");
        assert_eq!(listing(dir.path()), ["keep.txt"], "{how} left a file behind");
        errors.push(err);
    }
    errors
}

fn bill_mock(server: &mut mockito::Server, body: Vec<u8>) -> mockito::Mock {
    let want = format!("/v3/billdownload/file?token={TOKEN}");
    server
        .mock("GET", mockito::Matcher::Any)
        .match_request(move |req| req.path_and_query() == want && verify_authorization(req).is_ok())
        .with_header("Content-Type", "application/octet-stream")
        .with_body(body)
        .create()
}

#[test]
fn a_plain_bill_downloads_four_ways_with_a_signed_request_and_the_token_untouched() {
    let mut server = mockito::Server::new();
    let mock = bill_mock(&mut server, BILL.to_vec()).expect(4);
    let client = v2_client(&base(&server));
    // absolute, as WeChat Pay answers it, on a host that is not the base URI's path
    let url = format!("{}/v3/billdownload/file?token={TOKEN}", server.url());
    let bill = Bill::from_json(
        &json!({ "hash_type": "SHA1", "hash_value": sha1_hex(BILL).to_uppercase(), "download_url": url }),
    )
    .expect("bill");
    let dir = tempfile::tempdir().expect("tempdir");
    for (how, result, written) in four_ways(&Download::bill(&client, &bill), dir.path()) {
        let summary = result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(written.as_deref(), Some(BILL), "{how}");
        assert_eq!(summary.bytes(), BILL.len() as u64);
        assert_eq!(summary.received(), BILL.len() as u64);
        assert_eq!(summary.sha1(), sha1_hex(BILL));
    }
    mock.assert();
    assert!(listing(dir.path()).is_empty(), "no temporary file remains");
}

#[test]
fn blocking_downloads_work_inside_a_tokio_runtime() {
    let mut server = mockito::Server::new();
    let mock = bill_mock(&mut server, BILL.to_vec()).expect(1);
    let client = v2_client(&base(&server));
    let bill = Bill::new(format!("v3/billdownload/file?token={TOKEN}"), "SHA1", sha1_hex(BILL));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let written = rt
        .block_on(async move {
            tokio::spawn(async move {
                let mut out = Vec::new();
                Download::bill(&client, &bill).to_writer(&mut out).map(|_| out)
            })
            .await
        })
        .expect("task")
        .expect("download");
    assert_eq!(written, BILL);
    mock.assert();
}

#[test]
fn a_gzip_bill_is_gunzipped_on_the_fly_and_its_digest_covers_the_plain_bill() {
    let mut server = mockito::Server::new();
    let gz = gzip(BILL);
    let mock = bill_mock(&mut server, gz.clone()).expect(4);
    let client = v2_client(&base(&server));
    // relative, resolved against the base URI
    let bill = Bill::new(format!("v3/billdownload/file?token={TOKEN}"), "SHA1", sha1_hex(BILL)).gzip(true);
    let dir = tempfile::tempdir().expect("tempdir");
    for (how, result, written) in four_ways(&Download::bill(&client, &bill), dir.path()) {
        let summary = result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(written.as_deref(), Some(BILL), "{how}");
        assert_eq!(
            (summary.bytes(), summary.received()),
            (BILL.len() as u64, gz.len() as u64)
        );
    }
    mock.assert();
}

#[test]
fn a_digest_mismatch_is_an_error_and_leaves_no_file() {
    let mut server = mockito::Server::new();
    let _mock = bill_mock(&mut server, BILL.to_vec());
    let client = v2_client(&base(&server));
    let bill = Bill::new(
        format!("v3/billdownload/file?token={TOKEN}"),
        "SHA1",
        sha1_hex(b"another bill"),
    );
    let errors = fails_everywhere(
        &Download::bill(&client, &bill),
        ErrorKind::Verify(VerifyFailure::DigestMismatch),
    );
    assert!(errors[0].to_string().contains(&sha1_hex(b"another bill")));
    // an existing file of that name survives a failed download untouched
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bill.csv");
    std::fs::write(&path, b"yesterday").expect("write");
    assert!(Download::bill(&client, &bill).to_file(&path).is_err());
    assert_eq!(std::fs::read(&path).expect("read"), b"yesterday");
    assert_eq!(listing(dir.path()), ["bill.csv"]);
}

#[test]
fn a_bad_or_truncated_gzip_is_an_error_and_leaves_no_file() {
    let mut server = mockito::Server::new();
    let gz = gzip(BILL);
    let cut = gz[..gz.len() - 6].to_vec();
    server
        .mock("GET", "/v3/billdownload/file?token=cut")
        .with_body(cut)
        .create();
    server
        .mock("GET", "/v3/billdownload/file?token=plain")
        .with_body(BILL)
        .create();
    let client = v2_client(&base(&server));
    for token in ["cut", "plain"] {
        let bill = Bill::unchecked(format!("v3/billdownload/file?token={token}")).gzip(true);
        fails_everywhere(&Download::bill(&client, &bill), ErrorKind::Decode);
    }
}

#[test]
fn an_unsupported_hash_type_is_refused_before_anything_is_sent() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    let client = v2_client(&base(&server));
    for (kind, value) in [("SHA256", sha1_hex(BILL)), ("SHA1", "not-hex".to_owned())] {
        let bill = Bill::new("v3/billdownload/file?token=t", kind, value);
        let errors = fails_everywhere(&Download::bill(&client, &bill), ErrorKind::InvalidArgument);
        assert!(errors[0].to_string().contains("nothing was downloaded"));
    }
    mock.assert();
}

#[test]
fn a_4xx_answer_is_a_status_error_that_keeps_wechats_json() {
    let mut server = mockito::Server::new();
    let body = r#"{"code":"INVALID_REQUEST","message":"下载链接已过期"}"#;
    let _mock = server
        .mock("GET", mockito::Matcher::Any)
        .with_status(400)
        .with_header("Content-Type", "application/json")
        .with_body(body)
        .create();
    let client = v2_client(&base(&server));
    let bill = Bill::new("v3/billdownload/file?token=t", "SHA1", sha1_hex(BILL));
    for err in fails_everywhere(&Download::bill(&client, &bill), ErrorKind::Status) {
        assert!(
            !err.to_string().contains("token=t"),
            "the token stays out of messages: {err}"
        );
        let resp = err.response().expect("the answer is kept");
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.text(), body);
    }
}

#[test]
fn a_body_cut_short_is_a_transport_error_and_leaves_no_file() {
    let server = download_server::start(|_req, stream| {
        download_server::head(stream, "200 OK", &[("Content-Length", "100000".to_owned())])?;
        stream.write_all(&BILL[..20])
        // the connection closes here, 99980 bytes early
    });
    let client = v2_client(&server.base);
    let bill = Bill::unchecked("v3/billdownload/file?token=t");
    fails_everywhere(&Download::bill(&client, &bill), ErrorKind::Transport);
}

#[test]
fn a_stalled_server_ends_in_a_timeout_not_a_hang() {
    let server = download_server::start(|_req, stream| {
        download_server::head(stream, "200 OK", &[("Content-Length", "100000".to_owned())])?;
        stream.write_all(&BILL[..20])?;
        stream.flush()?;
        std::thread::sleep(Duration::from_secs(5));
        Ok(())
    });
    let client = builder(&server.base)
        .read_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let bill = Bill::unchecked("v3/billdownload/file?token=t");
    let dir = tempfile::tempdir().expect("tempdir");
    let download = Download::bill(&client, &bill);
    let blocking = download.to_file(dir.path().join("bill.csv")).expect_err("stalls");
    let asynchronous = runtime()
        .block_on(download.to_writer_async(&mut Vec::new()))
        .expect_err("stalls");
    for err in [blocking, asynchronous] {
        assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
        assert!(err.is_timeout(), "{err:?}");
    }
    assert!(listing(dir.path()).is_empty());
}

/// A mock of an APIv2 download: checks the signed XML request and answers `body`.
fn v2_mock(server: &mut mockito::Server, path: &str, sign_type: &'static str, body: Vec<u8>) -> mockito::Mock {
    server
        .mock("POST", path)
        .match_request(move |req| {
            let data = wechatpay::Transformer::to_array(req.body().expect("body"));
            let Some(map) = data.as_object() else { return false };
            let sign = map.get("sign").and_then(|v| v.as_str()).unwrap_or("");
            let mut unsigned = map.clone();
            unsigned.remove("sign");
            let want = wechatpay::Hash::sign(
                sign_type,
                &wechatpay::Formatter::query_string_like(&wechatpay::Formatter::ksort(&unsigned)),
                SECRET,
            )
            .expect("sign");
            map["mch_id"] == MCHID && map["bill_date"] == "20261201" && sign == want
        })
        .with_body(body)
        .create()
}

#[test]
fn apiv2_downloadbill_streams_csv_and_gzip() {
    let mut server = mockito::Server::new();
    let plain = v2_mock(&mut server, "/pay/downloadbill", "MD5", BILL.to_vec()).expect(4);
    let client = v2_client(&base(&server));
    let node = client.v2().seg("pay").seg("downloadbill");
    let xml = json!({ "appid": "wx8888888888888888", "mch_id": MCHID, "bill_date": "20261201", "bill_type": "ALL" });
    let dir = tempfile::tempdir().expect("tempdir");
    for (how, result, written) in four_ways(&Download::v2(&node, json!({ "xml": xml })), dir.path()) {
        result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(written.as_deref(), Some(BILL), "{how}");
    }
    plain.assert();

    let mut server = mockito::Server::new();
    let gz = v2_mock(&mut server, "/pay/downloadfundflow", "HMAC-SHA256", gzip(BILL)).expect(4);
    let client = v2_client(&base(&server));
    let node = client.v2().seg("pay").seg("downloadfundflow");
    let xml = json!({ "appid": "wx8888888888888888", "mch_id": MCHID, "bill_date": "20261201",
        "account_type": "Basic", "sign_type": "HMAC-SHA256", "tar_type": "GZIP" });
    for (how, result, written) in four_ways(&Download::v2(&node, json!({ "xml": xml })), dir.path()) {
        let summary = result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(written.as_deref(), Some(BILL), "{how}");
        assert_eq!(summary.sha1(), sha1_hex(BILL));
    }
    gz.assert();
}

#[test]
fn an_apiv2_xml_error_document_is_a_typed_error_and_leaves_no_file() {
    let mut server = mockito::Server::new();
    let doc = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[No Bill Exist]]></return_msg>\
               <err_code><![CDATA[20002]]></err_code></xml>";
    let _mock = v2_mock(&mut server, "/pay/downloadbill", "MD5", doc.as_bytes().to_vec());
    let client = v2_client(&base(&server));
    let node = client.v2().seg("pay").seg("downloadbill");
    let opts = json!({ "xml": { "appid": "wx8888888888888888", "mch_id": MCHID, "bill_date": "20261201" } });
    for err in fails_everywhere(&Download::v2(&node, opts), ErrorKind::Rejected(V2Rejection::ReturnCode)) {
        let text = err.to_string();
        assert!(
            text.contains("return_code=FAIL") && text.contains("No Bill Exist") && text.contains("err_code=20002"),
            "{text}"
        );
        assert_eq!(err.response().expect("kept").text(), doc);
    }
}

#[test]
fn a_bill_needs_an_apiv3_client() {
    let server = mockito::Server::new();
    let v2_only = wechatpay::Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .base_uri(base(&server))
        .build()
        .expect("client");
    let bill = Bill::unchecked("v3/billdownload/file?token=t");
    fails_everywhere(&Download::bill(&v2_only, &bill), ErrorKind::Config);
}

#[test]
fn an_apiv3_path_is_not_an_apiv2_download() {
    let client = v2_client("http://127.0.0.1:9/");
    let err = Download::v2(&client.v3().seg("bill"), ())
        .to_writer(&mut Vec::new())
        .expect_err("v3 path");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

/// The overseas statement answer: the signature covers `{"sha1":"…"}`, and the body must hash to it.
fn statement_mock(server: &mut mockito::Server, announced_body: &[u8], sent_body: &'static str) -> mockito::Mock {
    let sha1 = sha1_hex(announced_body);
    let mut mock = server.mock("GET", "/v3/global/statements?date=2026-12-01");
    for (k, v) in signed_headers(
        &platform_private(),
        PLATFORM_ID,
        NOW,
        "n0nce",
        &format!(r#"{{"sha1":"{sha1}"}}"#),
    ) {
        mock = mock.with_header(k, &v);
    }
    mock.with_header("Wechatpay-Statement-Sha1", &sha1)
        .with_body(sent_body)
        .create()
}

#[test]
fn overseas_statements_are_checked_against_their_signed_digest() {
    let body = "Date,Amount\n2026-12-01,100\n";
    let mut server = mockito::Server::new();
    let _good = statement_mock(&mut server, body.as_bytes(), body);
    let client = v2_client(&base(&server));
    let node = client.v3().seg("global").seg("statements");
    let resp = node
        .get(json!({ "query": { "date": "2026-12-01" } }))
        .expect("signature verifies");
    check_statement(&resp).expect("the body is the one announced");

    // a tampered body still passes the signature (it covers the header only) but not the body check
    let mut server = mockito::Server::new();
    let _tampered = statement_mock(&mut server, body.as_bytes(), "Date,Amount\n2026-12-01,999\n");
    let client = v2_client(&base(&server));
    let node = client.v3().seg("global").seg("statements");
    let resp = node
        .get(json!({ "query": { "date": "2026-12-01" } }))
        .expect("signature verifies");
    let err = check_statement(&resp).expect_err("tampered");
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::DigestMismatch));
    assert!(err.response().is_some());

    let unsigned = wechatpay::Response::new(wechatpay::http::StatusCode::OK, Default::default(), body);
    assert_eq!(
        check_statement(&unsigned).expect_err("no header").kind(),
        ErrorKind::Verify(VerifyFailure::HeadersIncomplete)
    );
}

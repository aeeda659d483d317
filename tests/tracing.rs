//! `tracing`: one span per call (blocking and async, APIv2 and APIv3), a child of the caller's span, with the
//! method, the path template, the API, the status, WeChat Pay's `Request-ID`, the elapsed time and the error kind;
//! and nothing secret anywhere in what a subscriber sees (no body, key, secret, signature, `Authorization`,
//! nonce, expanded path or download token).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use wechatpay::{ErrorKind, Response, Result};

/// A span as the subscriber saw it: its fields (as created, then as recorded) and its parent.
#[derive(Debug, Clone)]
struct SeenSpan {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

/// An event: its message and fields, and the span it happened in.
#[derive(Debug, Clone)]
struct SeenEvent {
    span: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Seen {
    spans: Vec<(u64, SeenSpan)>,
    events: Vec<SeenEvent>,
    /// Every name and value a subscriber was handed, as text.
    text: String,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Seen>>);

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Seen {
    fn log(&mut self, what: &str, name: &str, fields: &BTreeMap<String, String>) {
        self.text.push_str(&format!("{what} {name} {fields:?}\n"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let seen = SeenSpan {
            name: span.name().to_owned(),
            parent: span.parent().map(|p| p.name().to_owned()),
            fields: fields.0,
        };
        let mut all = self.0.lock().unwrap();
        all.log("new", &seen.name, &seen.fields);
        all.spans.push((id.into_u64(), seen));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut all = self.0.lock().unwrap();
        let name = {
            let Some((_, span)) = all.spans.iter_mut().rev().find(|(i, _)| *i == id.into_u64()) else {
                return;
            };
            span.fields.extend(fields.0.clone());
            span.name.clone()
        };
        all.log("record", &name, &fields.0);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let span = ctx.event_span(event).map(|s| s.name().to_owned());
        let mut all = self.0.lock().unwrap();
        all.log("event", span.as_deref().unwrap_or("-"), &fields.0);
        all.events.push(SeenEvent { span, fields: fields.0 });
    }
}

/// Runs `f` with a capturing subscriber as the thread's default, inside a `caller` span.
fn captured<T>(f: impl FnOnce() -> T) -> (T, Arc<Mutex<Seen>>) {
    let capture = Capture::default();
    let seen = capture.0.clone();
    let subscriber = tracing_subscriber::registry().with(capture);
    let out = tracing::subscriber::with_default(subscriber, || tracing::info_span!("caller").in_scope(f));
    (out, seen)
}

/// What a subscriber saw of one way of making a call.
type Captured = (&'static str, Result<Response>, Arc<Mutex<Seen>>);

/// One call made blocking, then async (the future made inside the caller's span, driven outside it).
fn both_ways(
    blocking: impl Fn() -> Result<Response>,
    asynchronous: impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<Response>>>>,
) -> Vec<Captured> {
    let (b, seen_b) = captured(&blocking);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (a, seen_a) = captured(|| {
        let fut = asynchronous();
        rt.block_on(fut)
    });
    vec![("blocking", b, seen_b), ("async", a, seen_a)]
}

/// The one span named `name`.
fn span(seen: &Seen, name: &str) -> SeenSpan {
    let found: Vec<&SeenSpan> = seen.spans.iter().map(|(_, s)| s).filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one `{name}` span in {:#?}", seen.spans);
    found[0].clone()
}

fn field<'a>(span: &'a SeenSpan, name: &str) -> &'a str {
    span.fields
        .get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("field `{name}` in {span:?}"))
}

fn assert_nowhere(seen: &Seen, how: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(
            !seen.text.contains(secret),
            "{how}: `{secret}` reached the subscriber:\n{}",
            seen.text
        );
    }
}

/// A line from the middle of the merchant private key's PEM text.
fn merchant_key_line() -> String {
    let pem = std::fs::read_to_string(fixture("keys/merchant.pkcs8.key.pem")).unwrap();
    pem.lines().nth(3).unwrap().to_owned()
}

/// The `Authorization` headers and bodies mockito received.
#[derive(Clone, Default)]
struct Sent(Arc<Mutex<Vec<(String, String)>>>);

impl Sent {
    fn matcher(&self) -> impl Fn(&mockito::Request) -> bool + Send + Sync + 'static {
        let sent = self.0.clone();
        move |req| {
            let auth = req
                .header("authorization")
                .first()
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = String::from_utf8_lossy(req.body().unwrap()).into_owned();
            sent.lock().unwrap().push((auth, body));
            true
        }
    }

    /// The `Authorization` value, its signature and nonce, of every request.
    fn authorization_parts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (auth, _) in self.0.lock().unwrap().iter() {
            out.push(auth.clone());
            for part in auth.split(',') {
                if let Some((k, v)) = part.split_once('=') {
                    if k.ends_with("signature") || k.ends_with("nonce_str") {
                        out.push(v.trim_matches('"').to_owned());
                    }
                }
            }
        }
        out
    }
}

const TEMPLATE: &str = "v3/pay/transactions/out-trade-no/{out_trade_no}";
const ORDER: &str = "ORDER7X9K2Q";
const ANSWER: &str = r#"{"out_trade_no":"ORDER7X9K2Q","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;

#[test]
fn a_successful_v3_call_is_one_span_with_the_template_status_and_request_id() {
    let mut server = mockito::Server::new();
    let sent = Sent::default();
    let mut mock = server
        .mock("GET", "/v3/pay/transactions/out-trade-no/ORDER7X9K2Q?mchid=1230000109")
        .match_request(sent.matcher())
        .with_header("Request-ID", "08F78BB5AF0610D302A1C8B0E00120DE")
        .with_body(ANSWER);
    for (name, value) in signed_headers(&platform_private(), PLATFORM_ID, NOW, "RESPNONCE42", ANSWER) {
        mock = mock.with_header(name, &value);
    }
    let mock = mock.expect(2).create();
    let client = client(&base(&server));
    let opts = json!({ "out_trade_no": ORDER, "query": { "mchid": MCHID } });
    let node = client.chain(TEMPLATE);
    for (how, result, seen) in both_ways(|| node.get(opts.clone()), || Box::pin(node.get_async(opts.clone()))) {
        result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        let seen = seen.lock().unwrap();
        let call = span(&seen, "wechatpay.call");
        assert_eq!(call.parent.as_deref(), Some("caller"), "{how}");
        assert_eq!(field(&call, "method"), "GET", "{how}");
        assert_eq!(field(&call, "path"), TEMPLATE, "{how}");
        assert_eq!(field(&call, "api"), "v3", "{how}");
        assert_eq!(field(&call, "status"), "200", "{how}");
        assert_eq!(field(&call, "request_id"), "08F78BB5AF0610D302A1C8B0E00120DE", "{how}");
        assert!(field(&call, "elapsed_ms").parse::<u64>().is_ok(), "{how}");
        assert!(!call.fields.contains_key("error"), "{how}");
        // the event of the outcome happens inside the call's span, on whichever thread ran it
        assert!(
            seen.events
                .iter()
                .any(|e| e.span.as_deref() == Some("wechatpay.call")
                    && e.fields["message"] == "wechatpay call succeeded"),
            "{how}: {:?}",
            seen.events
        );
        let mut secrets = vec![
            ORDER.to_owned(),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".to_owned(),
            merchant_key_line(),
        ];
        secrets.push("mchid=".to_owned());
        secrets.push("RESPNONCE42".to_owned());
        let secrets: Vec<String> = secrets.into_iter().chain(sent.authorization_parts()).collect();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_nowhere(&seen, how, &secrets);
    }
    mock.assert();
}

#[test]
fn a_failed_verification_records_its_kind_and_an_event_but_not_the_body() {
    let mut server = mockito::Server::new();
    let sent = Sent::default();
    let mut mock = server
        .mock("GET", "/v3/pay/transactions/out-trade-no/ORDER7X9K2Q")
        .match_request(sent.matcher())
        .with_header("Request-ID", "REQ-VERIFY-1")
        .with_body(ANSWER);
    // signed by the merchant key, which is not the configured platform key
    for (name, value) in signed_headers(&merchant_private(), PLATFORM_ID, NOW, "RESPNONCE43", ANSWER) {
        mock = mock.with_header(name, &value);
    }
    let mock = mock.expect(2).create();
    let client = client(&base(&server));
    let opts = json!({ "out_trade_no": ORDER });
    let node = client.chain(TEMPLATE);
    for (how, result, seen) in both_ways(|| node.get(opts.clone()), || Box::pin(node.get_async(opts.clone()))) {
        let err = result.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Verify(_)), "{how}: {err:?}");
        let seen = seen.lock().unwrap();
        let call = span(&seen, "wechatpay.call");
        assert_eq!(field(&call, "error"), format!("{:?}", err.kind()), "{how}");
        assert_eq!(field(&call, "status"), "200", "{how}");
        assert_eq!(field(&call, "request_id"), "REQ-VERIFY-1", "{how}");
        assert!(
            seen.events
                .iter()
                .any(|e| e.fields["message"] == "response verification failed"
                    && e.fields["error"] == format!("{:?}", err.kind())
                    && e.span.as_deref() == Some("wechatpay.call")),
            "{how}: {:?}",
            seen.events
        );
        let mut secrets: Vec<String> = vec![
            ORDER.into(),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
            "RESPNONCE43".into(),
        ];
        secrets.extend(sent.authorization_parts());
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_nowhere(&seen, how, &secrets);
    }
    mock.assert();
}

#[test]
fn a_4xx_records_the_status_the_request_id_and_the_kind() {
    let mut server = mockito::Server::new();
    let body = r#"{"code":"PARAM_ERROR","message":"openid oUpF8uMuAJO_M2pxb1Q9zNjWeS6o is invalid"}"#;
    let mock = server
        .mock("POST", "/v3/pay/transactions/jsapi")
        .with_status(400)
        .with_header("Request-ID", "REQ-400-7")
        .with_body(body)
        .expect(2)
        .create();
    let client = client(&base(&server));
    let opts = json!({ "json": { "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }, "amount": { "total": 1 } } });
    let node = client.chain("v3/pay/transactions/jsapi");
    for (how, result, seen) in both_ways(|| node.post(opts.clone()), || Box::pin(node.post_async(opts.clone()))) {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Status, "{how}");
        let seen = seen.lock().unwrap();
        let call = span(&seen, "wechatpay.call");
        assert_eq!(field(&call, "method"), "POST", "{how}");
        assert_eq!(field(&call, "path"), "v3/pay/transactions/jsapi", "{how}");
        assert_eq!(field(&call, "status"), "400", "{how}");
        assert_eq!(field(&call, "request_id"), "REQ-400-7", "{how}");
        assert_eq!(field(&call, "error"), "Status", "{how}");
        assert_nowhere(&seen, how, &["oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "PARAM_ERROR"]);
    }
    mock.assert();
}

#[test]
fn an_apiv2_call_is_traced_without_its_secret_sign_nonce_or_body() {
    const SECRET: &str = "k7Qz2LwX9mVt4RcY8bN3pJ6sH1dF5gA0";
    const NONCE: &str = "N0NCEv2q8wX4zR7tY1uI5oP3aS6dF9gH";
    let mut server = mockito::Server::new();
    let sent = Sent::default();
    let answer = signed_xml(
        json!({ "return_code": "SUCCESS", "result_code": "SUCCESS", "openid": "oV2secretopenid" }),
        SECRET,
    );
    let mock = server
        .mock("POST", "/pay/orderquery")
        .match_request(sent.matcher())
        .with_header("Request-ID", "REQ-V2-1")
        .with_body(answer)
        .expect(2)
        .create();
    let client = wechatpay::Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .nonce(|| Ok(NONCE.to_owned()))
        .base_uri(base(&server))
        .build()
        .unwrap();
    let opts = json!({ "xml": { "appid": "wxd678efh567hg6787", "mch_id": MCHID, "out_trade_no": "V2ORDER5521" } });
    let node = client.v2().chain("pay/orderquery");
    for (how, result, seen) in both_ways(|| node.post(opts.clone()), || Box::pin(node.post_async(opts.clone()))) {
        result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        let seen = seen.lock().unwrap();
        let call = span(&seen, "wechatpay.call");
        assert_eq!(call.parent.as_deref(), Some("caller"), "{how}");
        assert_eq!(field(&call, "path"), "v2/pay/orderquery", "{how}");
        assert_eq!(field(&call, "api"), "v2", "{how}");
        assert_eq!(field(&call, "status"), "200", "{how}");
        assert_eq!(field(&call, "request_id"), "REQ-V2-1", "{how}");
        let bodies: Vec<String> = sent.0.lock().unwrap().iter().map(|(_, b)| b.clone()).collect();
        let signs: Vec<String> = bodies
            .iter()
            .map(|b| {
                let start = b.find("<sign>").unwrap() + "<sign>".len();
                let end = b.find("</sign>").unwrap();
                b[start..end]
                    .trim_start_matches("<![CDATA[")
                    .trim_end_matches("]]>")
                    .to_owned()
            })
            .collect();
        assert!(signs.iter().all(|s| s.len() >= 32), "{signs:?}");
        let mut secrets: Vec<&str> = vec![SECRET, NONCE, "V2ORDER5521", "oV2secretopenid", "wxd678efh567hg6787"];
        secrets.extend(signs.iter().map(String::as_str));
        assert_nowhere(&seen, how, &secrets);
    }
    mock.assert();
}

#[test]
fn the_certificate_downloader_and_bill_downloads_have_spans_too() {
    let sandbox = wechatpay::sandbox::Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (certs, seen) = captured(|| wechatpay::certs::Downloader::new(&client).download());
    assert_eq!(certs.unwrap().len(), 2);
    let seen = seen.lock().unwrap();
    let certs = span(&seen, "wechatpay.certificates");
    assert_eq!(certs.parent.as_deref(), Some("caller"));
    assert_eq!(field(&certs, "status"), "200");
    assert!(!certs.fields.contains_key("error"));
    assert_nowhere(
        &seen,
        "certificates",
        &[wechatpay::sandbox::APIV3_KEY, "BEGIN CERTIFICATE"],
    );
    drop(seen);

    const TOKEN: &str = "tK9vQ2xLmP4wR7sT1uY5zA8bC3dE6fG0";
    let mut server = mockito::Server::new();
    let bill = "交易时间,商户号\n`2026-12-01 10:00:00,`1230000109\n";
    let mock = server
        .mock("GET", format!("/v3/billdownload/file?token={TOKEN}").as_str())
        .with_header("Request-ID", "REQ-BILL-3")
        .with_body(bill)
        .expect(2)
        .create();
    let client = support::client(&base(&server));
    let b = wechatpay::download::Bill::new(
        format!("{}/v3/billdownload/file?token={TOKEN}", server.url()),
        "SHA1",
        hex::encode(<sha1::Sha1 as sha1::Digest>::digest(bill.as_bytes())),
    );
    let download = wechatpay::download::Download::bill(&client, &b);
    let (written, seen) = captured(|| {
        let mut out = Vec::new();
        download.to_writer(&mut out).map(|_| out)
    });
    assert_eq!(written.unwrap(), bill.as_bytes());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (written_async, seen_async) = captured(|| {
        rt.block_on(async {
            let mut out = Vec::new();
            download.to_writer_async(&mut out).await.map(|_| out)
        })
    });
    assert_eq!(written_async.unwrap(), bill.as_bytes());
    for (how, seen) in [("blocking", seen), ("async", seen_async)] {
        let seen = seen.lock().unwrap();
        let dl = span(&seen, "wechatpay.download");
        assert_eq!(dl.parent.as_deref(), Some("caller"), "{how}");
        assert_eq!(field(&dl, "path"), "/v3/billdownload/file", "{how}");
        assert_eq!(field(&dl, "status"), "200", "{how}");
        assert_eq!(field(&dl, "request_id"), "REQ-BILL-3", "{how}");
        assert_eq!(field(&dl, "bytes"), bill.len().to_string(), "{how}");
        assert_nowhere(&seen, how, &[TOKEN, "token=", "1230000109"]);
    }
    mock.assert();
}

#[test]
fn without_a_subscriber_calls_work_the_same() {
    let sandbox = wechatpay::sandbox::Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let resp = client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(json!({ "stock_id": "1" }))
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[test]
fn retries_and_redirect_hops_are_debug_events_inside_the_call_span() {
    let body = r#"{"ok":true}"#;
    let mut server = mockito::Server::new();
    let hop = server
        .mock("GET", "/v3/a")
        .with_status(302)
        .with_header("Location", "/v3/b?hop_token=H0PT0KEN55")
        .expect(2)
        .create();
    let mut ok = server.mock("GET", "/v3/b?hop_token=H0PT0KEN55").with_body(body);
    for (name, value) in signed_headers(&platform_private(), PLATFORM_ID, NOW, "HOPNONCE", body) {
        ok = ok.with_header(name, &value);
    }
    let ok = ok.expect(2).create();
    let refusing = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let client = builder(&refusing)
        .retry(
            wechatpay::Retry::new()
                .backup_base_uri(base(&server))
                .backoff(std::time::Duration::from_millis(1), std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let node = client.chain("v3/a");
    for (how, result, seen) in both_ways(|| node.get(()), || Box::pin(node.get_async(()))) {
        result.unwrap_or_else(|e| panic!("{how}: {e:?}"));
        let seen = seen.lock().unwrap();
        let in_call: Vec<&SeenEvent> = seen
            .events
            .iter()
            .filter(|e| e.span.as_deref() == Some("wechatpay.call"))
            .collect();
        let retry = in_call
            .iter()
            .find(|e| e.fields["message"] == "retrying the request")
            .unwrap_or_else(|| panic!("{how}: {in_call:?}"));
        assert_eq!(
            (
                retry.fields["attempt"].as_str(),
                retry.fields["reason"].as_str(),
                retry.fields["backup"].as_str()
            ),
            ("2", "connect", "true"),
            "{how}"
        );
        let redirect = in_call
            .iter()
            .find(|e| e.fields["message"] == "following a redirect")
            .unwrap_or_else(|| panic!("{how}: {in_call:?}"));
        assert_eq!(
            (redirect.fields["hop"].as_str(), redirect.fields["status"].as_str()),
            ("1", "302")
        );
        assert_nowhere(&seen, how, &["H0PT0KEN55", "HOPNONCE"]);
    }
    hop.assert();
    ok.assert();
}

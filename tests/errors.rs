//! Errors: one `Error` whose kind a caller can match on, clear texts, the response kept,
//! nothing sent when the request itself is invalid, no secrets in `Debug`/`Display`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::json;
use support::*;
use wechatpay::{Builder, ErrorKind, KeyType, Rsa};

#[test]
fn builder_validates_like_php_in_order() {
    let pk = merchant_private();
    let cases: Vec<(Builder, &str)> = vec![
        (
            Builder::new(),
            "The merchant ID (`mchid`) is required: set it with `Builder::mchid`, e.g. `1900000001`.",
        ),
        (
            Builder::new().mchid(MCHID),
            "The merchant API certificate's serial number (`serial`) is required: set it with `Builder::serial` (40 \
             hexadecimal characters).",
        ),
        (
            Builder::new().mchid(MCHID).serial("S"),
            "The merchant's private key (`private_key`) is required: set it with `Builder::private_key`, e.g. \
             `Rsa::from(\"file:///path/apiclient_key.pem\", KeyType::Private)`.",
        ),
        (
            Builder::new().mchid(MCHID).serial("S").private_key(pk.clone()),
            "At least one WeChat Pay platform key is required to verify answers: add \
             `Builder::cert(\"PUB_KEY_ID_…\", public key)` or `Builder::cert(platform certificate serial, certificate)`.",
        ),
        (
            Builder::new()
                .mchid(MCHID)
                .serial("S")
                .private_key(pk.clone())
                .cert("S", platform_public())
                .cert("P", platform_public()),
            "The `certs(S,P)` contains the merchant's certificate serial number(S) which is not allowed here.",
        ),
    ];
    for (b, msg) in cases {
        let err = b.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.to_string(), msg);
    }
    // the APIv3 key is an AES-256 key: anything but 32 bytes is refused at build(), without echoing it
    let err = builder("https://api.mch.weixin.qq.com/")
        .apiv3_key("too-short-key")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("32 bytes"), "{err}");
    assert!(!err.to_string().contains("too-short-key"), "{err}");
    // an empty mchid passes, as in PHP
    Builder::new()
        .mchid("")
        .serial("")
        .private_key(pk)
        .cert("P", platform_public())
        .build()
        .unwrap();
}

#[test]
fn unloadable_keys_are_config_errors_with_a_source() {
    let err = Builder::new()
        .mchid(MCHID)
        .serial(SERIAL)
        .private_key("file:///no/such/apiclient_key.pem")
        .cert(PLATFORM_ID, platform_public())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(std::error::Error::source(&err).is_some());
    // a public key where the private one is needed
    let err = Builder::new()
        .mchid(MCHID)
        .serial(SERIAL)
        .private_key(merchant_public())
        .cert(PLATFORM_ID, platform_public())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    // a private key given as a platform certificate
    let pem = std::fs::read_to_string(fixture("keys/merchant.pkcs8.key.pem")).unwrap();
    let err = Builder::new()
        .mchid(MCHID)
        .serial(SERIAL)
        .private_key(merchant_private())
        .cert(PLATFORM_ID, pem.as_str())
        .build();
    assert_eq!(err.unwrap_err().kind(), ErrorKind::Config);
    assert!(Rsa::from("file:///no/such/file.pem", KeyType::Public).is_err());
}

#[test]
fn v3_call_on_a_v2_only_client_is_a_clear_error_and_sends_nothing() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    let client = Builder::new()
        .mchid(MCHID)
        .secret("exposed_your_key_here_have_risks")
        .base_uri(base(&server))
        .build()
        .unwrap();
    for (mode, result) in both(&client.chain("v3/certificates"), "GET", ()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Config, "{mode}");
        assert!(err.to_string().contains("no APIv3 configuration"), "{err}");
    }
    mock.assert();
}

#[test]
fn invalid_request_options_send_nothing() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    let client = client(&base(&server));
    for bad in [
        json!({"headers": {"X": null}}),
        json!({"headers": {"bad header": "v"}}),
        json!({"query": 5}),
    ] {
        for (mode, result) in both(&client.chain("v3/x"), "GET", bad.clone()) {
            assert_eq!(
                result.expect_err(mode).kind(),
                ErrorKind::InvalidArgument,
                "{bad} {mode}"
            );
        }
    }
    mock.assert();
}

#[test]
fn non_json_success_body_is_a_decode_error_carrying_the_response() {
    let mut server = mockito::Server::new();
    let body = "<html>gateway</html>";
    let mut mock = server.mock("GET", "/v3/x").with_body(body);
    for (n, v) in signed_headers(&platform_private(), PLATFORM_ID, NOW, "n", body) {
        mock = mock.with_header(n, &v);
    }
    let _m = mock.create();
    let resp = client(&base(&server)).chain("v3/x").get(()).unwrap();
    let err = resp.json::<serde_json::Value>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.response().unwrap().text(), body);
}

#[test]
fn responses_larger_than_the_cap_are_refused() {
    let mut server = mockito::Server::new();
    let _m = server.mock("GET", "/v3/big").with_body("x".repeat(10_000)).create();
    let client = builder(&base(&server)).max_response_size(1000).build().unwrap();
    for (mode, result) in both(&client.chain("v3/big"), "GET", ()) {
        assert_eq!(result.expect_err(mode).kind(), ErrorKind::BodyTooLarge, "{mode}");
    }
}

#[test]
fn the_default_cap_is_four_mebibytes() {
    let mut server = mockito::Server::new();
    let _small = server
        .mock("GET", "/v3/billdownload/file")
        .with_body(vec![b'x'; 4 << 20])
        .create();
    let _big = server
        .mock("GET", "/v3/merchant-service/images/big")
        .with_body(vec![b'x'; (4 << 20) + 1])
        .create();
    let client = client(&base(&server));
    // both paths are unverified, so a complete answer is accepted as it is
    for (mode, result) in both(&client.chain("v3/billdownload/file"), "GET", ()) {
        assert_eq!(result.expect(mode).body().len(), 4 << 20, "{mode}");
    }
    for (mode, result) in both(&client.chain("v3/merchant-service/images/big"), "GET", ()) {
        assert_eq!(result.expect_err(mode).kind(), ErrorKind::BodyTooLarge, "{mode}");
    }
}

#[test]
fn server_errors_keep_status_and_body() {
    let mut server = mockito::Server::new();
    let body = r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#;
    let _m = server.mock("POST", "/v3/x").with_status(503).with_body(body).create();
    let client = client(&base(&server));
    for (mode, result) in both(&client.chain("v3/x"), "POST", json!({"json": {}})) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status);
        assert!(err.to_string().starts_with(&format!(
            "Server error: `POST {}/v3/x` resulted in a `503 Service Unavailable` response:\n",
            server.url()
        )));
        let resp = err.response().unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.json::<serde_json::Value>().unwrap()["code"], "SYSTEM_ERROR");
    }
}

#[test]
fn connection_refused_is_a_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed again
    let client = client(&format!("http://127.0.0.1:{port}/"));
    for (mode, result) in both(&client.chain("v3/x"), "GET", ()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
        assert!(err.response().is_none());
    }
}

/// A server that accepts, reads the request, then either stalls or resets.
fn raw_server(stall: bool) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((mut s, _)) = listener.accept() else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            if stall {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":");
                std::thread::sleep(Duration::from_millis(1500));
            } else {
                // close without answering: the client sees the connection end mid-exchange
                let _ = s.shutdown(std::net::Shutdown::Both);
                drop(s);
            }
        }
    });
    (format!("http://{addr}/"), handle)
}

#[test]
fn a_stalling_server_times_out() {
    let (base, handle) = raw_server(true);
    let client = client(&base);
    for (mode, result) in both(&client.chain("v3/x"), "GET", json!({"timeout": 0.3})) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
        assert!(err.is_timeout(), "{mode}: {err:?}");
    }
    handle.join().unwrap();
}

#[test]
fn a_resetting_server_is_a_transport_error() {
    let (base, handle) = raw_server(false);
    let client = client(&base);
    for (mode, result) in both(&client.chain("v3/x"), "GET", ()) {
        assert_eq!(result.expect_err(mode).kind(), ErrorKind::Transport, "{mode}");
    }
    handle.join().unwrap();
}

#[test]
fn debug_and_display_never_show_secrets() {
    let secret = "exposed_your_key_here_have_risks";
    let apiv3_key = "apiv3_key_that_must_never_print_";
    let client = builder("https://api.mch.weixin.qq.com/")
        .secret(secret)
        .apiv3_key(apiv3_key)
        .build()
        .unwrap();
    let pem = std::fs::read_to_string(fixture("keys/merchant.pkcs8.key.pem")).unwrap();
    let key_line = pem.lines().nth(1).unwrap();
    for text in [
        format!("{client:?}"),
        format!("{:?}", client.v3().seg("pay")),
        format!("{:?}", merchant_private()),
    ] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains(apiv3_key), "{text}");
        assert!(!text.contains(key_line), "{text}");
        assert!(!text.contains("BEGIN"), "{text}");
    }
    assert!(format!("{client:?}").contains(MCHID));
}

/// A server that answers each of `calls` requests after `delay`, dribbling its body `gap` apart byte by byte.
fn slow_server(calls: usize, delay: Duration, gap: Duration) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for _ in 0..calls {
            let Ok((mut s, _)) = listener.accept() else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            std::thread::sleep(delay);
            let body = b"0123456789";
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            for byte in body {
                std::thread::sleep(gap);
                if s.write_all(&[*byte]).is_err() {
                    break;
                }
            }
        }
    });
    (format!("http://{addr}/"), handle)
}

#[test]
fn a_trickling_server_cannot_outlast_the_call_deadline() {
    // a byte every 200 ms keeps the 60 s read timeout happy for ever; the 1 s call deadline ends the call
    let (base, handle) = slow_server(2, Duration::ZERO, Duration::from_millis(200));
    let client = builder(&base).timeout(Duration::from_secs(1)).build().unwrap();
    // an unverified path, so that a complete answer would be accepted
    for (mode, result) in both(&client.chain("v3/billdownload/file"), "GET", ()) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Transport, "{mode}: {err}");
        assert!(err.is_timeout(), "{mode}: {err:?}");
        assert!(err.to_string().contains("timed out after 1s"), "{mode}: {err}");
    }
    handle.join().unwrap();
}

#[test]
fn a_zero_timeout_option_lifts_the_call_deadline_for_one_call() {
    let (base, handle) = slow_server(4, Duration::from_millis(600), Duration::ZERO);
    let client = builder(&base).timeout(Duration::from_millis(300)).build().unwrap();
    let node = client.chain("v3/billdownload/file");
    for (mode, result) in both(&node, "GET", ()) {
        assert!(result.expect_err(mode).is_timeout(), "{mode}");
    }
    for (mode, result) in both(&node, "GET", json!({ "timeout": 0 })) {
        assert_eq!(result.expect(mode).body(), b"0123456789", "{mode}");
    }
    handle.join().unwrap();
}

#[test]
fn failed_calls_never_show_secrets_in_errors() {
    let secret = "exposed_your_key_here_have_risks";
    let apiv3_key = "apiv3_key_that_must_never_print_";
    let pem = std::fs::read_to_string(fixture("keys/merchant.pkcs8.key.pem")).unwrap();
    let key_line = pem.lines().nth(1).unwrap().to_owned();
    let mut server = mockito::Server::new();
    let _v3 = server
        .mock("GET", "/v3/x")
        .with_status(401)
        .with_body(r#"{"code":"SIGN_ERROR","message":"签名错误"}"#)
        .create();
    let _v2 = server
        .mock("POST", "/pay/orderquery")
        .with_body("<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>")
        .create();
    let client = builder(&base(&server))
        .secret(secret)
        .apiv3_key(apiv3_key)
        .build()
        .unwrap();
    let mut errors = Vec::new();
    for (_, result) in both(&client.chain("v3/x"), "GET", ()) {
        errors.push(result.unwrap_err());
    }
    let v2 = json!({ "xml": { "appid": "wx8888888888888888", "mch_id": MCHID, "out_trade_no": "1" } });
    for (_, result) in both(&client.chain("v2/pay/orderquery"), "POST", v2) {
        errors.push(result.unwrap_err());
    }
    // a notification signed with a key this client does not know
    #[cfg(feature = "sandbox")]
    {
        let (headers, body) = wechatpay::sandbox::notification("TRANSACTION.SUCCESS", &json!({"a": 1})).unwrap();
        errors.push(client.notification(&headers, &body).unwrap_err());
    }
    assert!(errors.len() >= 4);
    for err in &errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(secret), "{text}");
            assert!(!text.contains(apiv3_key), "{text}");
            assert!(!text.contains(&key_line), "{text}");
            assert!(
                !text.contains("Authorization") && !text.contains("WECHATPAY2-SHA256-RSA2048"),
                "{text}"
            );
        }
    }
}

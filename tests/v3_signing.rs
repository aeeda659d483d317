//! APIv3 request signing: a mock that RSA-verifies the `Authorization` header over the
//! captured method, request-target and body (as PHP's own tests check it); golden headers with a pinned clock and nonce.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use serde_json::json;
use support::*;

/// A signed, verifiable `{}` answer for the mock.
fn signed_ok(mock: mockito::Mock, body: &str) -> mockito::Mock {
    let mut mock = mock.with_status(200).with_body(body);
    for (n, v) in signed_headers(
        &platform_private(),
        PLATFORM_ID,
        NOW,
        "c5ac7061fccab6bf3e254dcf98995b8c",
        body,
    ) {
        mock = mock.with_header(n, &v);
    }
    mock
}

#[test]
fn the_server_verifies_every_request_signature() {
    let mut server = mockito::Server::new();
    let cases = [
        ("GET", "v3/certificates", json!({})),
        (
            "GET",
            "v3/pay/transactions/id/{id}",
            json!({ "id": "4200 0/1", "query": { "mchid": "1230000109" } }),
        ),
        (
            "POST",
            "v3/pay/transactions/native",
            json!({ "json": { "mchid": "1230000109", "description": "形象店 a/b" } }),
        ),
        ("PUT", "v3/x", json!({ "body": "raw text body" })),
        ("PATCH", "v3/x", json!({ "json": [] })),
        ("DELETE", "v3/x", json!({})),
    ];
    let client = client(&base(&server));
    for (method, chain, opts) in cases {
        let node = client.chain(chain);
        let path = node.resolve(opts.clone()).unwrap().url().path().to_owned();
        let mock = server
            .mock(method, path.as_str())
            .match_query(mockito::Matcher::Any)
            .match_request(|req| verify_authorization(req).is_ok());
        let mock = signed_ok(mock, "{}").expect(2).create();
        for (mode, result) in both(&node, method, opts.clone()) {
            result.unwrap_or_else(|e| panic!("{method} {chain} ({mode}): {e:?}"));
        }
        mock.assert();
    }
}

#[test]
fn signed_bytes_are_the_sent_bytes() {
    // The mock records what arrived; the signature must verify over exactly that body.
    let mut server = mockito::Server::new();
    let body = json!({ "description": "Image形象店-深圳腾大-QQ公仔", "notify_url": "https://weixin.qq.com/", "amount": { "total": 1 } });
    let mock = signed_ok(
        server
            .mock("POST", "/v3/pay/transactions/native")
            .match_body(mockito::Matcher::Exact(serde_json::to_string(&body).unwrap()))
            .match_header("content-type", "application/json; charset=utf-8")
            .match_request(|req| verify_authorization(req).is_ok()),
        "{}",
    )
    .expect(2)
    .create();
    let client = client(&base(&server));
    for (mode, result) in both(
        &client.v3().seg("pay").seg("transactions").seg("native"),
        "POST",
        json!({ "json": body }),
    ) {
        result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
    }
    mock.assert();
}

#[test]
fn golden_authorization_with_pinned_clock_and_nonce() {
    // php-oracle rsa_sign vector 1: GET /v3/certificates at 1554208460 with nonce 593BEC0C930BF1AFEB40B4A08C8FB242.
    let vector = support::corpus("crypto_vectors.jsonl")
        .into_iter()
        .find(|v| v["kind"] == "rsa_sign" && v["message"].as_str().unwrap().starts_with("GET\n/v3/certificates\n"))
        .expect("vector");
    let expected = format!(
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1230000109",serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",timestamp="1554208460",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="{}""#,
        vector["signature"].as_str().unwrap()
    );
    let mut server = mockito::Server::new();
    let _m = server
        .mock("GET", "/v3/certificates")
        .match_header("authorization", expected.as_str())
        .with_status(204)
        .create();
    let client = builder(&base(&server))
        .clock(wechatpay::FixedClock(1_554_208_460))
        .nonce(|| Ok("593BEC0C930BF1AFEB40B4A08C8FB242".to_owned()))
        .verifier(|_: &wechatpay::VerifyContext<'_>| Ok(()))
        .build()
        .unwrap();
    for (mode, result) in both(&client.chain("v3/certificates"), "GET", ()) {
        assert_eq!(
            result.unwrap_or_else(|e| panic!("{mode}: {e:?}")).status(),
            204,
            "{mode}"
        );
    }
}

#[test]
fn nonce_is_32_base62_and_differs_per_request() {
    let mut server = mockito::Server::new();
    let re = mockito::Matcher::Regex(
        r#"^WECHATPAY2-SHA256-RSA2048 mchid="1230000109",serial_no="[0-9A-Z]{40}",timestamp="1700000000",nonce_str="[0-9A-Za-z]{32}",signature="[A-Za-z0-9+/]+={0,2}"$"#.into(),
    );
    let mock = signed_ok(server.mock("GET", "/v3/x").match_header("authorization", re), "{}")
        .expect(3)
        .create();
    let client = client(&base(&server));
    for _ in 0..3 {
        client.chain("v3/x").get(()).unwrap();
    }
    mock.assert();
}

#[test]
fn per_request_headers_replace_defaults_case_insensitively() {
    let mut server = mockito::Server::new();
    let mock = signed_ok(
        server
            .mock("POST", "/v3/x")
            .match_header("content-type", "text/plain")
            .match_header("wechatpay-serial", PLATFORM_ID)
            .match_header("user-agent", "shop/1"),
        "{}",
    )
    .expect(2)
    .create();
    let client = builder(&base(&server)).header("user-agent", "shop/1").build().unwrap();
    let opts = json!({ "body": "x", "headers": { "content-type": "text/plain", "Wechatpay-Serial": PLATFORM_ID } });
    for (mode, result) in both(&client.chain("v3/x"), "POST", opts) {
        result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
    }
    mock.assert();
}

#[test]
fn a_custom_signer_replaces_the_default() {
    let mut server = mockito::Server::new();
    let mock = signed_ok(
        server
            .mock("GET", "/v3/x")
            .match_query("a=1")
            .match_header("authorization", "REMOTE /v3/x?a=1"),
        "{}",
    )
    .expect(1)
    .create();
    let client = builder(&base(&server))
        .signer(|ctx: &wechatpay::SignContext<'_>| Ok(format!("REMOTE {}", ctx.target())))
        .build()
        .unwrap();
    client.chain("v3/x").get(json!({ "query": { "a": 1 } })).unwrap();
    mock.assert();
}

#[test]
fn redirects_are_followed_and_re_signed() {
    let mut server = mockito::Server::new();
    let first = server
        .mock("GET", "/v3/old")
        .match_request(|r| verify_authorization(r).is_ok())
        .with_status(302)
        .with_header("Location", "/v3/new?z=1")
        .expect(1)
        .create();
    let second = signed_ok(
        server
            .mock("GET", "/v3/new")
            .match_query("z=1")
            .match_request(|r| verify_authorization(r).is_ok()),
        "{}",
    )
    .expect(1)
    .create();
    let client = client(&base(&server));
    assert_eq!(client.chain("v3/old").get(()).unwrap().status(), 200);
    first.assert();
    second.assert();
}

#[test]
fn a_redirect_loop_stops_after_five_hops() {
    let mut server = mockito::Server::new();
    let looping = server
        .mock("GET", "/v3/loop")
        .with_status(302)
        .with_header("Location", "/v3/loop")
        .expect(6)
        .create();
    let client = client(&base(&server));
    let err = client.chain("v3/loop").get(()).unwrap_err();
    assert_eq!(err.kind(), wechatpay::ErrorKind::TooManyRedirects);
    assert_eq!(err.response().unwrap().status(), 302);
    looping.assert();
}

#[test]
fn a_303_after_post_becomes_a_get_without_body() {
    let mut server = mockito::Server::new();
    let _post = server
        .mock("POST", "/v3/a")
        .with_status(303)
        .with_header("Location", "/v3/b")
        .create();
    let get = signed_ok(
        server
            .mock("GET", "/v3/b")
            .match_body("")
            .match_request(|r| verify_authorization(r).is_ok()),
        "{}",
    )
    .expect(1)
    .create();
    client(&base(&server))
        .chain("v3/a")
        .post(json!({"json": {"x": 1}}))
        .unwrap();
    get.assert();
}

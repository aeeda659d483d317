//! Platform certificates against the sandbox: the downloader (bootstrap verification, the client's keys, the
//! client's clock, public-key mode, a wrong or missing APIv3 key), the refresher (adds the new, drops the expired
//! with a stepped clock, leaves user keys alone, backs off and recovers, stops on public-key mode and when its
//! handle or client is dropped), and the `Wechatpay-Serial: PUB_KEY_ID_…` request header of the migration.

#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use wechatpay::certs::{Downloader, PlatformKeys, Refresher};
use wechatpay::sandbox::{
    APIV3_KEY, MCHID, MERCHANT_SERIAL, PLATFORM_CERT_NEW_SERIAL, PLATFORM_CERT_OLD_SERIAL, PLATFORM_SERIAL, Sandbox,
};
use wechatpay::{Builder, ErrorKind, Formatter, VerifyFailure};

/// 2020-01-01, 2025-01-01, 2030-01-01, 2035-01-01 UTC: the sandbox certificates' validity bounds.
const Y2020: i64 = 1_577_836_800;
const Y2025: i64 = 1_735_689_600;
const Y2030: i64 = 1_893_456_000;
const Y2035: i64 = 2_051_222_400;
const YEAR: i64 = 365 * 24 * 3600;

fn certificate_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/v3/certificates"))
        .count()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn check_listing(certs: &[wechatpay::util::Certificate]) {
    let serials: Vec<&str> = certs.iter().map(|c| c.serial_no()).collect();
    assert_eq!(serials, [PLATFORM_CERT_OLD_SERIAL, PLATFORM_CERT_NEW_SERIAL]);
    assert_eq!((certs[0].not_before(), certs[0].not_after()), (Y2020, Y2030));
    assert_eq!((certs[1].not_before(), certs[1].not_after()), (Y2025, Y2035));
    for cert in certs {
        assert!(cert.to_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(cert.public_key().unwrap().bits(), 2048);
    }
}

#[test]
fn a_fresh_client_downloads_and_verifies_with_the_certificate_the_answer_carries() {
    let sandbox = Sandbox::start().unwrap();
    // the client knows only the PUB_KEY_ID_ key; the answer is signed by the new certificate (bootstrap)
    let client = sandbox.client().unwrap();
    let certs = Downloader::new(&client).download().unwrap();
    check_listing(&certs);
    // downloading changes nothing in the client
    assert_eq!(
        Refresher::new(&client).refresh_once().unwrap().added().len(),
        2,
        "the store was not touched by the download"
    );
    let seen = sandbox.requests();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "/v3/certificates");
    assert!(seen[0].signature_valid);

    let certs = Downloader::new(&client).algorithm_type("ALL").download().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(
        sandbox.requests().last().unwrap().target,
        "/v3/certificates?algorithm_type=ALL"
    );
}

#[tokio::test]
async fn the_async_download_is_the_same() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let fut = Downloader::new(&client).download_async();
    drop(client);
    let certs = tokio::spawn(fut).await.unwrap().unwrap();
    check_listing(&certs);
}

#[test]
fn the_answer_is_checked_by_the_real_verifier() {
    let sandbox = Sandbox::start().unwrap();
    // a key the client already has under the signing serial wins over the carried certificate: here it is the
    // wrong key, so the signature must fail
    let client = sandbox
        .builder()
        .unwrap()
        .cert(PLATFORM_CERT_NEW_SERIAL, Sandbox::platform_public_key().unwrap())
        .build()
        .unwrap();
    let err = Downloader::new(&client).download().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::BadSignature));
    assert!(err.response().is_some());
    // the client's clock is used for the ±300 s check
    let skewed = sandbox
        .builder()
        .unwrap()
        .clock(|| Formatter::timestamp() + 3600)
        .build()
        .unwrap();
    let err = Downloader::new(&skewed).download().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::ClockSkew));
    // and the same answer fetched as a plain call fails: the client's own verifier does not know the serial
    let err = sandbox.client().unwrap().chain("v3/certificates").get(()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify(VerifyFailure::UnknownSerial));
}

#[test]
fn a_wrong_apiv3_key_is_a_crypto_error_and_adds_nothing() {
    let sandbox = Sandbox::start().unwrap();
    let keys = PlatformKeys::new();
    let client = sandbox
        .builder()
        .unwrap()
        .platform_keys(keys.clone())
        .apiv3_key("0123456789abcdef0123456789abcdef")
        .build()
        .unwrap();
    let err = Downloader::new(&client).download().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.to_string().starts_with("AES decryption failed"));
    assert!(!err.to_string().contains("0123456789abcdef"));
    let err = Refresher::new(&client).refresh_once().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert_eq!(keys.serials(), [PLATFORM_SERIAL]);
}

#[test]
fn a_client_without_apiv3_key_is_a_config_error_before_sending() {
    let sandbox = Sandbox::start().unwrap();
    let client = Builder::new()
        .mchid(MCHID)
        .serial(MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key().unwrap())
        .cert(PLATFORM_SERIAL, Sandbox::platform_public_key().unwrap())
        .base_uri(sandbox.base_uri())
        .build()
        .unwrap();
    let err = Downloader::new(&client).download().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("apiv3_key"));
    assert!(sandbox.requests().is_empty());
}

#[test]
fn public_key_mode_is_a_clear_configuration_error() {
    let sandbox = Sandbox::start_public_key_mode().unwrap();
    let client = sandbox.client().unwrap();
    let err = Downloader::new(&client).download().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let msg = err.to_string();
    assert!(
        msg.contains("RESOURCE_NOT_EXISTS") && msg.contains("Builder::cert(\"PUB_KEY_ID_"),
        "{msg}"
    );
    let resp = err.response().unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<serde_json::Value>().unwrap()["message"], "无可用的平台证书");
    // other routes answer as usual
    client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(json!({ "stock_id": "1" }))
        .unwrap();
}

#[test]
fn the_refresher_adds_the_new_and_drops_the_expired_by_its_clock() {
    let sandbox = Sandbox::start().unwrap();
    let keys = PlatformKeys::new();
    keys.insert("USER_CONFIGURED", Sandbox::platform_public_key().unwrap());
    let client = sandbox.builder().unwrap().platform_keys(keys.clone()).build().unwrap();
    let now = Arc::new(AtomicI64::new(Y2025 + YEAR));
    let clock = now.clone();
    let refresher = Refresher::new(&client).clock(move || clock.load(Ordering::SeqCst));

    // before: an answer signed by the new certificate does not verify
    assert!(client.chain("v3/certificates").get(()).is_err());
    let report = refresher.refresh_once().unwrap();
    assert_eq!(report.added(), [PLATFORM_CERT_OLD_SERIAL, PLATFORM_CERT_NEW_SERIAL]);
    assert_eq!(
        keys.serials(),
        [
            "USER_CONFIGURED",
            PLATFORM_SERIAL,
            PLATFORM_CERT_OLD_SERIAL,
            PLATFORM_CERT_NEW_SERIAL
        ]
    );
    // after: the running client verifies it
    client.chain("v3/certificates").get(()).unwrap();

    // both still valid: nothing changes
    let report = refresher.refresh_once().unwrap();
    assert!(report.added().is_empty() && report.removed().is_empty());

    // 2031: the old certificate expired
    now.store(Y2030 + YEAR, Ordering::SeqCst);
    let report = refresher.refresh_once().unwrap();
    assert_eq!(report.removed(), [PLATFORM_CERT_OLD_SERIAL]);
    assert!(report.added().is_empty(), "an expired certificate is never added back");
    assert_eq!(
        keys.serials(),
        ["USER_CONFIGURED", PLATFORM_SERIAL, PLATFORM_CERT_NEW_SERIAL]
    );

    // 2036: both expired; the public key and the user's key stay
    now.store(Y2035 + YEAR, Ordering::SeqCst);
    assert_eq!(refresher.refresh_once().unwrap().removed(), [PLATFORM_CERT_NEW_SERIAL]);
    assert_eq!(keys.serials(), ["USER_CONFIGURED", PLATFORM_SERIAL]);
}

#[test]
fn the_refresher_leaves_certificates_the_user_configured_alone() {
    let sandbox = Sandbox::start().unwrap();
    let keys = PlatformKeys::new();
    let old = Downloader::new(&sandbox.client().unwrap()).download().unwrap()[0].clone();
    let client = sandbox
        .builder()
        .unwrap()
        .platform_keys(keys.clone())
        .cert(PLATFORM_CERT_OLD_SERIAL, old.public_key().unwrap())
        .build()
        .unwrap();
    let refresher = Refresher::new(&client).clock(wechatpay::FixedClock(Y2030 + YEAR));
    let report = refresher.refresh_once().unwrap();
    assert_eq!(report.added(), [PLATFORM_CERT_NEW_SERIAL]);
    assert!(report.removed().is_empty());
    assert!(
        keys.contains(PLATFORM_CERT_OLD_SERIAL),
        "expired, but configured by the user"
    );
}

#[test]
fn the_spawned_refresher_backs_off_on_failures_and_recovers() {
    let sandbox = Sandbox::start().unwrap();
    let keys = PlatformKeys::new();
    let skew = Arc::new(AtomicI64::new(3600));
    let offset = skew.clone();
    let client = sandbox
        .builder()
        .unwrap()
        .platform_keys(keys.clone())
        .clock(move || Formatter::timestamp() + offset.load(Ordering::SeqCst))
        .build()
        .unwrap();
    let handle = Refresher::new(&client)
        .every(Duration::from_secs(3600))
        .retry(Duration::from_millis(20), Duration::from_millis(80))
        .spawn()
        .unwrap();
    wait_until("three failures", || handle.failures() >= 3);
    assert!(handle.is_running());
    assert_eq!(handle.last_failure(), Some(ErrorKind::Verify(VerifyFailure::ClockSkew)));
    assert_eq!(handle.successes(), 0);
    assert_eq!(keys.len(), 1);
    skew.store(0, Ordering::SeqCst);
    wait_until("a success", || handle.successes() == 1);
    assert_eq!(keys.len(), 3);
    // then it waits `every` (an hour): no further requests
    let before = certificate_requests(&sandbox);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(certificate_requests(&sandbox), before);
    handle.stop();
}

#[test]
fn the_spawned_refresher_stops_once_on_public_key_mode() {
    let sandbox = Sandbox::start_public_key_mode().unwrap();
    let client = sandbox.client().unwrap();
    let handle = Refresher::new(&client)
        .every(Duration::from_millis(20))
        .retry(Duration::from_millis(10), Duration::from_millis(10))
        .spawn()
        .unwrap();
    wait_until("the refresher to stop", || !handle.is_running());
    assert_eq!(handle.last_failure(), Some(ErrorKind::Config));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(certificate_requests(&sandbox), 1, "asked once, no spinning");
    assert_eq!(handle.failures(), 1);
}

#[test]
fn dropping_the_handle_stops_the_thread() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let handle = Refresher::new(&client)
        .every(Duration::from_millis(20))
        .spawn()
        .unwrap();
    wait_until("two refreshes", || handle.successes() >= 2);
    drop(handle);
    let after = certificate_requests(&sandbox);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(certificate_requests(&sandbox), after);
    // the client still works
    client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(json!({ "stock_id": "1" }))
        .unwrap();
}

#[test]
fn dropping_the_client_stops_the_thread() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let handle = Refresher::new(&client)
        .every(Duration::from_secs(3600))
        .spawn()
        .unwrap();
    wait_until("a refresh", || handle.successes() == 1);
    assert!(handle.is_running());
    drop(client);
    wait_until("the thread to notice the client is gone", || !handle.is_running());
    assert_eq!(handle.failures(), 0);
}

#[test]
fn requests_announce_the_public_key_id_unless_told_otherwise() {
    let sandbox = Sandbox::start().unwrap();
    let node = "v3/marketing/favor/stocks/{stock_id}";
    let opts = json!({ "stock_id": "1" });
    let last_serial = |sandbox: &Sandbox| -> Vec<String> {
        let seen = sandbox.requests();
        let last = seen.last().unwrap();
        last.headers
            .get_all("wechatpay-serial")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    // a PUB_KEY_ID_ key is configured (the sandbox's): announced, blocking and async alike
    let client = sandbox.client().unwrap();
    client.chain(node).get(opts.clone()).unwrap();
    assert_eq!(last_serial(&sandbox), [PLATFORM_SERIAL]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(client.chain(node).get_async(opts.clone())).unwrap();
    assert_eq!(last_serial(&sandbox), [PLATFORM_SERIAL]);
    // the request's own header wins (the sandbox answers under that certificate, which this client lacks)
    let err = client
        .chain(node)
        .get(json!({ "stock_id": "1", "headers": { "Wechatpay-Serial": PLATFORM_CERT_NEW_SERIAL } }))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        wechatpay::ErrorKind::Verify(wechatpay::VerifyFailure::UnknownSerial)
    );
    assert_eq!(last_serial(&sandbox), [PLATFORM_CERT_NEW_SERIAL]);
    // switched off
    let quiet = sandbox
        .builder()
        .unwrap()
        .wechatpay_serial_header(false)
        .build()
        .unwrap();
    quiet.chain(node).get(opts.clone()).unwrap();
    assert!(last_serial(&sandbox).is_empty());
    // certificates only: nothing to announce
    let cert_only_keys = PlatformKeys::new();
    let cert_only = Builder::new()
        .mchid(MCHID)
        .serial(MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key().unwrap())
        .platform_keys(cert_only_keys.clone())
        .cert(
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            Sandbox::platform_public_key().unwrap(),
        )
        .apiv3_key(APIV3_KEY)
        .base_uri(sandbox.base_uri())
        .build()
        .unwrap();
    let _ = cert_only.chain(node).get(opts.clone()); // answered under PUB_KEY_ID_, unknown to this client
    assert!(last_serial(&sandbox).is_empty());
    // a public key added later (the store is shared and live) is announced from then on
    cert_only_keys.insert(PLATFORM_SERIAL, Sandbox::platform_public_key().unwrap());
    cert_only.chain(node).get(opts).unwrap();
    assert_eq!(last_serial(&sandbox), [PLATFORM_SERIAL]);
}

/// Serves `body` at `GET /v3/certificates`, signed with the fixture platform key at the fixture clock.
fn listing_server(body: &str) -> mockito::ServerGuard {
    let mut server = mockito::Server::new();
    let mut mock = server.mock("GET", "/v3/certificates").with_status(200).with_body(body);
    for (n, v) in support::signed_headers(
        &support::platform_private(),
        support::PLATFORM_ID,
        support::NOW,
        "n0nce",
        body,
    ) {
        mock = mock.with_header(n, &v);
    }
    mock.create();
    server
}

fn listing(serial_no: &str, plaintext: &str) -> String {
    let nonce = "0123456789ab";
    let ciphertext = wechatpay::AesGcm::encrypt(plaintext, APIV3_KEY, nonce, "certificate").unwrap();
    json!({ "data": [{
        "serial_no": serial_no, "effective_time": "2025-01-01T08:00:00+08:00", "expire_time": "2035-01-01T08:00:00+08:00",
        "encrypt_certificate": { "algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate", "ciphertext": ciphertext },
    }]})
    .to_string()
}

#[test]
fn listings_that_do_not_add_up_are_refused() {
    let merchant_cert = std::fs::read_to_string(support::fixture("keys/merchant.cert.pem")).unwrap();
    let download = |body: &str| {
        let server = listing_server(body);
        let client = support::builder(&support::base(&server))
            .apiv3_key(APIV3_KEY)
            .build()
            .unwrap();
        Downloader::new(&client).download()
    };
    // well formed, answered under a key the client knows: accepted
    let certs = download(&listing(support::SERIAL, &merchant_cert)).unwrap();
    assert_eq!(certs[0].serial_no(), support::SERIAL);
    // the listed serial must be the certificate's
    let err = download(&listing("ABC", &merchant_cert)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.to_string().contains("listed as `ABC`"), "{err}");
    assert!(err.response().is_some());
    // a plaintext that is not a certificate
    assert_eq!(
        download(&listing("ABC", "hello")).unwrap_err().kind(),
        ErrorKind::Crypto
    );
    // not a listing at all
    let err = download(r#"{"code":"X"}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.response().unwrap().body(), br#"{"code":"X"}"#);
}

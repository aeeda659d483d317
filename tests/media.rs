//! Media uploads: `MediaUtil` against the PHP-oracle vectors (meta JSON and multipart bytes), real files, and
//! uploads through the sandbox, which verifies the APIv3 signature over the `meta` part (as the real gateway does)
//! and the APIv2 `uploadmedia` form's `sign` and `media_hash`.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::path::PathBuf;

use serde_json::{Value, json};
use support::{both, s, vectors};
use wechatpay::sandbox::{MCHID, SECRET, Sandbox};
use wechatpay::util::MediaUtil;
use wechatpay::{Body, ErrorKind, Formatter, Hash, Options, Rsa, Transformer, V2Rejection};

/// A fresh directory for this test's files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("wechatpay-media-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn boundary_of(media: &MediaUtil) -> String {
    media
        .content_type()
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap()
        .to_owned()
}

fn upload_options(media: &MediaUtil) -> Options {
    Options::new()
        .body(media.stream())
        .header("Content-Type", media.content_type())
}

#[test]
fn every_php_vector_gives_the_same_meta_and_multipart_bytes() {
    for v in vectors("media_util") {
        let media = MediaUtil::from_bytes(s(&v, "filepath"), s(&v, "file_bytes").as_bytes().to_vec());
        assert_eq!(media.meta(), s(&v, "meta"), "{v}");
        let boundary = boundary_of(&media);
        assert!(
            boundary.len() == 40 && boundary.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{boundary}"
        );
        assert_eq!(
            media.content_type(),
            s(&v, "content_type").replace("{BOUNDARY}", &boundary)
        );
        let stream = media.stream();
        assert_eq!(
            String::from_utf8(stream.as_bytes().to_vec()).unwrap(),
            s(&v, "multipart").replace("{BOUNDARY}", &boundary),
            "{v}"
        );
        assert_eq!(v["meta_is_string_form_of_stream"], true);
        assert_eq!(
            stream.signed(),
            s(&v, "meta").as_bytes(),
            "the signed form of the stream is the meta"
        );
        assert_eq!(stream.content_type(), Some(media.content_type().as_str()));
    }
}

#[test]
fn boundaries_differ_between_instances() {
    let a = MediaUtil::from_bytes("a.png", vec![1]);
    let b = MediaUtil::from_bytes("a.png", vec![1]);
    assert_ne!(a.content_type(), b.content_type());
    assert_eq!(a.meta(), b.meta());
}

#[test]
fn plain_paths_and_file_uris_read_the_same_file() {
    let dir = TempDir::new("paths");
    let content = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR binary \xff\xfe";
    let path = dir.file("logo.png", content);
    let plain = MediaUtil::new(&path).unwrap();
    let uri = MediaUtil::new(format!("file://{}", path.display())).unwrap();
    let from_string = MediaUtil::new(path.display().to_string()).unwrap();
    for media in [&plain, &uri, &from_string] {
        assert_eq!(media.filename(), "logo.png");
        assert_eq!(media.content(), content);
        assert_eq!(
            media.meta(),
            format!(r#"{{"filename":"logo.png","sha256":"{}"}}"#, hex_sha256(content))
        );
        let body = media.stream();
        let needle = [b"Content-Type: image/png\r\n\r\n".as_slice(), content, b"\r\n--"].concat();
        assert!(
            body.as_bytes().windows(needle.len()).any(|w| w == needle),
            "the file part carries the exact bytes"
        );
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn a_missing_file_is_an_error_naming_the_path() {
    let dir = TempDir::new("missing");
    for given in [
        dir.0.join("nope.jpg").display().to_string(),
        format!("file://{}", dir.0.join("nope.jpg").display()),
    ] {
        let err = MediaUtil::new(&given).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{given}");
        assert!(
            err.to_string()
                .starts_with(&format!("Unable to open \"{given}\" using mode \"rb\": ")),
            "{err}"
        );
    }
    // a directory is not a readable file either
    assert_eq!(MediaUtil::new(&dir.0).unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn non_ascii_file_names_are_escaped_in_the_meta_only() {
    let media = MediaUtil::from_bytes("/tmp/发票/图片 1😀.jpg", b"x".to_vec());
    assert_eq!(media.filename(), "图片 1😀.jpg");
    assert_eq!(
        media.meta(),
        format!(
            r#"{{"filename":"\u56fe\u7247 1\ud83d\ude00.jpg","sha256":"{}"}}"#,
            hex_sha256(b"x")
        )
    );
    let body = String::from_utf8(media.stream().as_bytes().to_vec()).unwrap();
    assert!(body.contains("form-data; name=\"file\"; filename=\"图片 1😀.jpg\"\r\n"));
    // `/` is escaped as PHP does
    let media = MediaUtil::from_bytes("a/b", vec![]);
    assert!(media.meta().starts_with(r#"{"filename":"b","#));
}

#[test]
fn set_meta_changes_meta_stream_and_signature_and_empty_restores_the_default() {
    let mut media = MediaUtil::from_bytes("bill.csv", b"a,b\n1,2\n".to_vec());
    let default = media.meta().to_owned();
    let custom = format!(
        r#"{{"bank_type":"LQT","filename":"bill.csv","sha256":"{}"}}"#,
        hex_sha256(b"a,b\n1,2\n")
    );
    assert_eq!(media.set_meta(&custom), custom.len());
    assert_eq!(media.meta(), custom);
    let body = media.stream();
    assert_eq!(body.signed(), custom.as_bytes());
    let text = String::from_utf8(body.as_bytes().to_vec()).unwrap();
    assert!(text.contains(&format!("name=\"meta\"\r\n\r\n{custom}\r\n")), "{text}");
    assert!(!text.contains(&default));

    // the sandbox verifies the signature over the new meta and accepts it
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let resp = client
        .chain("v3/merchant/media/upload")
        .post(upload_options(&media))
        .unwrap();
    assert!(resp.json::<Value>().unwrap()["media_id"].is_string());
    let seen = &sandbox.requests()[0];
    assert!(seen.signature_valid);
    assert_eq!(&seen.parts().unwrap()[0].body[..], custom.as_bytes());
    assert_authorization_over(seen, "/v3/merchant/media/upload", custom.as_bytes());

    assert_eq!(media.set_meta(""), default.len());
    assert_eq!(media.meta(), default);
}

/// Checks an `Authorization` value against the merchant public key over
/// `POST\n<target>\n<ts>\n<nonce>\n<signed>\n` (the sandbox merchant is the fixture merchant key pair).
fn authorization_verifies(auth: &str, target: &str, signed: &[u8]) -> bool {
    let field = |name: &str| {
        auth.split([' ', ','])
            .find_map(|kv| kv.strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned()
    };
    let message = [
        format!("POST\n{target}\n{}\n{}\n", field("timestamp"), field("nonce_str")).as_bytes(),
        signed,
        b"\n",
    ]
    .concat();
    Rsa::verify(message, &field("signature"), &support::merchant_public())
}

/// The recorded request's `Authorization` verifies over its meta JSON, not over the multipart bytes sent.
fn assert_authorization_over(seen: &wechatpay::sandbox::Recorded, target: &str, signed: &[u8]) {
    let auth = seen.headers["authorization"].to_str().unwrap();
    assert!(authorization_verifies(auth, target, signed), "signed over the meta");
    assert!(
        !authorization_verifies(auth, target, &seen.body),
        "not over the multipart bytes"
    );
}

#[test]
fn uploads_through_the_sandbox_blocking_and_async() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let dir = TempDir::new("upload");
    let content: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let media = MediaUtil::new(dir.file("image.jpg", &content)).unwrap();
    for path in ["v3/merchant/media/upload", "v3/merchant-service/images/upload"] {
        for (mode, result) in both(&client.chain(path), "POST", upload_options(&media)) {
            let resp = result.unwrap_or_else(|e| panic!("{path} {mode}: {e:?}"));
            let media_id = resp.json::<Value>().unwrap()["media_id"].as_str().unwrap().to_owned();
            assert!(media_id.ends_with(".jpg"), "{media_id}");
        }
    }
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 4);
    for req in &seen {
        assert!(req.signature_valid);
        assert_eq!(req.headers["content-type"], media.content_type());
        let parts = req.parts().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "meta");
        assert_eq!(
            parts[0].headers,
            [
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Content-Disposition".to_owned(), "form-data; name=\"meta\"".to_owned())
            ]
        );
        assert_eq!(&parts[0].body[..], media.meta().as_bytes());
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("image.jpg"));
        assert_eq!(parts[1].header("Content-Length"), Some("3000"));
        assert_eq!(parts[1].header("Content-Type"), Some("image/jpeg"));
        assert_eq!(&parts[1].body[..], &content[..]);
    }
    assert_authorization_over(&seen[0], "/v3/merchant/media/upload", media.meta().as_bytes());
    assert_authorization_over(&seen[2], "/v3/merchant-service/images/upload", media.meta().as_bytes());
}

#[test]
fn the_body_brings_its_content_type_and_an_explicit_header_still_wins() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let media = MediaUtil::from_bytes("a.gif", b"GIF89a".to_vec());
    client
        .chain("v3/merchant/media/upload")
        .post(Options::new().body(media.stream()))
        .unwrap();
    let err = client
        .chain("v3/merchant/media/upload")
        .post(
            Options::new()
                .body(media.stream())
                .header("Content-Type", "application/json"),
        )
        .unwrap_err();
    let seen = sandbox.requests();
    assert_eq!(seen[0].headers["content-type"], media.content_type());
    assert_eq!(seen[1].headers["content-type"], "application/json");
    // the gateway then reads the body as a whole, not as a multipart upload: the meta signature does not verify
    assert_eq!(err.kind(), ErrorKind::Status);
    assert!(!seen[1].signature_valid);

    // a client-level Content-Type is a default that the body's own replaces
    let with_default = sandbox
        .builder()
        .unwrap()
        .header("Content-Type", "text/plain")
        .build()
        .unwrap();
    with_default
        .chain("v3/merchant/media/upload")
        .post(Options::new().body(media.stream()))
        .unwrap();
    assert_eq!(sandbox.requests()[2].headers["content-type"], media.content_type());

    // `json` replaces the body, and with it the multipart Content-Type
    client
        .chain("v3/pay/transactions/native")
        .post(
            Options::new()
                .body(media.stream())
                .json(json!({ "out_trade_no": "T2", "appid": "wx1", "mchid": MCHID, "description": "d", "notify_url": "http://127.0.0.1:9/n", "amount": { "total": 1 } })),
        )
        .unwrap();
    let seen = &sandbox.requests()[3];
    assert!(seen.signature_valid);
    assert_eq!(
        &seen.body[..],
        br#"{"out_trade_no":"T2","appid":"wx1","mchid":"1230000109","description":"d","notify_url":"http://127.0.0.1:9/n","amount":{"total":1}}"#
    );
    assert!(
        seen.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[test]
fn a_meta_whose_sha256_does_not_match_the_file_is_a_signed_param_error() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let mut media = MediaUtil::from_bytes("a.png", b"real".to_vec());
    media.set_meta(&format!(
        r#"{{"filename":"a.png","sha256":"{}"}}"#,
        hex_sha256(b"other")
    ));
    for (mode, result) in both(
        &client.chain("v3/merchant/media/upload"),
        "POST",
        upload_options(&media),
    ) {
        let err = result.expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Status, "{mode}: {err}");
        let resp = err.response().unwrap();
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().unwrap()["code"], "PARAM_ERROR");
    }
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
}

#[test]
fn a_multipart_body_signed_over_the_whole_body_is_refused() {
    // A raw body that happens to be multipart: sent and signed as it is, which the gateway refuses.
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let media = MediaUtil::from_bytes("a.png", b"png".to_vec());
    let raw = Body::from(media.stream().as_bytes().to_vec());
    assert_eq!(raw.signed(), raw.as_bytes());
    let err = client
        .chain("v3/merchant/media/upload")
        .post(Options::new().body(raw).header("Content-Type", media.content_type()))
        .unwrap_err();
    assert_eq!(err.response().unwrap().status(), 401);
    assert!(!sandbox.requests()[0].signature_valid);
}

#[test]
fn existing_body_types_still_send_and_sign_what_they_are() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.chain("v3/pay/transactions/native");
    // a complete native order: the same request again answers the same order
    let text = r#"{"out_trade_no":"T1","appid":"wx1","mchid":"1230000109","description":"d","notify_url":"http://127.0.0.1:9/n","amount":{"total":1}}"#;
    let bodies: Vec<Options> = vec![
        Options::new().body(text),
        Options::new().body(text.to_owned()),
        Options::new().body(text.as_bytes()),
        Options::new().body(text.as_bytes().to_vec()),
        Options::new().body(bytes::Bytes::from_static(text.as_bytes())),
        Options::new().body(br#"{"out_trade_no":"T1","appid":"wx1","mchid":"1230000109","description":"d","notify_url":"http://127.0.0.1:9/n","amount":{"total":1}}"#),
        json!({ "body": text }).into(),
    ];
    let mut code_urls = Vec::new();
    for opts in bodies {
        let resp = node.post(opts).unwrap();
        code_urls.push(resp.json::<Value>().unwrap()["code_url"].as_str().unwrap().to_owned());
    }
    assert!(code_urls[0].starts_with("weixin://wxpay/bizpayurl?pr="));
    assert!(code_urls.iter().all(|u| *u == code_urls[0]), "{code_urls:?}");
    for req in sandbox.requests() {
        assert!(req.signature_valid);
        assert_eq!(&req.body[..], text.as_bytes());
    }
}

#[test]
fn a_redirect_is_followed_with_the_body_and_each_hop_is_signed_over_the_meta() {
    let sandbox = Sandbox::start().unwrap();
    let media = MediaUtil::from_bytes("v.mp4", b"video".to_vec());
    let meta = media.meta().to_owned();
    let mut hop = mockito::Server::new();
    let redirect = hop
        .mock("POST", "/v3/merchant/media/upload")
        .match_request(move |req| {
            let auth = req.header("authorization")[0].to_str().unwrap().to_owned();
            authorization_verifies(&auth, "/v3/merchant/media/upload", meta.as_bytes())
        })
        .with_status(307)
        .with_header("Location", &format!("{}v3/merchant/media/upload", sandbox.base_uri()))
        .expect(2)
        .create();
    let client = sandbox
        .builder()
        .unwrap()
        .base_uri(support::base(&hop))
        .build()
        .unwrap();
    for (mode, result) in both(
        &client.chain("v3/merchant/media/upload"),
        "POST",
        upload_options(&media),
    ) {
        let resp = result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        assert!(resp.json::<Value>().unwrap()["media_id"].is_string());
    }
    redirect.assert();
    for seen in sandbox.requests() {
        assert!(seen.signature_valid, "the second hop is re-signed over the meta");
        assert_eq!(seen.parts().unwrap()[1].body, &b"video"[..], "the body follows a 307");
        assert_authorization_over(&seen, "/v3/merchant/media/upload", media.meta().as_bytes());
    }
    assert_eq!(sandbox.requests().len(), 2);
}

// ---- APIv2 secapi/mch/uploadmedia ----

fn form_fields(req: &wechatpay::sandbox::Recorded) -> serde_json::Map<String, Value> {
    req.parts()
        .unwrap()
        .iter()
        .filter(|p| p.filename.is_none())
        .map(|p| {
            (
                p.name.clone(),
                Value::String(String::from_utf8(p.body.to_vec()).unwrap()),
            )
        })
        .collect()
}

#[test]
fn apiv2_uploadmedia_through_the_sandbox_blocking_and_async() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let dir = TempDir::new("v2");
    let content = b"\x89PNG\r\n\x1a\n logo bytes".to_vec();
    let media = MediaUtil::new(dir.file("logo.png", &content)).unwrap();
    let form = media.v2_upload_form(MCHID, SECRET).unwrap();
    assert!(form.is_multipart());
    let node = client.v2().seg("secapi").seg("mch").seg("uploadmedia");
    for (mode, result) in both(&node, "POST", Options::new().body(form.clone()).security(false)) {
        let resp = result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        let answer = Transformer::to_array(resp.body());
        assert_eq!(answer["return_code"], "SUCCESS", "{mode}");
        assert_eq!(answer["result_code"], "SUCCESS", "{mode}");
        assert!(answer["media_id"].as_str().unwrap().starts_with("sandbox_"));
    }
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 2);
    for req in &seen {
        assert_eq!(req.target, "/secapi/mch/uploadmedia", "no XML transform, no query");
        assert!(req.signature_valid);
        assert_eq!(req.headers["content-type"], form.content_type().unwrap());
        let parts = req.parts().unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["media", "mch_id", "media_hash", "sign_type", "sign"]);
        assert_eq!(parts[0].filename.as_deref(), Some("logo.png"));
        assert_eq!(parts[0].header("Content-Type"), Some("image/png"));
        assert_eq!(&parts[0].body[..], &content[..]);
        let fields = form_fields(req);
        assert_eq!(fields["mch_id"], MCHID);
        use md5::Digest;
        assert_eq!(fields["media_hash"], hex::encode(md5::Md5::digest(&content)));
        assert_eq!(fields["sign_type"], "HMAC-SHA256");
        let mut unsigned = fields.clone();
        unsigned.remove("sign");
        let want = Hash::sign(
            "HMAC-SHA256",
            &Formatter::query_string_like(&Formatter::ksort(&unsigned)),
            SECRET,
        )
        .unwrap();
        assert_eq!(fields["sign"], want);
        assert_eq!(fields["sign"].as_str().unwrap().len(), 64);
    }
}

/// An APIv2 upload form built by hand (for the failure cases `v2_upload_form` cannot produce).
fn hand_form(file: &[u8], media_hash: &str) -> Body {
    let mut fields = serde_json::Map::new();
    fields.insert("mch_id".into(), MCHID.into());
    fields.insert("media_hash".into(), media_hash.into());
    let sign = Hash::sign("MD5", &Formatter::query_string_like(&Formatter::ksort(&fields)), SECRET).unwrap();
    fields.insert("sign".into(), sign.into());
    let mut body = b"--B\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\n\r\n".to_vec();
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n");
    for (k, v) in &fields {
        body.extend_from_slice(
            format!(
                "--B\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{}\r\n",
                v.as_str().unwrap()
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(b"--B--\r\n");
    Body::multipart("multipart/form-data; boundary=B", body)
}

#[test]
fn apiv2_uploadmedia_failures_are_rejections() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.chain("v2/secapi/mch/uploadmedia");
    let media = MediaUtil::from_bytes("logo.png", b"logo".to_vec());

    // signed with another APIv2 key: the gateway refuses the sign
    let wrong_key = media.v2_upload_form(MCHID, "another_apiv2_key_32_bytes_long0").unwrap();
    let err = node.post(Options::new().body(wrong_key)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode));
    assert!(err.to_string().contains("签名错误"), "{err}");
    assert!(!sandbox.requests()[0].signature_valid);

    // a hand-built, MD5-signed form is accepted; with a media_hash that is not the file's MD5, refused
    use md5::Digest;
    let good = hand_form(b"logo", &hex::encode(md5::Md5::digest(b"logo")));
    let answer = Transformer::to_array(node.post(Options::new().body(good)).unwrap().body());
    assert_eq!(answer["return_code"], "SUCCESS");
    let bad = hand_form(b"logo", &hex::encode(md5::Md5::digest(b"LOGO")));
    let err = node.post(Options::new().body(bad)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected(V2Rejection::ReturnCode));
    assert!(err.to_string().contains("media_hash"), "{err}");
    assert!(sandbox.requests()[2].signature_valid);

    // a raw body that is not a prepared multipart one still goes through the APIv2 transform: without `xml`
    // the mch-id guard refuses it before anything is sent
    let raw = media.v2_upload_form(MCHID, SECRET).unwrap().as_bytes().to_vec();
    let err = node.post(Options::new().body(raw)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(sandbox.requests().len(), 3);

    let err = media.v2_upload_form(MCHID, "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[test]
fn the_sandbox_refuses_malformed_or_meta_less_multipart_uploads() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let node = client.chain("v3/merchant/media/upload");
    let no_meta = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\npng\r\n--B--\r\n";
    for (body, why) in [
        ("not multipart at all", "malformed multipart body"),
        (no_meta, "no `meta` part"),
    ] {
        let err = node
            .post(Options::new().body(Body::multipart("multipart/form-data; boundary=B", body)))
            .unwrap_err();
        let resp = err.response().unwrap();
        assert_eq!(resp.status(), 400, "{why}");
        let answer = resp.json::<Value>().unwrap();
        assert_eq!(answer["code"], "PARAM_ERROR");
        assert!(answer["message"].as_str().unwrap().contains(why), "{answer}");
    }
    assert!(sandbox.requests().iter().all(|r| !r.signature_valid));
    // a meta-only body verifies but is no upload
    let meta_only = "--B\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{}\r\n--B--\r\n";
    let err = node
        .post(Options::new().body(Body::multipart("multipart/form-data; boundary=B", meta_only).with_signed("{}")))
        .unwrap_err();
    assert_eq!(err.response().unwrap().status(), 400);
    assert!(err.response().unwrap().text().contains("no `file` part"));
    assert!(sandbox.requests()[2].signature_valid);
}

//! The `wechatpay` command-line tool, run as a subprocess against the in-process sandbox: `request` (APIv3 and
//! APIv2, settings by flags and by environment), `certificates`, `crypto`, the `sandbox` subcommand, every bad-input
//! case, and that no secret is ever printed.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wechatpay::crypto::{AesGcm, KeyType, Rsa};
use wechatpay::sandbox::{self, Sandbox};
use wechatpay::util::PemUtil;
use wechatpay::{Builder, ErrorKind};

const SETTINGS: [&str; 8] = [
    "WECHATPAY_MCHID",
    "WECHATPAY_SERIAL",
    "WECHATPAY_PRIVATE_KEY",
    "WECHATPAY_CERTS",
    "WECHATPAY_SECRET",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_BASE_URI",
    "WECHATPAY_SANDBOX_DIR",
];

/// The sandbox's key files on disk, as a merchant has them.
struct Keys {
    dir: tempfile::TempDir,
    private_key: PathBuf,
    merchant_public: PathBuf,
    platform_public: PathBuf,
}

impl Keys {
    fn new() -> Keys {
        let dir = tempfile::tempdir().unwrap();
        let private_key = dir.path().join("apiclient_key.pem");
        std::fs::write(&private_key, Sandbox::merchant_private_key_pem()).unwrap();
        let merchant_public = dir.path().join("merchant_public.pem");
        std::fs::write(
            &merchant_public,
            Sandbox::merchant_private_key().unwrap().to_public().to_spki_pem(),
        )
        .unwrap();
        let platform_public = dir.path().join("pub_key.pem");
        std::fs::write(&platform_public, Sandbox::platform_public_key().unwrap().to_spki_pem()).unwrap();
        Keys {
            dir,
            private_key,
            merchant_public,
            platform_public,
        }
    }

    fn cert_arg(&self) -> String {
        format!("{}={}", sandbox::PLATFORM_SERIAL, self.platform_public.display())
    }

    /// Every merchant setting for `base_uri`, as flags.
    fn flags(&self, base_uri: &str) -> Vec<String> {
        [
            "--mchid",
            sandbox::MCHID,
            "--serial",
            sandbox::MERCHANT_SERIAL,
            "--private-key",
            &self.private_key.display().to_string(),
            "--cert",
            &self.cert_arg(),
            "--secret",
            sandbox::SECRET,
            "--apiv3-key",
            sandbox::APIV3_KEY,
            "--base-uri",
            base_uri,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Every merchant setting for `base_uri`, as the environment.
    fn env(&self, base_uri: &str) -> Vec<(&'static str, String)> {
        vec![
            ("WECHATPAY_MCHID", sandbox::MCHID.to_owned()),
            ("WECHATPAY_SERIAL", sandbox::MERCHANT_SERIAL.to_owned()),
            ("WECHATPAY_PRIVATE_KEY", self.private_key.display().to_string()),
            ("WECHATPAY_CERTS", self.cert_arg()),
            ("WECHATPAY_SECRET", sandbox::SECRET.to_owned()),
            ("WECHATPAY_APIV3_KEY", sandbox::APIV3_KEY.to_owned()),
            ("WECHATPAY_BASE_URI", base_uri.to_owned()),
        ]
    }
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }

    /// Failed with exactly one line on stderr that contains `needle` (and no panic, no backtrace).
    fn fails_with(&self, needle: &str) -> &Self {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "{:?}: {}",
            self.code,
            self.stdout
        );
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "one line wanted: {}",
            self.stderr
        );
        assert!(self.stderr.starts_with("wechatpay: "), "{}", self.stderr);
        assert!(self.stderr.contains(needle), "`{needle}` not in: {}", self.stderr);
        assert!(!self.stderr.contains("panicked") && !self.stderr.contains("stack backtrace"));
        self
    }
}

fn command(args: &[String], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    for name in SETTINGS {
        cmd.env_remove(name);
    }
    cmd.env("RUST_BACKTRACE", "1")
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Runs the tool to completion and checks that nothing it printed is a secret.
fn run(args: &[String], env: &[(&str, String)]) -> Out {
    let output = command(args, env).stdin(Stdio::null()).output().unwrap();
    let out = Out {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_no_secret(&out.stdout);
    assert_no_secret(&out.stderr);
    out
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(sandbox::SECRET), "the APIv2 key was printed: {text}");
    assert!(!text.contains(sandbox::APIV3_KEY), "the APIv3 key was printed: {text}");
    assert!(!text.contains("PRIVATE KEY"), "a private key was printed: {text}");
    for line in Sandbox::merchant_private_key_pem()
        .lines()
        .filter(|l| l.len() > 16 && !l.starts_with("-----"))
    {
        assert!(!text.contains(line), "a private key line was printed: {text}");
    }
}

fn with(mut base: Vec<String>, more: &[&str]) -> Vec<String> {
    base.extend(more.iter().map(|s| (*s).to_owned()));
    base
}

#[test]
fn request_v3_with_flags_prints_the_body() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let out = run(
        &with(
            args(&["request", "v3/marketing/favor/stocks/{stock_id}", "-d"]),
            &[r#"{"stock_id":"9856888","query":{"stock_creator_mchid":"1230000109"}}"#],
        )
        .into_iter()
        .chain(keys.flags(&sandbox.base_uri()))
        .collect::<Vec<_>>(),
        &[],
    );
    out.ok();
    let body: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(body["stock_id"], "9856888");
    assert_eq!(body["stock_creator_mchid"], "1230000109");
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].target,
        "/v3/marketing/favor/stocks/9856888?stock_creator_mchid=1230000109"
    );
    assert!(seen[0].signature_valid);
}

#[test]
fn request_v3_post_with_the_environment_and_flags_win() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let mut env = keys.env("http://127.0.0.1:1/");
    env.push(("WECHATPAY_MCHID", sandbox::MCHID.to_owned()));
    let out = run(
        &args(&[
            "request",
            "v3/pay/transactions/native",
            "-X",
            "post",
            "-d",
            r#"{"json":{"mchid":"1230000109","out_trade_no":"native12177525012014070332333","appid":"wxdace645e0bc2cXXX","description":"Image","notify_url":"https://weixin.qq.com/","amount":{"total":1,"currency":"CNY"}}}"#,
            "--base-uri",
            &sandbox.base_uri(),
        ]),
        &env,
    );
    out.ok();
    let body: Value = serde_json::from_str(&out.stdout).unwrap();
    let code_url = body["code_url"].as_str().unwrap();
    assert!(code_url.starts_with("weixin://wxpay/bizpayurl?pr="), "{code_url}");
    // the sandbox keeps the order the tool created
    let order = sandbox
        .client()
        .unwrap()
        .chain("v3/pay/transactions/out-trade-no/{out_trade_no}")
        .get(json!({ "out_trade_no": "native12177525012014070332333", "query": { "mchid": sandbox::MCHID } }))
        .unwrap();
    assert_eq!(order.json::<Value>().unwrap()["trade_state"], "NOTPAY");
    let seen = sandbox.requests();
    assert_eq!((seen[0].method.as_str(), seen[0].signature_valid), ("POST", true));

    // and the environment alone reaches the sandbox
    let out = run(
        &args(&[
            "request",
            "v3/marketing/favor/stocks/{stock_id}",
            "-d",
            r#"{"stock_id":"1"}"#,
        ]),
        &keys.env(&sandbox.base_uri()),
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out.ok().stdout).unwrap()["stock_id"],
        "1"
    );
}

#[test]
fn request_v2_with_flags_and_with_the_environment() {
    let sandbox = Sandbox::start().unwrap();
    let data = r#"{"xml":{"mch_id":"1230000109","coupon_stock_id":"1757","appid":"wx5edab3bdfba3dc1c","op_user_id":"10000098","version":"1.0","type":"XML"}}"#;
    let by_flags = run(
        &args(&[
            "request",
            "v2/mmpaymkttransfers/query_coupon_stock",
            "-X",
            "POST",
            "-d",
            data,
            "--mchid",
            sandbox::MCHID,
            "--secret",
            sandbox::SECRET,
            "--base-uri",
            &sandbox.base_uri(),
        ]),
        &[],
    );
    by_flags.ok();
    let env = [
        ("WECHATPAY_MCHID", sandbox::MCHID.to_owned()),
        ("WECHATPAY_SECRET", sandbox::SECRET.to_owned()),
        ("WECHATPAY_BASE_URI", sandbox.base_uri()),
    ];
    let by_env = run(
        &args(&[
            "request",
            "v2/mmpaymkttransfers/query_coupon_stock",
            "-X",
            "POST",
            "-d",
            data,
        ]),
        &env,
    );
    by_env.ok();
    for out in [&by_flags, &by_env] {
        let xml = wechatpay::Transformer::to_array(&out.stdout);
        assert_eq!(xml["return_code"], "SUCCESS", "{}", out.stdout);
        assert_eq!(xml["coupon_stock_id"], "1757");
    }
    assert!(sandbox.requests().iter().all(|r| r.signature_valid));
    assert_eq!(sandbox.requests().len(), 2);

    // a wrong APIv2 key: the gateway refuses, exit non-zero, the answer on stderr
    let out = run(
        &args(&[
            "request",
            "v2/mmpaymkttransfers/query_coupon_stock",
            "-X",
            "POST",
            "-d",
            data,
            "--secret",
            "not_the_sandbox_apiv2_key_______",
        ]),
        &env[..1].iter().chain(&env[2..]).cloned().collect::<Vec<_>>(),
    );
    assert_eq!(out.code, Some(1));
    let mut lines = out.stderr.lines();
    assert!(
        lines.next().unwrap().contains("return_code is `FAIL`"),
        "{}",
        out.stderr
    );
    assert_eq!(
        wechatpay::Transformer::to_array(lines.next().unwrap())["return_code"],
        "FAIL"
    );
}

#[test]
fn a_failed_call_prints_the_message_and_the_body_on_stderr() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let out = run(&args(&["request", "v3/no/such/route"]), &keys.env(&sandbox.base_uri()));
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    let mut lines = out.stderr.lines();
    assert!(lines.next().unwrap().starts_with("wechatpay: "));
    let body: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(body["code"], "NOT_FOUND", "{}", out.stderr);
}

#[test]
fn certificates_are_downloaded_verified_and_saved() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let output = tempfile::tempdir().unwrap();
    let out = run(
        &args(&[
            "certificates",
            "-m",
            sandbox::MCHID,
            "-s",
            sandbox::MERCHANT_SERIAL,
            "-f",
            &keys.private_key.display().to_string(),
            "-k",
            sandbox::APIV3_KEY,
            "-o",
            &output.path().display().to_string(),
            "-u",
            &sandbox.base_uri(),
        ]),
        &[],
    );
    out.ok();
    let mut files: Vec<_> = std::fs::read_dir(output.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut wanted = vec![
        format!("wechatpay_{}.pem", sandbox::PLATFORM_CERT_OLD_SERIAL),
        format!("wechatpay_{}.pem", sandbox::PLATFORM_CERT_NEW_SERIAL),
    ];
    wanted.sort();
    assert_eq!(files, wanted);
    for serial in [sandbox::PLATFORM_CERT_OLD_SERIAL, sandbox::PLATFORM_CERT_NEW_SERIAL] {
        let path = output.path().join(format!("wechatpay_{serial}.pem"));
        let cert = PemUtil::load_certificate(&path).unwrap();
        assert_eq!(cert.serial_no(), serial);
        assert!(
            out.stdout.contains(&format!("Serial Number: {serial}")),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains(&format!("Not Before: {}", cert.not_before_rfc3339()))
        );
        assert!(out.stdout.contains(&format!("Not After: {}", cert.not_after_rfc3339())));
        assert!(out.stdout.contains(&format!("Saved to: {}", path.display())));
    }
    assert!(out.stdout.contains("Not After: 2030-01-01T"), "{}", out.stdout);
}

#[test]
fn certificates_with_long_flags_and_the_environment() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let output = tempfile::tempdir().unwrap();
    let env = [
        ("WECHATPAY_MCHID", sandbox::MCHID.to_owned()),
        ("WECHATPAY_APIV3_KEY", sandbox::APIV3_KEY.to_owned()),
    ];
    let out = run(
        &args(&[
            "certificates",
            "--serialno",
            sandbox::MERCHANT_SERIAL,
            "--privatekey",
            &keys.private_key.display().to_string(),
            "--output",
            &output.path().display().to_string(),
            "--baseuri",
            &sandbox.base_uri(),
        ]),
        &env,
    );
    out.ok();
    assert_eq!(std::fs::read_dir(output.path()).unwrap().count(), 2);
}

#[test]
fn certificates_with_a_wrong_apiv3_key_fail_and_write_nothing() {
    let sandbox = Sandbox::start().unwrap();
    let keys = Keys::new();
    let output = tempfile::tempdir().unwrap();
    let out = run(
        &args(&[
            "certificates",
            "-m",
            sandbox::MCHID,
            "-s",
            sandbox::MERCHANT_SERIAL,
            "-f",
            &keys.private_key.display().to_string(),
            "-k",
            "0123456789abcdef0123456789abcdef",
            "-o",
            &output.path().display().to_string(),
            "-u",
            &sandbox.base_uri(),
        ]),
        &[],
    );
    out.fails_with("AES decryption failed");
    assert!(!out.stderr.contains("0123456789abcdef0123456789abcdef"));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(output.path()).unwrap().count(),
        0,
        "no file, not even a temporary one"
    );
}

#[test]
fn crypto_rsa_sign_verify_encrypt_decrypt_round_trips() {
    let keys = Keys::new();
    let private_key = keys.private_key.display().to_string();
    let public_key = keys.merchant_public.display().to_string();
    let message = "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";

    let signature = run(
        &args(&["crypto", "sign", "--private-key", &private_key, "--message", message]),
        &[],
    );
    let signature = signature.ok().stdout.trim().to_owned();
    let merchant = Sandbox::merchant_private_key().unwrap();
    assert!(
        Rsa::verify(message, &signature, &merchant.to_public()),
        "the library accepts the tool's signature"
    );
    assert_eq!(
        signature,
        Rsa::sign(message, &merchant).unwrap(),
        "PKCS#1 v1.5 signatures are deterministic"
    );

    let verify = |msg: &str| {
        run(
            &args(&[
                "crypto",
                "verify",
                "--public-key",
                &public_key,
                "--signature",
                &signature,
                "--message",
                msg,
            ]),
            &[],
        )
    };
    assert_eq!(verify(message).ok().stdout, "valid\n");
    let forged = verify("GET\n/v3/certificates\n1554208461\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
    assert_eq!((forged.code, forged.stdout.as_str()), (Some(1), "invalid\n"));

    // the message from a file, the key from the environment
    let file = keys.dir.path().join("message.txt");
    std::fs::write(&file, message).unwrap();
    let from_file = run(
        &args(&["crypto", "sign", "--message-file", &file.display().to_string()]),
        &[("WECHATPAY_PRIVATE_KEY", private_key.clone())],
    );
    assert_eq!(from_file.ok().stdout.trim(), signature);

    let ciphertext = run(
        &args(&[
            "crypto",
            "encrypt",
            "--public-key",
            &public_key,
            "--message",
            "13800138000",
        ]),
        &[],
    );
    let ciphertext = ciphertext.ok().stdout.trim().to_owned();
    assert_eq!(Rsa::decrypt(&ciphertext, &merchant).unwrap(), "13800138000");
    let plaintext = run(
        &args(&[
            "crypto",
            "decrypt",
            "--private-key",
            &private_key,
            "--ciphertext",
            &ciphertext,
        ]),
        &[],
    );
    assert_eq!(plaintext.ok().stdout, "13800138000");

    let other = Rsa::encrypt("x", &Sandbox::platform_public_key().unwrap()).unwrap();
    run(
        &args(&[
            "crypto",
            "decrypt",
            "--private-key",
            &private_key,
            "--ciphertext",
            &other,
        ]),
        &[],
    )
    .fails_with("decrypt");
}

#[test]
fn crypto_aes_gcm_round_trips() {
    let env = [("WECHATPAY_APIV3_KEY", sandbox::APIV3_KEY.to_owned())];
    let plaintext = r#"{"mchid":"1230000109","trade_state":"SUCCESS"}"#;
    let encrypted = run(
        &args(&[
            "crypto",
            "aes-gcm-encrypt",
            "--nonce",
            "fdasflkja484w",
            "--associated-data",
            "transaction",
            "--message",
            plaintext,
        ]),
        &env,
    );
    let ciphertext = encrypted.ok().stdout.trim().to_owned();
    assert_eq!(
        AesGcm::decrypt(&ciphertext, sandbox::APIV3_KEY, "fdasflkja484w", "transaction").unwrap(),
        plaintext
    );
    let decrypt = |aad: &str| {
        run(
            &args(&[
                "crypto",
                "aes-gcm-decrypt",
                "--nonce",
                "fdasflkja484w",
                "--associated-data",
                aad,
                "--ciphertext",
                &ciphertext,
            ]),
            &env,
        )
    };
    assert_eq!(decrypt("transaction").ok().stdout, plaintext);
    decrypt("refund").fails_with("AES decryption failed");

    // the library's ciphertext, decrypted by the tool with the key given as a flag
    let ciphertext = AesGcm::encrypt("hello", sandbox::APIV3_KEY, "0123456789ab", "certificate").unwrap();
    let out = run(
        &args(&[
            "crypto",
            "aes-gcm-decrypt",
            "--apiv3-key",
            sandbox::APIV3_KEY,
            "--nonce",
            "0123456789ab",
            "--associated-data",
            "certificate",
            "--ciphertext",
            &ciphertext,
        ]),
        &[],
    );
    assert_eq!(out.ok().stdout, "hello");
}

#[test]
fn crypto_notification_verifies_and_decrypts() {
    let keys = Keys::new();
    let resource = json!({ "out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS" });
    let (headers, body) = sandbox::notification("TRANSACTION.SUCCESS", &resource).unwrap();
    let headers_file = keys.dir.path().join("headers.txt");
    let mut text = String::from("POST /notify HTTP/1.1\r\nContent-Type: application/json\r\n");
    for (name, value) in &headers {
        text.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
    }
    std::fs::write(&headers_file, text).unwrap();
    let body_file = keys.dir.path().join("body.json");
    std::fs::write(&body_file, &body).unwrap();
    let env = [
        ("WECHATPAY_MCHID", sandbox::MCHID.to_owned()),
        ("WECHATPAY_CERTS", keys.cert_arg()),
        ("WECHATPAY_APIV3_KEY", sandbox::APIV3_KEY.to_owned()),
    ];
    let out = run(
        &args(&[
            "crypto",
            "notification",
            "--headers",
            &headers_file.display().to_string(),
            "--body",
            &body_file.display().to_string(),
        ]),
        &env,
    );
    let event: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(event["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(event["resource"], resource);

    // the headers as flags instead
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let by_flags = run(
        &args(&[
            "crypto",
            "notification",
            "--timestamp",
            &header("wechatpay-timestamp"),
            "--nonce",
            &header("wechatpay-nonce"),
            "--signature",
            &header("wechatpay-signature"),
            "--serial-header",
            &header("wechatpay-serial"),
            "--body",
            &body_file.display().to_string(),
        ]),
        &env,
    );
    assert_eq!(serde_json::from_str::<Value>(&by_flags.ok().stdout).unwrap(), event);

    // one byte changed: refused
    let mut forged = body.clone();
    forged.push(b' ');
    std::fs::write(&body_file, &forged).unwrap();
    let out = run(
        &args(&[
            "crypto",
            "notification",
            "--headers",
            &headers_file.display().to_string(),
            "--body",
            &body_file.display().to_string(),
        ]),
        &env,
    );
    out.fails_with("signature");
    assert!(out.stdout.is_empty());
}

/// Reads the `sandbox` subcommand's settings (up to `WECHATPAY_SANDBOX_DIR`, the last line).
fn read_settings(child: &mut Child) -> (String, Vec<(String, String)>) {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut first = String::new();
    let mut settings = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if first.is_empty() {
            first = line.clone();
        }
        if let Some((k, v)) = line.split_once('=').filter(|_| line.starts_with("WECHATPAY_")) {
            settings.push((k.to_owned(), v.to_owned()));
            if k == "WECHATPAY_SANDBOX_DIR" {
                break;
            }
        }
    }
    (first, settings)
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the sandbox did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sandbox_subcommand_serves_the_settings_it_prints_until_stdin_closes() {
    let mut child = command(&args(&["sandbox", "--port", "0"]), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (first, settings) = read_settings(&mut child);
    let get = |name: &str| {
        settings
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let base_uri = get("WECHATPAY_BASE_URI");
    let addr = base_uri.trim_start_matches("http://").trim_end_matches('/');
    assert!(first.contains(&format!("listening on {addr}")), "{first}");
    assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"));
    assert_eq!(get("WECHATPAY_MCHID"), sandbox::MCHID);
    assert_eq!(get("WECHATPAY_SECRET"), sandbox::SECRET);
    let dir = PathBuf::from(get("WECHATPAY_SANDBOX_DIR"));

    // a library client from exactly the printed settings
    let mut builder = Builder::new()
        .mchid(get("WECHATPAY_MCHID"))
        .serial(get("WECHATPAY_SERIAL"))
        .private_key(format!("file://{}", get("WECHATPAY_PRIVATE_KEY")))
        .secret(get("WECHATPAY_SECRET"))
        .apiv3_key(get("WECHATPAY_APIV3_KEY"))
        .base_uri(base_uri.clone());
    let certs = get("WECHATPAY_CERTS");
    let mut serials = Vec::new();
    for entry in certs.split(',') {
        let (serial, path) = entry.split_once('=').unwrap();
        assert!(Path::new(path).starts_with(&dir));
        builder = builder.cert(serial, Rsa::from(format!("file://{path}"), KeyType::Public).unwrap());
        serials.push(serial.to_owned());
    }
    assert!(serials.contains(&sandbox::PLATFORM_SERIAL.to_owned()));
    assert!(serials.contains(&sandbox::PLATFORM_CERT_NEW_SERIAL.to_owned()));
    let client = builder.build().unwrap();
    let answer = client
        .chain("v3/marketing/favor/stocks/{stock_id}")
        .get(json!({ "stock_id": "42" }))
        .unwrap();
    assert_eq!(answer.json::<Value>().unwrap()["stock_id"], "42");
    let refused = client.chain("v3/no/such/route").get(()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Status);

    // the tool's own `request` with those settings as its environment
    let env: Vec<(&str, String)> = SETTINGS
        .iter()
        .map(|k| (*k, get(k)))
        .filter(|(k, _)| *k != "WECHATPAY_SANDBOX_DIR")
        .collect();
    let out = command(
        &args(&[
            "request",
            "v3/marketing/favor/stocks/{stock_id}",
            "-d",
            r#"{"stock_id":"7"}"#,
        ]),
        &env,
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    drop(child.stdin.take());
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status}");
    assert!(!dir.exists(), "the default temporary directory is removed on exit");
    assert!(std::net::TcpStream::connect(addr).is_err(), "no longer listening");
}

#[test]
fn sandbox_subcommand_keeps_a_given_directory_and_refuses_a_taken_port() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path().join("sandbox");
    let mut child = command(&args(&["sandbox", "--dir", &dir.display().to_string()]), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, settings) = read_settings(&mut child);
    let base_uri = settings
        .iter()
        .find(|(k, _)| k == "WECHATPAY_BASE_URI")
        .unwrap()
        .1
        .clone();
    let port = base_uri.trim_end_matches('/').rsplit(':').next().unwrap().to_owned();

    let taken = run(&args(&["sandbox", "--port", &port]), &[]);
    taken.fails_with(&format!("127.0.0.1:{port}"));

    drop(child.stdin.take());
    assert!(wait_exit(&mut child).success());
    let key = std::fs::read_to_string(dir.join("merchant_private_key.pem")).unwrap();
    assert_eq!(key, Sandbox::merchant_private_key_pem());
    let cert = PemUtil::load_certificate(dir.join(format!("wechatpay_{}.pem", sandbox::PLATFORM_CERT_OLD_SERIAL)));
    assert_eq!(cert.unwrap().serial_no(), sandbox::PLATFORM_CERT_OLD_SERIAL);
}

#[test]
fn bad_input_is_one_line_and_a_non_zero_exit() {
    let keys = Keys::new();
    let sandbox = Sandbox::start().unwrap();
    let path = args(&[
        "request",
        "v3/marketing/favor/stocks/{stock_id}",
        "-d",
        r#"{"stock_id":"1"}"#,
    ]);
    let env_without = |name: &str| -> Vec<(&'static str, String)> {
        keys.env(&sandbox.base_uri())
            .into_iter()
            .filter(|(k, _)| *k != name)
            .collect()
    };

    // missing settings, each named with its flag and variable
    run(&path, &env_without("WECHATPAY_MCHID")).fails_with("--mchid or set WECHATPAY_MCHID");
    run(&path, &env_without("WECHATPAY_SERIAL")).fails_with("--serial or set WECHATPAY_SERIAL");
    run(&path, &env_without("WECHATPAY_PRIVATE_KEY")).fails_with("--private-key or set WECHATPAY_PRIVATE_KEY");
    run(&path, &env_without("WECHATPAY_CERTS")).fails_with("--cert SERIAL=FILE or set WECHATPAY_CERTS");
    let v2 = args(&["request", "v2/pay/micropay", "-X", "POST", "-d", r#"{"xml":{}}"#]);
    run(&v2, &[("WECHATPAY_MCHID", sandbox::MCHID.to_owned())]).fails_with("--secret or set WECHATPAY_SECRET");
    run(&args(&["request"]), &[]).fails_with("<PATH>");
    run(&args(&["certificates", "-m", "1", "-s", "2", "-f", "3"]), &[]).fails_with("-k/--key");
    run(&args(&["crypto", "sign", "--message", "x"]), &[]).fails_with("--private-key");
    run(&args(&["request", "v3/x", "--no-such-flag"]), &[]).fails_with("--no-such-flag");

    // unreadable files
    let mut env = env_without("WECHATPAY_PRIVATE_KEY");
    env.push(("WECHATPAY_PRIVATE_KEY", "/nonexistent/apiclient_key.pem".to_owned()));
    run(&path, &env).fails_with("cannot read the private key file (--private-key) `/nonexistent/apiclient_key.pem`");
    let mut env = env_without("WECHATPAY_PRIVATE_KEY");
    env.push(("WECHATPAY_PRIVATE_KEY", keys.platform_public.display().to_string()));
    run(&path, &env).fails_with("holds no usable private key");
    run(
        &with(path.clone(), &["--cert", "PUB_KEY_ID_1=/nonexistent.pem"]),
        &keys.env(&sandbox.base_uri()),
    )
    .fails_with("cannot read the platform certificate file of `PUB_KEY_ID_1`");
    run(
        &with(path.clone(), &["--cert", "no-equals-sign"]),
        &keys.env(&sandbox.base_uri()),
    )
    .fails_with("SERIAL=FILE");
    let certificates = args(&[
        "certificates",
        "-m",
        "1",
        "-s",
        "2",
        "-f",
        "/nonexistent/key.pem",
        "-k",
        sandbox::APIV3_KEY,
    ]);
    run(&certificates, &[]).fails_with("cannot read the private key file (-f)");

    // malformed -d JSON and a bad method
    let env = keys.env(&sandbox.base_uri());
    run(&args(&["request", "v3/x", "-d", "{\"json\": "]), &env).fails_with("-d is not valid JSON");
    run(&args(&["request", "v3/x", "-d", "[1]"]), &env).fails_with("-d wants a JSON object");
    run(&args(&["request", "v3/x", "-X", "FETCH"]), &env).fails_with("-X wants GET, POST, PUT, PATCH or DELETE");

    // an APIv3 key of the wrong length, a bad base URI, an unreachable gateway
    run(&with(path.clone(), &["--apiv3-key", "short-key-not-32"]), &env).fails_with("32 bytes");
    run(&with(path.clone(), &["--base-uri", "not a url"]), &env).fails_with("base_uri");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    run(&with(path.clone(), &["--base-uri", &format!("http://{closed}/")]), &env).fails_with(&closed.to_string());
    assert!(sandbox.requests().is_empty(), "no bad input reached the gateway");
}

#[test]
fn help_shows_no_secret_from_the_environment() {
    let keys = Keys::new();
    let env = keys.env("http://127.0.0.1:1/");
    for sub in [
        &["request", "--help"][..],
        &["certificates", "--help"],
        &["crypto", "notification", "--help"],
    ] {
        let out = run(&args(sub), &env);
        out.ok();
        assert!(out.stdout.contains("WECHATPAY_APIV3_KEY"), "{}", out.stdout);
    }
    let out = run(&args(&["crypto", "aes-gcm-decrypt", "--help"]), &env);
    assert!(out.ok().stdout.contains("--apiv3-key"));
}

#[cfg(unix)]
#[test]
fn sandbox_subcommand_stops_on_sigterm() {
    let mut child = command(&args(&["sandbox"]), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (_, settings) = read_settings(&mut child);
    assert!(settings.iter().any(|(k, _)| k == "WECHATPAY_BASE_URI"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child);
    assert!(status.success(), "a clean exit after SIGTERM: {status}");
    drop(child.stdin.take());
}

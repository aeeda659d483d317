//! A remote signer: the merchant private key lives in another service (an HSM, a signing daemon), and the client
//! only asks it for the `Authorization` value, as wechatpay-php's README shows by replacing the `signer`
//! middleware. Here the "service" is a thread reached over a channel. Run: `cargo run --example custom_signer`.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use serde_json::json;
use wechatpay::sandbox::{MCHID, MERCHANT_SERIAL, Sandbox};
use wechatpay::{Error, ErrorKind, Formatter, Rsa, SignContext};

/// What the signing service receives: method, request-target and body (never the key).
type Job = (String, String, Vec<u8>, mpsc::Sender<wechatpay::Result<String>>);

fn signing_service(jobs: mpsc::Receiver<Job>) -> wechatpay::Result<()> {
    let key = Sandbox::merchant_private_key()?; // in real life: inside the HSM
    for (method, target, body, reply) in jobs {
        let (ts, nonce) = (Formatter::timestamp(), Formatter::nonce(32)?);
        let message = Formatter::request(&method, &target, ts, &nonce, &String::from_utf8_lossy(&body));
        let answer =
            Rsa::sign(message, &key).map(|sig| Formatter::authorization(MCHID, &nonce, &sig, ts, MERCHANT_SERIAL));
        let _ = reply.send(answer);
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    std::thread::spawn(move || signing_service(inbox));
    let jobs = Arc::new(Mutex::new(jobs));

    let remote = move |ctx: &SignContext<'_>| -> wechatpay::Result<String> {
        let (reply, answer) = mpsc::channel();
        let job = (
            ctx.method().to_string(),
            ctx.target().to_owned(),
            ctx.body().to_vec(),
            reply,
        );
        let sent = jobs.lock().map(|q| q.send(job).is_ok()).unwrap_or(false);
        match (sent, answer.recv()) {
            (true, Ok(result)) => result,
            _ => Err(Error::new(ErrorKind::Transport, "the signing service is gone")),
        }
    };

    let sandbox = Sandbox::start()?;
    let client = sandbox.builder()?.signer(remote).build()?;
    let resp = client["v3/marketing/favor/stocks/{stock_id}"]
        .get(json!({ "stock_id": "9856888", "query": { "stock_creator_mchid": "123456" } }))?;
    let accepted = sandbox.requests().iter().all(|r| r.signature_valid);
    println!(
        "{} — the gateway accepted the remotely made signature: {accepted}",
        resp.status()
    );
    Ok(())
}

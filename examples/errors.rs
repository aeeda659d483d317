//! Telling failures apart: match on `ErrorKind` (never on the text), read WeChat Pay's own `code`/`message` with
//! `err.wechat()`, and keep the answer with `err.response()`. Run: `cargo run --example errors`.

use std::time::Duration;

use serde_json::json;
use wechatpay::sandbox::{MCHID, MERCHANT_SERIAL, Sandbox};
use wechatpay::{Builder, Error, ErrorKind, Options, V2Rejection, VerifyFailure};

fn explain(what: &str, result: wechatpay::Result<wechatpay::Response>) {
    let Err(err) = result else {
        println!("{what:34} ok");
        return;
    };
    let advice = match err.kind() {
        ErrorKind::Config | ErrorKind::InvalidArgument => "fix the code or the settings; nothing was sent",
        ErrorKind::Transport if err.is_timeout() => {
            "timed out: the call may or may not have happened, query before retrying"
        }
        ErrorKind::Transport => "could not reach WeChat Pay: safe to retry",
        ErrorKind::Status => "WeChat Pay answered an error status: read its code",
        ErrorKind::Verify(VerifyFailure::UnknownSerial) => "refresh the platform certificates / add the public key",
        ErrorKind::Verify(_) => "the answer is not provably WeChat Pay's: do not trust it",
        ErrorKind::Rejected(V2Rejection::ResultCode) => "APIv2 business failure: read err_code",
        ErrorKind::Rejected(_) => "APIv2 answer refused (return_code or sign)",
        _ => "see the message",
    };
    let code = err
        .wechat()
        .map(|w| format!("{} {}", w.code(), w.message()))
        .unwrap_or_default();
    let status = err
        .response()
        .map(|r| r.status().as_u16().to_string())
        .unwrap_or_default();
    println!("{what:34} {:?} [{status}] {code}\n{:36}→ {advice}", err.kind(), "");
}

fn main() -> Result<(), Error> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;

    // a route WeChat Pay does not have: a signed 404 with its code
    explain("unknown endpoint", client.chain("v3/no/such/endpoint").get(()));
    // an answer signed with a key this client was not given
    let stranger = Builder::new()
        .mchid(MCHID)
        .serial(MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key()?)
        .cert(
            "0123456789ABCDEF0123456789ABCDEF01234567",
            Sandbox::merchant_private_key()?.to_public(),
        )
        .base_uri(sandbox.base_uri())
        .build()?;
    let query = json!({ "stock_id": "1", "query": { "stock_creator_mchid": "1" } });
    explain(
        "unknown signing key",
        stranger.chain("v3/marketing/favor/stocks/{stock_id}").get(query),
    );
    // nothing listens there
    let nowhere = Builder::new()
        .mchid("1")
        .secret("k")
        .base_uri("http://127.0.0.1:9/")
        .build()?;
    explain(
        "unreachable gateway",
        nowhere.chain("v2/pay/orderquery").post(
            Options::new()
                .xml(json!({ "mch_id": "1", "out_trade_no": "1" }))
                .timeout(Duration::from_secs(2)),
        ),
    );
    // the request itself is wrong: refused before sending
    explain(
        "mch_id that is not ours",
        client
            .chain("v2/pay/orderquery")
            .post(json!({ "xml": { "mch_id": "999" } })),
    );
    Ok(())
}

//! An APIv3 notification (webhook) handler in axum: raw headers and body in, `client.notification(..)`, 204 after
//! processing, 4xx/5xx with WeChat Pay's `{"code":"FAIL","message":".."}` otherwise. It serves on loopback, posts
//! itself one genuine and one forged notification (built by the sandbox, as WeChat Pay would send them), prints
//! the outcomes and exits. Run: `cargo run --example notification`.

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use wechatpay::sandbox::{self, Sandbox};
use wechatpay::{Builder, Client, ErrorKind, notify};

/// The part of a payment notification this shop needs.
#[derive(serde::Deserialize)]
struct Paid {
    out_trade_no: String,
    trade_state: String,
}

async fn notified(State(client): State<Client>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let event = match client.notification(&headers, &body) {
        Ok(event) => event,
        // a forgery, a replay, WeChat Pay's probe: refuse, WeChat Pay retries genuine ones later
        Err(e) if matches!(e.kind(), ErrorKind::Verify(_)) => {
            return (
                StatusCode::UNAUTHORIZED,
                notify::reply_failure("signature verification failed"),
            );
        }
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                notify::reply_failure(&format!("unusable notification: {e}")),
            );
        }
    };
    // process BEFORE answering 2xx: once answered, WeChat Pay does not send it again
    match event.resource::<Paid>() {
        Ok(paid) => {
            println!("handler: {} {} is {}", event.id(), paid.out_trade_no, paid.trade_state);
            (StatusCode::NO_CONTENT, String::new())
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            notify::reply_failure("cannot process this resource"),
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // production: your merchant settings, the platform certificate or public key, and the APIv3 key
    let client = Builder::new()
        .mchid(sandbox::MCHID)
        .serial(sandbox::MERCHANT_SERIAL)
        .private_key(Sandbox::merchant_private_key()?)
        .cert(sandbox::PLATFORM_SERIAL, Sandbox::platform_public_key()?)
        .apiv3_key(sandbox::APIV3_KEY)
        .build()?;
    let app = Router::new().route("/notify", post(notified)).with_state(client);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notify", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let resource = serde_json::json!({ "out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS" });
    let (headers, body) = sandbox::notification("TRANSACTION.SUCCESS", &resource)?;
    let forged = String::from_utf8(body.clone())?.replacen("\"id\":\"EV-", "\"id\":\"EV-X", 1);
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for (label, body) in [("genuine", body), ("forged", forged.into_bytes())] {
        let answer = http.post(&url).headers(headers.clone()).body(body).send().await?;
        let status = answer.status();
        println!("{label}: {status} {}", answer.text().await?);
        statuses.push(status.as_u16());
    }
    if statuses != [204, 401] {
        return Err(format!("unexpected answers {statuses:?}").into());
    }
    Ok(())
}

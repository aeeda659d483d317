//! `wechatpay request <path> [-X METHOD] [-d OPTIONS]`: `client.chain(path).<method>(options)`.

use std::io::Write;

use clap::Args;
use serde_json::Value;

use crate::fail::{Failure, Outcome, one_line};
use crate::merchant::{Merchant, Needs};

/// Calls one endpoint and prints the answer's body.
#[derive(Debug, Args)]
pub(crate) struct Request {
    /// The chain path, e.g. `v3/pay/transactions/id/{transaction_id}` or `v2/pay/micropay`
    #[arg(value_name = "PATH")]
    path: String,
    /// HTTP method: GET, POST, PUT, PATCH or DELETE
    #[arg(short = 'X', long, default_value = "GET", value_name = "METHOD")]
    method: String,
    /// The request options as JSON, e.g. '{"json":{…}}', '{"query":{…}}', '{"xml":{…}}', '{"transaction_id":"…"}'
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    data: Option<String>,
    #[command(flatten)]
    merchant: Merchant,
}

impl Request {
    pub(crate) fn run(self) -> Outcome {
        let options = match &self.data {
            None => Value::Object(Default::default()),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => {
                    return Err(Failure::new(
                        "-d wants a JSON object of request options, e.g. '{\"json\":{}}'",
                    ));
                }
                Err(e) => return Err(Failure::new(one_line(&format!("-d is not valid JSON: {e}")))),
            },
        };
        let needs = if is_v2(&self.path) { Needs::V2 } else { Needs::V3 };
        let client = self.merchant.client(needs)?;
        let node = client.chain(&self.path);
        let response = match self.method.to_ascii_uppercase().as_str() {
            "GET" => node.get(options),
            "POST" => node.post(options),
            "PUT" => node.put(options),
            "PATCH" => node.patch(options),
            "DELETE" => node.delete(options),
            other => {
                return Err(Failure::new(format!(
                    "-X wants GET, POST, PUT, PATCH or DELETE, got `{other}`"
                )));
            }
        }?;
        let mut out = std::io::stdout().lock();
        // The body exactly as it came (no newline added), so it can be piped or redirected to a file.
        out.write_all(response.body())
            .and_then(|()| out.flush())
            .map_err(|e| Failure::new(format!("cannot write the answer to stdout: {e}")))
    }
}

/// Whether the chain routes to APIv2 (its first segment is `v2`).
fn is_v2(path: &str) -> bool {
    path.trim_start_matches('/').split('/').next() == Some("v2")
}

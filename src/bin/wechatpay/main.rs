//! `wechatpay`: the WeChat Pay SDK from the command line. Any endpoint (`request`), the platform-certificate
//! download (`certificates`, wechatpay-php's CertificateDownloader), the cryptography (`crypto`) and the fake
//! gateway for other programs' tests (`sandbox`). Build with `--features cli`.
//!
//! Merchant settings come from flags or `WECHATPAY_*` variables (flags win). A failure prints one line on stderr
//! (and the response body, when an answer came) and exits 1; a usage error exits 2.

mod certificates;
mod crypto;
mod fail;
mod files;
mod merchant;
mod request;
mod sandbox;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::fail::{Failure, one_line};

/// The WeChat Pay OpenAPI (APIv2 and APIv3) from the command line.
///
/// Merchant settings come from flags or the environment (flags win): --mchid/WECHATPAY_MCHID,
/// --serial/WECHATPAY_SERIAL, --private-key/WECHATPAY_PRIVATE_KEY, --cert/WECHATPAY_CERTS, --secret/WECHATPAY_SECRET,
/// --apiv3-key/WECHATPAY_APIV3_KEY, --base-uri/WECHATPAY_BASE_URI.
#[derive(Debug, Parser)]
#[command(name = "wechatpay", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call any endpoint as `client.chain(PATH).<method>(OPTIONS)` and print the answer's body
    Request(request::Request),
    /// Download, decrypt and verify the platform certificates; save each as DIR/wechatpay_<serial>.pem
    Certificates(certificates::Certificates),
    /// Sign, verify, encrypt and decrypt (RSA, AES-GCM), check and decrypt notifications
    #[command(subcommand)]
    Crypto(crypto::Crypto),
    /// Run the fake WeChat Pay gateway on 127.0.0.1 for other programs' tests (TEST ONLY keys)
    Sandbox(sandbox::SandboxArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let result = match cli.command {
        Command::Request(r) => r.run(),
        Command::Certificates(c) => c.run(),
        Command::Crypto(c) => c.run(),
        Command::Sandbox(s) => s.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(&failure),
    }
}

/// `--help` / `--version` as clap prints them; any other parse error as one line.
fn usage(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind as K;
    if matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    // clap's text: the problem, a blank line, the usage; keep the problem, on one line.
    let rendered = e.render().to_string();
    let problem = rendered.split("\n\n").next().unwrap_or_default();
    let line = one_line(problem.trim_start_matches("error:"));
    let _ = writeln!(std::io::stderr(), "wechatpay: {line} (see --help)");
    ExitCode::from(2)
}

fn report(failure: &Failure) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "wechatpay: {}", failure.message);
    if let Some(body) = failure.body.as_deref().filter(|b| !b.is_empty()) {
        let _ = err.write_all(body);
        if !body.ends_with(b"\n") {
            let _ = err.write_all(b"\n");
        }
    }
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

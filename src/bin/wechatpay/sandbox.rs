//! `wechatpay sandbox`: the crate's fake gateway in the foreground, for the test suites of programs in other
//! languages. It writes its TEST ONLY keys and certificates to a directory, prints the merchant settings as
//! `WECHATPAY_*=value` lines (a shell can `set -a; . ./file`), and serves until Ctrl-C, SIGTERM or the end of stdin.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::Args;
use wechatpay::certs::Downloader;
use wechatpay::sandbox::{self, Sandbox};

use crate::fail::{Failure, Outcome};

/// Where to serve and where to put the key files.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Port on 127.0.0.1 (0: any free port; the chosen one is printed)
    #[arg(long, default_value_t = 0, value_name = "N")]
    port: u16,
    /// Directory for the key and certificate files (created if missing; default: a temporary directory removed
    /// on exit)
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

impl SandboxArgs {
    pub(crate) fn run(self) -> Outcome {
        let temp;
        let dir = match self.dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    Failure::new(format!("cannot create the directory (--dir) `{}`: {e}", dir.display()))
                })?;
                dir
            }
            None => {
                temp = tempfile::Builder::new()
                    .prefix("wechatpay-sandbox-")
                    .tempdir()
                    .map_err(|e| Failure::new(format!("cannot create a temporary directory: {e}")))?;
                temp.path().to_path_buf()
            }
        };
        // Listening before the settings are printed: a SIGTERM sent as soon as they are read is not lost.
        let stop = Stop::listen()?;
        let server = Sandbox::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))?;
        let settings = write_files(&server, &dir)?;
        let mut out = std::io::stdout().lock();
        let addr = server.base_uri();
        let mut text = format!(
            "# wechatpay sandbox listening on {}\n# TEST ONLY keys; stop with Ctrl-C, SIGTERM or by closing stdin\n",
            addr.trim_start_matches("http://").trim_end_matches('/')
        );
        for (name, value) in settings {
            text.push_str(&format!("{name}={}\n", shell_word(&value)));
        }
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))?;
        drop(out);
        stop.wait()?;
        drop(server);
        Ok(())
    }
}

/// Writes the TEST ONLY files and returns the settings to print.
fn write_files(server: &Sandbox, dir: &Path) -> Outcome<Vec<(&'static str, String)>> {
    let write = |name: &str, text: &str| -> Outcome<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Failure::new(format!("cannot write `{}`: {e}", path.display())))?;
        Ok(path)
    };
    let private_key = write("merchant_private_key.pem", Sandbox::merchant_private_key_pem())?;
    let public_key = write(
        "wechatpay_public_key.pem",
        &Sandbox::platform_public_key()?.to_spki_pem(),
    )?;
    let mut certs = vec![format!("{}={}", sandbox::PLATFORM_SERIAL, public_key.display())];
    // The platform certificates as a merchant gets them: downloaded from the running sandbox and verified.
    for cert in Downloader::new(&server.client()?).download()? {
        let path = write(&format!("wechatpay_{}.pem", cert.serial_no()), &cert.to_pem())?;
        certs.push(format!("{}={}", cert.serial_no(), path.display()));
    }
    Ok(vec![
        ("WECHATPAY_MCHID", sandbox::MCHID.to_owned()),
        ("WECHATPAY_SERIAL", sandbox::MERCHANT_SERIAL.to_owned()),
        ("WECHATPAY_PRIVATE_KEY", private_key.display().to_string()),
        ("WECHATPAY_CERTS", certs.join(",")),
        ("WECHATPAY_SECRET", sandbox::SECRET.to_owned()),
        ("WECHATPAY_APIV3_KEY", sandbox::APIV3_KEY.to_owned()),
        ("WECHATPAY_BASE_URI", server.base_uri()),
        ("WECHATPAY_SANDBOX_DIR", dir.display().to_string()),
    ])
}

/// `value` as one shell word: bare when it is plain, else single-quoted.
fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@%+".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The stop signals (Ctrl-C, SIGTERM on Unix), listened for from its creation on.
struct Stop {
    rt: tokio::runtime::Runtime,
    #[cfg(unix)]
    signals: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
}

impl Stop {
    fn listen() -> Outcome<Stop> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(format!("cannot start the signal runtime: {e}")))?;
        #[cfg(unix)]
        let signals = {
            use tokio::signal::unix::{SignalKind, signal};
            let _entered = rt.enter();
            let listen = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| Failure::new(format!("cannot listen for {name}: {e}")))
            };
            (
                listen(SignalKind::interrupt(), "Ctrl-C")?,
                listen(SignalKind::terminate(), "SIGTERM")?,
            )
        };
        Ok(Stop {
            rt,
            #[cfg(unix)]
            signals,
        })
    }

    /// Blocks until Ctrl-C, SIGTERM (Unix) or the end of stdin.
    fn wait(self) -> Outcome {
        let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
        // A plain thread (not Tokio's stdin, whose blocking read would hold the runtime open at exit).
        std::thread::Builder::new()
            .name("stdin-watch".into())
            .spawn(move || {
                let mut sink = [0u8; 1024];
                let mut stdin = std::io::stdin().lock();
                while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
                let _ = closed_tx.send(());
            })
            .map_err(|e| Failure::new(format!("cannot watch stdin: {e}")))?;
        #[cfg(unix)]
        let (mut interrupt, mut term) = self.signals;
        self.rt.block_on(async move {
            #[cfg(unix)]
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
                _ = closed_rx => {}
            }
            #[cfg(not(unix))]
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = closed_rx => {}
            }
        });
        Ok(())
    }
}

//! `wechatpay certificates`: wechatpay-php's `CertificateDownloader`. Downloads, decrypts and verifies the platform
//! certificates, then saves each as `DIR/wechatpay_<serial>.pem`: all or none (each is written to a temporary file
//! in DIR first and renamed only once every one is written).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use wechatpay::Builder;
use wechatpay::certs::Downloader;
use wechatpay::util::Certificate;

use crate::fail::{Failure, Outcome};
use crate::merchant::{load_private_key, missing};

/// The downloader's flags (those of wechatpay-php's CertificateDownloader, with the common names as aliases).
#[derive(Debug, Args)]
pub(crate) struct Certificates {
    /// Merchant ID
    #[arg(short = 'm', long, env = "WECHATPAY_MCHID", value_name = "MCHID")]
    mchid: Option<String>,
    /// Serial number of the merchant API certificate
    #[arg(
        short = 's',
        long = "serialno",
        visible_alias = "serial",
        env = "WECHATPAY_SERIAL",
        value_name = "SERIAL"
    )]
    serialno: Option<String>,
    /// Merchant API private key PEM file
    #[arg(
        short = 'f',
        long = "privatekey",
        visible_alias = "private-key",
        env = "WECHATPAY_PRIVATE_KEY",
        value_name = "FILE"
    )]
    privatekey: Option<PathBuf>,
    /// APIv3 key (32 bytes)
    #[arg(
        short = 'k',
        long = "key",
        visible_alias = "apiv3-key",
        env = "WECHATPAY_APIV3_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    key: Option<String>,
    /// Directory to save the certificates in [default: the system temporary directory]
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,
    /// Base URI of the gateway [default: https://api.mch.weixin.qq.com/]
    #[arg(
        short = 'u',
        long = "baseuri",
        visible_alias = "base-uri",
        env = "WECHATPAY_BASE_URI",
        value_name = "URI"
    )]
    baseuri: Option<String>,
}

impl Certificates {
    pub(crate) fn run(self) -> Outcome {
        let mchid = self
            .mchid
            .ok_or_else(|| missing("-m/--mchid", "WECHATPAY_MCHID", "the merchant ID"))?;
        let serial = self.serialno.ok_or_else(|| {
            missing(
                "-s/--serialno",
                "WECHATPAY_SERIAL",
                "the merchant API certificate serial",
            )
        })?;
        let key_file = self.privatekey.ok_or_else(|| {
            missing(
                "-f/--privatekey",
                "WECHATPAY_PRIVATE_KEY",
                "the merchant private key PEM file",
            )
        })?;
        let apiv3_key = self
            .key
            .ok_or_else(|| missing("-k/--key", "WECHATPAY_APIV3_KEY", "the APIv3 key"))?;
        let dir = self.output.unwrap_or_else(std::env::temp_dir);
        if !dir.is_dir() {
            return Err(Failure::new(format!(
                "the output directory (-o) `{}` does not exist or is not a directory",
                dir.display()
            )));
        }
        let private_key = load_private_key(&key_file, "the private key file (-f)")?;
        // No platform certificate is known yet: the answer is verified with one it carries. The client still wants
        // a platform key to build, so it gets a placeholder, as CertificateDownloader does.
        let mut builder = Builder::new()
            .mchid(mchid)
            .serial(serial)
            .cert("any", private_key.to_public())
            .private_key(private_key)
            .apiv3_key(apiv3_key);
        if let Some(uri) = self.baseuri {
            builder = builder.base_uri(uri);
        }
        let certificates = Downloader::new(&builder.build()?).download().map_err(|e| {
            // The gateway's answer is worth showing when it refused (4xx/5xx); the encrypted listing is not.
            let status = e.kind() == wechatpay::ErrorKind::Status;
            let mut failure = Failure::from(e);
            if !status {
                failure.body = None;
            }
            failure
        })?;
        let saved = save_all(&dir, &certificates)?;
        let mut out = std::io::stdout().lock();
        for (i, (cert, path)) in certificates.iter().zip(&saved).enumerate() {
            writeln!(
                out,
                "Certificate #{i} {{\n    Serial Number: {}\n    Not Before: {}\n    Not After: {}\n    Saved to: {}\n    \
                 Check it with: openssl x509 -in {} -noout -serial -dates\n}}",
                cert.serial_no(),
                cert.not_before_rfc3339(),
                cert.not_after_rfc3339(),
                path.display(),
                path.display(),
            )
            .map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))?;
        }
        Ok(())
    }
}

/// Writes every certificate to a temporary file in `dir`, then renames each to `wechatpay_<serial>.pem`; on any
/// failure nothing new is left behind (the temporary files delete themselves, renamed ones are removed).
fn save_all(dir: &Path, certificates: &[Certificate]) -> Outcome<Vec<PathBuf>> {
    let mut pending = Vec::new();
    for cert in certificates {
        let serial = cert.serial_no();
        if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Failure::new(format!(
                "the certificate serial `{serial}` is not a file name"
            )));
        }
        let target = dir.join(format!("wechatpay_{serial}.pem"));
        let mut file = tempfile::Builder::new()
            .prefix(".wechatpay_")
            .suffix(".pem.tmp")
            .tempfile_in(dir)
            .map_err(|e| Failure::new(format!("cannot create a file in `{}`: {e}", dir.display())))?;
        file.write_all(cert.to_pem().as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", file.path().display())))?;
        pending.push((file, target));
    }
    let mut saved: Vec<PathBuf> = Vec::new();
    for (file, target) in pending {
        if let Err(e) = file.persist(&target) {
            // Undo the renames already done (the remaining temporary files delete themselves).
            for path in &saved {
                let _ = std::fs::remove_file(path);
            }
            return Err(Failure::new(format!("cannot save `{}`: {}", target.display(), e.error)));
        }
        saved.push(target);
    }
    Ok(saved)
}

//! The merchant settings every subcommand reads from flags or `WECHATPAY_*` variables (flags win), and the client
//! they make. Secret values are hidden from `--help` and never appear in messages.

use std::path::PathBuf;

use clap::Args;
use wechatpay::{Builder, Client, KeyType, Rsa, RsaKey};

use crate::fail::{Failure, Outcome};
use crate::files;

/// The merchant settings.
#[derive(Debug, Args)]
pub(crate) struct Merchant {
    /// Merchant ID
    #[arg(long, env = "WECHATPAY_MCHID", value_name = "MCHID")]
    pub(crate) mchid: Option<String>,
    /// Serial number of the merchant API certificate (APIv3)
    #[arg(long, env = "WECHATPAY_SERIAL", value_name = "SERIAL")]
    pub(crate) serial: Option<String>,
    /// Merchant API private key PEM file (APIv3)
    #[arg(long = "private-key", env = "WECHATPAY_PRIVATE_KEY", value_name = "FILE")]
    pub(crate) private_key: Option<PathBuf>,
    /// WeChat Pay platform certificate or public key PEM file under its serial (or PUB_KEY_ID_…); repeatable;
    /// WECHATPAY_CERTS takes a comma-separated list
    #[arg(
        long = "cert",
        env = "WECHATPAY_CERTS",
        value_name = "SERIAL=FILE",
        value_delimiter = ','
    )]
    pub(crate) certs: Vec<String>,
    /// APIv2 key
    #[arg(long, env = "WECHATPAY_SECRET", value_name = "KEY", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// APIv3 key (32 bytes)
    #[arg(
        long = "apiv3-key",
        env = "WECHATPAY_APIV3_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub(crate) apiv3_key: Option<String>,
    /// Base URI of the gateway [default: https://api.mch.weixin.qq.com/]
    #[arg(long = "base-uri", env = "WECHATPAY_BASE_URI", value_name = "URI")]
    pub(crate) base_uri: Option<String>,
}

/// What a client must be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Sign APIv3 requests and verify their answers.
    V3,
    /// Sign APIv2 requests.
    V2,
    /// Verify APIv3 notifications (no request is ever signed).
    Notifications,
}

impl Merchant {
    /// The merchant ID, or the failure naming both ways to give it.
    pub(crate) fn mchid(&self) -> Outcome<&str> {
        self.mchid
            .as_deref()
            .ok_or_else(|| missing("--mchid", "WECHATPAY_MCHID", "the merchant ID"))
    }

    /// The merchant private key.
    pub(crate) fn private_key(&self) -> Outcome<RsaKey> {
        let path = self.private_key.as_ref().ok_or_else(|| {
            missing(
                "--private-key",
                "WECHATPAY_PRIVATE_KEY",
                "the merchant private key PEM file",
            )
        })?;
        load_private_key(path, "the private key file (--private-key)")
    }

    /// The platform keys (`--cert`), loaded.
    pub(crate) fn platform_keys(&self) -> Outcome<Vec<(String, RsaKey)>> {
        let mut keys = Vec::new();
        for entry in &self.certs {
            let Some((serial, path)) = entry.split_once('=').filter(|(s, p)| !s.is_empty() && !p.is_empty()) else {
                return Err(Failure::new(format!(
                    "--cert wants SERIAL=FILE (the serial or PUB_KEY_ID_… and a PEM file), got `{entry}`"
                )));
            };
            let what = format!("the platform certificate file of `{serial}` (--cert)");
            keys.push((serial.to_owned(), load_public_key(path.as_ref(), &what)?));
        }
        Ok(keys)
    }

    /// A client with these settings, checked for what it `needs`.
    pub(crate) fn client(&self, needs: Needs) -> Outcome<Client> {
        let mut builder = Builder::new().mchid(self.mchid()?);
        if needs == Needs::V2 && self.secret.is_none() {
            return Err(missing("--secret", "WECHATPAY_SECRET", "the APIv2 key"));
        }
        if needs == Needs::Notifications && self.apiv3_key.is_none() {
            return Err(missing("--apiv3-key", "WECHATPAY_APIV3_KEY", "the APIv3 key"));
        }
        let v3_settings = self.serial.is_some() || self.private_key.is_some() || !self.certs.is_empty();
        if needs != Needs::V2 || v3_settings {
            if self.certs.is_empty() {
                return Err(missing(
                    "--cert SERIAL=FILE",
                    "WECHATPAY_CERTS",
                    "a platform certificate or public key to verify answers with",
                ));
            }
            for (serial, key) in self.platform_keys()? {
                builder = builder.cert(serial, key);
            }
            if needs == Needs::Notifications {
                // This client only runs `Client::notification`, which verifies and decrypts and never signs, so
                // the merchant's serial and private key are not needed; the builder still wants a signer.
                builder = builder
                    .serial(self.serial.clone().unwrap_or_else(|| "unused".to_owned()))
                    .signer(|_: &wechatpay::SignContext<'_>| Ok(String::new()));
            } else {
                let serial = self
                    .serial
                    .as_deref()
                    .ok_or_else(|| missing("--serial", "WECHATPAY_SERIAL", "the merchant API certificate serial"))?;
                builder = builder.serial(serial).private_key(self.private_key()?);
            }
        }
        if let Some(secret) = &self.secret {
            builder = builder.secret(secret.as_str());
        }
        if let Some(key) = &self.apiv3_key {
            builder = builder.apiv3_key(key.as_str());
        }
        if let Some(uri) = &self.base_uri {
            builder = builder.base_uri(uri.as_str());
        }
        Ok(builder.build()?)
    }
}

/// A private key from a PEM file, with a message naming the file.
pub(crate) fn load_private_key(path: &std::path::Path, what: &str) -> Outcome<RsaKey> {
    let pem = zeroize::Zeroizing::new(files::read_text(path, what)?);
    Rsa::from(pem.as_str(), KeyType::Private).map_err(|_| {
        Failure::new(format!(
            "{what} `{}` holds no usable private key (a PEM PKCS#8 or PKCS#1 RSA private key is wanted)",
            path.display()
        ))
    })
}

/// A public key (SPKI or PKCS#1 PEM) or an X.509 certificate from a PEM file.
pub(crate) fn load_public_key(path: &std::path::Path, what: &str) -> Outcome<RsaKey> {
    let pem = files::read_text(path, what)?;
    Rsa::from(pem.as_str(), KeyType::Public).map_err(|e| {
        Failure::new(format!(
            "{what} `{}` holds no public key or certificate: {e}",
            path.display()
        ))
    })
}

/// "missing <what>: pass <flag> or set <var>".
pub(crate) fn missing(flag: &str, var: &str, what: &str) -> Failure {
    Failure::new(format!("missing {what}: pass {flag} or set {var}"))
}

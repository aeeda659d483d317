//! The platform-certificate downloader (wechatpay-php's `CertificateDownloader`): `GET v3/certificates`, decrypt
//! each certificate with the APIv3 key, then verify the answer with the real APIv3 verifier over the certificates
//! it carries plus the client's own platform keys.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use tracing::{Instrument, Span};

use super::PlatformKeys;
use crate::client::Client;
use crate::config::Config;
use crate::crypto::AesGcm;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{Verify, VerifyContext};
use crate::response::Response;
use crate::trace;
use crate::transport::Clients;
use crate::util::Certificate;

/// What WeChat Pay answers a merchant that has no platform certificate (public-key mode).
const RESOURCE_NOT_EXISTS: &str = "RESOURCE_NOT_EXISTS";

/// Downloads the WeChat Pay platform certificates of a client's merchant.
///
/// `GET v3/certificates` (optionally with `algorithm_type`), then for each listed certificate: decrypt
/// `encrypt_certificate` with the client's APIv3 key, read it ([`Certificate`]) and check its serial. The answer is
/// verified by [`v3::Verifier`](crate::v3::Verifier) (headers, ±300 s with the client's clock, the probe, the
/// signature) with the key named by `Wechatpay-Serial`: one of the certificates just decrypted (so a fresh client
/// that knows no certificate yet can bootstrap) or a key already in the client's platform keys (which wins when
/// both have the serial). The client's own verifier is not consulted for this call.
///
/// Downloading changes nothing in the client; [`Refresher`](super::Refresher) keeps the client's store current.
///
/// # Examples
///
/// ```
/// use wechatpay::certs::Downloader;
/// let sandbox = wechatpay::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// let certs = Downloader::new(&client).download()?;
/// assert_eq!(certs.len(), 2);
/// assert_eq!(certs[1].serial_no(), wechatpay::sandbox::PLATFORM_CERT_NEW_SERIAL);
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Downloader {
    client: Client,
    algorithm_type: Option<String>,
}

impl Downloader {
    /// A downloader for `client`'s merchant (its signer, APIv3 key, platform keys, clock and base URI).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let downloader = wechatpay::certs::Downloader::new(&sandbox.client()?);
    /// # let _ = downloader;
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn new(client: &Client) -> Self {
        Downloader {
            client: client.clone(),
            algorithm_type: None,
        }
    }

    /// Sends `algorithm_type` (`RSA`, the server's default, `SM2` or `ALL`).
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let certs = wechatpay::certs::Downloader::new(&sandbox.client()?).algorithm_type("ALL").download()?;
    /// assert_eq!(certs.len(), 2); // the sandbox has RSA certificates only
    /// assert!(sandbox.requests()[0].target.ends_with("?algorithm_type=ALL"));
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn algorithm_type(mut self, algorithm_type: impl Into<String>) -> Self {
        self.algorithm_type = Some(algorithm_type.into());
        self
    }

    /// Downloads, decrypts and verifies, blocking (on the crate's own runtime, like the blocking verbs).
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Config`]: the client has no APIv3 key or no APIv3 configuration; or WeChat Pay answered
    ///   404 `RESOURCE_NOT_EXISTS`, meaning the merchant verifies with the WeChat Pay public key only (the message
    ///   names the `Builder::cert("PUB_KEY_ID_…", …)` line to use instead; the response is attached).
    /// - [`ErrorKind::Crypto`]: a certificate does not decrypt (a wrong APIv3 key), is not a certificate, or its
    ///   serial differs from the listed `serial_no`.
    /// - [`ErrorKind::Verify`]: the answer does not verify.
    /// - [`ErrorKind::Decode`]: the answer is not the certificate listing.
    /// - [`ErrorKind::Transport`] / [`ErrorKind::Status`] as for any call.
    ///
    /// # Examples
    ///
    /// ```
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// for cert in wechatpay::certs::Downloader::new(&sandbox.client()?).download()? {
    ///     println!("{} valid {} .. {}", cert.serial_no(), cert.not_before_rfc3339(), cert.not_after_rfc3339());
    /// }
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn download(&self) -> Result<Vec<Certificate>> {
        let config = self.client.config().clone();
        let algorithm_type = self.algorithm_type.clone();
        // The span is made on the caller's thread (its current span is the parent) and carried, with the
        // caller's subscriber, to the runtime thread.
        let span = trace::certificates();
        let dispatch = trace::current_dispatch();
        let rt = config.transport.blocking()?;
        let job_config = config.clone();
        rt.run(move |clients| trace::carry(dispatch, fetch_in(span, job_config, clients, algorithm_type)))
    }

    /// As [`download`](Downloader::download), async: the future owns what it needs (`Send + 'static`).
    ///
    /// # Errors
    ///
    /// As [`download`](Downloader::download).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> wechatpay::Result<()> {
    /// let sandbox = wechatpay::sandbox::Sandbox::start()?;
    /// let certs = wechatpay::certs::Downloader::new(&sandbox.client()?).download_async().await?;
    /// assert_eq!(certs.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn download_async(&self) -> impl Future<Output = Result<Vec<Certificate>>> + Send + 'static + use<> {
        let config = self.client.config().clone();
        let algorithm_type = self.algorithm_type.clone();
        let span = trace::certificates();
        let dispatch = trace::current_dispatch();
        trace::carry(dispatch, async move {
            let clients = config.transport.async_clients.clone();
            fetch_in(span, config, clients, algorithm_type).await
        })
    }
}

/// The listing's shape (`{"data":[{"serial_no", "encrypt_certificate": {…}}]}`); other fields are ignored.
#[derive(Deserialize)]
struct Listing {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    serial_no: String,
    encrypt_certificate: Encrypted,
}

#[derive(Deserialize)]
struct Encrypted {
    nonce: String,
    associated_data: String,
    ciphertext: String,
}

/// One download: request, decrypt, read, verify, in a `wechatpay.certificates` span of its own.
pub(crate) async fn fetch(
    config: Arc<Config>,
    clients: Clients,
    algorithm_type: Option<String>,
) -> Result<Vec<Certificate>> {
    fetch_in(trace::certificates(), config, clients, algorithm_type).await
}

/// One download inside `span`, on which it records the outcome.
async fn fetch_in(
    span: Span,
    config: Arc<Config>,
    clients: Clients,
    algorithm_type: Option<String>,
) -> Result<Vec<Certificate>> {
    let started = Instant::now();
    let result = download_and_verify(config, clients, algorithm_type)
        .instrument(span.clone())
        .await;
    trace::finish(&span, started, &result, None);
    result
}

async fn download_and_verify(
    config: Arc<Config>,
    clients: Clients,
    algorithm_type: Option<String>,
) -> Result<Vec<Certificate>> {
    let apiv3_key = config.apiv3_key.as_ref().ok_or_else(|| {
        Error::config("Downloading platform certificates needs the APIv3 key: set `apiv3_key` on the Builder.")
    })?;
    let v3 = config.v3.as_ref().ok_or_else(|| {
        Error::config("Downloading platform certificates needs an APIv3 client (`serial`, `privateKey`, `certs`).")
    })?;
    let opts = match &algorithm_type {
        Some(t) => json!({ "query": { "algorithm_type": t } }),
        None => json!({}),
    };
    let sent = crate::pipeline::execute_unverified(
        config.clone(),
        clients,
        http::Method::GET,
        "v3/certificates".to_owned(),
        opts.into(),
    )
    .await;
    let (resp, path) = sent.map_err(public_key_mode)?;
    trace::response(&Span::current(), &resp);
    let listing: Listing = match serde_json::from_slice(resp.body()) {
        Ok(l) => l,
        Err(e) => {
            return Err(
                Error::decode("The `v3/certificates` answer is not a certificate listing.")
                    .with_source(e)
                    .with_response(resp),
            );
        }
    };
    let mut certs = Vec::with_capacity(listing.data.len().min(16));
    for item in &listing.data {
        let enc = &item.encrypt_certificate;
        let pem = match AesGcm::decrypt(&enc.ciphertext, apiv3_key.expose(), &enc.nonce, &enc.associated_data) {
            Ok(pem) => pem,
            Err(e) => return Err(e.with_response(resp)),
        };
        let cert = match Certificate::from_pem(&pem) {
            Ok(c) => c,
            Err(e) => return Err(e.with_response(resp)),
        };
        if cert.serial_no() != item.serial_no {
            return Err(Error::crypto(format!(
                "The certificate listed as `{}` has the serial `{}`.",
                item.serial_no,
                cert.serial_no()
            ))
            .with_response(resp));
        }
        certs.push(cert);
    }
    // The carried certificates, then the client's own keys (which win on a shared serial).
    let keys = PlatformKeys::new();
    for cert in &certs {
        match cert.public_key() {
            Ok(key) => keys.insert(cert.serial_no(), key),
            Err(e) => return Err(e.with_response(resp)),
        }
    }
    for serial in v3.keys.serials() {
        if let Some(key) = v3.keys.get(&serial) {
            keys.insert(serial, key);
        }
    }
    let verifier = crate::v3::Verifier::new(keys).with_shared_clock(config.clock.clone());
    match verifier.verify(&VerifyContext::new(&path, &resp)) {
        Ok(()) => Ok(certs),
        Err(e) => {
            trace::verify_failed(e.kind());
            Err(e.with_response(resp))
        }
    }
}

/// Turns WeChat Pay's 404 `RESOURCE_NOT_EXISTS` into the public-key-mode configuration error; other errors pass.
fn public_key_mode(err: Error) -> Error {
    let is_it = err.kind() == ErrorKind::Status && err.response().is_some_and(says_resource_not_exists);
    if !is_it {
        return err;
    }
    let mut e = Error::config(
        "WeChat Pay has no platform certificate for this merchant (404 `RESOURCE_NOT_EXISTS`): it signs with the \
         WeChat Pay public key. Configure that key instead, `Builder::cert(\"PUB_KEY_ID_…\", \
         Rsa::from(\"file:///path/to/pub_key.pem\", KeyType::Public)?)`, and do not download or refresh platform \
         certificates.",
    );
    if let Some(resp) = err.into_response() {
        e = e.with_response(resp);
    }
    e
}

fn says_resource_not_exists(resp: &Response) -> bool {
    resp.status() == http::StatusCode::NOT_FOUND
        && serde_json::from_slice::<serde_json::Value>(resp.body())
            .is_ok_and(|v| v["code"].as_str() == Some(RESOURCE_NOT_EXISTS))
}

/// Whether `err` is the public-key-mode answer of [`fetch`].
pub(crate) fn is_public_key_mode(err: &Error) -> bool {
    err.kind() == ErrorKind::Config && err.response().is_some_and(says_resource_not_exists)
}

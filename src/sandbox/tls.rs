//! The sandbox over HTTPS ([`Sandbox::start_tls`](super::Sandbox::start_tls)): a TEST ONLY server certificate
//! for `127.0.0.1`/`localhost` issued by a TEST ONLY CA, and the merchant API certificate checked per request.
//!
//! The handshake asks for a client certificate and verifies one against the same CA, but lets a client without
//! one in (as the real gateway serves certificate-free APIs on the same host); an APIv2 request to a path that
//! needs the merchant certificate without a verified one is answered `return_code=FAIL` naming the fix.

use std::sync::Arc;

use serde_json::json;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::routes::Answer;
use crate::error::{Error, Result};

/// The TEST ONLY CA that issued the server and merchant certificates.
pub(crate) const CA_CERT: &str = include_str!("keys/tls-ca.cert.pem");
/// The TEST ONLY merchant API certificate, over the sandbox merchant key, serial [`MERCHANT_SERIAL`](super::MERCHANT_SERIAL).
pub(crate) const MERCHANT_CERT: &str = include_str!("keys/merchant.cert.pem");
const SERVER_CERT: &str = include_str!("keys/tls-server.cert.pem");
const SERVER_KEY: &str = include_str!("keys/tls-server.pkcs8.key.pem");

/// How long a client has to complete the TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether the request's connection carries a verified merchant certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    /// Plain HTTP ([`Sandbox::start`](super::Sandbox::start)): nothing is checked.
    Plain,
    /// HTTPS; `client_cert` when the client presented a certificate the CA issued.
    Tls { client_cert: bool },
}

fn config_error(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::transport(format!("The sandbox TLS setup failed ({what}).")).with_source(e)
}

/// The acceptor of the HTTPS sandbox: the server certificate, and client certificates verified against the CA
/// but optional at the handshake.
pub(crate) fn acceptor() -> Result<TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let ca = CertificateDer::from_pem_slice(CA_CERT.as_bytes()).map_err(|e| config_error("CA certificate", e))?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).map_err(|e| config_error("CA certificate", e))?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| config_error("client verifier", e))?;
    let server =
        CertificateDer::from_pem_slice(SERVER_CERT.as_bytes()).map_err(|e| config_error("server certificate", e))?;
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).map_err(|e| config_error("server key", e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error("protocol versions", e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![server], key)
        .map_err(|e| config_error("server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Whether an APIv2 request to `path` (without its query) needs the merchant certificate.
pub(crate) fn needs_client_cert(path: &str) -> bool {
    CERT_PATHS.contains(&path)
}

/// WeChat Pay's answer to a request that needs the merchant certificate and came without one.
pub(crate) fn refusal() -> Answer {
    super::script::xml(&json!({
        "return_code": "FAIL",
        "return_msg": "This API needs the merchant API certificate (TLS client certificate) and none was presented: \
                       give the client Builder::merchant_cert and send the request with security: true.",
    }))
}

/// Request paths (APIv2, as they reach the gateway) that need the merchant API certificate: the endpoints whose
/// documentation requires the TLS client certificate (`tests/fixtures/inventory/endpoints.tsv`, column
/// `tls_client_cert`; a unit test keeps the two equal).
const CERT_PATHS: &[&str] = &[
    "/applyment/micro/getstate",
    "/applyment/micro/getupgradestate",
    "/applyment/micro/modifyarchives",
    "/applyment/micro/modifycontactinfo",
    "/applyment/micro/signcontract",
    "/applyment/micro/submit",
    "/applyment/micro/submitupgrade",
    "/billcommentsp/batchquerycomment",
    "/deposit/consume",
    "/deposit/refund",
    "/deposit/reverse",
    "/fund/queryautowithdrawbydate",
    "/fund/reautowithdrawbydate",
    "/mchrisk/querymchrisk",
    "/mchrisk/syncmchriskresult",
    "/mmpaymkttransfers/gethbinfo",
    "/mmpaymkttransfers/gettransferinfo",
    "/mmpaymkttransfers/promotion/paywwsptrans2pocket",
    "/mmpaymkttransfers/promotion/querywwsptrans2pocket",
    "/mmpaymkttransfers/promotion/transfers",
    "/mmpaymkttransfers/queryworkwxredpack",
    "/mmpaymkttransfers/send_coupon",
    "/mmpaymkttransfers/sendgroupredpack",
    "/mmpaymkttransfers/sendminiprogramhb",
    "/mmpaymkttransfers/sendredpack",
    "/mmpaymkttransfers/sendworkwxredpack",
    "/mmpaysptrans/pay_bank",
    "/mmpaysptrans/query_bank",
    "/pay/downloadfundflow",
    "/risk/getpublickey",
    "/risk/getviolation",
    "/secapi/mch/addInstitutionsub",
    "/secapi/mch/addsubdevconfig",
    "/secapi/mch/channelsetting",
    "/secapi/mch/modifyInstitutionsub",
    "/secapi/mch/modifymchinfo",
    "/secapi/mch/queryInstitutionsub",
    "/secapi/mch/querysubdevconfig",
    "/secapi/mch/submchmanage",
    "/secapi/mch/uploadmedia",
    "/secapi/mkt/addrecommendconf",
    "/secapi/pay/facepayreverse",
    "/secapi/pay/multiprofitsharing",
    "/secapi/pay/profitsharing",
    "/secapi/pay/profitsharingfinish",
    "/secapi/pay/profitsharingreturn",
    "/secapi/pay/refund",
    "/secapi/pay/refundv2",
    "/secapi/pay/reverse",
    "/wxv/cancelbill",
    "/wxv/changerentmoney",
    "/wxv/createhotelbill",
    "/wxv/createrentbill",
    "/wxv/finishhotelbill",
    "/wxv/finishrentbill",
    "/wxv/queryhotelbill",
    "/wxv/queryrentbill",
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_certificate_paths_are_the_inventorys() {
        let tsv = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/inventory/endpoints.tsv"
        ))
        .unwrap_or_default();
        let mut lines = tsv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |name: &str| header.iter().position(|h| *h == name);
        let (Some(path), Some(cert), Some(api)) = (column("path"), column("tls_client_cert"), column("api")) else {
            panic!("the inventory has the columns path, api and tls_client_cert");
        };
        let mut expected: Vec<&str> = lines
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|f| f.get(cert) == Some(&"Y"))
            .filter_map(|f| {
                assert_eq!(
                    f.get(api),
                    Some(&"v2"),
                    "only APIv2 endpoints need the certificate: {f:?}"
                );
                f.get(path).copied()
            })
            .collect();
        expected.sort_unstable();
        expected.dedup();
        let mut ours = super::CERT_PATHS.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, expected);
        assert!(super::needs_client_cert("/secapi/pay/refund"));
        assert!(!super::needs_client_cert("/pay/unifiedorder"));
        assert!(!super::needs_client_cert("/mmpaymkttransfers/query_coupon_stock"));
    }
}

//! APIv2 `security: true` for real: a TLS server on loopback that REQUIRES a client
//! certificate signed by a test CA (all generated here with rcgen, around the fixture merchant RSA key). The call
//! with `security: true` presents the merchant certificate and succeeds; the same call without it is refused.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::sync::Arc;

use http_body_util::Full;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::json;
use support::*;
use tokio_rustls::rustls;
use wechatpay::{Builder, ErrorKind, Transformer};

const SECRET: &str = "exposed_your_key_here_have_risks";

struct Pki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    client_cert_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, &ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();

    // The client certificate is issued over the fixture merchant key, so `merchant_cert` can pair it with that key.
    let merchant_pem = std::fs::read_to_string(fixture("keys/merchant.pkcs8.key.pem")).unwrap();
    let client_key = KeyPair::from_pem(&merchant_pem).unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();

    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server_chain: vec![server_cert.der().clone()],
        server_key: rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der()).unwrap(),
        client_cert_pem: client_cert.pem(),
    }
}

fn signed_success() -> String {
    signed_xml(
        json!({"return_code": "SUCCESS", "result_code": "SUCCESS", "refund_id": "50000000382019052709732678859"}),
        SECRET,
    )
}

/// Starts the mutual-TLS server on its own thread; it lives as long as the test process.
fn start_server(pki: &Pki) -> u16 {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client without a certificate fails here, during the handshake.
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper::service::service_fn(|_req| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(bytes::Bytes::from(
                            signed_success(),
                        ))))
                    });
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
    });
    port
}

#[test]
fn security_true_presents_the_merchant_certificate_and_only_then() {
    let pki = pki();
    let port = start_server(&pki);
    let key = format!("file://{}", fixture("keys/merchant.pkcs8.key.pem").display());
    let client = Builder::new()
        .mchid(MCHID)
        .secret(SECRET)
        .merchant_cert(pki.client_cert_pem.clone(), key)
        .root_certificate(pki.ca_pem.clone())
        .base_uri(format!("https://127.0.0.1:{port}/"))
        .build()
        .unwrap();
    let refund = client.v2().seg("secapi").seg("pay").seg("refund");
    let xml = json!({ "mch_id": MCHID, "out_trade_no": "1217752501201407033233368018", "out_refund_no": "R1",
                      "total_fee": "100", "refund_fee": "100" });

    for (mode, result) in both(&refund, "POST", json!({ "security": true, "xml": xml.clone() })) {
        let resp = result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        assert_eq!(
            Transformer::to_array(resp.body())["refund_id"],
            "50000000382019052709732678859",
            "{mode}"
        );
    }
    for (mode, result) in both(&refund, "POST", json!({ "xml": xml.clone() })) {
        let err = result.expect_err(mode);
        assert_eq!(
            err.kind(),
            ErrorKind::Transport,
            "{mode}: without the certificate the server refuses: {err}"
        );
    }
}

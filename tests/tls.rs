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

/// Starts the mutual-TLS server on its own thread, answering the signed success; it lives as long as the test
/// process.
fn start_server(pki: &Pki) -> u16 {
    serve_tls(pki, |_req| async {
        hyper::Response::new(Full::new(bytes::Bytes::from(signed_success())))
    })
}

/// A mutual-TLS server on its own thread that answers each request with `answer`.
fn serve_tls<F, Fut>(pki: &Pki, answer: F) -> u16
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = hyper::Response<Full<bytes::Bytes>>> + Send + 'static,
{
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
                let answer = answer.clone();
                tokio::spawn(async move {
                    // A client without a certificate fails here, during the handshake.
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper::service::service_fn(move |req| {
                        let answer = answer.clone();
                        async move { Ok::<_, std::convert::Infallible>(answer(req).await) }
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

/// The APIv2 media upload over mutual TLS: a TLS front that requires the merchant certificate and hands each
/// request, unchanged, to the sandbox, which checks the form's `sign` and `media_hash` and answers signed XML.
#[test]
fn uploadmedia_goes_over_mutual_tls_with_security() {
    use http_body_util::BodyExt;
    use wechatpay::{Options, sandbox::Sandbox, util::MediaUtil};

    let pki = pki();
    let sandbox = Sandbox::start().unwrap();
    let upstream = sandbox.base_uri();
    let port = serve_tls(&pki, move |req: hyper::Request<hyper::body::Incoming>| {
        let upstream = upstream.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            let target = parts
                .uri
                .path_and_query()
                .unwrap()
                .as_str()
                .trim_start_matches('/')
                .to_owned();
            let forwarded = reqwest::Client::new()
                .request(parts.method, format!("{upstream}{target}"))
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = forwarded.status();
            let text = forwarded.bytes().await.unwrap();
            let mut resp = hyper::Response::new(Full::new(text));
            *resp.status_mut() = status;
            resp
        }
    });
    let key = format!("file://{}", fixture("keys/merchant.pkcs8.key.pem").display());
    let client = sandbox
        .builder()
        .unwrap()
        .merchant_cert(pki.client_cert_pem.clone(), key)
        .root_certificate(pki.ca_pem.clone())
        .base_uri(format!("https://127.0.0.1:{port}/"))
        .build()
        .unwrap();
    let media = MediaUtil::from_bytes("logo.png", b"\x89PNG\r\n\x1a\n".to_vec());
    let form = media
        .v2_upload_form(wechatpay::sandbox::MCHID, wechatpay::sandbox::SECRET)
        .unwrap();
    let node = client.chain("v2/secapi/mch/uploadmedia");
    for (mode, result) in both(&node, "POST", Options::new().body(form.clone()).security(true)) {
        let resp = result.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        let answer = Transformer::to_array(resp.body());
        assert_eq!(answer["result_code"], "SUCCESS", "{mode}");
        assert!(answer["media_id"].is_string(), "{mode}");
    }
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 2);
    for req in &seen {
        assert!(req.signature_valid);
        assert_eq!(
            &req.body[..],
            form.as_bytes(),
            "the prepared form arrives byte for byte"
        );
        assert_eq!(&req.parts().unwrap()[0].body[..], media.content());
    }
    // without `security` the front refuses the handshake
    let err = node.post(Options::new().body(form)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

//! Platform certificates: download them once (PHP's `CertificateDownloader`), then keep them current with a
//! refresher thread that adds new certificates and drops expired ones. Run: `cargo run --example certificates_refresh`.

use std::time::Duration;

use wechatpay::certs::{Downloader, PlatformKeys, Refresher};
use wechatpay::sandbox::Sandbox;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?; // serves two certificates in a rotation window, encrypted with its APIv3 key
    let keys = PlatformKeys::new(); // the store the client verifies with, shared with this code
    let client = sandbox.builder()?.platform_keys(keys.clone()).build()?;

    // one-off download: decrypted with the APIv3 key, the answer verified with the certificate it carries
    for certificate in Downloader::new(&client).download()? {
        println!(
            "{}  {} .. {}",
            certificate.serial_no(),
            certificate.not_before_rfc3339(),
            certificate.not_after_rfc3339()
        );
    }

    // a refresher thread: one round now, then every `every`; it stops when the handle (or the client) is dropped
    let handle = Refresher::new(&client).every(Duration::from_secs(12 * 3600)).spawn()?;
    while handle.successes() == 0 && handle.failures() == 0 {
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "refreshed: {} round(s), {} failure(s)",
        handle.successes(),
        handle.failures()
    );
    println!("the client now knows: {:?}", keys.serials());
    handle.stop();
    Ok(())
}

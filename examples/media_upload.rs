//! Uploading an image (`v3/merchant/media/upload`) the way wechatpay-php's `MediaUtil` does: a multipart body whose
//! meta JSON is what the request signature covers. Run: `cargo run --example media_upload [path/to/image.png]`.

use wechatpay::Options;
use wechatpay::sandbox::Sandbox;
use wechatpay::util::MediaUtil;

/// A 1×1 transparent GIF, used when no file is given.
const PIXEL: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00!\xf9\x04\x01\n\x00\x01\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02L\x01\x00;";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;

    let media = match std::env::args().nth(1) {
        Some(path) => MediaUtil::new(path)?, // a plain path or a `file://` URI
        None => MediaUtil::from_bytes("transparent.gif", PIXEL.to_vec()),
    };
    println!("meta (the signed body): {}", media.meta());

    let resp = client.chain("v3/merchant/media/upload").post(
        Options::new()
            .body(media.stream())
            .header("Content-Type", media.content_type()),
    )?;
    let answer: serde_json::Value = resp.json()?;
    println!("{} media_id = {}", resp.status(), answer["media_id"]);

    // the gateway received the meta part first, then the file part with its bytes
    let seen = sandbox.requests();
    let parts = seen.last().ok_or("nothing recorded")?.parts()?;
    for part in &parts {
        println!("part {:5} {} bytes", part.name, part.body.len());
    }
    Ok(())
}

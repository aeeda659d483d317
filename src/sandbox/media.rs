//! The sandbox's upload endpoints, sans-IO: APIv3 `meta` + `file` uploads and the APIv2 `uploadmedia` form.

use http::StatusCode;
use md5::Md5;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::multipart::Part;

/// `POST /v3/merchant/media/upload` and `/v3/merchant-service/images/upload`: the `meta` JSON's `sha256` must be
/// the file part's SHA-256; the answer's `media_id` is derived from it.
pub(crate) fn v3_upload(parts: &[Part]) -> (StatusCode, Value) {
    let bad = |message: String| {
        (
            StatusCode::BAD_REQUEST,
            json!({ "code": "PARAM_ERROR", "message": message }),
        )
    };
    let Some(meta) = parts.iter().find(|p| p.name == "meta") else {
        return bad("the upload has no `meta` part".to_owned());
    };
    let Some(file) = parts.iter().find(|p| p.name == "file") else {
        return bad("the upload has no `file` part".to_owned());
    };
    let meta: Value = match serde_json::from_slice(&meta.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return bad("the `meta` part is not a JSON object".to_owned()),
    };
    let sha256 = hex::encode(Sha256::digest(&file.body));
    if meta["sha256"].as_str() != Some(sha256.as_str()) {
        return bad(format!(
            "meta.sha256 `{}` does not match the file's SHA-256 `{sha256}`",
            meta["sha256"].as_str().unwrap_or("")
        ));
    }
    if meta["filename"].as_str().is_none_or(str::is_empty) {
        return bad("meta.filename is missing".to_owned());
    }
    let extension = file
        .filename
        .as_deref()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, ext)| format!(".{ext}"))
        .unwrap_or_default();
    (
        StatusCode::OK,
        json!({ "media_id": format!("{}{extension}", sha256[..32].to_ascii_uppercase()) }),
    )
}

/// The text fields of an APIv2 form (every part without a file name): what its `sign` covers.
pub(crate) fn v2_fields(parts: &[Part]) -> Map<String, Value> {
    parts
        .iter()
        .filter(|p| p.filename.is_none())
        .map(|p| {
            (
                p.name.clone(),
                Value::String(String::from_utf8_lossy(&p.body).into_owned()),
            )
        })
        .collect()
}

/// `POST /secapi/mch/uploadmedia`: `media_hash` must be the lowercase hex MD5 of the `media` part. `Ok` gives the
/// answer's fields (before `nonce_str` and `sign`), `Err` the `return_msg` of a failure.
pub(crate) fn v2_upload(fields: &Map<String, Value>, parts: &[Part]) -> Result<Value, String> {
    let media = parts
        .iter()
        .find(|p| p.name == "media" && p.filename.is_some())
        .ok_or("sandbox: the form has no `media` file part")?;
    let md5 = hex::encode(Md5::digest(&media.body));
    let given = fields.get("media_hash").and_then(Value::as_str).unwrap_or("");
    if given != md5 {
        return Err(format!(
            "sandbox: media_hash `{given}` does not match the file's MD5 `{md5}`"
        ));
    }
    Ok(json!({
        "return_code": "SUCCESS", "return_msg": "OK", "result_code": "SUCCESS",
        "mch_id": fields.get("mch_id").cloned().unwrap_or(Value::Null),
        "media_id": format!("sandbox_{}", md5.to_ascii_uppercase()),
    }))
}

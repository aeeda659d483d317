//! Paths whose APIv3 responses are not verified (as in wechatpay-php): bill files and complaint images are
//! unsigned binary content. Data, not logic.

/// The bill-file download, compared case-insensitively and exactly.
const BILL_DOWNLOAD: &str = "/v3/billdownload/file";
/// Complaint images: every path under this prefix (case-insensitive) except [`IMAGE_UPLOAD`].
const IMAGES_PREFIX: &str = "/v3/merchant-service/images/";
/// The image upload answers signed JSON, so it is verified.
const IMAGE_UPLOAD: &str = "/v3/merchant-service/images/upload";

/// Whether the response to a request on `path` (the full URL path, base-URI prefix included) skips
/// verification. As in PHP, a base URI with a path prefix defeats the skip.
pub(crate) fn skips_verification(path: &str) -> bool {
    if path.eq_ignore_ascii_case(BILL_DOWNLOAD) {
        return true;
    }
    path.len() >= IMAGES_PREFIX.len()
        && path.is_char_boundary(IMAGES_PREFIX.len())
        && path[..IMAGES_PREFIX.len()].eq_ignore_ascii_case(IMAGES_PREFIX)
        && !path.eq_ignore_ascii_case(IMAGE_UPLOAD)
}

#[cfg(test)]
mod tests {
    use super::skips_verification;

    #[test]
    fn skip_list_matches_php() {
        assert!(skips_verification("/v3/billdownload/file"));
        assert!(skips_verification("/V3/BillDownload/File"));
        assert!(skips_verification("/v3/merchant-service/images/"));
        assert!(skips_verification("/v3/merchant-service/images/ChsyMDAy%252FFR1p"));
        assert!(!skips_verification("/v3/merchant-service/images/upload"));
        assert!(!skips_verification("/v3/merchant-service/images/UPLOAD"));
        assert!(!skips_verification("/v3/global/merchant-service/images/x"));
        assert!(!skips_verification("/hk/v3/billdownload/file"));
        assert!(!skips_verification("/v3/bill/tradebill"));
        assert!(!skips_verification("/v3/billdownload/file/x"));
        assert!(!skips_verification("/v3/merchant-service/images"));
        assert!(!skips_verification("/v3/merchant-service/imagés/x"));
    }
}

//! APIv2 path lists: data, not logic. Paths are compared exactly (case-sensitive) with the request URL's path,
//! base-URI prefix included, as PHP does.

/// Responses that carry no `sign` (or are not XML) and are returned untouched: wechatpay-php's
/// `ClientXmlTrait::$noneSignatureRespond`, verbatim, then our additions.
pub(crate) const UNSIGNED_RESPONSES: &[&str] = &[
    "/mchrisk/querymchrisk",
    "/mchrisk/setmchriskcallback",
    "/mchrisk/syncmchriskresult",
    "/mmpaymkttransfers/gethbinfo",
    "/mmpaymkttransfers/gettransferinfo",
    "/mmpaymkttransfers/pay_bank",
    "/mmpaymkttransfers/promotion/paywwsptrans2pocket",
    "/mmpaymkttransfers/promotion/querywwsptrans2pocket",
    "/mmpaymkttransfers/promotion/transfers",
    "/mmpaymkttransfers/query_bank",
    "/mmpaymkttransfers/sendgroupredpack",
    "/mmpaymkttransfers/sendminiprogramhb",
    "/mmpaymkttransfers/sendredpack",
    "/papay/entrustweb",
    "/papay/h5entrustweb",
    "/papay/partner/entrustweb",
    "/papay/partner/h5entrustweb",
    "/pay/downloadbill",
    "/pay/downloadfundflow",
    "/payitil/report",
    "/risk/getpublickey",
    "/risk/getviolation",
    "/secapi/mch/submchmanage",
    "/xdc/apiv2getsignkey/sign/getsignkey",
    // Deviation (docs/DECISIONS.md): the real pay-to-bank-card endpoints, which PHP's list misnames under
    // /mmpaymkttransfers/, and the unsigned access-token endpoint of the endpoint inventory.
    "/mmpaysptrans/pay_bank",
    "/mmpaysptrans/query_bank",
    "/appauth/getaccesstoken",
];

/// Requests that never carry `nonce_str` (the inventory's `v2_no_nonce_str` column): honoured without the caller
/// saying `nonceless`.
pub(crate) const NONCELESS_REQUESTS: &[&str] = &[
    "/cgi-bin/mch/customs/customdeclareorder",
    "/cgi-bin/mch/customs/customdeclarequery",
    "/cgi-bin/mch/newcustoms/customdeclareredeclare",
    "/papay/deletecontract",
    "/papay/h5entrustweb",
    "/papay/partner/h5entrustweb",
    "/papay/partner/preentrustweb",
    "/papay/partner/querycontract",
    "/papay/preentrustweb",
    "/papay/querycontract",
    "/pay/queryexchagerate",
    "/secapi/mch/addInstitutionsub",
    "/secapi/mch/addsubdevconfig",
    "/secapi/mch/channelsetting",
    "/secapi/mch/modifyInstitutionsub",
    "/secapi/mch/modifymchinfo",
    "/secapi/mch/queryInstitutionsub",
    "/secapi/mch/querysubdevconfig",
];

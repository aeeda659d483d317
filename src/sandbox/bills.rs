//! Trade bills built from the sandbox's orders: WeChat Pay's CSV layout (a header row, one row per payment or
//! refund with every field prefixed by a backquote, a summary), plain or gzip, and the files
//! `v3/bill/tradebill` hands out under a `token`.

use std::collections::VecDeque;
use std::io::Write;

use bytes::Bytes;
use sha1::{Digest, Sha1};

use super::orders::{Order, Orders, Refund, cst, cst_text};

/// How many bill files stay downloadable; older tokens are forgotten.
const KEPT_FILES: usize = 32;

const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,\
付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,\
商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUMMARY: &str = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

/// Which rows a bill holds (`bill_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Payments and refunds.
    All,
    /// Payments.
    Success,
    /// Refunds.
    Refund,
}

impl Kind {
    pub(crate) fn parse(bill_type: &str) -> Option<Kind> {
        match bill_type {
            "" | "ALL" => Some(Kind::All),
            "SUCCESS" => Some(Kind::Success),
            "REFUND" => Some(Kind::Refund),
            _ => None,
        }
    }
}

/// A calendar day, `(year, month, day)` in China Standard Time.
pub(crate) type Day = (i32, u8, u8);

/// `2026-12-06` (APIv3) or `20261206` (APIv2, `dashed = false`).
pub(crate) fn parse_day(s: &str, dashed: bool) -> Option<Day> {
    let digits: String = if dashed {
        let mut it = s.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        format!("{y}{m}{d}")
    } else {
        s.to_owned()
    };
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = digits[..4].parse().ok()?;
    let month: u8 = digits[4..6].parse().ok()?;
    let day: u8 = digits[6..].parse().ok()?;
    let m = time::Month::try_from(month).ok()?;
    time::Date::from_calendar_date(year, m, day).ok()?;
    Some((year, month, day))
}

fn day_of(unix: i64) -> Option<Day> {
    cst(unix).map(|t| (t.year(), u8::from(t.month()), t.day()))
}

/// `2026-12-06 20:00:00`, the bill's time column.
fn when(unix: i64) -> String {
    cst_text(unix, "-", " ", ":", "").unwrap_or_default()
}

/// Fen as yuan: `1` → `0.01`.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// One bill row: every field prefixed with a backquote; commas in free text become spaces.
fn row(fields: &[String]) -> String {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push('`');
        line.push_str(&f.replace([',', '\r', '\n'], " "));
    }
    line.push_str("\r\n");
    line
}

fn payment_row(o: &Order) -> String {
    row(&[
        when(o.success_time.unwrap_or_default()),
        o.request.appid.clone(),
        o.request.mchid.clone(),
        "0".into(),
        String::new(),
        o.transaction_id.clone().unwrap_or_default(),
        o.request.out_trade_no.clone(),
        o.request.openid.clone().unwrap_or_default(),
        o.request.trade_type.clone(),
        "SUCCESS".into(),
        "OTHERS".into(),
        o.request.currency.clone(),
        yuan(o.request.total),
        "0.00".into(),
        "0".into(),
        "0".into(),
        "0.00".into(),
        "0.00".into(),
        String::new(),
        String::new(),
        o.request.description.clone(),
        o.request.attach.clone(),
        "0.00000".into(),
        "0.60%".into(),
        yuan(o.request.total),
        "0.00".into(),
        String::new(),
    ])
}

fn refund_row(r: &Refund, o: &Order) -> String {
    row(&[
        when(r.time),
        o.request.appid.clone(),
        o.request.mchid.clone(),
        "0".into(),
        String::new(),
        r.transaction_id.clone(),
        r.out_trade_no.clone(),
        o.request.openid.clone().unwrap_or_default(),
        o.request.trade_type.clone(),
        "REFUND".into(),
        "OTHERS".into(),
        r.currency.clone(),
        "0.00".into(),
        "0.00".into(),
        r.refund_id.clone(),
        r.out_refund_no.clone(),
        yuan(r.refund),
        "0.00".into(),
        "ORIGINAL".into(),
        "SUCCESS".into(),
        o.request.description.clone(),
        o.request.attach.clone(),
        "0.00000".into(),
        "0.60%".into(),
        yuan(o.request.total),
        yuan(r.refund),
        String::new(),
    ])
}

/// The trade bill of `day`: payments and/or refunds made that day, with the summary.
pub(crate) fn trade_bill(orders: &Orders, day: Day, kind: Kind) -> String {
    let mut csv = format!("{HEADER}\r\n");
    let (mut count, mut settled, mut refunded, mut ordered, mut asked) = (0u64, 0u64, 0u64, 0u64, 0u64);
    if kind != Kind::Refund {
        for o in orders.paid() {
            if o.success_time.and_then(day_of) == Some(day) {
                csv.push_str(&payment_row(o));
                count += 1;
                settled += o.request.total;
                ordered += o.request.total;
            }
        }
    }
    if kind != Kind::Success {
        for r in orders.refunds() {
            if let (Some(o), true) = (orders.order_of(r), day_of(r.time) == Some(day)) {
                csv.push_str(&refund_row(r, o));
                count += 1;
                refunded += r.refund;
                asked += r.refund;
            }
        }
    }
    csv.push_str(SUMMARY);
    csv.push_str("\r\n");
    csv.push_str(&row(&[
        count.to_string(),
        yuan(settled),
        yuan(refunded),
        "0.00".into(),
        "0.00000".into(),
        yuan(ordered),
        yuan(asked),
    ]));
    csv
}

/// The lowercase hex SHA-1 of `bytes`, as `hash_value` carries it.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// `bytes` gzip-compressed.
pub(crate) fn gzip(bytes: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    Bytes::from(enc.finish().unwrap_or_default())
}

/// Bill files waiting to be downloaded, by token.
#[derive(Debug, Default)]
pub(crate) struct Files {
    files: VecDeque<(String, Bytes)>,
}

impl Files {
    /// Keeps `body` under a new token, forgetting the oldest file beyond [`KEPT_FILES`].
    pub(crate) fn put(&mut self, token: String, body: Bytes) {
        if self.files.len() >= KEPT_FILES {
            self.files.pop_front();
        }
        self.files.push_back((token, body));
    }

    pub(crate) fn get(&self, token: &str) -> Option<Bytes> {
        self.files.iter().find(|(t, _)| t == token).map(|(_, b)| b.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked_like_the_gateway() {
        assert_eq!(parse_day("2026-12-06", true), Some((2026, 12, 6)));
        assert_eq!(parse_day("20261206", false), Some((2026, 12, 6)));
        assert_eq!(parse_day("2026-02-30", true), None);
        assert_eq!(parse_day("20261206", true), None);
        assert_eq!(parse_day("2026-12-6", true), None);
        assert_eq!(parse_day("2026120", false), None);
    }

    #[test]
    fn an_empty_day_has_the_header_and_a_zero_summary() {
        let csv = trade_bill(&Orders::default(), (2026, 12, 6), Kind::All);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[0].starts_with("交易时间,"));
        assert!(lines[1].starts_with("总交易单数,"));
        assert_eq!(lines[2], "`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00");
        assert_eq!(yuan(12345), "123.45");
    }
}

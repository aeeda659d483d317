//! The sandbox's payment state, sans-IO: orders and refunds shared by the APIv3 and APIv2 routes, created by
//! the merchant's calls and paid from the test ([`Sandbox::pay`](super::Sandbox::pay)).

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use time::{OffsetDateTime, UtcOffset};

use super::keys::MCHID;

/// The most orders (and refunds) one sandbox keeps; creating more is refused, so a runaway test cannot eat the
/// memory.
pub(crate) const MAX_ORDERS: usize = 10_000;

/// Which API created an order: it decides the shape of the payment notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    V3,
    V2,
}

/// `trade_state` of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeState {
    NotPay,
    Success,
    Closed,
    Refund,
}

impl TradeState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TradeState::NotPay => "NOTPAY",
            TradeState::Success => "SUCCESS",
            TradeState::Closed => "CLOSED",
            TradeState::Refund => "REFUND",
        }
    }

    fn desc(self) -> &'static str {
        match self {
            TradeState::NotPay => "订单未支付",
            TradeState::Success => "支付成功",
            TradeState::Closed => "订单已关闭",
            TradeState::Refund => "订单发生过退款",
        }
    }
}

/// One order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// What the merchant asked for.
    pub(crate) request: NewOrder,
    pub(crate) state: TradeState,
    pub(crate) prepay_id: String,
    pub(crate) transaction_id: Option<String>,
    pub(crate) success_time: Option<i64>,
    pub(crate) refunded: u64,
}

impl Order {
    /// The order as `GET v3/pay/transactions/out-trade-no/{out_trade_no}` answers it (and as the
    /// `TRANSACTION.SUCCESS` notification carries it).
    pub(crate) fn v3(&self) -> Value {
        let mut v = json!({
            "appid": self.request.appid, "mchid": self.request.mchid, "out_trade_no": self.request.out_trade_no,
            "trade_type": self.request.trade_type, "trade_state": self.state.as_str(),
            "trade_state_desc": self.state.desc(), "attach": self.request.attach,
            "amount": { "total": self.request.total, "currency": self.request.currency },
        });
        if let Some(tid) = &self.transaction_id {
            v["transaction_id"] = json!(tid);
            v["bank_type"] = json!("OTHERS");
            v["amount"]["payer_total"] = json!(self.request.total);
            v["amount"]["payer_currency"] = json!(self.request.currency);
        }
        if let Some(t) = self.success_time.and_then(rfc3339) {
            v["success_time"] = json!(t);
        }
        if let Some(openid) = &self.request.openid {
            v["payer"] = json!({ "openid": openid });
        }
        v
    }

    /// The order as APIv2 `pay/orderquery` (and the APIv2 payment notification) writes it, unsigned.
    pub(crate) fn v2(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_owned(), Value::String(v));
        };
        put("return_code", "SUCCESS".into());
        put("return_msg", "OK".into());
        put("result_code", "SUCCESS".into());
        put("appid", self.request.appid.clone());
        put("mch_id", self.request.mchid.clone());
        put("out_trade_no", self.request.out_trade_no.clone());
        put("trade_type", self.request.trade_type.clone());
        put("trade_state", self.state.as_str().into());
        put("trade_state_desc", self.state.desc().into());
        put("total_fee", self.request.total.to_string());
        put("fee_type", self.request.currency.clone());
        if !self.request.attach.is_empty() {
            put("attach", self.request.attach.clone());
        }
        if let Some(tid) = &self.transaction_id {
            put("transaction_id", tid.clone());
            put("bank_type", "OTHERS".into());
            put("cash_fee", self.request.total.to_string());
            put("is_subscribe", "N".into());
        }
        if let Some(t) = self.success_time.and_then(compact) {
            put("time_end", t);
        }
        if let Some(openid) = &self.request.openid {
            put("openid", openid.clone());
        }
        m
    }

    fn refundable(&self) -> u64 {
        self.request.total.saturating_sub(self.refunded)
    }
}

/// One refund.
#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub(crate) out_refund_no: String,
    pub(crate) refund_id: String,
    pub(crate) out_trade_no: String,
    pub(crate) transaction_id: String,
    pub(crate) refund: u64,
    pub(crate) total: u64,
    pub(crate) currency: String,
    pub(crate) time: i64,
    pub(crate) notify_url: Option<String>,
}

impl Refund {
    /// The refund as `POST v3/refund/domestic/refunds` and the query answer it.
    pub(crate) fn v3(&self) -> Value {
        let t = rfc3339(self.time);
        json!({
            "refund_id": self.refund_id, "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id, "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
            "success_time": t, "create_time": t, "status": "SUCCESS", "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total, "refund": self.refund, "payer_total": self.total, "payer_refund": self.refund,
                "settlement_refund": self.refund, "settlement_total": self.total, "discount_refund": 0,
                "currency": self.currency, "refund_fee": 0,
            },
        })
    }

    /// The resource of the `REFUND.SUCCESS` notification.
    pub(crate) fn notification(&self) -> Value {
        json!({
            "mchid": MCHID, "out_trade_no": self.out_trade_no, "transaction_id": self.transaction_id,
            "out_refund_no": self.out_refund_no, "refund_id": self.refund_id, "refund_status": "SUCCESS",
            "success_time": rfc3339(self.time), "user_received_account": "支付用户零钱",
            "amount": { "total": self.total, "refund": self.refund, "payer_total": self.total, "payer_refund": self.refund },
        })
    }
}

/// Why a request about orders is refused: WeChat Pay's `code` (APIv3) / `err_code` (APIv2) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The HTTP status of the APIv3 answer.
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn missing(field: &str) -> Refusal {
        Refusal::new(400, "PARAM_ERROR", format!("missing required parameter: {field}"))
    }

    fn not_found() -> Refusal {
        Refusal::new(404, "ORDER_NOT_EXIST", "订单不存在 (the sandbox has no such order)")
    }
}

/// A new order as the merchant asked for it.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    pub(crate) api: Api,
    pub(crate) fingerprint: Value,
    pub(crate) appid: String,
    pub(crate) mchid: String,
    pub(crate) description: String,
    pub(crate) out_trade_no: String,
    pub(crate) notify_url: String,
    pub(crate) attach: String,
    pub(crate) trade_type: String,
    pub(crate) total: u64,
    pub(crate) currency: String,
    pub(crate) openid: Option<String>,
}

/// A refund as the merchant asked for it.
#[derive(Debug, Clone)]
pub(crate) struct NewRefund {
    /// `out_trade_no` or `transaction_id` of the order.
    pub(crate) order: OrderRef,
    pub(crate) out_refund_no: String,
    pub(crate) refund: u64,
    /// The `total` the merchant believes the order has (must match).
    pub(crate) total: u64,
    pub(crate) notify_url: Option<String>,
}

/// How a request names an order.
#[derive(Debug, Clone)]
pub(crate) enum OrderRef {
    OutTradeNo(String),
    TransactionId(String),
}

/// Every order and refund of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    orders: HashMap<String, Order>,
    by_transaction: HashMap<String, String>,
    refunds: HashMap<String, Refund>,
    seq: u64,
}

impl Orders {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Creates an order, or answers the existing one when the same request comes again.
    pub(crate) fn create(&mut self, new: NewOrder, now: i64) -> Result<Order, Refusal> {
        if new.mchid != MCHID {
            return Err(Refusal::new(
                400,
                "MCH_NOT_EXISTS",
                format!("商户号不存在: {}", new.mchid),
            ));
        }
        if new.total == 0 {
            return Err(Refusal::new(
                400,
                "PARAM_ERROR",
                "amount.total must be a positive number of fen",
            ));
        }
        if let Some(old) = self.orders.get(&new.out_trade_no) {
            return match old.state {
                TradeState::Success | TradeState::Refund => Err(Refusal::new(400, "ORDERPAID", "该订单已支付")),
                TradeState::Closed => Err(Refusal::new(400, "ORDER_CLOSED", "该订单已关闭")),
                TradeState::NotPay if old.request.fingerprint != new.fingerprint || old.request.api != new.api => {
                    Err(Refusal::new(
                        400,
                        "INVALID_REQUEST",
                        "201 商户订单号重复 (an order with this out_trade_no exists with other parameters)",
                    ))
                }
                TradeState::NotPay => Ok(old.clone()),
            };
        }
        if self.orders.len() >= MAX_ORDERS {
            return Err(Refusal::new(
                429,
                "FREQUENCY_LIMITED",
                format!("the sandbox keeps at most {MAX_ORDERS} orders"),
            ));
        }
        let seq = self.next();
        let out_trade_no = new.out_trade_no.clone();
        let order = Order {
            request: new,
            state: TradeState::NotPay,
            prepay_id: format!("wx{now}{seq:010}"),
            transaction_id: None,
            success_time: None,
            refunded: 0,
        };
        self.orders.insert(out_trade_no, order.clone());
        Ok(order)
    }

    /// The order `out_trade_no` or `transaction_id` names.
    pub(crate) fn find(&self, by: &OrderRef) -> Result<&Order, Refusal> {
        let otn = match by {
            OrderRef::OutTradeNo(otn) => otn,
            OrderRef::TransactionId(tid) => self.by_transaction.get(tid).ok_or_else(Refusal::not_found)?,
        };
        self.orders.get(otn).ok_or_else(Refusal::not_found)
    }

    /// Closes an unpaid order (closing a closed one again is fine).
    pub(crate) fn close(&mut self, out_trade_no: &str) -> Result<(), Refusal> {
        let order = self.orders.get_mut(out_trade_no).ok_or_else(Refusal::not_found)?;
        match order.state {
            TradeState::NotPay | TradeState::Closed => {
                order.state = TradeState::Closed;
                Ok(())
            }
            TradeState::Success | TradeState::Refund => Err(Refusal::new(400, "ORDERPAID", "订单已支付，不能关闭")),
        }
    }

    /// Marks an unpaid order paid by the user (`openid` when the order has no payer yet).
    pub(crate) fn pay(&mut self, out_trade_no: &str, now: i64) -> Result<Order, Refusal> {
        let seq = self.next();
        let order = self.orders.get_mut(out_trade_no).ok_or_else(Refusal::not_found)?;
        match order.state {
            TradeState::NotPay => {}
            TradeState::Closed => return Err(Refusal::new(400, "ORDER_CLOSED", "订单已关闭")),
            TradeState::Success | TradeState::Refund => return Err(Refusal::new(400, "ORDERPAID", "订单已支付")),
        }
        let tid = format!("4200{seq:024}");
        order.state = TradeState::Success;
        order.transaction_id = Some(tid.clone());
        order.success_time = Some(now);
        if order.request.openid.is_none() {
            order.request.openid = Some(format!("oSandbox{seq:020}"));
        }
        let paid = order.clone();
        self.by_transaction.insert(tid, out_trade_no.to_owned());
        Ok(paid)
    }

    /// Refunds (part of) a paid order; the same `out_refund_no` again answers the existing refund.
    /// `Ok((refund, true))` when the refund is new.
    pub(crate) fn refund(&mut self, new: NewRefund, now: i64) -> Result<(Refund, bool), Refusal> {
        if let Some(old) = self.refunds.get(&new.out_refund_no) {
            return Ok((old.clone(), false));
        }
        if self.refunds.len() >= MAX_ORDERS {
            return Err(Refusal::new(
                429,
                "FREQUENCY_LIMITED",
                format!("the sandbox keeps at most {MAX_ORDERS} refunds"),
            ));
        }
        let seq = self.next();
        let otn = self.find(&new.order)?.request.out_trade_no.clone();
        let order = self.orders.get_mut(&otn).ok_or_else(Refusal::not_found)?;
        let Some(tid) = order.transaction_id.clone() else {
            return Err(Refusal::new(
                400,
                "INVALID_REQUEST",
                "订单未支付，不能退款 (the order is not paid)",
            ));
        };
        if new.total != order.request.total {
            return Err(Refusal::new(
                400,
                "PARAM_ERROR",
                format!(
                    "amount.total {} is not the order's total {}",
                    new.total, order.request.total
                ),
            ));
        }
        if new.refund == 0 || new.refund > order.refundable() {
            return Err(Refusal::new(
                400,
                "NOT_ENOUGH",
                format!(
                    "申请退款金额超过订单可退金额 (asked {}, refundable {})",
                    new.refund,
                    order.refundable()
                ),
            ));
        }
        order.refunded += new.refund;
        order.state = TradeState::Refund;
        let refund = Refund {
            out_refund_no: new.out_refund_no.clone(),
            refund_id: format!("50{seq:028}"),
            out_trade_no: otn,
            transaction_id: tid,
            refund: new.refund,
            total: order.request.total,
            currency: order.request.currency.clone(),
            time: now,
            // an APIv3 order's notify_url takes JSON notifications; an APIv2 order's takes XML ones
            notify_url: new.notify_url.or_else(|| {
                Some(order.request.notify_url.clone()).filter(|u| !u.is_empty() && order.request.api == Api::V3)
            }),
        };
        self.refunds.insert(new.out_refund_no, refund.clone());
        Ok((refund, true))
    }

    /// The refund `out_refund_no`.
    pub(crate) fn refund_of(&self, out_refund_no: &str) -> Result<&Refund, Refusal> {
        self.refunds.get(out_refund_no).ok_or_else(|| {
            Refusal::new(
                404,
                "RESOURCE_NOT_EXISTS",
                "退款单不存在 (the sandbox has no such refund)",
            )
        })
    }

    /// Paid orders, oldest payment first.
    pub(crate) fn paid(&self) -> Vec<&Order> {
        let mut paid: Vec<&Order> = self.orders.values().filter(|o| o.success_time.is_some()).collect();
        paid.sort_by_key(|o| (o.success_time, o.transaction_id.clone()));
        paid
    }

    /// Refunds, oldest first.
    pub(crate) fn refunds(&self) -> Vec<&Refund> {
        let mut refunds: Vec<&Refund> = self.refunds.values().collect();
        refunds.sort_by_key(|r| (r.time, r.refund_id.clone()));
        refunds
    }

    /// The order of a refund.
    pub(crate) fn order_of(&self, refund: &Refund) -> Option<&Order> {
        self.orders.get(&refund.out_trade_no)
    }
}

/// `unix` in China Standard Time, the time zone of every WeChat Pay time.
pub(crate) fn cst(unix: i64) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(OffsetDateTime::from_unix_timestamp(unix).ok()?.to_offset(offset))
}

/// `unix` in CST laid out as `YYYY{date}MM{date}DD{mid}hh{time}mm{time}ss{suffix}`, the shapes WeChat Pay uses.
pub(crate) fn cst_text(unix: i64, date: &str, mid: &str, time: &str, suffix: &str) -> Option<String> {
    cst(unix).map(|t| {
        format!(
            "{:04}{date}{:02}{date}{:02}{mid}{:02}{time}{:02}{time}{:02}{suffix}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    })
}

/// `2026-12-06T20:00:00+08:00` (APIv3).
pub(crate) fn rfc3339(unix: i64) -> Option<String> {
    cst_text(unix, "-", "T", ":", "+08:00")
}

/// `20261206200000` (APIv2 `time_end`).
pub(crate) fn compact(unix: i64) -> Option<String> {
    cst_text(unix, "", "", "", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(otn: &str, total: u64) -> NewOrder {
        NewOrder {
            api: Api::V3,
            fingerprint: json!({ "out_trade_no": otn, "total": total }),
            appid: "wx1".into(),
            mchid: MCHID.into(),
            description: "d".into(),
            out_trade_no: otn.into(),
            notify_url: "http://127.0.0.1:1/n".into(),
            attach: String::new(),
            trade_type: "NATIVE".into(),
            total,
            currency: "CNY".into(),
            openid: None,
        }
    }

    fn refund(otn: &str, orn: &str, refund: u64, total: u64) -> NewRefund {
        NewRefund {
            order: OrderRef::OutTradeNo(otn.into()),
            out_refund_no: orn.into(),
            refund,
            total,
            notify_url: None,
        }
    }

    #[test]
    fn an_order_moves_from_notpay_to_success_to_refund_and_refunds_stay_within_what_was_paid() {
        let mut orders = Orders::default();
        assert_eq!(orders.create(new("A", 100), 1).map(|o| o.state), Ok(TradeState::NotPay));
        assert_eq!(
            orders
                .refund(refund("A", "R0", 1, 100), 2)
                .map(|r| r.1)
                .unwrap_err()
                .code,
            "INVALID_REQUEST"
        );
        let paid = orders.pay("A", 1_700_000_000).unwrap();
        assert_eq!(paid.v3()["success_time"], "2023-11-15T06:13:20+08:00");
        assert_eq!(paid.v2()["time_end"], "20231115061320");
        let tid = paid.transaction_id.clone().unwrap();
        assert_eq!(tid.len(), 28);
        assert_eq!(
            orders.find(&OrderRef::TransactionId(tid)).unwrap().request.out_trade_no,
            "A"
        );
        assert_eq!(orders.pay("A", 3).unwrap_err().code, "ORDERPAID");
        assert_eq!(orders.close("A").unwrap_err().code, "ORDERPAID");
        assert_eq!(orders.refund(refund("A", "R1", 60, 100), 4).map(|r| r.1), Ok(true));
        assert_eq!(orders.refund(refund("A", "R1", 60, 100), 4).map(|r| r.1), Ok(false));
        assert_eq!(
            orders.refund(refund("A", "R2", 41, 100), 5).unwrap_err().code,
            "NOT_ENOUGH"
        );
        assert_eq!(
            orders.refund(refund("A", "R2", 40, 99), 5).unwrap_err().code,
            "PARAM_ERROR"
        );
        assert!(orders.refund(refund("A", "R2", 40, 100), 5).is_ok());
        assert_eq!(
            orders.find(&OrderRef::OutTradeNo("A".into())).unwrap().state,
            TradeState::Refund
        );
    }

    #[test]
    fn a_repeated_create_is_the_same_order_unless_its_content_differs() {
        let mut orders = Orders::default();
        let first = orders.create(new("B", 5), 1).unwrap().prepay_id.clone();
        assert_eq!(orders.create(new("B", 5), 2).unwrap().prepay_id, first);
        assert_eq!(orders.create(new("B", 6), 2).unwrap_err().code, "INVALID_REQUEST");
        orders.close("B").unwrap();
        assert_eq!(orders.create(new("B", 5), 3).unwrap_err().code, "ORDER_CLOSED");
        assert_eq!(orders.pay("B", 3).unwrap_err().code, "ORDER_CLOSED");
        assert_eq!(orders.close("nope").unwrap_err().status, 404);
    }
}

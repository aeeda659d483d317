//! Segment normalisation: the three regular expressions of wechatpay-php's `Builder::normalize`, applied to every
//! raw key of the chain, in this order:
//!
//! 1. `#^[A-Z]#` → lowercase (PascalCase → camelCase);
//! 2. `#[A-Z]#` → `-` + lowercase (camelCase → kebab-case);
//! 3. `#^_(.*)_$#` → `{$1}` (placeholder sugar), on the output of rule 2.
//!
//! The patterns carry no `u` flag, so they work on bytes and only ASCII `A`–`Z` is touched. Rule 3 follows PCRE's
//! defaults to the letter: `.` does not match `\n`, and `$` also matches just before one final `\n`, which then stays
//! after the `}`.

/// Normalises one raw chain key into the path segment PHP stores for it.
///
/// All three rules in one copying pass and one exact-size allocation (a quick byte count first sizes it: the input
/// length plus one per capital after the first byte; rule 3 swaps two bytes for two bytes). Rules 1 and 2 never touch
/// an `_` or a `\n`, so whether rule 3 applies is decided on the input and its braces written during the same pass.
pub(crate) fn normalize(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let dashes = bytes.iter().skip(1).filter(|b| b.is_ascii_uppercase()).count();
    let braces = placeholder_core_len(bytes);

    let mut out = String::with_capacity(raw.len() + dashes);
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement: Option<&str> = if b.is_ascii_uppercase() {
            Some(if i == 0 { "" } else { "-" })
        } else if braces.is_some_and(|core| i == 0 || i + 1 == core) && b == b'_' {
            Some(if i == 0 { "{" } else { "}" })
        } else {
            None
        };
        let Some(prefix) = replacement else { continue };
        // Every byte we stop at is ASCII, so `run_start..i` always sits on character boundaries.
        out.push_str(&raw[run_start..i]);
        out.push_str(prefix);
        if b.is_ascii_uppercase() {
            out.push(char::from(b.to_ascii_lowercase()));
        }
        run_start = i + 1;
    }
    out.push_str(&raw[run_start..]);
    out
}

/// Rule 3's match on the bytes of the input (equivalently, of rules 1–2's output): the length of the `_…_` part when
/// the whole string, save one optional trailing `\n`, is `_`, then anything without `\n`, then `_`.
fn placeholder_core_len(bytes: &[u8]) -> Option<usize> {
    let core = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let matched =
        core.len() >= 2 && core[0] == b'_' && core[core.len() - 1] == b'_' && !core[1..core.len() - 1].contains(&b'\n');
    matched.then_some(core.len())
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use serde_json::Value;
    use std::collections::BTreeSet;

    const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/php-oracle/chains.jsonl");
    const SEGMENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/inventory/segments.txt");

    fn read(path: &str) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn rows(kind: &str) -> Vec<Value> {
        read(CHAINS)
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("chains.jsonl line is JSON"))
            .filter(|row| row["kind"] == kind)
            .collect()
    }

    fn field<'a>(row: &'a Value, name: &str) -> &'a str {
        row[name].as_str().unwrap_or_else(|| panic!("{name} missing in {row}"))
    }

    #[test]
    fn spec_2_2_table() {
        for (raw, segment) in [
            ("v3", "v3"),
            ("V3", "v3"),
            ("merchantService", "merchant-service"),
            ("MerchantService", "merchant-service"),
            ("ComplaintNotifications", "complaint-notifications"),
            ("complaintsV2", "complaints-v2"),
            ("outTradeNo", "out-trade-no"),
            ("cgiBin", "cgi-bin"),
            ("ABC", "a-b-c"),
            ("aBC", "a-b-c"),
            ("_stock_id_", "{stock_id}"),
            ("_a_b_", "{a_b}"),
            ("_openId_", "{open-id}"),
            ("__", "{}"),
            ("_", "_"),
            ("_abc", "_abc"),
            ("{transaction_id}", "{transaction_id}"),
            ("{+media_slot_url}", "{+media_slot_url}"),
            ("b2b-settle", "b2b-settle"),
            ("query_coupon_stock", "query_coupon_stock"),
            ("v3/merchantService/complaintsV2", "v3/merchant-service/complaints-v2"),
            ("V2/pay/micropay", "v2/pay/micropay"),
            ("v3/x?mchId=1&b=2", "v3/x?mch-id=1&b=2"),
        ] {
            assert_eq!(normalize(raw), segment, "raw {raw:?}");
        }
    }

    #[test]
    fn non_ascii_letters_are_left_alone() {
        assert_eq!(normalize("ÄÖü"), "ÄÖü");
        assert_eq!(normalize("ÅbcDé"), "Åbc-dé");
        assert_eq!(normalize("Ⅻx"), "Ⅻx");
        assert_eq!(normalize("_É_"), "{É}");
        assert_eq!(normalize("中文Ab"), "中文-ab");
    }

    #[test]
    fn placeholder_rule_follows_pcre_newline_semantics() {
        // `$` matches before one final newline, which survives after the brace; `.` never crosses a newline.
        assert_eq!(normalize("_a_\n"), "{a}\n");
        assert_eq!(normalize("__\n"), "{}\n");
        assert_eq!(normalize("_A_\n"), "{-a}\n");
        assert_eq!(normalize("_a_\n\n"), "_a_\n\n");
        assert_eq!(normalize("_a\nb_"), "_a\nb_");
        assert_eq!(normalize("_\n"), "_\n");
        assert_eq!(normalize("\n"), "\n");
    }

    #[test]
    fn placeholder_rule_is_greedy_and_sees_rule_two_output() {
        assert_eq!(normalize("___"), "{_}");
        assert_eq!(normalize("__x__"), "{_x_}");
        assert_eq!(normalize("_{x}_"), "{{x}}");
        assert_eq!(normalize("_X_"), "{-x}");
        assert_eq!(normalize("X_"), "x_");
        assert_eq!(normalize("_aB"), "_a-b");
    }

    #[test]
    fn output_is_sized_exactly() {
        for raw in ["HTTPServer", "_openId_", "plain", "", "ÅbcDé"] {
            let out = normalize(raw);
            let dashes = raw.bytes().skip(1).filter(u8::is_ascii_uppercase).count();
            assert_eq!(out.len(), raw.len() + dashes, "{raw:?}");
            assert_eq!(out.capacity(), out.len(), "{raw:?}");
        }
    }

    #[test]
    fn oracle_segment_rows() {
        let rows = rows("segment");
        assert_eq!(rows.len(), 845);
        for row in &rows {
            let (raw, segment) = (field(row, "raw"), field(row, "segment"));
            assert_eq!(normalize(raw), segment, "raw {raw:?}");
            assert_eq!(row["changed"] == true, raw != segment, "changed flag of {raw:?}");
        }
    }

    #[test]
    fn oracle_raw_key_rows() {
        let rows = rows("raw_key");
        assert_eq!(rows.len(), 59);
        for row in &rows {
            assert_eq!(normalize(field(row, "raw")), field(row, "segment"), "{row}");
        }
    }

    #[test]
    fn oracle_property_chain_steps() {
        let rows = rows("property_chain");
        assert_eq!(rows.len(), 40);
        for row in &rows {
            let steps = row["steps"].as_array().expect("steps");
            let segments: Vec<String> = steps.iter().map(|s| normalize(s.as_str().expect("step"))).collect();
            let expected: Vec<&str> = row["segments"]
                .as_array()
                .expect("segments")
                .iter()
                .map(|s| s.as_str().expect("segment"))
                .collect();
            assert_eq!(segments, expected, "{row}");
            assert_eq!(segments.join("/"), field(row, "pathname"), "{row}");
        }
    }

    #[test]
    fn inventory_segments_survive() {
        let text = read(SEGMENTS);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 845);
        // The three APIv2 names with a capital (`/secapi/mch/addInstitutionsub` & co.) are the only inventory lines
        // the chain changes; PHP changes them the same way (oracle rows marked `changed`), so they are reached with
        // a template variable.
        let segment_rows = rows("segment");
        let changed_by_oracle: BTreeSet<&str> = segment_rows
            .iter()
            .filter(|row| row["changed"] == true)
            .map(|row| field(row, "raw"))
            .collect();
        assert_eq!(
            changed_by_oracle,
            BTreeSet::from(["addInstitutionsub", "modifyInstitutionsub", "queryInstitutionsub"])
        );
        for line in lines {
            if changed_by_oracle.contains(line) {
                assert_ne!(normalize(line), line);
            } else {
                assert_eq!(normalize(line), line);
            }
        }
    }
}

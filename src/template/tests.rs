//! Unit tests of the URI-template expansion: the PHP oracle rows, the documented expansion table, guzzle/uri-template's own
//! test table and the PHP quirks the port keeps.

use super::{expand, php_int, php_key_gt_zero};
use serde_json::{Map, Value, json};

const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/php-oracle/chains.jsonl");

fn vars(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("variables must be a map, got {other}"),
    }
}

fn check(cases: &[(&str, &str)], variables: &Map<String, Value>) {
    for (template, expected) in cases {
        assert_eq!(expand(template, variables), *expected, "template {template:?}");
    }
}

#[test]
fn oracle_expansion_rows() {
    let text = std::fs::read_to_string(CHAINS).unwrap_or_else(|e| panic!("{CHAINS}: {e}"));
    let mut checked = 0;
    for row in text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
    {
        if row["kind"] != "expansion" {
            continue;
        }
        let template = row["template"].as_str().expect("template");
        let expected = row["expanded"].as_str().expect("expanded");
        assert_eq!(
            expand(template, &vars(row["variables"].clone())),
            expected,
            "{}",
            row["label"]
        );
        checked += 1;
    }
    assert_eq!(checked, 42);
}

#[test]
fn spec_2_4_table() {
    let cases = [
        (
            "v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            vars(json!({"out_trade_no": "ABC 123/x"})),
            "v3/pay/transactions/out-trade-no/ABC%20123%2Fx/close",
        ),
        (
            "v3/pay/transactions/id/{transaction_id}",
            vars(json!({"transaction_id": "a b+c&d=e?f#g中"})),
            "v3/pay/transactions/id/a%20b%2Bc%26d%3De%3Ff%23g%E4%B8%AD",
        ),
        (
            "v3/smartguide/guides/{guide_id}/assign",
            vars(json!({"guide_id": 123})),
            "v3/smartguide/guides/123/assign",
        ),
        ("v3/x/{id}/y/{id}", vars(json!({"id": "7"})), "v3/x/7/y/7"),
        (
            "v3/merchant-service/images/{media_id}",
            vars(json!({"media_id": "ChsyMDAy%2FFR1p"})),
            "v3/merchant-service/images/ChsyMDAy%252FFR1p",
        ),
        (
            "v3/merchant-service/images/{+media_id}",
            vars(json!({"media_id": "ChsyMDAy%2FFR1p"})),
            "v3/merchant-service/images/ChsyMDAy%252FFR1p",
        ),
        (
            "v3/marketing/favor/stocks/{stock_id}",
            vars(json!({})),
            "v3/marketing/favor/stocks/",
        ),
        (
            "v3/applyment4sub/applyment/{empty}",
            vars(json!({})),
            "v3/applyment4sub/applyment/",
        ),
        ("{+myurl}", vars(json!({"myurl": "v2/pay/micropay"})), "v2/pay/micropay"),
        (
            "v3/x/{a}/{b}/{c}",
            vars(json!({"a": true, "b": false, "c": null})),
            "v3/x/1//",
        ),
    ];
    for (template, variables, expected) in cases {
        assert_eq!(expand(template, &variables), expected, "template {template:?}");
    }
}

/// guzzle/uri-template's own test table (RFC 6570 section 3 examples plus its regressions).
#[test]
fn guzzle_test_table() {
    let variables = vars(json!({
        "var": "value", "hello": "Hello World!", "empty": "", "path": "/foo/bar", "x": "1024", "y": 768,
        "null": null, "list": ["red", "green", "blue"], "keys": {"semi": ";", "dot": ".", "comma": ","},
        "empty_keys": [],
    }));
    check(
        &[
            ("foo", "foo"),
            ("{var}", "value"),
            ("{hello}", "Hello%20World%21"),
            ("{+var}", "value"),
            ("{+hello}", "Hello%20World!"),
            ("{+path}/here", "/foo/bar/here"),
            ("here?ref={+path}", "here?ref=/foo/bar"),
            ("X{#var}", "X#value"),
            ("X{#hello}", "X#Hello%20World!"),
            ("map?{x,y}", "map?1024,768"),
            ("{x,hello,y}", "1024,Hello%20World%21,768"),
            ("{+x,hello,y}", "1024,Hello%20World!,768"),
            ("{+path,x}/here", "/foo/bar,1024/here"),
            ("{#x,hello,y}", "#1024,Hello%20World!,768"),
            ("{#path,x}/here", "#/foo/bar,1024/here"),
            ("X{.var}", "X.value"),
            ("X{.x,y}", "X.1024.768"),
            ("{/var}", "/value"),
            ("{/var,x}/here", "/value/1024/here"),
            ("{;x,y}", ";x=1024;y=768"),
            ("{;x,y,empty}", ";x=1024;y=768;empty"),
            ("{?x,y}", "?x=1024&y=768"),
            ("{?x,y,empty}", "?x=1024&y=768&empty="),
            ("?fixed=yes{&x}", "?fixed=yes&x=1024"),
            ("{&x,y,empty}", "&x=1024&y=768&empty="),
            ("{var:3}", "val"),
            ("{var:30}", "value"),
            ("{list}", "red,green,blue"),
            ("{list*}", "red,green,blue"),
            ("{keys}", "semi,%3B,dot,.,comma,%2C"),
            ("{keys*}", "semi=%3B,dot=.,comma=%2C"),
            ("{+path:6}/here", "/foo/b/here"),
            ("{+list}", "red,green,blue"),
            ("{+list*}", "red,green,blue"),
            ("{+keys}", "semi,;,dot,.,comma,,"),
            ("{+keys*}", "semi=;,dot=.,comma=,"),
            ("{#path:6}/here", "#/foo/b/here"),
            ("{#list}", "#red,green,blue"),
            ("{#list*}", "#red,green,blue"),
            ("{#keys}", "#semi,;,dot,.,comma,,"),
            ("{#keys*}", "#semi=;,dot=.,comma=,"),
            ("X{.var:3}", "X.val"),
            ("X{.list}", "X.red,green,blue"),
            ("X{.list*}", "X.red.green.blue"),
            ("X{.keys}", "X.semi,%3B,dot,.,comma,%2C"),
            ("X{.keys*}", "X.semi=%3B.dot=..comma=%2C"),
            ("{/var:1,var}", "/v/value"),
            ("{/list}", "/red,green,blue"),
            ("{/list*}", "/red/green/blue"),
            ("{/list*,path:4}", "/red/green/blue/%2Ffoo"),
            ("{/keys}", "/semi,%3B,dot,.,comma,%2C"),
            ("{/keys*}", "/semi=%3B/dot=./comma=%2C"),
            ("{;hello:5}", ";hello=Hello"),
            ("{;list}", ";list=red,green,blue"),
            ("{;list*}", ";list=red;list=green;list=blue"),
            ("{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"),
            ("{;keys*}", ";semi=%3B;dot=.;comma=%2C"),
            ("{?var:3}", "?var=val"),
            ("{?list}", "?list=red,green,blue"),
            ("{?list*}", "?list=red&list=green&list=blue"),
            ("{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"),
            ("{?keys*}", "?semi=%3B&dot=.&comma=%2C"),
            ("{&var:3}", "&var=val"),
            ("{&list}", "&list=red,green,blue"),
            ("{&list*}", "&list=red&list=green&list=blue"),
            ("{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"),
            ("{&keys*}", "&semi=%3B&dot=.&comma=%2C"),
            ("{.null}", ""),
            ("{.null,var}", ".value"),
            ("X{.empty_keys*}", "X"),
            ("X{.empty_keys}", "X"),
            ("test{&missing*}", "test"),
            (
                "http://{var}/{var:2}{?keys*}",
                "http://value/va?semi=%3B&dot=.&comma=%2C",
            ),
            (
                "http://www.test.com{+path}{?var,keys*}",
                "http://www.test.com/foo/bar?var=value&semi=%3B&dot=.&comma=%2C",
            ),
        ],
        &variables,
    );
}

#[test]
fn nested_maps_go_through_http_build_query() {
    let variables = vars(json!({
        "path": "/foo/bar", "segments": ["one", "two"], "query": "test", "data": {"more": ["fun", "ice cream"]},
        "foo": {"baz": {"bar": "fizz", "test": "buzz"}, "bam": "boo"}, "sp": {"a b": {"c": 1}, "e": {}},
    }));
    check(
        &[
            (
                "http://example.com{+path}{/segments}{?query,data*,foo*}",
                "http://example.com/foo/bar/one,two?query=test&more%5B0%5D=fun&more%5B1%5D=ice%20cream&baz%5Bbar%5D=fizz&baz%5Btest%5D=buzz&bam=boo",
            ),
            // the key is rawurlencoded once by guzzle and again by http_build_query; an empty nested map leaves an
            // empty component; without `*` a nested value is PHP's "Array"
            ("{?sp*}", "?a%2520b%5Bc%5D=1&"),
            ("{sp}", "a%20b,Array,e,Array"),
        ],
        &variables,
    );
}

#[test]
fn expression_syntax_quirks() {
    let variables = vars(json!({"x": "X", "{x": "brace", "": "blank", "a b": "space", "0": "zero"}));
    check(
        &[
            ("{}", "{}"),
            ("a{}b{x}", "a{}bX"),
            ("{{x}}", "brace}"),
            ("{x", "{x"),
            ("x}", "x}"),
            ("{ x , x }", "X,X"),
            ("{,}", "blank,blank"),
            ("{a b}", "space"),
            ("{0}", "zero"),
            ("{x}{x}", "XX"),
            ("{+}", "blank"),
            ("{?}", "?=blank"),
            ("{;}", ";=blank"),
            ("{x*}", "X"),
            ("{:x}", ""),
            ("{x:}", ""),
            ("{x:0}", ""),
            ("{x:-1}", ""),
            ("{x: 1}", "X"),
        ],
        &variables,
    );
}

#[test]
fn prefix_cuts_raw_bytes_before_encoding() {
    let variables = vars(json!({"u": "中文", "s": "a b", "n": 12345, "t": true, "f": false, "p": "100%"}));
    check(
        &[
            ("{u:3}", "%E4%B8%AD"),
            ("{u:2}", "%E4%B8"),
            ("{s:2}", "a%20"),
            ("{n:2}", "12"),
            ("{t:0}", ""),
            ("{t:5}", "1"),
            ("{p:4}", "100%25"),
            ("{+p:4}", "100%25"),
            ("{s:-1}", "a%20"),
            ("{s:-9}", ""),
            ("{s:1e1}", "a%20b"),
            ("{s:2.9}", "a%20"),
            ("{?s:0}", "?s="),
            ("{;s:0}", ";s"),
        ],
        &variables,
    );
}

#[test]
fn empty_and_falsy_values() {
    let variables = vars(json!({"e": "", "z": "0", "i": 0, "f": false, "l": [], "m": {}, "n": null}));
    check(
        &[
            ("{;z}", ";z=0"),
            ("{;i}", ";i=0"),
            ("{;e}", ";e"),
            ("{;f}", ";f"),
            ("{?f}", "?f="),
            ("{?z}", "?z=0"),
            ("{#e}", "#"),
            ("{.e}", "."),
            ("{/e}", ""),
            ("{#n}", ""),
            ("{#l}", ""),
            ("{.m*}", ""),
            ("{;l}", ""),
            ("{?l,e}", "?&e="),
            ("{e,e}", ","),
            ("{z}", "0"),
            ("{/z}", "/0"),
            ("{#z}", "#0"),
        ],
        &variables,
    );
}

#[test]
fn php_array_shapes() {
    let variables = vars(json!({
        "list": ["a b", true, false, null, 1.5, ["x"]], "zero_map": {"0": "a", "1": "b", "x": "c", "": "d"},
        "num_map": {"1": "a", "2": "b"}, "enc": {"k/ey": "v/al"},
    }));
    check(
        &[
            ("{list}", "a%20b,1,,,1.5,Array"),
            ("{+list*}", "a%20b,1,,,1.5,Array"),
            ("{?list*}", "?list=a%20b&list=1&list=&list=&list=1.5&list=Array"),
            ("{zero_map}", "a,b,c,d"),
            ("{?zero_map*}", "?zero_map=a&zero_map=b&zero_map=c&d"),
            ("{num_map}", "1,a,2,b"),
            ("{?num_map*}", "?1=a&2=b"),
            ("{enc}", "k%2Fey,v%2Fal"),
            ("{+enc}", "k%2Fey,v/al"),
            ("{#enc*}", "#k%2Fey=v/al"),
        ],
        &variables,
    );
}

#[test]
fn php_numeric_helpers() {
    for (s, n) in [
        ("3", 3),
        (" 3", 3),
        ("3abc", 3),
        ("abc", 0),
        ("", 0),
        ("-2", -2),
        ("+4", 4),
        ("1.9", 1),
        ("1e2", 100),
        (".5", 0),
        ("1e", 1),
        ("0x1A", 0),
        ("99999999999999999999", i64::MAX),
        ("-99999999999999999999", i64::MIN),
        ("1e999", 0),
    ] {
        assert_eq!(php_int(s), n, "(int) {s:?}");
    }
    for (key, gt) in [
        ("1", true),
        ("0", false),
        ("-1", false),
        ("01", true),
        (" 1 ", true),
        ("0.0", false),
        ("abc", true),
        ("", false),
        ("1abc", true),
        ("-abc", false),
    ] {
        assert_eq!(php_key_gt_zero(key), gt, "{key:?} > 0");
    }
}

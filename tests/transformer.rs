//! `wechatpay::Transformer` against the PHP-oracle vectors (`transformer_to_array`, `transformer_to_xml`,
//! `transformer_sanitize` in `tests/fixtures/php-oracle/crypto_vectors.jsonl`), every parse shape and writer case observed
//! from PHP, the sample documents of PHP's `TransformerTest` (`tests/fixtures/xml/`), and the XXE defences.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests: a panic is the failure report"
)]

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use support::{fixture, s, vectors};
use wechatpay::crypto::{KeyType, Rsa};
use wechatpay::{ErrorKind, Formatter, Transformer, XmlOptions};

const PARSE_FAILED: &str = "The XML cannot be parsed";

fn input_bytes(v: &Value) -> Vec<u8> {
    match v.get("input_base64").and_then(Value::as_str) {
        Some(b64) => STANDARD.decode(b64).unwrap(),
        None => s(v, "input").as_bytes().to_vec(),
    }
}

/// Asserts `try_to_array` refuses `xml` with a decode error in PHP's notice shape.
fn assert_refused(xml: impl AsRef<[u8]>) -> String {
    let xml = xml.as_ref();
    let err = Transformer::try_to_array(xml)
        .map(|v| panic!("accepted {:?} as {v}", String::from_utf8_lossy(xml)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let message = err.to_string();
    assert!(message.starts_with(PARSE_FAILED), "{message}");
    message
}

/// Both forms: lenient gives `{}` (PHP's `[]`), strict refuses.
fn assert_bad(xml: impl AsRef<[u8]>) -> String {
    assert_eq!(Transformer::to_array(xml.as_ref()), json!({}));
    assert_refused(xml)
}

/// Both forms give `expected`.
fn assert_parses(xml: &str, expected: Value) {
    assert_eq!(Transformer::to_array(xml), expected, "lenient: {xml:?}");
    assert_eq!(Transformer::try_to_array(xml).unwrap(), expected, "strict: {xml:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// PHP-oracle vectors

#[test]
fn to_array_vectors() {
    let all = vectors("transformer_to_array");
    assert_eq!(all.len(), 45);
    for v in &all {
        let label = s(v, "label");
        let input = input_bytes(v);
        let got = Transformer::to_array(&input);
        assert_eq!(got, v["expected"], "{label}");
        assert_eq!(
            got.is_array(),
            v["expected_is_list"].as_bool().unwrap(),
            "{label}: list-ness"
        );

        // the strict form: same value, or an error wherever PHP raised its notice, and also (stricter than PHP)
        // for any DOCTYPE, non-UTF-8 and empty input
        let strict = Transformer::try_to_array(&input);
        let has_doctype = String::from_utf8_lossy(&input).contains("<!DOCTYPE");
        let refused = !v["notice"].is_null() || has_doctype || input.is_empty() || std::str::from_utf8(&input).is_err();
        match strict {
            Ok(value) => {
                assert!(!refused, "{label}: strict accepted {value}");
                assert_eq!(value, v["expected"], "{label}: strict");
            }
            Err(e) => {
                assert!(refused, "{label}: strict refused: {e}");
                assert_eq!(e.kind(), ErrorKind::Decode, "{label}");
                assert!(e.to_string().starts_with(PARSE_FAILED), "{label}: {e}");
            }
        }
    }
}

/// The corpus writes `input_pairs` (PHP arrays may have integer keys) and `{"$stringable": s}` for PHP objects
/// with `__toString`; Rust callers pass that string.
fn pairs_to_value(pairs: &Value) -> Value {
    let mut map = Map::new();
    for pair in pairs.as_array().unwrap() {
        let key = match &pair[0] {
            Value::String(k) => k.clone(),
            other => other.to_string(),
        };
        map.insert(key, php_value(&pair[1]));
    }
    Value::Object(map)
}

fn php_value(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$stringable") => m["$stringable"].clone(),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), php_value(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(php_value).collect()),
        other => other.clone(),
    }
}

fn options_of(args: &Value) -> XmlOptions {
    XmlOptions::new()
        .headless(args["headless"].as_bool().unwrap())
        .indent(args["indent"].as_bool().unwrap())
        .root(s(args, "root"))
        .item(s(args, "item"))
}

#[test]
fn to_xml_vectors() {
    let all = vectors("transformer_to_xml");
    assert_eq!(all.len(), 14);
    for v in &all {
        let label = s(v, "label");
        let data = pairs_to_value(&v["input_pairs"]);
        let got = Transformer::to_xml_with(&data, &options_of(&v["args"]));
        let php = s(v, "expected");
        match label {
            // PHP bug: one CDATA section ending at the value's own `]]>`, i.e. malformed XML.
            // We split the section instead.
            "\"]]>\" inside a value (PHP emits malformed XML)" => {
                assert_eq!(php, "<xml><o><![CDATA[a]]>b]]></o></xml>");
                assert_eq!(got, "<xml><o><![CDATA[a]]]]><![CDATA[>b]]></o></xml>", "{label}");
                assert_eq!(
                    Transformer::to_array(php),
                    json!({}),
                    "PHP's output does not even parse"
                );
                assert_eq!(Transformer::try_to_array(&got).unwrap(), json!({"o": "a]]>b"}));
            }
            // PHP writes U+0001 raw (invalid XML); we drop it.
            "CR, TAB, control chars" => {
                assert_eq!(php.replace('\u{1}', ""), got, "{label}");
                assert!(php.contains("<u>x\u{1}y</u>"));
                assert!(got.contains("<u>xy</u>"));
            }
            _ => assert_eq!(got, php, "{label}"),
        }
        if !got.is_empty() {
            assert!(
                Transformer::try_to_array(&got).is_ok(),
                "{label}: our output is well-formed: {got}"
            );
        }
    }
}

#[test]
fn sanitize_vectors() {
    let all = vectors("transformer_sanitize");
    assert_eq!(all.len(), 4);
    for v in &all {
        assert_eq!(Transformer::sanitize(input_bytes(v)), s(v, "expected"), "{v}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// `to_array` shapes, one test per observed shape

#[test]
fn row_mixed_shapes() {
    assert_parses(
        r#"<xml><a>1</a><a>2</a><b/><c></c><d> x </d><e attr="1">v</e><f attr="1"/><g><h>1</h></g><i><![CDATA[<y>]]></i></xml>"#,
        json!({"a":["1","2"],"b":"","c":"","d":" x ","e":"v","f":"","g":{"h":"1"},"i":"<y>"}),
    );
}

#[test]
fn row_root_attributes() {
    assert_parses(r#"<xml a="1"><b>1</b></xml>"#, json!({"@attributes":{"a":"1"},"b":"1"}));
}

#[test]
fn row_attributes_on_a_map_element() {
    assert_parses(
        r#"<xml><g a="1"><h>1</h></g></xml>"#,
        json!({"g":{"@attributes":{"a":"1"},"h":"1"}}),
    );
}

#[test]
fn row_repeated_child_inside_a_map() {
    assert_parses("<xml><a><b>1</b><b>2</b></a></xml>", json!({"a":{"b":["1","2"]}}));
}

#[test]
fn row_repeated_maps() {
    assert_parses(
        "<xml><a><b>1</b></a><a><b>2</b></a></xml>",
        json!({"a":[{"b":"1"},{"b":"2"}]}),
    );
}

#[test]
fn row_repeated_empty_elements() {
    assert_parses("<xml><a/><a/></xml>", json!({"a":["",""]}));
}

#[test]
fn row_predefined_entities() {
    assert_parses("<xml><a>&lt;&amp;&gt;&quot;&apos;</a></xml>", json!({"a":"<&>\"'"}));
}

#[test]
fn row_whitespace_kept_inside_a_leaf() {
    assert_parses("<xml>\n  <a>\n    1\n  </a>\n</xml>", json!({"a":"\n    1\n  "}));
}

#[test]
fn row_root_with_only_text_is_a_list() {
    assert_parses("<xml>onlytext</xml>", json!(["onlytext"]));
    assert!(Transformer::to_array("<xml>onlytext</xml>").is_array());
}

#[test]
fn row_text_mixed_with_children_is_dropped() {
    assert_parses("<xml>text<a>1</a></xml>", json!({"a":"1"}));
    assert_parses("<xml><a>1</a>tail</xml>", json!({"a":"1"}));
}

#[test]
fn row_namespaced_child_is_dropped() {
    assert_parses(r#"<xml><x:a xmlns:x="urn:x">ns</x:a><b>1</b></xml>"#, json!({"b":"1"}));
}

#[test]
fn row_control_characters_are_stripped() {
    assert_parses("<xml><a>\u{1}bad\u{2}</a></xml>", json!({"a":"bad"}));
}

#[test]
fn row_gbk_bytes_are_not_utf8() {
    let xml = [b"<xml><a>".as_slice(), &[0xc4, 0xe3, 0xba, 0xc3], b"</a></xml>"].concat();
    assert_eq!(Transformer::to_array(&xml), json!({}));
    // stricter than PHP, which says nothing: the error names the problem
    assert!(assert_refused(&xml).contains("not valid UTF-8"));
}

#[test]
fn row_internal_entity_is_expanded() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e "expanded">]><xml><a>&e;</a></xml>"#;
    assert_eq!(Transformer::to_array(xml), json!({"a":"expanded"}));
    // the strict form accepts no DTD at all
    assert!(assert_refused(xml).contains("DOCTYPE"));
}

#[test]
fn row_nested_internal_entities_are_refused() {
    let xml = r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><a>&lol3;</a></xml>"#;
    assert_bad(xml);
}

#[test]
fn row_extra_content_after_the_root() {
    assert_bad("<xml><a>1</a></xml><xml><a>2</a></xml>");
    assert_bad("<xml><a>1</a></xml>trailing");
}

#[test]
fn row_not_xml() {
    assert_bad("not xml");
}

#[test]
fn row_invalid_element_name() {
    assert_bad("<xml><0>zero</0></xml>");
}

#[test]
fn the_other_rules_of_7_1() {
    // the root name is ignored
    assert_parses("<batchjob><a>1</a></batchjob>", json!({"a":"1"}));
    // empty root, empty input (strict: an error)
    assert_parses("<xml/>", json!({}));
    assert_parses("<xml></xml>", json!({}));
    assert_eq!(Transformer::to_array(""), json!({}));
    assert!(assert_refused("").contains("empty"));
    // BOM and leading whitespace are tolerated
    assert_parses("\u{feff}<xml><a>bom</a></xml>", json!({"a":"bom"}));
    assert_parses(" \n <xml><a>1</a></xml>\n", json!({"a":"1"}));
    // entities and character references are decoded, CDATA is merged with neighbouring text
    assert_parses(
        "<xml><a>x&#20013;<![CDATA[<]]>&#x6587;</a></xml>",
        json!({"a":"x中<文"}),
    );
    // CRLF inside CDATA is read as LF (XML line-end handling); `&#13;` is a real CR
    assert_parses(
        "<xml><a><![CDATA[a\r\nb]]></a><b>a&#13;b</b></xml>",
        json!({"a":"a\nb","b":"a\rb"}),
    );
    // attributes of a root holding only text: index 0 next to `@attributes` (a PHP array with a 0 key)
    assert_parses(r#"<xml a="1">t</xml>"#, json!({"@attributes":{"a":"1"},"0":"t"}));
    // attribute values are decoded and normalised; namespace declarations are not attributes
    assert_parses(
        "<xml a=\"x&amp;y\tz\" xmlns=\"urn:d\" xmlns:p=\"urn:p\" p:b=\"hidden\"><c>1</c></xml>",
        json!({"@attributes":{"a":"x&y z"},"c":"1"}),
    );
    // whitespace-only leaves are kept, whitespace between elements is not
    assert_parses("<xml><a> </a>\n<b>\n</b>\n</xml>", json!({"a":" ","b":"\n"}));
    // a nested element whose first child is text is read as its text only (SimpleXML's rule)
    assert_parses("<xml><a>x<b>1</b>y</a></xml>", json!({"a":"xy"}));
    // comments and processing instructions carry no data
    assert_parses("<xml><!-- c --><a>1<!-- c -->2</a><?pi x?></xml>", json!({"a":"12"}));
    // an unbound prefix is just part of the name
    assert_parses("<xml><x:a>1</x:a></xml>", json!({"x:a":"1"}));
}

// ---------------------------------------------------------------------------------------------------------------
// XXE and injection

#[test]
fn xxe_fixture_reads_the_entity_as_empty() {
    let xml = std::fs::read(fixture("xml/invalid.xxe_injection.sample.xml")).unwrap();
    assert_eq!(Transformer::to_array(&xml), json!({"value": ""}));
    assert!(assert_refused(&xml).contains("DOCTYPE"));
}

#[test]
fn xxe_never_reads_files() {
    let dir = std::env::temp_dir().join(format!("wechatpay-xxe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-MARKER").unwrap();
    let uri = format!("file://{}", secret.display());
    for xml in [
        format!(r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "{uri}">]><xml><a>&xxe;</a><b>1</b></xml>"#),
        format!(r#"<!DOCTYPE xml [<!ENTITY xxe PUBLIC "-//X//Y" "{uri}">]><xml><a>&xxe;</a><b>1</b></xml>"#),
        r#"<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a><b>1</b></xml>"#.to_owned(),
    ] {
        let got = Transformer::to_array(&xml);
        assert_eq!(got, json!({"a": "", "b": "1"}), "{xml}");
        assert!(!got.to_string().contains("TOP-SECRET") && !got.to_string().contains("root:"));
        assert_refused(&xml);
    }
    // an external entity may not be used in an attribute at all
    assert_bad(format!(r#"<!DOCTYPE x [<!ENTITY xxe SYSTEM "{uri}">]><x a="&xxe;"/>"#));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn xxe_never_touches_the_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/x.dtd", listener.local_addr().unwrap());
    for xml in [
        format!(r#"<!DOCTYPE xml SYSTEM "{url}"><xml><a>1</a></xml>"#),
        format!(r#"<!DOCTYPE xml [<!ENTITY % remote SYSTEM "{url}">%remote;]><xml><a>1</a></xml>"#),
        format!(r#"<!DOCTYPE xml [<!ENTITY e SYSTEM "{url}">]><xml><a>1</a><b>&e;</b></xml>"#),
    ] {
        let got = Transformer::to_array(&xml);
        assert_eq!(got["a"], "1", "{xml}");
        assert_refused(&xml);
    }
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the parser connected: {accepted:?}"
    );
}

#[test]
fn entity_bombs_are_refused() {
    // billion laughs, 9 levels: never expanded
    let mut dtd = String::from(r#"<!ENTITY lol0 "lol">"#);
    for i in 1..=9 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!(r#"<!ENTITY lol{i} "{refs}">"#));
    }
    let started = std::time::Instant::now();
    assert_bad(format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [{dtd}]><xml><a>&lol9;</a></xml>"#
    ));
    // in an attribute too
    assert_bad(format!(r#"<!DOCTYPE lolz [{dtd}]><xml a="&lol9;"/>"#));
    // a flat but wide bomb: one big entity referenced many times, refused past 1 MiB of expansion
    let big = "x".repeat(64 * 1024);
    let uses = "&big;".repeat(64);
    assert_bad(format!(
        r#"<!DOCTYPE x [<!ENTITY big "{big}">]><xml><a>{uses}</a></xml>"#
    ));
    // ...but a few uses are fine
    let ok = Transformer::to_array(format!(
        r#"<!DOCTYPE x [<!ENTITY big "{big}">]><xml><a>&big;&big;</a></xml>"#
    ));
    assert_eq!(ok["a"].as_str().unwrap().len(), 2 * big.len());
    // a self-referencing entity
    assert_bad(r#"<!DOCTYPE x [<!ENTITY a "&a;">]><xml><a>&a;</a></xml>"#);
    // an entity carrying markup
    assert_bad(r#"<!DOCTYPE x [<!ENTITY m "<b>1</b>">]><xml><a>&m;</a></xml>"#);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn undeclared_entities() {
    assert_bad("<xml><a>&nope;</a></xml>");
    assert_bad(r#"<!DOCTYPE x [<!ENTITY e "v">]><xml><a>&nope;</a></xml>"#);
    // with an external subset they might be declared there: tolerated as empty, like libxml
    assert_eq!(
        Transformer::to_array(r#"<!DOCTYPE x SYSTEM "x.dtd"><xml><a>&nope;</a><b>1</b></xml>"#),
        json!({"a": "", "b": "1"})
    );
}

#[test]
fn namespaces_are_scoped() {
    // a prefix bound on one element binds its descendants only
    assert_parses(
        r#"<xml><a xmlns:p="urn:p"><p:b>1</p:b><c p:x="1" y="2">2</c><d><p:e/></d></a><p:f>3</p:f></xml>"#,
        json!({"a": {"c": "2", "d": ""}, "p:f": "3"}),
    );
    // the default namespace hides nothing; `xml:` attributes are namespaced
    assert_parses(r#"<xml xmlns="urn:d" xml:lang="zh"><a>1</a></xml>"#, json!({"a": "1"}));
}

#[test]
fn attribute_heavy_elements_stay_linear() {
    let attrs: String = (0..50_000)
        .map(|i| format!(" a{i}=\"{i}\" xmlns:p{i}=\"urn:{i}\""))
        .collect();
    // 19,998 nodes: just under the node limit (a quadratic scope lookup would not finish)
    let children: String = (0..9_998).map(|i| format!("<p{i}:x/><q{i}:y/>")).collect();
    let data = Transformer::try_to_array(format!("<xml{attrs}><b>1</b>{children}</xml>")).unwrap();
    assert_eq!(data["@attributes"].as_object().unwrap().len(), 50_000);
    assert_eq!(data["q9997:y"], "");
    assert!(data.get("p0:x").is_none());
    assert_bad(r#"<xml a="1" a="2"/>"#);
    assert_bad(r#"<xml xmlns:p="1" xmlns:p="2"/>"#);
}

#[test]
fn fragment_injection_becomes_a_list() {
    let xml = std::fs::read(fixture("xml/fragment_injection.sample.xml")).unwrap();
    assert_eq!(
        Transformer::try_to_array(&xml).unwrap(),
        json!({"payment":[
            {"account":"5678-attacker","rcpt":"206-1234","amount":"100.00","comment":""},
            {"account":"1234-victim","rcpt":"206-1234","amount":"100.00","comment":"Hacked"}
        ]})
    );
}

#[test]
fn control_characters() {
    // every C0 control except TAB, LF, CR is stripped before parsing, in text, CDATA and attributes
    let controls: String = (0u32..0x20)
        .filter_map(char::from_u32)
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let xml = format!("<xml a=\"1{controls}2\"><b>x{controls}y</b><c><![CDATA[{controls}z]]></c></xml>");
    assert_parses(&xml, json!({"@attributes":{"a":"12"},"b":"xy","c":"z"}));
    assert_parses("<xml><a>x\u{fffe}\u{ffff}y</a></xml>", json!({"a":"xy"}));
    // a character reference to one is an error, as in PHP
    assert_bad("<xml><a>x&#1;y</a></xml>");
    assert_bad("<xml><a>x&#0;y</a></xml>");
    assert_bad("<xml><a>x&#xFFFE;y</a></xml>");
    // to_xml drops them too (PHP writes them raw: invalid XML)
    let xml = Transformer::to_xml(&json!({"a": format!("x{controls}y"), "b": format!("<{controls}>")}));
    assert_eq!(xml, "<xml><a>xy</a><b><![CDATA[<>]]></b></xml>");
}

#[test]
fn non_utf8_input() {
    for bytes in [
        &b"\xff\xfe<\x00x\x00m\x00l\x00/\x00>\x00"[..],
        b"<xml><a>\xc4\xe3</a></xml>",
        b"<?xml version=\"1.0\" encoding=\"GBK\"?><xml><a>\xc4\xe3</a></xml>",
        b"\xed\xa0\x80",
        b"<xml><a>\xf4\x90\x80\x80</a></xml>",
    ] {
        assert_eq!(Transformer::to_array(bytes), json!({}));
        assert!(assert_refused(bytes).contains("UTF-8"));
        assert_eq!(Transformer::sanitize(bytes), "");
    }
}

#[test]
fn truncated_xml_is_refused_at_every_length() {
    let full = std::fs::read(fixture("xml/paysuccess.notification.sample.xml")).unwrap();
    let complete = Transformer::to_array(&full);
    assert_eq!(complete["total_fee"], "1");
    let end = full.iter().rposition(|&b| b == b'>').unwrap() + 1;
    for len in 0..full.len() {
        let prefix = &full[..len];
        if len >= end {
            assert_eq!(Transformer::try_to_array(prefix).unwrap(), complete);
        } else {
            assert_eq!(Transformer::to_array(prefix), json!({}), "prefix of {len} bytes");
            assert_refused(prefix);
        }
    }
}

#[test]
fn html_error_page_is_refused() {
    let html = std::fs::read(fixture("xml/invalid.normal_404.sample.html")).unwrap();
    assert_bad(&html);
    assert_bad("<!DOCTYPE html><html><body><p>Bad Gateway<br></body></html>");
    assert_bad("<html><head><meta charset=utf-8></head></html>");
}

#[test]
fn documents_of_more_than_twenty_thousand_nodes_are_refused() {
    // WeChat Pay's answers hold tens to hundreds of elements; the node limit bounds the parser's memory
    let doc = |n: usize| format!("<xml>{}</xml>", "<a>1</a>".repeat(n));
    let ok = Transformer::try_to_array(doc(19_999)).unwrap();
    assert_eq!(ok["a"].as_array().map(Vec::len), Some(19_999));
    assert!(assert_bad(doc(20_000)).contains("More than 20000 nodes"));
    // comments and processing instructions count too: each is a node of the model
    assert_bad(format!("<xml>{}</xml>", "<!---->".repeat(20_000)));
    assert_bad(format!("<xml>{}</xml>", "<?pi x?>".repeat(20_000)));
}

#[test]
fn deep_nesting_cannot_overflow_the_stack() {
    let deep = |n: usize| format!("{}x{}", "<a>".repeat(n), "</a>".repeat(n));
    // libxml2's default limit, 256 levels, is kept
    let ok = Transformer::try_to_array(deep(256)).unwrap();
    let mut cur = &ok;
    for _ in 0..254 {
        cur = &cur["a"];
    }
    assert_eq!(cur, &json!({"a": "x"}));
    assert!(assert_bad(deep(257)).contains("Excessive depth"));
    // far deeper: refused without recursion, also unclosed, also self-closing leaves
    assert_bad(deep(10_000));
    assert_bad("<a>".repeat(100_000));
    assert_bad(format!("{}<b/>", "<a>".repeat(100_000)));
    // to_xml is iterative too
    let mut v = json!("x");
    for _ in 0..10_000 {
        v = Value::Array(vec![v]);
    }
    let xml = Transformer::to_xml(&v);
    assert!(xml.starts_with("<xml><item><item>") && xml.len() > 10_000 * 13);
    // serde_json's own recursive drop would overflow: take it apart by hand
    while let Value::Array(mut a) = v {
        v = a.pop().unwrap();
    }
}

#[test]
fn malformed_documents_are_refused() {
    for xml in [
        "<xml><a>1</b></xml>",
        "<xml><a>1</a>",
        "<xml>",
        "<xml",
        "</xml>",
        "<xml><a b='1' b='2'/></xml>",
        "<xml><a b=1/></xml>",
        "<xml><a b='<'/></xml>",
        "<xml><a>x & y</a></xml>",
        "<xml><a>x &amp y</a></xml>",
        "<xml><a>&#xZZ;</a></xml>",
        "<xml><a>&#X41;</a></xml>",
        "<xml><a>]]></a></xml>",
        "<xml>< a/></xml>",
        "<xml><a/ ></xml>",
        "<xml><!-- a -- b --></xml>",
        "<xml/><!DOCTYPE x>",
        "<xml/><?xml version='1.0'?>",
        " <?xml version='1.0'?><xml/>",
        "<?xml?><xml/>",
        "<?xml version='2.0'?><xml/>",
        "<?xml encoding='UTF-8' version='1.0'?><xml/>",
        "<![CDATA[x]]><xml/>",
        "<xml/><![CDATA[x]]>",
        "<xml/>&amp;",
        "<!DOCTYPE x [<!ENTITY e 'v'>]><!DOCTYPE y><xml/>",
        "<!DOCTYPE x [<!ENTITY e 'v'><xml/>",
        "<!DOCTYPE x [<!ENTITY e '%p;'>]><xml/>",
        "<!DOCTYPE x [<!FOO>]><xml/>",
    ] {
        assert_bad(xml);
    }
    // declarations that are fine
    assert_parses(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<!-- c --><?pi x?>\n<xml><a>1</a></xml>\n<!-- end -->",
        json!({"a":"1"}),
    );
    assert_eq!(
        Transformer::to_array(
            "<!DOCTYPE x [<!ELEMENT x ANY><!ATTLIST x a CDATA '>'><!-- ] > --><?pi ]>?><!ENTITY q '>&#38;#60;'>]><x><a>&q;</a></x>"
        ),
        json!({"a": "><"})
    );
    // `&#60;` in an entity value is resolved when declared: the replacement text is markup, refused
    assert_bad("<!DOCTYPE x [<!ENTITY q '&#60;'>]><x><a>&q;</a></x>");
}

/// Mutated fixtures: whatever comes out, nothing panics and both forms agree whenever the strict one accepts.
#[test]
fn mutated_documents_never_panic() {
    let mut rng = Lcg(0x5eed);
    let mut seeds: Vec<Vec<u8>> = [
        "sendredpack.sample.xml",
        "unifiedorder.sample.xml",
        "getpublickey.response.sample.xml",
        "invalid.xxe_injection.sample.xml",
    ]
    .iter()
    .map(|f| std::fs::read(fixture(&format!("xml/{f}"))).unwrap())
    .collect();
    seeds.push(
        br#"<?xml version="1.0" standalone="no"?><!DOCTYPE x [<!ENTITY e "v&#38;&amp;"><!ENTITY s SYSTEM "s"><!ATTLIST x a CDATA '>'><!-- c -->]><x a="&e;" xmlns:p="u"><p:y>&e;</p:y><z q='1'>t&s;<![CDATA[<>]]>&#20013;</z><?pi d?></x>"#.to_vec(),
    );
    let alphabet = b"<>/&;#![]-?=\"' \nxCDATA:%\x01\xff";
    for round in 0..20_000 {
        let mut doc = seeds[round % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(doc.len());
            match rng.below(3) {
                0 => doc[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    doc.remove(at);
                }
                _ => doc.insert(at, alphabet[rng.below(alphabet.len())]),
            }
        }
        let lenient = Transformer::to_array(&doc);
        if let Ok(strict) = Transformer::try_to_array(&doc) {
            assert_eq!(strict, lenient, "{}", String::from_utf8_lossy(&doc));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// `to_xml`, one test per observed case

#[test]
fn xml_simple() {
    assert_eq!(
        Transformer::to_xml(&json!({"return_code":"SUCCESS","return_msg":"OK"})),
        "<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>"
    );
}

#[test]
fn xml_empty_data_is_self_closing() {
    assert_eq!(Transformer::to_xml(&json!({})), "<xml/>");
    assert_eq!(Transformer::to_xml(&json!([])), "<xml/>");
    assert_eq!(Transformer::to_xml(&Value::Null), "<xml/>");
    assert_eq!(Transformer::to_xml(&json!({"a": {}, "b": []})), "<xml><a/><b/></xml>");
}

#[test]
fn xml_scalars_and_cdata_triggers() {
    let data = json!({"a":"x<y","b":"x&y","c":"x>y","d":"x\"y","e":"x'y","f":"","g":null,"h":true,"i":false,"j":0,"k":1.5,"l":"0","m":" sp ","n":"line\nbreak"});
    assert_eq!(
        Transformer::to_xml(&data),
        "<xml><a><![CDATA[x<y]]></a><b><![CDATA[x&y]]></b><c><![CDATA[x>y]]></c><d><![CDATA[x\"y]]></d><e>x'y</e><f></f><g></g><h>1</h><i></i><j>0</j><k>1.5</k><l>0</l><m> sp </m><n>line\nbreak</n></xml>"
    );
}

#[test]
fn xml_nested_lists_and_maps() {
    let data = json!({"detail":[{"goods_detail":"华为手机","url":"https://huawei.com"}],"list":["x","y"],"map":{"k":"v","2":"n"}});
    assert_eq!(
        Transformer::to_xml(&data),
        "<xml><detail><item><goods_detail>华为手机</goods_detail><url>https://huawei.com</url></item></detail><list><item>x</item><item>y</item></list><map><k>v</k><item>n</item></map></xml>"
    );
}

#[test]
fn xml_stringable_is_its_string() {
    // PHP's Stringable object: Rust callers pass its string
    let receiver = json!({"type":"MERCHANT_ID","account":"190001001"}).to_string();
    assert_eq!(
        Transformer::to_xml(&json!({"recevier": receiver})),
        r#"<xml><recevier><![CDATA[{"type":"MERCHANT_ID","account":"190001001"}]]></recevier></xml>"#
    );
}

#[test]
fn xml_cr_tab_and_control_characters() {
    // PHP: `<u>x\x01y</u>` (raw U+0001, invalid XML); we drop the character
    assert_eq!(
        Transformer::to_xml(&json!({"r":"a\rb","t":"a\tb","u":"x\u{1}y"})),
        "<xml><r>a&#13;b</r><t>a\tb</t><u>xy</u></xml>"
    );
}

#[test]
fn xml_cdata_terminator_is_split() {
    // PHP: `<o><![CDATA[a]]>b]]></o>` (malformed)
    let xml = Transformer::to_xml(&json!({"o":"a]]>b", "p": "]]>]]>", "q": "<]]"}));
    assert_eq!(
        xml,
        "<xml><o><![CDATA[a]]]]><![CDATA[>b]]></o><p><![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]></p><q><![CDATA[<]]]]></q></xml>"
    );
    assert_eq!(
        Transformer::try_to_array(&xml).unwrap(),
        json!({"o":"a]]>b", "p": "]]>]]>", "q": "<]]"})
    );
}

#[test]
fn xml_cr_inside_cdata_survives() {
    // PHP writes the CR raw inside CDATA, which a parser reads back as LF
    let xml = Transformer::to_xml(&json!({"a": "<\r\n>"}));
    assert_eq!(xml, "<xml><a><![CDATA[<]]>&#13;<![CDATA[\n>]]></a></xml>");
    assert_eq!(Transformer::to_array(&xml), json!({"a": "<\r\n>"}));
}

#[test]
fn xml_element_names() {
    let mut data = Map::new();
    for key in [
        "0", "1a", "a b", "-x", ".y", "a+b", "", "ª", "x\n", "ok_name", "中文", "a:b", "x-y.z", "_u", "É",
    ] {
        data.insert(key.to_owned(), json!(key));
    }
    assert_eq!(
        Transformer::to_xml(&Value::Object(data)),
        "<xml><item>0</item><item>1a</item><item>a b</item><item>-x</item><item>.y</item><item>a+b</item><item></item>\
         <item>ª</item><item>x\n</item><ok_name>ok_name</ok_name><中文>中文</中文><a:b>a:b</a:b><x-y.z>x-y.z</x-y.z><_u>_u</_u>\
         <É>É</É></xml>"
    );
}

#[test]
fn xml_declaration_iff_not_headless() {
    let data = json!({"a":"1"});
    assert_eq!(
        Transformer::to_xml_with(&data, &XmlOptions::new().headless(false)),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><a>1</a></xml>\n"
    );
    assert_eq!(
        Transformer::to_xml_with(&data, &XmlOptions::new().headless(true)),
        "<xml><a>1</a></xml>"
    );
}

#[test]
fn xml_indent() {
    let data = json!({"appid":"wx2421b1c4370ec43b","detail":[{"goods_detail":"华为手机"}]});
    assert_eq!(
        Transformer::to_xml_with(&data, &XmlOptions::new().headless(false).indent(true).root("qqpay")),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<qqpay>\n <appid>wx2421b1c4370ec43b</appid>\n <detail>\n  <item>\n   <goods_detail>华为手机</goods_detail>\n  </item>\n </detail>\n</qqpay>\n"
    );
    assert_eq!(
        Transformer::to_xml_with(&json!({"a":"","b":{},"c":"<"}), &XmlOptions::new().indent(true)),
        "<xml>\n <a></a>\n <b/>\n <c><![CDATA[<]]></c>\n</xml>\n"
    );
    assert_eq!(
        Transformer::to_xml_with(&json!({}), &XmlOptions::new().indent(true)),
        "<xml/>\n"
    );
}

#[test]
fn xml_root_and_item_names() {
    let data = json!({"list":["x"]});
    assert_eq!(
        Transformer::to_xml_with(&data, &XmlOptions::new().root("root").item("entry")),
        "<root><list><entry>x</entry></list></root>"
    );
    // names that are not element names fall back to PHP's defaults
    assert_eq!(
        Transformer::to_xml_with(&data, &XmlOptions::new().root("a b").item("1")),
        "<xml><list><item>x</item></list></xml>"
    );
    // a scalar as the whole data is the root's text
    assert_eq!(Transformer::to_xml(&json!("x<y")), "<xml><![CDATA[x<y]]></xml>");
}

#[test]
fn xml_round_trip_of_authcodetoopenid() {
    let data = json!({"return_code":"SUCCESS","return_msg":"","appid":"123","mch_id":"456","nonce_str":"abc","sign":"ABC","result_code":"SUCCESS","openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","err_code":""});
    assert_eq!(Transformer::to_array(Transformer::to_xml(&data)), data);
}

/// A tiny deterministic generator (no proptest dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn round_trip_of_flat_string_maps() {
    const PIECES: &[&str] = &[
        "",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "a",
        "SUCCESS",
        "0",
        "1.50",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "]]>",
        "]]",
        "]",
        "<![CDATA[",
        "&amp;",
        "&#13;",
        "中文",
        "😀",
        "\u{feff}",
        "\u{a0}",
        "x y",
        "=",
        "%26",
        "<a>1</a>",
        "-->",
        "<?xml?>",
        "\u{10ffff}",
        "\u{e000}",
        "\u{fffd}",
    ];
    let keys = ["a", "return_code", "_x", "中文", "x-y.z", "k9", "a:b", "É", "item"];
    let mut rng = Lcg(7);
    for _ in 0..2_000 {
        let mut map = Map::new();
        for _ in 0..1 + rng.below(keys.len()) {
            let value: String = (0..rng.below(5)).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            map.insert(keys[rng.below(keys.len())].to_owned(), Value::String(value));
        }
        let data = Value::Object(map);
        let xml = Transformer::to_xml(&data);
        assert_eq!(Transformer::try_to_array(&xml).unwrap(), data, "{xml}");
        let pretty = Transformer::to_xml_with(&data, &XmlOptions::new().headless(false).indent(true));
        assert_eq!(Transformer::to_array(&pretty), data, "{pretty}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// PHP `TransformerTest` sample documents (tests/fixtures/xml/, see tests/fixtures/README.md)

fn fixture_array(name: &str) -> Value {
    let bytes = std::fs::read(fixture(&format!("xml/{name}"))).unwrap();
    let lenient = Transformer::to_array(&bytes);
    assert_eq!(Transformer::try_to_array(&bytes).unwrap(), lenient, "{name}");
    lenient
}

/// TransformerTest::testToArray: every listed key exists, is a string, and has no CDATA markers.
fn assert_keys(data: &Value, keys: &str) {
    for key in keys.split(", ") {
        let value = data[key]
            .as_str()
            .unwrap_or_else(|| panic!("`{key}` is not a string in {data}"));
        assert!(!value.contains("<![CDATA[") && !value.contains("]]>"), "{key}: {value}");
    }
    assert_eq!(data.as_object().unwrap().len(), keys.split(", ").count());
}

#[test]
fn fixture_sendredpack() {
    let data = fixture_array("sendredpack.sample.xml");
    assert_keys(
        &data,
        "sign, mch_billno, mch_id, wxappid, send_name, re_openid, total_amount, total_num, wishing, client_ip, act_name, remark, scene_id, nonce_str, risk_info",
    );
    assert_eq!(
        data,
        json!({"sign":"E1EE61A91C8E90F299DE6AE075D60A2D","mch_billno":"0010010404201411170000046545","mch_id":"888","wxappid":"wxcbda96de0b165486","send_name":"send_name","re_openid":"onqOjjmM1tad-3ROpncN-yUfa6uI","total_amount":"200","total_num":"1","wishing":"恭喜发财","client_ip":"127.0.0.1","act_name":"新年红包","remark":"新年红包","scene_id":"PRODUCT_2","nonce_str":"50780e0cca98c8c8e814883e5caa672e","risk_info":"posttime%3d123123412%26clientversion%3d234134%26mobile%3d122344545%26deviceid%3dIOS"})
    );
}

#[test]
fn fixture_paysuccess_notification() {
    let data = fixture_array("paysuccess.notification.sample.xml");
    assert_keys(
        &data,
        "appid, attach, bank_type, fee_type, is_subscribe, mch_id, nonce_str, openid, out_trade_no, result_code, return_code, sign, time_end, total_fee, coupon_fee, coupon_count, coupon_type, coupon_id, trade_type, transaction_id",
    );
    assert_eq!(data["total_fee"], "1");
    assert_eq!(data["attach"], "支付测试");
    assert_eq!(data["sign"], "B552ED6B279343CB493C5DD0D78AB241");
    assert_eq!(
        Formatter::query_string_like(&Formatter::ksort(data.as_object().unwrap())),
        "appid=wx2421b1c4370ec43b&attach=支付测试&bank_type=CFT&coupon_count=1&coupon_fee=10&coupon_id=10000&coupon_type=CASH&fee_type=CNY&is_subscribe=Y&mch_id=10000100&nonce_str=5d2b6c2a8db53831f7eda20af46e531c&openid=oUpF8uMEb4qRXf22hE3X68TekukE&out_trade_no=1409811653&result_code=SUCCESS&return_code=SUCCESS&time_end=20140903131540&total_fee=1&trade_type=JSAPI&transaction_id=1004400740201409030005092168"
    );
}

#[test]
fn fixture_unifiedorder() {
    let data = fixture_array("unifiedorder.sample.xml");
    assert_keys(
        &data,
        "appid, attach, body, mch_id, detail, nonce_str, notify_url, openid, out_trade_no, spbill_create_ip, total_fee, trade_type, sign",
    );
    let detail = data["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("{ \"goods_detail\":[ { \"goods_id\":\"iphone6s_16G\", "),
        "{detail}"
    );
    let parsed: Value = serde_json::from_str(detail).unwrap();
    assert_eq!(parsed["goods_detail"][1]["price"], 608800);
}

#[test]
fn fixture_refund_req_info() {
    let data = fixture_array("refund.notification.req_info.sample.xml");
    assert_keys(
        &data,
        "out_refund_no, out_trade_no, refund_account, refund_fee, refund_id, refund_recv_accout, refund_request_source, refund_status, settlement_refund_fee, settlement_total_fee, success_time, total_fee, transaction_id",
    );
    assert_eq!(data["success_time"], "2018-11-19 16:24:13");
    assert_eq!(data["refund_recv_accout"], "支付用户零钱");
}

#[test]
fn fixture_getpublickey_response() {
    let data = fixture_array("getpublickey.response.sample.xml");
    assert_keys(&data, "return_code, return_msg, result_code, mch_id, pub_key");
    let pem = data["pub_key"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----\n") && pem.ends_with("-----END RSA PUBLIC KEY-----\n"));
    let key = Rsa::from(pem, KeyType::Public).unwrap();
    assert_eq!(key.bits(), 2048);
}

#[test]
fn fixture_bad_phrases() {
    // testToArrayBadPhrases
    assert_ne!(fixture_array("fragment_injection.sample.xml"), json!({}));
    let xxe = std::fs::read(fixture("xml/invalid.xxe_injection.sample.xml")).unwrap();
    assert_ne!(Transformer::to_array(&xxe), json!({}));
    let bad = std::fs::read(fixture("xml/invalid.bad_entity.sample.xml")).unwrap();
    let msg = assert_bad(&bad);
    assert!(msg.contains("titles") && msg.contains("title"), "{msg}");
    let html = std::fs::read(fixture("xml/invalid.normal_404.sample.html")).unwrap();
    assert_bad(&html);
}

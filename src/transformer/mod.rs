//! `Transformer`: PHP's `WeChatPay\Transformer` — the APIv2 XML ⇄ map conversions.

mod cast;
mod chars;
mod dtd;
mod parse;

pub(crate) use chars::sanitize as strip_invalid_chars;
mod write;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

use self::parse::Mode;

/// XML ⇄ `serde_json::Value`, as wechatpay-php's `WeChatPay\Transformer` does it for APIv2 bodies.
///
/// - [`Transformer::to_array`] parses like PHP's `Transformer::toArray`: elements become string values, nested
///   elements maps, repeated elements lists, CDATA is plain text, attributes are dropped (except on the root and
///   on elements with children, under `@attributes`), and anything unparsable is an empty map.
///   [`Transformer::try_to_array`] gives the same values but says why a document was refused.
/// - [`Transformer::to_xml`] / [`Transformer::to_xml_with`] write like PHP's `Transformer::toXml`: map keys in
///   their order (serde_json's `preserve_order`), `item` for list entries and for keys that are not element
///   names, CDATA for values containing `<`, `>`, `&` or `"`.
///
/// Parsing is safe on untrusted input: nothing is ever fetched (no external entity, no external DTD, no network,
/// no file), entity-expansion bombs are refused, XML-invalid characters are stripped, nesting is bounded (256
/// levels, libxml2's default), and no input panics.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use wechatpay::Transformer;
///
/// let xml = Transformer::to_xml(&json!({"return_code": "SUCCESS", "return_msg": "OK"}));
/// assert_eq!(xml, "<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>");
/// assert_eq!(Transformer::to_array(&xml), json!({"return_code": "SUCCESS", "return_msg": "OK"}));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Transformer;

impl Transformer {
    /// Parses `xml` into PHP's array shape (PHP's `Transformer::toArray`), never failing: input that is not
    /// well-formed XML gives an empty map, like PHP (which only raises a suppressed notice).
    ///
    /// The shapes, as PHP's SimpleXML plus `(array)` cast give them:
    /// - the root element's name is ignored; its children become the keys;
    /// - an element without child elements → its text, untrimmed, entities decoded, CDATA merged, attributes
    ///   dropped (`<b/>` and `<c></c>` → `""`);
    /// - an element with child elements → a map (recursively), with its attributes under `@attributes`; the
    ///   root's attributes are under `@attributes` at the top level;
    /// - repeated sibling names → a list in document order;
    /// - whitespace between elements is ignored, text mixed with child elements is dropped, and so are
    ///   namespaced (prefixed) elements and attributes; a root holding only text gives a one-element list;
    /// - invalid XML characters are deleted first; input that is not UTF-8 gives an empty map;
    /// - a DOCTYPE is tolerated like PHP does it: internal entities are expanded, external ones are never fetched
    ///   and read as `""`, and an entity that refers to another entity (the shape of every expansion bomb) makes
    ///   the whole document fail.
    ///
    /// Deviation: comments and processing instructions are ignored; PHP's SimpleXML cast lists them as empty
    /// values under the keys `comment` or the PI's target.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use wechatpay::Transformer;
    ///
    /// let data = Transformer::to_array("<xml><a>1</a><a>2</a><b/><c><![CDATA[<y>]]></c><d><e>1</e></d></xml>");
    /// assert_eq!(data, json!({"a": ["1", "2"], "b": "", "c": "<y>", "d": {"e": "1"}}));
    /// assert_eq!(Transformer::to_array("<html><hr></html>"), json!({}));
    /// ```
    pub fn to_array(xml: impl AsRef<[u8]>) -> Value {
        parse::parse(xml.as_ref(), Mode::Lenient).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    /// [`Transformer::to_array`] that reports why a document was refused instead of returning an empty map.
    ///
    /// Stricter than PHP in three ways: any `<!DOCTYPE …>` is refused (no WeChat Pay payload has one), and so are
    /// input that is not UTF-8 and empty input. Every document it accepts gives the same value as `to_array`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) whose message starts with `The XML cannot be parsed` and
    /// names the problem: not well-formed (mismatched or
    /// unclosed tags, truncated input, content after the root element, invalid names, undeclared entities, bad
    /// character references), a DOCTYPE, nesting deeper than 256 elements, not UTF-8, empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use wechatpay::{ErrorKind, Transformer};
    ///
    /// assert_eq!(Transformer::try_to_array("<xml><a>1</a></xml>")?, json!({"a": "1"}));
    /// let err = Transformer::try_to_array("<xml><a>1</a>").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Decode);
    /// assert!(err.to_string().starts_with("The XML cannot be parsed"));
    /// assert!(Transformer::try_to_array(r#"<!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>"#).is_err());
    /// # Ok::<(), wechatpay::Error>(())
    /// ```
    pub fn try_to_array(xml: impl AsRef<[u8]>) -> Result<Value> {
        parse::parse(xml.as_ref(), Mode::Strict).map_err(|failure| {
            let err = Error::decode(format!("The XML cannot be parsed: {}.", failure.message));
            match failure.source {
                Some(source) => err.with_source(source),
                None => err,
            }
        })
    }

    /// Serialises `data` as XML with PHP's defaults: no XML declaration, no indentation, root `xml`, list
    /// entries `item` (PHP's `Transformer::toXml($data)`). See [`Transformer::to_xml_with`] for the rules.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use wechatpay::Transformer;
    ///
    /// let xml = Transformer::to_xml(&json!({"a": "x<y", "b": "", "c": 1, "d": ["x"]}));
    /// assert_eq!(xml, "<xml><a><![CDATA[x<y]]></a><b></b><c>1</c><d><item>x</item></d></xml>");
    /// assert_eq!(Transformer::to_xml(&json!({})), "<xml/>");
    /// ```
    pub fn to_xml(data: &Value) -> String {
        Self::to_xml_with(data, &XmlOptions::default())
    }

    /// Serialises `data` as XML (PHP's `Transformer::toXml($data, $headless, $indent, $root, $item)`).
    ///
    /// - Each map entry is an element named by its key when the key is an element name (a letter or `_`, then
    ///   letters, ASCII digits, `.`, `_`, `:`, `-`), otherwise `options.item`; list entries are `options.item`.
    /// - Maps and lists nest; an empty one is a self-closing element.
    /// - Scalars are written as PHP's `(string)` of them: `true` → `1`, `false` and `null` → `""`, floats like
    ///   PHP (`1.5`); an empty value is `<k></k>`; a value containing `<`, `>`, `&` or `"` is one CDATA
    ///   section; otherwise text, CR written as `&#13;`.
    /// - `headless: false` adds `<?xml version="1.0" encoding="UTF-8"?>` and a line feed; `indent: true` puts
    ///   every element on its own line, one space per level; either adds a final line feed, as PHP's
    ///   `XMLWriter` does.
    /// - A `null` `data` is an empty map (`<xml/>`); another scalar is the root's text.
    /// - A `root` or `item` that is not an element name falls back to `xml` / `item`.
    ///
    /// Deviations where PHP writes broken XML: characters XML forbids (most C0 controls, U+FFFE, U+FFFF) are
    /// dropped instead of written raw; `]]>` inside a CDATA value is split across two CDATA sections instead of
    /// ending the section early; a CR inside a CDATA value is written as `&#13;` between two sections instead of
    /// raw (which a parser would read back as LF). So `to_array(to_xml(map))` gives back every flat map of
    /// strings, minus the forbidden characters.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde_json::json;
    /// use wechatpay::{Transformer, XmlOptions};
    ///
    /// let data = json!({"appid": "wx2421b1c4370ec43b", "detail": [{"goods_detail": "华为手机"}]});
    /// let xml = Transformer::to_xml_with(&data, &XmlOptions::new().headless(false).indent(true).root("qqpay"));
    /// assert_eq!(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<qqpay>\n <appid>wx2421b1c4370ec43b</appid>\n \
    ///                  <detail>\n  <item>\n   <goods_detail>华为手机</goods_detail>\n  </item>\n </detail>\n</qqpay>\n");
    /// let xml = Transformer::to_xml_with(&json!({"o": "a]]>b"}), &XmlOptions::new());
    /// assert_eq!(xml, "<xml><o><![CDATA[a]]]]><![CDATA[>b]]></o></xml>");
    /// assert_eq!(Transformer::to_array(&xml), json!({"o": "a]]>b"}));
    /// ```
    pub fn to_xml_with(data: &Value, options: &XmlOptions) -> String {
        write::write(data, options)
    }

    /// Deletes every character XML 1.0 does not allow, keeping U+0009, U+000A, U+000D, U+0020–U+D7FF,
    /// U+E000–U+FFFD and U+10000–U+10FFFF (PHP's `Transformer::sanitize`). Like PHP, input that is not UTF-8
    /// gives `""`. [`Transformer::to_array`] applies it first.
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::Transformer;
    /// assert_eq!(Transformer::sanitize("a\u{0}b\u{1}c\td\u{fffe}e"), "abc\tde");
    /// assert_eq!(Transformer::sanitize(b"\xc4\xe3"), "");
    /// ```
    pub fn sanitize(xml: impl AsRef<[u8]>) -> String {
        std::str::from_utf8(xml.as_ref())
            .map(|text| chars::sanitize(text).into_owned())
            .unwrap_or_default()
    }
}

/// The optional arguments of [`Transformer::to_xml_with`] (PHP's `$headless`, `$indent`, `$root`, `$item`),
/// with PHP's defaults.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use wechatpay::{Transformer, XmlOptions};
///
/// let options = XmlOptions::new().root("root").item("entry");
/// assert!(options.headless && !options.indent);
/// let xml = Transformer::to_xml_with(&json!({"list": ["x", "y"]}), &options);
/// assert_eq!(xml, "<root><list><entry>x</entry><entry>y</entry></list></root>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct XmlOptions {
    /// Leave out the `<?xml version="1.0" encoding="UTF-8"?>` declaration. Default `true`.
    pub headless: bool,
    /// Put each element on its own line, indented by one space per level. Default `false`.
    pub indent: bool,
    /// The root element's name. Default `xml`.
    pub root: String,
    /// The element name of list entries and of keys that are not element names. Default `item`.
    pub item: String,
}

impl Default for XmlOptions {
    fn default() -> Self {
        XmlOptions {
            headless: true,
            indent: false,
            root: "xml".to_owned(),
            item: "item".to_owned(),
        }
    }
}

impl XmlOptions {
    /// PHP's defaults: headless, not indented, root `xml`, item `item`.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = wechatpay::XmlOptions::new();
    /// assert_eq!((o.headless, o.indent, o.root.as_str(), o.item.as_str()), (true, false, "xml", "item"));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`headless`](XmlOptions::headless).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Transformer, XmlOptions};
    /// let xml = Transformer::to_xml_with(&serde_json::json!({"a": "1"}), &XmlOptions::new().headless(false));
    /// assert_eq!(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><a>1</a></xml>\n");
    /// ```
    #[must_use]
    pub fn headless(mut self, headless: bool) -> Self {
        self.headless = headless;
        self
    }

    /// Sets [`indent`](XmlOptions::indent).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Transformer, XmlOptions};
    /// let xml = Transformer::to_xml_with(&serde_json::json!({"a": "1"}), &XmlOptions::new().indent(true));
    /// assert_eq!(xml, "<xml>\n <a>1</a>\n</xml>\n");
    /// ```
    #[must_use]
    pub fn indent(mut self, indent: bool) -> Self {
        self.indent = indent;
        self
    }

    /// Sets [`root`](XmlOptions::root).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Transformer, XmlOptions};
    /// assert_eq!(Transformer::to_xml_with(&serde_json::json!({}), &XmlOptions::new().root("root")), "<root/>");
    /// ```
    #[must_use]
    pub fn root(mut self, root: impl Into<String>) -> Self {
        self.root = root.into();
        self
    }

    /// Sets [`item`](XmlOptions::item).
    ///
    /// # Examples
    ///
    /// ```
    /// use wechatpay::{Transformer, XmlOptions};
    /// let xml = Transformer::to_xml_with(&serde_json::json!(["x"]), &XmlOptions::new().item("entry"));
    /// assert_eq!(xml, "<xml><entry>x</entry></xml>");
    /// ```
    #[must_use]
    pub fn item(mut self, item: impl Into<String>) -> Self {
        self.item = item.into();
        self
    }
}

//! XML → `serde_json::Value` the way PHP's `simplexml_load_string(…, LIBXML_NONET | LIBXML_COMPACT |
//! LIBXML_NOCDATA | LIBXML_NOBLANKS)` followed by wechatpay-php's recursive `(array)` cast shapes it,
//! on top of `quick-xml` as a pull parser. This module holds the entry point and the
//! quick-xml event loop that builds the document model; the model and the cast are in [`super::cast`], the
//! character and name rules in [`super::chars`].
//!
//! The prolog (XML declaration, comments, PIs and the DOCTYPE with its internal subset) is scanned by
//! [`super::dtd`], because quick-xml does not parse DTDs; quick-xml then reads the document from the root element
//! on. Nothing is ever fetched: external entities and external DTD subsets are recorded as such and never opened.

use std::collections::{HashMap, HashSet};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde_json::{Map, Value};

use super::cast::{Child, Element, cast, ignorable, push_text};
use super::chars::{Failure, Parsed, char_ref, fail, is_blank, is_xml_name, normalize_line_ends, predefined, sanitize};
use super::dtd::{Dtd, Entity, check_pi_target, prolog, replacement};

/// Deepest element nesting accepted: libxml2's default `xmlParserMaxDepth` (PHP fails deeper documents with
/// `Excessive depth in document: 256 use XML_PARSE_HUGE option`). It also bounds the recursion in [`super::cast`].
pub(super) const MAX_DEPTH: usize = 256;

/// Most nodes (elements, comments, processing instructions) one document may hold. WeChat Pay's XML answers and
/// notifications carry tens to a few hundred; the limit is far above that and bounds the document model's memory
/// (about half a kilobyte a node) whatever a broken or hostile server sends. libxml2 has no such limit.
pub(super) const MAX_NODES: usize = 20_000;

/// Most bytes that user-declared entities may expand to over a whole document (lenient mode only).
const MAX_EXPANSION: usize = 1 << 20;

/// How DTDs are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Like PHP: internal entities are expanded, external ones are empty, bombs fail.
    Lenient,
    /// Any DOCTYPE fails, as do non-UTF-8 and empty input.
    Strict,
}

/// Parses `input` (any bytes) into PHP's array shape.
pub(super) fn parse(input: &[u8], mode: Mode) -> Parsed<Value> {
    let text = match std::str::from_utf8(input) {
        Ok(text) => text,
        // PHP's sanitize regex fails on non-UTF-8 and yields '', which parses to [] without any notice.
        Err(_) if mode == Mode::Lenient => return Ok(Value::Object(Map::new())),
        Err(e) => {
            return fail(format!(
                "the input is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ));
        }
    };
    let clean = sanitize(text);
    let doc = normalize_line_ends(&clean);
    let doc = doc.strip_prefix('\u{feff}').unwrap_or(&doc);
    if doc.is_empty() {
        return match mode {
            Mode::Lenient => Ok(Value::Object(Map::new())),
            Mode::Strict => fail("Document is empty"),
        };
    }
    let (dtd, start) = prolog(doc, mode == Mode::Strict)?;
    let mut parser = Parser {
        doc,
        dtd,
        expanded: 0,
        nodes: 0,
        stack: Vec::new(),
        bound: HashMap::new(),
    };
    let root = parser.run(start)?;
    Ok(cast(&root, 0))
}

/// `bytes`, which quick-xml cut out of `doc` at ASCII delimiters, as the `&str` it already is: found in `doc` by
/// its address (no second UTF-8 validation), else (a copy quick-xml made) validated.
fn text_of<'t>(doc: &'t str, bytes: &'t [u8]) -> &'t str {
    let offset = (bytes.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
    match offset.checked_add(bytes.len()).and_then(|end| doc.get(offset..end)) {
        Some(found) if found.as_ptr() == bytes.as_ptr() => found,
        _ => std::str::from_utf8(bytes).unwrap_or(""),
    }
}

struct Frame {
    el: Element,
    /// Namespace prefixes declared on this element.
    prefixes: Vec<String>,
}

struct Parser<'a> {
    doc: &'a str,
    dtd: Dtd,
    expanded: usize,
    /// Nodes seen so far, against [`MAX_NODES`].
    nodes: usize,
    stack: Vec<Frame>,
    /// In-scope namespace prefixes and how many open elements declare each.
    bound: HashMap<String, usize>,
}

impl Parser<'_> {
    /// Reads the document from the root element, at `start`, on.
    fn run(&mut self, start: usize) -> Parsed<Element> {
        let body = self.doc.get(start..).unwrap_or("");
        let mut reader = Reader::from_str(body);
        reader.config_mut().check_comments = true;
        reader.config_mut().check_end_names = true;
        let mut root: Option<Element> = None;
        loop {
            let at = reader.buffer_position();
            let event = reader.read_event().map_err(|e| Failure {
                message: format!(
                    "{e} at byte {}",
                    start.saturating_add(usize::try_from(reader.error_position()).unwrap_or(usize::MAX))
                ),
                source: Some(e),
            })?;
            // offsets in messages are into the sanitised, line-end-normalised text
            let here = start.saturating_add(usize::try_from(at).unwrap_or(0));
            let next = usize::try_from(reader.buffer_position())
                .ok()
                .and_then(|p| body.as_bytes().get(p..))
                .unwrap_or(&[]);
            match event {
                Event::Start(_) | Event::Empty(_) if root.is_some() => {
                    return fail(format!("Extra content at the end of the document at byte {here}"));
                }
                Event::Start(e) => {
                    let frame = self.open(&e, here)?;
                    self.stack.push(frame);
                }
                Event::Empty(e) => {
                    let frame = self.open(&e, here)?;
                    self.close(frame, &mut root);
                }
                Event::End(_) => {
                    // quick-xml has checked that the name matches the open tag
                    if let Some(frame) = self.stack.pop() {
                        self.close(frame, &mut root);
                    }
                }
                Event::Text(t) => {
                    let raw = text_of(body, &t);
                    self.text(raw, next, here)?;
                }
                Event::CData(c) => {
                    let raw = text_of(body, &c);
                    match self.stack.last_mut() {
                        Some(frame) => push_text(&mut frame.el, raw),
                        None => return fail(format!("Extra content at the end of the document at byte {here}")),
                    }
                }
                Event::GeneralRef(r) => {
                    let name = std::str::from_utf8(&r).unwrap_or("");
                    self.reference(name, here)?;
                }
                Event::Comment(_) => {
                    self.count_node(here)?;
                    if let Some(frame) = self.stack.last_mut() {
                        frame.el.children.push(Child::Other);
                    }
                }
                Event::PI(pi) => {
                    check_pi_target(std::str::from_utf8(pi.target()).unwrap_or(""), here)?;
                    self.count_node(here)?;
                    if let Some(frame) = self.stack.last_mut() {
                        frame.el.children.push(Child::Other);
                    }
                }
                Event::Decl(_) => {
                    return fail(format!(
                        "XML declaration allowed only at the start of the document (byte {here})"
                    ));
                }
                Event::DocType(_) => {
                    return fail(format!("DOCTYPE allowed only before the root element (byte {here})"));
                }
                Event::Eof => break,
            }
        }
        if let Some(frame) = self.stack.last() {
            return fail(format!("Premature end of data in tag {}", frame.el.name));
        }
        root.map_or_else(|| fail("Start tag expected, '<' not found"), Ok)
    }

    /// Attaches a finished element to its parent, or makes it the root.
    fn close(&mut self, frame: Frame, root: &mut Option<Element>) {
        for prefix in &frame.prefixes {
            if let Some(count) = self.bound.get_mut(prefix) {
                *count -= 1;
                if *count == 0 {
                    self.bound.remove(prefix);
                }
            }
        }
        let el = frame.el;
        match self.stack.last_mut() {
            Some(parent) if el.hidden => parent.el.children.push(Child::Other),
            Some(parent) => parent.el.children.push(Child::Elem(el)),
            None => *root = Some(el),
        }
    }

    /// Whether `prefix` is bound to a namespace here (then SimpleXML's default view skips the name).
    fn is_bound(&self, prefix: &str) -> bool {
        prefix == "xml" || prefix == "xmlns" || self.bound.contains_key(prefix)
    }

    /// Counts one more node, failing past [`MAX_NODES`].
    fn count_node(&mut self, here: usize) -> Parsed<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return fail(format!(
                "More than {MAX_NODES} nodes in the document (byte {here}): refused to bound memory; WeChat Pay's \
                 answers are far smaller"
            ));
        }
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'_>, here: usize) -> Parsed<Frame> {
        self.count_node(here)?;
        if self.stack.len() >= MAX_DEPTH {
            return fail(format!(
                "Excessive depth in document: {MAX_DEPTH} use XML_PARSE_HUGE option (byte {here})"
            ));
        }
        let name = text_of(self.doc, start.name().into_inner());
        if !is_xml_name(name) {
            return fail(format!("invalid element name `{name}` at byte {here}"));
        }
        let mut prefixes = Vec::new();
        let mut attrs = Vec::new();
        let mut seen = HashSet::new();
        let mut list = start.attributes();
        // quick-xml's duplicate check is quadratic in the number of attributes; this one is not
        list.with_checks(false);
        for attr in list {
            let attr = attr.map_err(|e| Failure {
                message: format!("attributes construct error in `<{name}>` at byte {here}: {e}"),
                source: Some(e.into()),
            })?;
            let key = text_of(self.doc, attr.key.into_inner());
            if !is_xml_name(key) {
                return fail(format!("invalid attribute name `{key}` in `<{name}>` at byte {here}"));
            }
            if !seen.insert(key) {
                return fail(format!("Attribute {key} redefined (byte {here})"));
            }
            let raw = text_of(self.doc, &attr.value);
            if raw.contains('<') {
                return fail(format!("Unescaped '<' not allowed in attributes values (byte {here})"));
            }
            let value = self.attribute_value(raw, here)?;
            if key == "xmlns" {
                continue;
            }
            if let Some(prefix) = key.strip_prefix("xmlns:") {
                prefixes.push(prefix.to_owned());
                continue;
            }
            attrs.push((key.to_owned(), value));
        }
        for prefix in &prefixes {
            *self.bound.entry(prefix.clone()).or_insert(0) += 1;
        }
        attrs.retain(|(key, _)| !key.split_once(':').is_some_and(|(p, _)| self.is_bound(p)));
        let hidden = name.split_once(':').is_some_and(|(p, _)| self.is_bound(p));
        Ok(Frame {
            el: Element {
                name: name.to_owned(),
                attrs,
                children: Vec::new(),
                hidden,
            },
            prefixes,
        })
    }

    /// Character data; whitespace-only runs are dropped where libxml's `LIBXML_NOBLANKS` heuristic
    /// (`areBlanks`) calls them ignorable. `next` is the input right after the run.
    fn text(&mut self, raw: &str, next: &[u8], here: usize) -> Parsed<()> {
        let Some(frame) = self.stack.last_mut() else {
            if is_blank(raw) {
                return Ok(());
            }
            return fail(format!("Extra content at the end of the document at byte {here}"));
        };
        if raw.contains(']') && raw.contains("]]>") {
            return fail(format!("Sequence ']]>' not allowed in content (byte {here})"));
        }
        if is_blank(raw) && ignorable(&frame.el, next) {
            return Ok(());
        }
        push_text(&mut frame.el, raw);
        Ok(())
    }

    /// `&name;` or `&#…;` in content: predefined and character references are text (merged into the text node);
    /// a user-declared entity is an entity-reference node.
    fn reference(&mut self, name: &str, here: usize) -> Parsed<()> {
        if self.stack.is_empty() {
            return fail(format!("Extra content at the end of the document at byte {here}"));
        }
        let character = if let Some(body) = name.strip_prefix('#') {
            Some(char_ref(body)?)
        } else if let Some(c) = predefined(name) {
            Some(c)
        } else if is_xml_name(name) {
            None
        } else {
            return fail(format!("EntityRef: expecting name at byte {here}"));
        };
        let expansion = match character {
            Some(_) => String::new(),
            None => self.expand(name, false)?,
        };
        if let Some(frame) = self.stack.last_mut() {
            match character {
                Some(c) => push_text(&mut frame.el, c.encode_utf8(&mut [0; 4])),
                None => frame.el.children.push(Child::Ref(expansion)),
            }
        }
        Ok(())
    }

    /// Decodes and normalises an attribute value (XML 1.0 section 3.3.3, CDATA type).
    fn attribute_value(&mut self, raw: &str, here: usize) -> Parsed<String> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
            let (head, tail) = rest.split_at(i);
            out.push_str(head);
            if let Some(after) = tail.strip_prefix('&') {
                let Some(end) = after.find(';') else {
                    return fail(format!("EntityRef: expecting ';' in an attribute value (byte {here})"));
                };
                let name = after.get(..end).unwrap_or("");
                if let Some(body) = name.strip_prefix('#') {
                    out.push(char_ref(body)?);
                } else if let Some(c) = predefined(name) {
                    out.push(c);
                } else if is_xml_name(name) {
                    out.push_str(&self.expand(name, true)?);
                } else {
                    return fail(format!("EntityRef: expecting name in an attribute value (byte {here})"));
                }
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                out.push(' ');
                rest = tail.get(1..).unwrap_or("");
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The text a user-declared entity stands for.
    fn expand(&mut self, name: &str, in_attribute: bool) -> Parsed<String> {
        let text = match self.dtd.entities.get(name) {
            Some(Entity::Internal(text)) => replacement(name, text, in_attribute)?,
            Some(Entity::External) if in_attribute => {
                return fail(format!("Attribute references external entity '{name}'"));
            }
            Some(Entity::External) => String::new(),
            Some(Entity::Unparsed) => return fail(format!("Entity reference to unparsed entity {name}")),
            None if self.dtd.external_parts && !self.dtd.standalone => String::new(),
            None => return fail(format!("Entity '{name}' not defined")),
        };
        self.expanded = self.expanded.saturating_add(text.len());
        if self.expanded > MAX_EXPANSION {
            return fail(format!(
                "Maximum entity amplification exceeded: entities expand to more than {MAX_EXPANSION} bytes"
            ));
        }
        Ok(text)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lenient_reason(xml: &str) -> String {
        parse(xml.as_bytes(), Mode::Lenient)
            .map(|v| panic!("accepted as {v}"))
            .unwrap_err()
            .message
    }

    #[test]
    fn lenient_failures_name_the_reason() {
        let big = "x".repeat(64 * 1024);
        let uses = "&big;".repeat(64);
        let bomb = format!(r#"<!DOCTYPE x [<!ENTITY big "{big}">]><xml><a>{uses}</a></xml>"#);
        assert!(lenient_reason(&bomb).contains("amplification"));
        let nested = r#"<!DOCTYPE x [<!ENTITY a "1"><!ENTITY b "&a;&a;">]><xml><a>&b;</a></xml>"#;
        assert!(lenient_reason(nested).starts_with("Detected an entity reference loop"));
        assert!(lenient_reason(r#"<!DOCTYPE x [<!ENTITY m "<b/>">]><x>&m;</x>"#).contains("markup"));
        assert!(lenient_reason("<xml><a>&nope;</a></xml>").contains("Entity 'nope' not defined"));
        assert!(lenient_reason("<xml><a>&#1;</a></xml>").contains("invalid xmlChar value 1"));
        assert!(lenient_reason("not xml").starts_with("Start tag expected, '<' not found"));
        assert!(lenient_reason("<xml><a>").starts_with("Premature end of data in tag a"));
        assert!(lenient_reason("<xml/>x").starts_with("Extra content at the end of the document"));
    }

    #[test]
    fn blank_runs_follow_libxml() {
        // whitespace after the last child element but before the end tag, with leading text: kept
        assert_eq!(
            parse(b"<xml><a>x<b/> </a></xml>", Mode::Strict).ok(),
            Some(json!({"a": "x "}))
        );
        // whitespace around a comment in an otherwise empty element: dropped
        assert_eq!(
            parse(b"<xml><a>  <!--c-->  </a></xml>", Mode::Strict).ok(),
            Some(json!({"a": ""}))
        );
    }
}

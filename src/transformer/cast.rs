//! The document model that [`super::parse`] builds (just what PHP's cast looks at), the two questions the builder
//! asks of it (where text goes, whether a blank run is ignorable), and PHP's recursive `(array)` cast of a
//! SimpleXML element to `serde_json::Value`, as wechatpay-php's `Transformer::toArray` does it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::chars::is_blank;
use super::parse::MAX_DEPTH;

#[derive(Debug)]
pub(super) struct Element {
    pub(super) name: String,
    /// Attributes without a namespace prefix (PHP's `@attributes`), in document order.
    pub(super) attrs: Vec<(String, String)>,
    pub(super) children: Vec<Child>,
    /// A prefixed, namespace-bound element: SimpleXML's default view skips it.
    pub(super) hidden: bool,
}

#[derive(Debug)]
pub(super) enum Child {
    Elem(Element),
    /// A text node (character data, CDATA, predefined and character references, merged like libxml merges them).
    Text(String),
    /// A user-declared entity reference node and its expansion (`""` for an external entity, never loaded).
    Ref(String),
    /// A comment, processing instruction or namespaced element: a sibling, but no value.
    Other,
}

pub(super) fn push_text(el: &mut Element, text: &str) {
    if let Some(Child::Text(last)) = el.children.last_mut() {
        last.push_str(text);
    } else {
        el.children.push(Child::Text(text.to_owned()));
    }
}

/// `xmlNodeListGetString(children, inLine = 1)`: the direct text and entity children, concatenated.
fn string_value(el: &Element) -> String {
    if let [Child::Text(t) | Child::Ref(t)] = el.children.as_slice() {
        return t.clone();
    }
    let mut out = String::new();
    for child in &el.children {
        if let Child::Text(t) | Child::Ref(t) = child {
            out.push_str(t);
        }
    }
    out
}

/// SimpleXML's `_get_base_node_value` + wechatpay-php's `Transformer::value`: a child element becomes its text
/// when its first child is non-blank text; otherwise a map when it has (visible) child elements; otherwise its
/// text (`""` when empty). Attributes of such text-valued elements are dropped, as in PHP.
fn value_of(el: &Element, depth: usize) -> Value {
    if matches!(el.children.first(), Some(Child::Text(t)) if !is_blank(t)) {
        return Value::String(string_value(el));
    }
    if el.children.iter().any(|c| matches!(c, Child::Elem(_))) {
        cast(el, depth + 1)
    } else {
        Value::String(string_value(el))
    }
}

/// Distinct child names looked up by a linear scan before [`cast`] builds a hash index of them.
const LINEAR_GROUPS: usize = 32;

/// PHP's `(array) $simplexml`, recursively: `@attributes` first, then one key per child element name (a list
/// when repeated, in document order); a sole non-blank text child becomes index 0.
pub(super) fn cast(el: &Element, depth: usize) -> Value {
    let mut map = Map::with_capacity(el.children.len().min(64));
    if !el.attrs.is_empty() {
        let attrs = el.attrs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone())));
        map.insert("@attributes".to_owned(), Value::Object(attrs.collect()));
    }
    let mut sole_text = None;
    let mut groups: Vec<(&str, Vec<Value>)> = Vec::new();
    // Names are looked up by a linear scan while there are few (WeChat Pay's answers have tens of fields),
    // through an index once there are many, so that no document costs quadratic time.
    let mut index: Option<HashMap<&str, usize>> = None;
    for child in &el.children {
        match child {
            Child::Text(t) if el.children.len() == 1 && !is_blank(t) => sole_text = Some(t.clone()),
            Child::Elem(c) if depth < MAX_DEPTH => {
                let v = value_of(c, depth);
                let found = match &index {
                    Some(index) => index.get(c.name.as_str()).copied(),
                    None => groups.iter().position(|(name, _)| *name == c.name),
                };
                match found.and_then(|i| groups.get_mut(i)) {
                    Some((_, vs)) => vs.push(v),
                    None => {
                        if let Some(index) = &mut index {
                            index.insert(&c.name, groups.len());
                        }
                        groups.push((&c.name, vec![v]));
                        if index.is_none() && groups.len() > LINEAR_GROUPS {
                            index = Some(groups.iter().enumerate().map(|(i, (name, _))| (*name, i)).collect());
                        }
                    }
                }
            }
            // PHP would also list comments (`comment`), PIs (their target) and root-level entity references
            // (the entity's name) as empty values: dropped here, they carry no data.
            _ => {}
        }
    }
    for (name, mut values) in groups {
        let value = if values.len() == 1 {
            values.pop().unwrap_or_default()
        } else {
            Value::Array(values)
        };
        map.insert(name.to_owned(), value);
    }
    match sole_text {
        Some(t) if map.is_empty() => Value::Array(vec![Value::String(t)]),
        Some(t) => {
            map.insert("0".to_owned(), Value::String(t));
            Value::Object(map)
        }
        None => Value::Object(map),
    }
}

/// libxml's `areBlanks` for a whitespace-only run inside `el`, followed by `next`.
pub(super) fn ignorable(el: &Element, next: &[u8]) -> bool {
    if next.first() != Some(&b'<') {
        return false;
    }
    if el.children.is_empty() && next.get(1) == Some(&b'/') {
        return false;
    }
    match el.children.last() {
        None => true,
        Some(Child::Text(_)) => false,
        Some(_) => !matches!(el.children.first(), Some(Child::Text(_))),
    }
}

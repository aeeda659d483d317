//! The prolog and the DTD, scanned by hand: quick-xml does not parse DTDs (a `>` inside a quoted entity value
//! ends its DOCTYPE). Only what is needed to expand, or refuse, entity references is kept; nothing external is
//! ever loaded.

use std::collections::HashMap;

use super::chars::{Parsed, char_ref, fail, is_name_char, is_name_start_char, is_ws, is_xml_name, predefined};

#[derive(Debug)]
pub(super) enum Entity {
    /// Replacement text, character references already resolved (XML 1.0 section 4.5).
    Internal(String),
    /// `SYSTEM` / `PUBLIC`: never fetched, expands to nothing (PHP with `LIBXML_NONET`, no `LIBXML_NOENT`).
    External,
    /// `NDATA`: may not be referenced in content.
    Unparsed,
}

#[derive(Debug, Default)]
pub(super) struct Dtd {
    pub(super) entities: HashMap<String, Entity>,
    /// An external subset or a parameter-entity reference: undeclared entities are then tolerated (validity,
    /// not well-formedness), as libxml does.
    pub(super) external_parts: bool,
    pub(super) standalone: bool,
}

/// Expands an internal entity's replacement text. Only character data is accepted: a nested reference to
/// another user entity is refused (that is how every entity-expansion bomb is built; libxml reports such
/// documents as `Detected an entity reference loop`), and so is markup (PHP would parse it as elements).
pub(super) fn replacement(name: &str, text: &str, in_attribute: bool) -> Parsed<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let Some(c) = tail.chars().next() else { break };
        match c {
            '&' => {
                let after = tail.get(1..).unwrap_or("");
                let end = after.find(';').unwrap_or(after.len());
                let inner = after.get(..end).unwrap_or("");
                if let Some(body) = inner.strip_prefix('#') {
                    out.push(char_ref(body)?);
                } else if let Some(p) = predefined(inner) {
                    out.push(p);
                } else {
                    return fail(format!(
                        "Detected an entity reference loop: entity '{name}' refers to '{inner}' (nested entity \
                         references are refused)"
                    ));
                }
                rest = after.get(end + 1..).unwrap_or("");
            }
            '<' => return fail(format!("Entity '{name}' contains markup, which is not supported")),
            ws => {
                out.push(if in_attribute { ' ' } else { ws });
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A processing instruction's target must be a name, and not `xml` in any case (that is a misplaced declaration).
pub(super) fn check_pi_target(target: &str, here: usize) -> Parsed<()> {
    if target.eq_ignore_ascii_case("xml") {
        return fail(format!(
            "XML declaration allowed only at the start of the document (byte {here})"
        ));
    }
    if !is_xml_name(target) {
        return fail(format!("xmlParsePI : no target name (byte {here})"));
    }
    Ok(())
}

/// A cursor over the prolog.
struct Scan<'a> {
    doc: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn rest(&self) -> &'a str {
        self.doc.get(self.pos..).unwrap_or("")
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Skips whitespace; returns whether there was any.
    fn ws(&mut self) -> bool {
        let rest = self.rest();
        let n = rest.len() - rest.trim_start_matches(is_ws).len();
        self.pos += n;
        n > 0
    }

    fn require_ws(&mut self, what: &str) -> Parsed<()> {
        if self.ws() {
            Ok(())
        } else {
            fail(format!("Space required {what} (byte {})", self.pos))
        }
    }

    fn name(&mut self) -> Parsed<&'a str> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                if i == 0 {
                    !is_name_start_char(c)
                } else {
                    !is_name_char(c)
                }
            })
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return fail(format!("Name expected at byte {}", self.pos));
        }
        self.pos += len;
        Ok(rest.get(..len).unwrap_or(""))
    }

    /// `"…"` or `'…'`, returning the content.
    fn quoted(&mut self, what: &str) -> Parsed<&'a str> {
        let rest = self.rest();
        let Some(quote) = rest.chars().next().filter(|&c| c == '"' || c == '\'') else {
            return fail(format!("{what}: \" or ' expected at byte {}", self.pos));
        };
        let Some(end) = rest.get(1..).and_then(|r| r.find(quote)) else {
            return fail(format!("{what}: unfinished literal at byte {}", self.pos));
        };
        self.pos += end + 2;
        Ok(rest.get(1..=end).unwrap_or(""))
    }

    /// Skips past `until`, failing with `what` when it never comes.
    fn skip_past(&mut self, until: &str, what: &str) -> Parsed<&'a str> {
        let rest = self.rest();
        let Some(end) = rest.find(until) else {
            return fail(format!("{what} not terminated (byte {})", self.pos));
        };
        self.pos += end + until.len();
        Ok(rest.get(..end).unwrap_or(""))
    }

    fn comment(&mut self) -> Parsed<()> {
        let body = self.skip_past("-->", "Comment")?;
        if body.contains("--") || body.ends_with('-') {
            return fail(format!("Double hyphen within comment (byte {})", self.pos));
        }
        Ok(())
    }

    fn pi(&mut self) -> Parsed<()> {
        let at = self.pos;
        let target = self.name()?;
        check_pi_target(target, at)?;
        self.skip_past("?>", "PI")?;
        Ok(())
    }
}

/// Scans the XML declaration, comments, PIs and the DOCTYPE of `doc`; returns what the DTD declares and the
/// offset of the root element. `strict` refuses any DOCTYPE.
pub(super) fn prolog(doc: &str, strict: bool) -> Parsed<(Dtd, usize)> {
    let mut dtd = Dtd::default();
    let mut s = Scan { doc, pos: 0 };
    if s.rest().starts_with("<?xml")
        && s.rest()
            .get(5..)
            .is_some_and(|r| r.starts_with(|c: char| is_ws(c) || c == '?'))
    {
        s.pos += 5;
        let decl = s.skip_past("?>", "XML declaration")?;
        dtd.standalone = declaration(decl)?;
    }
    let mut seen_doctype = false;
    loop {
        s.ws();
        let rest = s.rest();
        if rest.is_empty() {
            return fail("Start tag expected, '<' not found");
        } else if s.eat("<!--") {
            s.comment()?;
        } else if s.eat("<?") {
            s.pi()?;
        } else if rest.starts_with("<!DOCTYPE") {
            if strict {
                return fail(format!(
                    "a DOCTYPE is not accepted: DTDs and entity declarations are refused (byte {})",
                    s.pos
                ));
            }
            if seen_doctype {
                return fail(format!("a second DOCTYPE at byte {}", s.pos));
            }
            seen_doctype = true;
            s.pos += "<!DOCTYPE".len();
            dtd.doctype(&mut s)?;
        } else if rest.starts_with('<') {
            return Ok((dtd, s.pos));
        } else {
            return fail(format!("Start tag expected, '<' not found (byte {})", s.pos));
        }
    }
}

impl Dtd {
    /// `<!DOCTYPE` has been read.
    fn doctype(&mut self, s: &mut Scan<'_>) -> Parsed<()> {
        s.require_ws("after '<!DOCTYPE'")?;
        s.name()?;
        let had_ws = s.ws();
        if had_ws && (s.rest().starts_with("SYSTEM") || s.rest().starts_with("PUBLIC")) {
            external_id(s)?;
            self.external_parts = true;
            s.ws();
        }
        if s.eat("[") {
            self.internal_subset(s)?;
            s.ws();
        }
        if s.eat(">") {
            Ok(())
        } else {
            fail(format!("DOCTYPE improperly terminated (byte {})", s.pos))
        }
    }

    fn internal_subset(&mut self, s: &mut Scan<'_>) -> Parsed<()> {
        loop {
            s.ws();
            let rest = s.rest();
            if rest.is_empty() {
                return fail("DOCTYPE internal subset not finished");
            } else if s.eat("]") {
                return Ok(());
            } else if s.eat("%") {
                // a parameter-entity reference: never loaded (PHP: LIBXML_NONET, no DTD loading)
                s.name()?;
                if !s.eat(";") {
                    return fail(format!("PEReference: expecting ';' (byte {})", s.pos));
                }
                self.external_parts = true;
            } else if s.eat("<!--") {
                s.comment()?;
            } else if s.eat("<?") {
                s.pi()?;
            } else if s.eat("<!ENTITY") {
                self.entity_decl(s)?;
            } else if rest.starts_with("<!ELEMENT") || rest.starts_with("<!ATTLIST") || rest.starts_with("<!NOTATION") {
                skip_declaration(s)?;
            } else {
                return fail(format!("internal subset: markup declaration expected (byte {})", s.pos));
            }
        }
    }

    /// `<!ENTITY` has been read.
    fn entity_decl(&mut self, s: &mut Scan<'_>) -> Parsed<()> {
        s.require_ws("after '<!ENTITY'")?;
        let parameter = s.eat("%");
        if parameter {
            s.require_ws("after '%'")?;
        }
        let name = s.name()?;
        s.require_ws("after the entity name")?;
        let entity = if s.rest().starts_with(['"', '\'']) {
            let literal = s.quoted("EntityValue")?;
            Entity::Internal(entity_value(literal)?)
        } else {
            external_id(s)?;
            let had_ws = s.ws();
            if had_ws && s.eat("NDATA") {
                s.require_ws("after 'NDATA'")?;
                s.name()?;
                Entity::Unparsed
            } else {
                Entity::External
            }
        };
        s.ws();
        if !s.eat(">") {
            return fail(format!("EntityDecl: entity {name} not terminated (byte {})", s.pos));
        }
        // parameter entities are never expanded; the first declaration of a general entity binds (XML 1.0 4.2)
        if !parameter && predefined(name).is_none() && !self.entities.contains_key(name) {
            self.entities.insert(name.to_owned(), entity);
        }
        Ok(())
    }
}

/// `SYSTEM "…"` or `PUBLIC "…" "…"`: recorded, never fetched.
fn external_id(s: &mut Scan<'_>) -> Parsed<()> {
    if s.eat("SYSTEM") {
        s.require_ws("after 'SYSTEM'")?;
        s.quoted("SystemLiteral")?;
    } else if s.eat("PUBLIC") {
        s.require_ws("after 'PUBLIC'")?;
        s.quoted("PubidLiteral")?;
        s.require_ws("after the public identifier")?;
        s.quoted("SystemLiteral")?;
    } else {
        return fail(format!("SYSTEM or PUBLIC expected (byte {})", s.pos));
    }
    Ok(())
}

/// Skips `<!ELEMENT …>`, `<!ATTLIST …>`, `<!NOTATION …>`, minding quoted literals.
fn skip_declaration(s: &mut Scan<'_>) -> Parsed<()> {
    let mut quote = None;
    for (i, c) in s.rest().char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                s.pos += i + 1;
                return Ok(());
            }
            _ => {}
        }
    }
    fail("markup declaration not terminated")
}

/// An `EntityValue` literal → replacement text: character references resolved now, general entity references
/// kept for later (bypassed, XML 1.0 4.4.7), parameter-entity references refused (forbidden in the internal
/// subset).
fn entity_value(literal: &str) -> Parsed<String> {
    let mut out = String::with_capacity(literal.len());
    let mut rest = literal;
    while let Some(i) = rest.find(['&', '%']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if tail.starts_with('%') {
            return fail("PEReferences forbidden in internal subset");
        }
        let after = tail.get(1..).unwrap_or("");
        let Some(end) = after.find(';') else {
            return fail("EntityValue: '&' forbidden except for entities references");
        };
        let inner = after.get(..end).unwrap_or("");
        if let Some(body) = inner.strip_prefix('#') {
            out.push(char_ref(body)?);
        } else if is_xml_name(inner) {
            out.push('&');
            out.push_str(inner);
            out.push(';');
        } else {
            return fail("EntityValue: '&' forbidden except for entities references");
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// The pseudo-attributes of `<?xml …?>`: `version` (required, `1.x`), then optional `encoding` and
/// `standalone`. Returns whether the document says `standalone="yes"`. The encoding is not used: the input has
/// been checked to be UTF-8 already.
fn declaration(body: &str) -> Parsed<bool> {
    let mut s = Scan { doc: body, pos: 0 };
    let mut standalone = false;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        let had_ws = s.ws();
        if s.rest().is_empty() {
            break;
        }
        if !had_ws {
            return fail("parsing XML declaration: '?>' expected");
        }
        let name = s.name()?;
        s.ws();
        if !s.eat("=") {
            return fail(format!("parsing XML declaration: '=' expected after {name}"));
        }
        s.ws();
        let value = s.quoted(name)?;
        let ok = match (name, seen.as_slice()) {
            ("version", []) => value
                .strip_prefix("1.")
                .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())),
            ("encoding", ["version"]) => {
                value.starts_with(|c: char| c.is_ascii_alphabetic())
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            }
            ("standalone", ["version"] | ["version", "encoding"]) => {
                standalone = value == "yes";
                value == "yes" || value == "no"
            }
            _ => false,
        };
        if !ok {
            return fail(format!("Malformed XML declaration: {name}=\"{value}\""));
        }
        seen.push(name);
    }
    if seen.first() != Some(&"version") {
        return fail("Malformed declaration expecting version");
    }
    Ok(standalone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_declarations() {
        assert_eq!(declaration(" version='1.0'").ok(), Some(false));
        assert_eq!(
            declaration(" version=\"1.1\" encoding=\"GBK\" standalone='yes' ").ok(),
            Some(true)
        );
        for bad in [
            "",
            " encoding='UTF-8'",
            " version='1.0' standalone='maybe'",
            " version='1.0'encoding='x'",
        ] {
            assert!(declaration(bad).is_err(), "{bad}");
        }
    }
}

//! HTML text: escaping for text nodes and attribute values.
//!
//! Takes text; returns it with `&`, `<`, `>`, `"` and `'` written as entities, so that
//! it can stand in HTML as text or inside a quoted attribute. The ground floor under
//! `markdown`, `render` and `search`, which all write HTML around what a page said;
//! depends on nothing of the crate.

/// HTML-escapes text for attributes and text nodes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_that_ends_text_or_an_attribute_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("中文 plain"), "中文 plain");
    }
}

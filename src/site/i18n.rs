//! UI strings per language.
//!
//! Takes the built-in `i18n/*.yaml` (compiled in) and the site's own `i18n/<lang>.yaml`;
//! gives, per configured language, one map of strings in which every missing key falls
//! back along the language's tag (`zh-Hant-TW` → `zh-Hant` → `zh`), then the site's
//! default language, then English. The site's files override the built-in ones key by key.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::Diagnostic;

/// Built-in UI strings: (language code, YAML text).
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../../i18n/en.yaml")),
    ("zh", include_str!("../../i18n/zh.yaml")),
    ("es", include_str!("../../i18n/es.yaml")),
    ("ar", include_str!("../../i18n/ar.yaml")),
];

/// Resolved UI strings for every configured language.
#[derive(Debug, Clone, Default)]
pub struct I18n {
    by_lang: BTreeMap<String, Value>,
    /// Keys each language's own file (site or built-in) lacks, for `waypost check`.
    pub missing: BTreeMap<String, Vec<String>>,
}

impl I18n {
    /// Loads and merges the strings for `config`'s languages from `root/i18n/`.
    pub fn load(root: &Path, config: &Config) -> Result<I18n, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut files: BTreeMap<String, Value> = BTreeMap::new();
        for (code, text) in BUILTIN {
            let v: Value = serde_yaml::from_str(text).expect("built-in i18n files are valid YAML");
            files.insert(code.to_string(), v);
        }
        // The same walk as every other source: links only to places inside the site.
        let (found, walk_errors) = crate::paths::walk_source(root, "i18n");
        errors.extend(walk_errors);
        for file in found
            .into_iter()
            .filter(|f| !f.is_dir && !f.rel.contains('/'))
        {
            let Some(code) = file
                .rel
                .strip_suffix(".yaml")
                .or_else(|| file.rel.strip_suffix(".yml"))
            else {
                continue;
            };
            let display = Path::new("i18n").join(&file.rel);
            let text = match crate::content::read_text(&file.path, &display) {
                Ok(t) => t,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            let parsed = crate::yaml::check_duplicate_keys(&text)
                .and_then(|()| serde_yaml::from_str::<Value>(&text));
            match parsed {
                Ok(Value::Object(m)) => {
                    let entry = files
                        .entry(code.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    merge(entry, &Value::Object(m));
                }
                Ok(Value::Null) => {}
                Ok(_) => errors.push(
                    Diagnostic::new(&display, "expected a map of `key: text`")
                        .at_line(1)
                        .hint("write one `key: text` per line"),
                ),
                Err(e) => errors.push(crate::yaml::yaml_diagnostic(&display, &e, &text, 0, &[])),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let english = files
            .get("en")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let mut out = I18n::default();
        let default_code = config.default_language().code.clone();
        for lang in &config.languages {
            // Chain, most specific last: en, default language, then the tag's prefixes.
            let mut chain: Vec<String> = vec!["en".into()];
            for c in prefixes(&default_code) {
                chain.push(c);
            }
            for c in prefixes(&lang.code) {
                chain.push(c);
            }
            let mut merged = english.clone();
            for c in &chain {
                if let Some(v) = lookup_ci(&files, c) {
                    merge(&mut merged, v);
                }
            }
            let own: Vec<&Value> = prefixes(&lang.code)
                .iter()
                .filter_map(|c| lookup_ci(&files, c))
                .collect();
            let mut missing = Vec::new();
            collect_missing(&english, &own, "", &mut missing);
            if !missing.is_empty() {
                out.missing.insert(lang.code.clone(), missing);
            }
            out.by_lang.insert(lang.code.clone(), merged);
        }
        Ok(out)
    }

    /// The strings of `lang` (empty map for an unknown language).
    pub fn strings(&self, lang: &str) -> &Value {
        static EMPTY: Value = Value::Null;
        self.by_lang.get(lang).unwrap_or(&EMPTY)
    }

    /// One string by dotted key (`alerts.note`), or the key itself when missing.
    pub fn get<'a>(&'a self, lang: &str, key: &'a str) -> &'a str {
        let mut v = self.strings(lang);
        for part in key.split('.') {
            match v.get(part) {
                Some(x) => v = x,
                None => return key,
            }
        }
        v.as_str().unwrap_or(key)
    }

    /// The label of `key` in the map `group` (`facet_names`, `facet_values`), or the key
    /// itself when the language has none: a token without a translation is shown as
    /// written.
    pub fn label<'a>(&'a self, lang: &str, group: &str, key: &'a str) -> &'a str {
        self.strings(lang)
            .get(group)
            .and_then(|g| g.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or(key)
    }
}

/// `zh-Hant-TW` → [`zh`, `zh-Hant`, `zh-Hant-TW`].
fn prefixes(code: &str) -> Vec<String> {
    let parts: Vec<&str> = code.split('-').collect();
    (1..=parts.len()).map(|n| parts[..n].join("-")).collect()
}

fn lookup_ci<'a>(files: &'a BTreeMap<String, Value>, code: &str) -> Option<&'a Value> {
    files.get(code).or_else(|| {
        files
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(code))
            .map(|(_, v)| v)
    })
}

/// Deep-merges `over` into `base`.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

fn collect_missing(reference: &Value, own: &[&Value], prefix: &str, out: &mut Vec<String>) {
    let Value::Object(map) = reference else {
        return;
    };
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let children: Vec<&Value> = own.iter().filter_map(|o| o.get(k)).collect();
        if v.is_object() {
            collect_missing(v, &children, &key, out);
        } else if children.is_empty() {
            out.push(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_prefixes_go_from_general_to_specific() {
        assert_eq!(prefixes("zh-Hant-TW"), vec!["zh", "zh-Hant", "zh-Hant-TW"]);
    }

    #[test]
    fn every_builtin_file_has_every_english_key() {
        let en: Value = serde_yaml::from_str(BUILTIN[0].1).unwrap();
        for (code, text) in BUILTIN {
            let v: Value = serde_yaml::from_str(text).unwrap();
            let mut missing = Vec::new();
            collect_missing(&en, &[&v], "", &mut missing);
            assert!(missing.is_empty(), "{code} lacks {missing:?}");
        }
    }
}

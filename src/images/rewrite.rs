//! A page's images rewritten for phones.
//!
//! Takes a page's body HTML and the [`Catalog`]; gives the HTML with each `<img>` of a
//! file the catalog knows given its `width` and `height` (unless the author gave
//! either), `decoding="async"` and, on every image but the page's first,
//! `loading="lazy"`; an image with resized copies is offered as a `<picture>`: a
//! `<source>` per modern format and the original's format in the `<img>`'s own
//! `srcset`, all with the catalog's `sizes`, and a link to the original around it
//! unless it is in a link already (an image in an author's `<picture>` only gets its
//! attributes). Other HTML passes through unchanged. Pure.

use std::cell::Cell;
use std::rc::Rc;

use lol_html::html_content::{ContentType, Element};
use lol_html::{element, HandlerResult, RewriteStrSettings};

use super::{Catalog, Image};
use crate::html::escape;

/// `html` with its images rewritten (see the module docs).
pub(crate) fn rewrite(html: &str, catalog: &Catalog) -> String {
    if !html.contains("<img") {
        return html.to_string();
    }
    let in_link = Rc::new(Cell::new(0usize));
    let in_picture = Rc::new(Cell::new(0usize));
    let seen = Cell::new(0usize);
    let depth = |counter: &Rc<Cell<usize>>| {
        let counter = Rc::clone(counter);
        move |el: &mut Element<'_, '_>| -> HandlerResult {
            counter.set(counter.get() + 1);
            let after = Rc::clone(&counter);
            if let Some(handlers) = el.end_tag_handlers() {
                handlers.push(Box::new(move |_| {
                    after.set(after.get().saturating_sub(1));
                    Ok(())
                }));
            }
            Ok(())
        }
    };
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("a", depth(&in_link)))
        .append_element_content_handler(element!("picture", depth(&in_picture)))
        .append_element_content_handler(element!("img[src]", |el| {
            let n = seen.get();
            seen.set(n + 1);
            let Some(src) = el.get_attribute("src") else {
                return Ok(());
            };
            let src = html_escape::decode_html_entities(&src).into_owned();
            let Some(Ok(image)) = catalog.get(&src) else {
                return Ok(());
            };
            let place = Place {
                first: n == 0,
                in_link: in_link.get() > 0,
                in_picture: in_picture.get() > 0,
            };
            image_element(el, image, catalog, place)
        }));
    // A fragment lol_html cannot take is left as it is.
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// Where an `<img>` is.
#[derive(Clone, Copy)]
struct Place {
    /// The page's first image (loaded at once).
    first: bool,
    /// Inside a link (the author's: no link to the original is added).
    in_link: bool,
    /// Inside the author's `<picture>` (its sources are the author's: none are added).
    in_picture: bool,
}

/// One `<img>` of `image` at `place`: its attributes, and its copies.
fn image_element(
    el: &mut Element<'_, '_>,
    image: &Image,
    catalog: &Catalog,
    place: Place,
) -> HandlerResult {
    let first = place.first;
    if let Some(p) = image.probe {
        if !el.has_attribute("width") && !el.has_attribute("height") {
            el.set_attribute("width", &p.width.to_string())?;
            el.set_attribute("height", &p.height.to_string())?;
        }
    }
    if !el.has_attribute("decoding") {
        el.set_attribute("decoding", "async")?;
    }
    if !first && !el.has_attribute("loading") {
        el.set_attribute("loading", "lazy")?;
    }
    let Some(p) = image.probe else { return Ok(()) };
    if image.variants.is_empty() || place.in_picture || el.has_attribute("srcset") {
        return Ok(());
    }
    let srcset = |format| -> String {
        let mut list: Vec<String> = image
            .variants
            .iter()
            .filter(|v| v.format == format)
            .map(|v| format!("{} {}w", srcset_url(&v.url), v.width))
            .collect();
        if format == p.format {
            list.push(format!("{} {}w", srcset_url(&image.url), p.width));
        }
        list.join(", ")
    };
    let mut sources = String::new();
    let mut formats: Vec<super::Format> = image.variants.iter().map(|v| v.format).collect();
    formats.dedup();
    for format in formats.into_iter().filter(|f| *f != p.format) {
        sources.push_str(&format!(
            "<source type=\"{}\" srcset=\"{}\" sizes=\"{}\">",
            format.mime(),
            escape(&srcset(format)),
            escape(&catalog.sizes)
        ));
    }
    el.set_attribute("srcset", &srcset(p.format))?;
    el.set_attribute("sizes", &catalog.sizes)?;
    let in_link = place.in_link;
    let open = if in_link {
        format!("<picture>{sources}")
    } else {
        format!(
            "<a class=\"image-link\" href=\"{}\"><picture>{sources}",
            escape(&image.url)
        )
    };
    el.before(&open, ContentType::Html);
    el.after(
        if in_link {
            "</picture>"
        } else {
            "</picture></a>"
        },
        ContentType::Html,
    );
    Ok(())
}

/// A URL as a `srcset` candidate: a comma or space would split it.
fn srcset_url(url: &str) -> String {
    url.replace(',', "%2C").replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::images::{Format, Probe, Variant};

    fn image(url: &str, w: u32, h: u32, widths: &[u32]) -> Image {
        let stem = url.trim_end_matches(".png");
        let variants = [Format::WebP, Format::Png]
            .iter()
            .flat_map(|&f| {
                widths
                    .iter()
                    .filter(move |&&vw| !(f == Format::Png && vw == w))
                    .map(move |&vw| Variant {
                        format: f,
                        width: vw,
                        height: h * vw / w,
                        url: format!("{stem}.h.{vw}w.{}", f.extension()),
                        output: String::new(),
                    })
            })
            .collect();
        Image {
            url: url.into(),
            path: "x".into(),
            display: "content/x".into(),
            output: "x".into(),
            bytes: 1,
            hash: [0; 32],
            probe: Some(Probe {
                format: Format::Png,
                width: w,
                height: h,
            }),
            variants,
        }
    }

    fn catalog(images: Vec<Image>) -> Catalog {
        let mut map = BTreeMap::new();
        for i in images {
            map.insert(i.url.clone(), Ok(i));
        }
        map.insert(
            "/en/bad.png".into(),
            Err(crate::images::Unreadable {
                display: "content/en/bad.png".into(),
                why: "truncated".into(),
            }),
        );
        Catalog {
            images: map,
            sizes: "100vw".into(),
            quality: 80,
        }
    }

    #[test]
    fn every_known_image_gets_its_size_and_all_but_the_first_load_lazily() {
        let c = catalog(vec![
            image("/en/a.png", 300, 200, &[]),
            image("/en/b.png", 30, 20, &[]),
        ]);
        let out = rewrite(
            r#"<p><img src="/en/a.png" alt="A"></p><p><img src="/en/b.png" alt="B"><img src="https://x.org/c.png"></p>"#,
            &c,
        );
        assert_eq!(
            out,
            r#"<p><img src="/en/a.png" alt="A" width="300" height="200" decoding="async"></p><p><img src="/en/b.png" alt="B" width="30" height="20" decoding="async" loading="lazy"><img src="https://x.org/c.png"></p>"#
        );
    }

    #[test]
    fn an_authors_own_size_and_loading_are_kept() {
        let c = catalog(vec![image("/en/a.png", 300, 200, &[])]);
        let out = rewrite(
            r#"<img src="/en/x.png"><img src="/en/a.png" width="150" loading="eager">"#,
            &c,
        );
        assert_eq!(
            out,
            r#"<img src="/en/x.png"><img src="/en/a.png" width="150" loading="eager" decoding="async">"#
        );
    }

    #[test]
    fn a_large_image_is_a_linked_picture_of_its_copies() {
        let c = catalog(vec![image("/en/shot.png", 1170, 2532, &[480, 960, 1170])]);
        let out = rewrite(r#"<p><img src="/en/shot.png" alt="Home"></p>"#, &c);
        assert_eq!(
            out,
            concat!(
                r#"<p><a class="image-link" href="/en/shot.png"><picture>"#,
                r#"<source type="image/webp" srcset="/en/shot.h.480w.webp 480w, /en/shot.h.960w.webp 960w, /en/shot.h.1170w.webp 1170w" sizes="100vw">"#,
                r#"<img src="/en/shot.png" alt="Home" width="1170" height="2532" decoding="async" "#,
                r#"srcset="/en/shot.h.480w.png 480w, /en/shot.h.960w.png 960w, /en/shot.png 1170w" sizes="100vw">"#,
                r#"</picture></a></p>"#
            )
        );
    }

    #[test]
    fn an_image_the_author_linked_is_not_linked_again() {
        let c = catalog(vec![image("/en/shot.png", 1170, 2532, &[480, 1170])]);
        let out = rewrite(
            r#"<a href="/en/help/"><img src="/en/shot.png" alt=""></a> <img src="/en/shot.png">"#,
            &c,
        );
        assert!(
            out.starts_with(r#"<a href="/en/help/"><picture><source"#),
            "{out}"
        );
        assert!(
            out.contains(r#"</picture></a> <a class="image-link" href="/en/shot.png"><picture>"#),
            "{out}"
        );
        assert_eq!(out.matches("image-link").count(), 1, "{out}");
        assert!(
            out.contains(r#"decoding="async" loading="lazy" srcset="#),
            "{out}"
        );
    }

    #[test]
    fn an_unreadable_image_and_html_without_images_pass_through() {
        let c = catalog(vec![]);
        let html = r#"<p>No images <a href="x">here</a></p>"#;
        assert_eq!(rewrite(html, &c), html);
        let html = r#"<img src="/en/bad.png" alt="x">"#;
        assert_eq!(rewrite(html, &c), html);
    }
}

//! An image file's format and size, read from its bytes.
//!
//! Takes the bytes of a file; gives its [`Format`] and its width and height in pixels
//! ([`Probe`]), or why it cannot be read. A raster file's structure is walked to its
//! end (PNG chunks with their CRC-32s up to `IEND`, JPEG segments up to the scan and
//! the end-of-image marker, GIF blocks up to the trailer, WebP's RIFF length), so a
//! truncated or damaged file is an error here, at load, where the page and line that
//! show it are known — without decoding any pixels. An SVG's size is its `width` and
//! `height` in pixels, else its `viewBox`. Pure.

/// The image formats waypost reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF (sized; never resized, so an animation stays one).
    Gif,
    /// WebP.
    WebP,
    /// SVG (sized from its attributes; vector, never resized).
    Svg,
}

impl Format {
    /// The format a file name's extension says, if it is an image's.
    pub fn of_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "png" => Format::Png,
            "jpg" | "jpeg" => Format::Jpeg,
            "gif" => Format::Gif,
            "webp" => Format::WebP,
            "svg" => Format::Svg,
            _ => return None,
        })
    }

    /// The MIME type (`<source type>`).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::WebP => "image/webp",
            Format::Svg => "image/svg+xml",
        }
    }

    /// The file extension of variants in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Svg => "svg",
        }
    }

    /// The name authors know it by, for messages.
    fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::WebP => "WebP",
            Format::Svg => "SVG",
        }
    }
}

/// What a file is and how large it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Its format (from its bytes, not its name).
    pub format: Format,
    /// Width in pixels (an SVG's in CSS pixels).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Reads the format and size of `bytes`, the contents of a file whose extension says
/// `named` (the bytes decide; a file whose bytes are another format's is read as that
/// format). An SVG without a usable size gives `Ok(None)`: it is shown as it is.
pub fn probe(bytes: &[u8], named: Format) -> Result<Option<Probe>, String> {
    let (format, (width, height)) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (Format::Png, png(bytes)?)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        (Format::Jpeg, jpeg(bytes)?)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        (Format::Gif, gif(bytes)?)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (Format::WebP, webp(bytes)?)
    } else if named == Format::Svg {
        return Ok(svg(bytes).map(|(width, height)| Probe {
            format: Format::Svg,
            width,
            height,
        }));
    } else if bytes.is_empty() {
        return Err("the file is empty".into());
    } else {
        return Err(format!(
            "the file is not a {} image (its first bytes are not any image format's)",
            named.name()
        ));
    };
    if width == 0 || height == 0 {
        return Err(format!(
            "the {} image says it is {width} × {height} pixels",
            format.name()
        ));
    }
    Ok(Some(Probe {
        format,
        width,
        height,
    }))
}

fn truncated(format: Format) -> String {
    format!(
        "the {} file is truncated (it ends before the image does)",
        format.name()
    )
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// PNG: `IHDR` first; every chunk whole, with a matching CRC-32, up to `IEND`.
fn png(b: &[u8]) -> Result<(u32, u32), String> {
    let bad = || truncated(Format::Png);
    if b.get(12..16) != Some(b"IHDR") {
        return Err(if b.len() < 16 {
            bad()
        } else {
            "the PNG file does not start with its header chunk (IHDR)".into()
        });
    }
    let size = (be32(b, 16).ok_or_else(bad)?, be32(b, 20).ok_or_else(bad)?);
    let mut at = 8;
    loop {
        let len = be32(b, at).ok_or_else(bad)? as usize;
        let end = at
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .ok_or_else(bad)?;
        let chunk = b.get(at + 4..end - 4).ok_or_else(bad)?;
        let crc = be32(b, end - 4).ok_or_else(bad)?;
        if crc32fast::hash(chunk) != crc {
            let name = String::from_utf8_lossy(&chunk[..4]).into_owned();
            return Err(format!(
                "the PNG file is damaged (chunk `{name}` at byte {at} fails its checksum)"
            ));
        }
        if &chunk[..4] == b"IEND" {
            return Ok(size);
        }
        at = end;
    }
}

/// JPEG: segments walked to a frame header (SOF) and the scan; the file ends with the
/// end-of-image marker.
fn jpeg(b: &[u8]) -> Result<(u32, u32), String> {
    let bad = || truncated(Format::Jpeg);
    let mut at = 2;
    let mut size = None;
    loop {
        // Markers may be padded with 0xFF bytes.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if b.get(at) != Some(&0xFF) {
            return Err(if at >= b.len() {
                bad()
            } else {
                format!("the JPEG file is damaged (no segment marker at byte {at})")
            });
        }
        let marker = *b.get(at + 1).ok_or_else(bad)?;
        if marker == 0xD9 {
            return Err("the JPEG file ends before its image data".into());
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2;
            continue;
        }
        let len = usize::from(be16(b, at + 2).ok_or_else(bad)?);
        if len < 2 {
            return Err(format!("the JPEG file is damaged (segment at byte {at})"));
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let h = be16(b, at + 5).ok_or_else(bad)?;
            let w = be16(b, at + 7).ok_or_else(bad)?;
            size = Some((u32::from(w), u32::from(h)));
        }
        let next = at + 2 + len;
        if next > b.len() {
            return Err(bad());
        }
        if marker == 0xDA {
            let size = size.ok_or("the JPEG file has no frame header before its image data")?;
            // The entropy-coded data runs to the end-of-image marker (trailing bytes
            // after it are tolerated, as viewers do).
            let tail = &b[next..];
            return if tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
                Ok(size)
            } else {
                Err(bad())
            };
        }
        at = next;
    }
}

/// GIF: the logical screen's size; blocks walked to the trailer (0x3B).
fn gif(b: &[u8]) -> Result<(u32, u32), String> {
    let bad = || truncated(Format::Gif);
    let w = le16(b, 6).ok_or_else(bad)?;
    let h = le16(b, 8).ok_or_else(bad)?;
    let flags = *b.get(10).ok_or_else(bad)?;
    let mut at = 13;
    if flags & 0x80 != 0 {
        at += 3 << ((flags & 7) + 1);
    }
    let skip_sub_blocks = |mut at: usize| -> Result<usize, String> {
        loop {
            let n = usize::from(*b.get(at).ok_or_else(bad)?);
            at += 1;
            if n == 0 {
                return Ok(at);
            }
            at += n;
        }
    };
    loop {
        match b.get(at).ok_or_else(bad)? {
            0x3B => return Ok((u32::from(w), u32::from(h))),
            0x21 => at = skip_sub_blocks(at + 2)?,
            0x2C => {
                let local = *b.get(at + 9).ok_or_else(bad)?;
                at += 10;
                if local & 0x80 != 0 {
                    at += 3 << ((local & 7) + 1);
                }
                // LZW minimum code size, then the data's sub-blocks.
                at = skip_sub_blocks(at + 1)?;
            }
            other => {
                return Err(format!(
                    "the GIF file is damaged (unknown block 0x{other:02X} at byte {at})"
                ))
            }
        }
    }
}

/// WebP: the RIFF length covers the file; the size from the first chunk (`VP8 `,
/// `VP8L` or `VP8X`).
fn webp(b: &[u8]) -> Result<(u32, u32), String> {
    let bad = || truncated(Format::WebP);
    let riff = u32::from_le_bytes(b[4..8].try_into().map_err(|_| bad())?) as usize;
    if b.len() < riff.saturating_add(8) {
        return Err(bad());
    }
    match b.get(12..16).ok_or_else(bad)? {
        b"VP8 " => {
            if b.get(23..26) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(if b.len() < 26 {
                    bad()
                } else {
                    "the WebP file is damaged (no VP8 frame start)".into()
                });
            }
            let w = le16(b, 26).ok_or_else(bad)? & 0x3FFF;
            let h = le16(b, 28).ok_or_else(bad)? & 0x3FFF;
            Ok((u32::from(w), u32::from(h)))
        }
        b"VP8L" => {
            if b.get(20) != Some(&0x2F) {
                return Err("the WebP file is damaged (no VP8L signature)".into());
            }
            let bits = u32::from_le_bytes(
                b.get(21..25)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?,
            );
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w = le24(b, 24).ok_or_else(bad)? + 1;
            let h = le24(b, 27).ok_or_else(bad)? + 1;
            Ok((w, h))
        }
        _ => Err("the WebP file has no image chunk (VP8, VP8L or VP8X) first".into()),
    }
}

/// An SVG's size: `width` and `height` in pixels (unitless or `px`), else its
/// `viewBox`'s, scaled to one given dimension when only one is.
fn svg(b: &[u8]) -> Option<(u32, u32)> {
    let text = std::str::from_utf8(b).ok()?;
    let start = text.find("<svg")?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| -> Option<&str> {
        let mut rest = tag;
        loop {
            let i = rest.find(name)?;
            let before = rest[..i].chars().next_back();
            let after = rest[i + name.len()..].trim_start();
            rest = &rest[i + name.len()..];
            if before.is_some_and(char::is_whitespace) {
                if let Some(v) = after.strip_prefix('=') {
                    let v = v.trim_start();
                    let q = v.chars().next()?;
                    if q == '"' || q == '\'' {
                        return v[1..].split(q).next();
                    }
                }
            }
        }
    };
    let px = |v: &str| -> Option<f64> {
        let v = v.trim();
        let n = v.strip_suffix("px").unwrap_or(v).trim();
        n.parse::<f64>().ok().filter(|n| *n > 0.0 && n.is_finite())
    };
    let view = attr("viewBox").and_then(|v| {
        let n: Vec<f64> = v
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        (n.len() == 4 && n[2] > 0.0 && n[3] > 0.0).then(|| (n[2], n[3]))
    });
    let (w, h) = match (
        attr("width").and_then(px),
        attr("height").and_then(px),
        view,
    ) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (None, None, Some(v)) => v,
        _ => return None,
    };
    let round = |x: f64| (x.round() as u32).max(1);
    (w < 100_000.0 && h < 100_000.0).then(|| (round(w), round(h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).expect("the fixture exists")
    }

    fn size_of(name: &str) -> (Format, u32, u32) {
        let format = Format::of_name(name).expect("an image name");
        let p = probe(&fixture(name), format)
            .expect("the fixture reads")
            .expect("it has a size");
        (p.format, p.width, p.height)
    }

    #[test]
    fn each_raster_format_gives_its_size() {
        assert_eq!(size_of("tiny.png"), (Format::Png, 30, 20));
        assert_eq!(size_of("tiny.jpg"), (Format::Jpeg, 30, 20));
        assert_eq!(size_of("tiny.gif"), (Format::Gif, 30, 20));
        assert_eq!(size_of("tiny-lossy.webp"), (Format::WebP, 30, 20));
        assert_eq!(size_of("tiny-lossless.webp"), (Format::WebP, 30, 20));
    }

    #[test]
    fn an_svg_is_sized_by_its_attributes_or_its_view_box() {
        let s = |t: &str| svg(t.as_bytes());
        assert_eq!(
            s(r#"<svg xmlns="x" width="120" height="80px">"#),
            Some((120, 80))
        );
        assert_eq!(s(r#"<svg viewBox="0 0 240 160">"#), Some((240, 160)));
        assert_eq!(
            s(r#"<svg width="120" viewBox="0,0,240,160">"#),
            Some((120, 80))
        );
        assert_eq!(s(r#"<svg width="100%" height="50%">"#), None);
        assert_eq!(s("<html>"), None);
        assert_eq!(size_of("qr.svg"), (Format::Svg, 200, 200));
    }

    #[test]
    fn a_truncated_file_of_each_format_is_an_error() {
        for name in ["tiny.png", "tiny.jpg", "tiny.gif", "tiny-lossy.webp"] {
            let bytes = fixture(name);
            let format = Format::of_name(name).expect("an image name");
            for cut in [bytes.len() - 1, bytes.len() / 2, 12] {
                let err = probe(&bytes[..cut], format).expect_err(name);
                assert!(
                    err.contains("truncated") || err.contains("ends before"),
                    "{name} cut at {cut}: {err}"
                );
            }
        }
    }

    #[test]
    fn a_png_with_a_changed_byte_fails_its_checksum() {
        let mut bytes = fixture("tiny.png");
        let n = bytes.len();
        bytes[n - 20] ^= 0x55;
        let err = probe(&bytes, Format::Png).expect_err("damaged");
        assert!(err.contains("checksum"), "{err}");
    }

    #[test]
    fn text_named_like_a_png_is_not_an_image() {
        let err = probe(b"<html>not found</html>", Format::Png).expect_err("not an image");
        assert!(err.contains("not a PNG image"), "{err}");
        assert!(probe(b"", Format::Jpeg)
            .expect_err("empty")
            .contains("empty"));
    }
}

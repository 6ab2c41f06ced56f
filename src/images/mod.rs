//! Images: sizes, lazy loading and phone-sized copies of the site's own image files.
//!
//! Takes the image files the pages show (their [`ImageRef`]s, from the Markdown stage)
//! and the site's `images:` settings; gives
//! - a [`Catalog`] ([`Catalog::new`], at load): for each image file shown, its format
//!   and size ([`probe`], which reads a truncated or damaged file as an error), the hash
//!   of its bytes, and the resized copies ([`Variant`]s) a raster image wider than the
//!   content column gets — each width of `images.widths` below its own, and its own, in
//!   each modern format (`images.formats`, WebP) and, below its own width, in its own
//!   format — at URLs next to it named by a hash of what they are made from
//!   (`shot.3f9a2c1e07.960w.webp`), so they are known before anything is encoded;
//! - each page's HTML with its images rewritten ([`rewrite`]): `width`, `height`,
//!   `decoding="async"`, `loading="lazy"` on all but the page's first image, and for an
//!   image with copies a `<picture>` offering them by `srcset` and `sizes`, linked to
//!   the original unless the author linked it already;
//! - [`findings`]: an image that cannot be read (an error naming the page and line that
//!   show it) and, for `waypost check`, an empty or missing alt text and a file over
//!   5 MB (warnings);
//! - the copies themselves as [`OutputFile`]s ([`variant_files`], at render): each image
//!   decoded once however many pages and languages show it, resized and encoded in
//!   parallel (`encode`), through a [`VariantMemo`] — the build cache (`kept`) gives
//!   the copies an earlier build made from the same bytes and settings, `()` encodes.

mod encode;
mod kept;
pub mod probe;
mod rewrite;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{ImageFormat, ImagesConfig};
use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::markdown::ImageRef;
use crate::output::OutputFile;
pub use probe::{Format, Probe};
pub(crate) use rewrite::rewrite;

/// An image file over this many bytes is a warning of `waypost check`.
pub const LARGE_IMAGE: u64 = 5 * 1024 * 1024;

/// The version of the resizing and encoding: part of every copy's name and cache key,
/// so a change to how copies are made never serves or reuses old ones.
const ENCODER: &str = "waypost-images-1 lanczos3 libwebp";

/// One image file of the site that a page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Its URL (as pages' HTML has it).
    pub url: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// The file as the user names it (`content/en/esim/shot.png`).
    pub display: String,
    /// Its path in the output folder (`en/esim/shot.png`).
    pub output: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// BLAKE3 of its bytes.
    pub hash: [u8; 32],
    /// Its format and size; None for an SVG without a usable size.
    pub probe: Option<Probe>,
    /// Its resized copies, by format then width (empty when it needs none).
    pub variants: Vec<Variant>,
}

/// A resized copy of an [`Image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Its format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels (the original's aspect ratio, rounded).
    pub height: u32,
    /// Its URL.
    pub url: String,
    /// Its path in the output folder.
    pub output: String,
}

/// A file of the site (from `content/`) that may be an image.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// Its URL, as pages' HTML has it.
    pub url: &'a str,
    /// Its path in the output folder (`en/esim/shot.png`).
    pub output: &'a str,
    /// Where it is on disk.
    pub path: &'a Path,
}

/// An image file a page shows that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The file as the user names it (`content/en/esim/shot.png`).
    pub display: String,
    /// Why (truncated, damaged, not an image, not readable).
    pub why: String,
}

/// The image files the pages show, each read once (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// By URL: the image, or why it cannot be read.
    images: BTreeMap<String, std::result::Result<Image, Unreadable>>,
    /// The `sizes` attribute of images with copies.
    sizes: String,
    /// Lossy quality of the copies.
    quality: u8,
}

impl Catalog {
    /// Reads (in parallel) the files among `files` that `shown` names by URL: the
    /// ones a page shows. A file that cannot be read or probed is kept as its error.
    pub(crate) fn new(
        settings: &ImagesConfig,
        files: &[SourceFile<'_>],
        shown: &BTreeSet<&str>,
    ) -> Catalog {
        let images = files
            .par_iter()
            .filter(|a| shown.contains(a.url))
            .filter_map(|a| {
                let named = Format::of_name(a.output)?;
                let image = read_image(settings, a, named).map_err(|why| Unreadable {
                    display: format!("content/{}", a.output),
                    why,
                });
                Some((a.url.to_string(), image))
            })
            .collect();
        Catalog {
            images,
            sizes: settings.sizes.clone(),
            quality: settings.quality,
        }
    }

    /// The image at `url`, if it is a file of the site a page shows (or why it cannot
    /// be read).
    pub fn get(&self, url: &str) -> Option<&std::result::Result<Image, Unreadable>> {
        self.images.get(url)
    }

    /// The images that read, in URL order.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.images.values().filter_map(|r| r.as_ref().ok())
    }
}

/// One image file read: its bytes hashed, probed, its copies planned.
fn read_image(
    settings: &ImagesConfig,
    a: &SourceFile<'_>,
    named: Format,
) -> std::result::Result<Image, String> {
    let bytes = std::fs::read(a.path).map_err(|e| format!("the file cannot be read: {e}"))?;
    let probe = probe::probe(&bytes, named)?;
    let hash = *blake3::hash(&bytes).as_bytes();
    let mut image = Image {
        url: a.url.to_string(),
        path: a.path.to_path_buf(),
        display: format!("content/{}", a.output),
        output: a.output.to_string(),
        bytes: bytes.len() as u64,
        hash,
        probe,
        variants: Vec::new(),
    };
    if let Some(p) = probe {
        image.variants = plan_variants(settings, &image, p);
    }
    Ok(image)
}

/// The copies of an image (see the module docs): none for a vector, a GIF or one that
/// fits the column.
fn plan_variants(settings: &ImagesConfig, image: &Image, p: Probe) -> Vec<Variant> {
    let resizable = matches!(p.format, Format::Png | Format::Jpeg | Format::WebP);
    if !resizable || p.width <= settings.column || settings.widths.is_empty() {
        return Vec::new();
    }
    let mut widths: BTreeSet<u32> = settings
        .widths
        .iter()
        .copied()
        .filter(|w| *w < p.width)
        .collect();
    widths.insert(p.width);
    let modern: BTreeSet<Format> = settings
        .formats
        .iter()
        .map(|f| match f {
            ImageFormat::Webp => Format::WebP,
        })
        .collect();
    let mut formats: Vec<Format> = modern.into_iter().collect();
    if !formats.contains(&p.format) {
        formats.push(p.format);
    }
    let mut variants = Vec::new();
    for format in formats {
        for &w in &widths {
            // At its own width, its own format is the original file.
            if w == p.width && format == p.format {
                continue;
            }
            variants.push(variant(settings, image, p, format, w));
        }
    }
    variants
}

fn variant(settings: &ImagesConfig, image: &Image, p: Probe, format: Format, w: u32) -> Variant {
    let h = ((u64::from(p.height) * u64::from(w) + u64::from(p.width) / 2) / u64::from(p.width))
        .max(1) as u32;
    let mut hasher = blake3::Hasher::new();
    hasher
        .update(ENCODER.as_bytes())
        .update(&image.hash)
        .update(format.extension().as_bytes())
        .update(&w.to_le_bytes())
        .update(&[settings.quality]);
    let hex = hasher.finalize().to_hex();
    let (dir, name) = match image.url.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), image.url.as_str()),
    };
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let file = format!("{stem}.{}.{w}w.{}", &hex[..10], format.extension());
    // The URL's last segment is percent-encoded like the original's; the output path
    // has the file's own name.
    let (output_dir, output_name) = match image.output.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), image.output.as_str()),
    };
    let plain_stem = output_name.rsplit_once('.').map_or(output_name, |(s, _)| s);
    Variant {
        format,
        width: w,
        height: h,
        url: format!("{dir}{file}"),
        output: format!(
            "{output_dir}{plain_stem}.{}.{w}w.{}",
            &hex[..10],
            format.extension()
        ),
    }
}

/// What the pages' images tell: for each `(file, refs)` of a page written in its own
/// language (not a fallback copy), an image that cannot be read is an error; with
/// `advice` (`waypost check`), an empty or missing alt text and a file over
/// [`LARGE_IMAGE`] are warnings. Returns `(errors, warnings)`.
pub(crate) fn findings<'a>(
    catalog: &Catalog,
    pages: impl Iterator<Item = (&'a std::path::Path, &'a [ImageRef])>,
    advice: bool,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (file, refs) in pages {
        for r in refs {
            let image = catalog.get(&r.url);
            if let Some(Err(bad)) = image {
                errors.push(
                    Diagnostic::new(
                        file,
                        format!("image `{}` cannot be used: {}", bad.display, bad.why),
                    )
                    .at_line(r.line)
                    .kind(DiagnosticKind::BrokenImage)
                    .hint(
                        "export the image again (PNG, JPEG, WebP, GIF or SVG) and check \
                             that it opens in an image viewer, or remove it from the page",
                    ),
                );
            }
            if !advice {
                continue;
            }
            if r.alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
                warnings.push(
                    Diagnostic::new(file, format!("image `{}` has no alt text", r.url))
                        .at_line(r.line)
                        .kind(DiagnosticKind::ImageAlt)
                        .hint(
                            "say in the page's language what the image shows: \
                             `![The app's Get an eSIM screen](shot.png)`",
                        ),
                );
            }
            if let Some(Ok(img)) = image {
                if img.bytes > LARGE_IMAGE {
                    warnings.push(
                        Diagnostic::new(
                            file,
                            format!(
                                "image `{}` is {:.1} MB (readers on a slow connection wait for it)",
                                r.url,
                                img.bytes as f64 / 1_048_576.0
                            ),
                        )
                        .at_line(r.line)
                        .kind(DiagnosticKind::LargeImage)
                        .hint("make it smaller than 5 MB: crop it, or save a screenshot as PNG or JPEG at phone size"),
                    );
                }
            }
        }
    }
    (errors, warnings)
}

/// What the images stage asks for an image's copies: the pipeline's memo (the build
/// cache, through `kept`), or `()`, which encodes every time.
pub(crate) trait VariantMemo: Sync {
    /// The bytes of `image`'s copies, in the order of its variants, made by `make` or
    /// kept by an earlier build from the same bytes and settings; and whether `make`
    /// ran.
    fn variants(
        &self,
        image: &Image,
        quality: u8,
        make: &dyn Fn() -> std::result::Result<Vec<Vec<u8>>, String>,
    ) -> std::result::Result<(Vec<Vec<u8>>, bool), String>;
}

/// No memo: every copy is encoded.
impl VariantMemo for () {
    fn variants(
        &self,
        _image: &Image,
        _quality: u8,
        make: &dyn Fn() -> std::result::Result<Vec<Vec<u8>>, String>,
    ) -> std::result::Result<(Vec<Vec<u8>>, bool), String> {
        make().map(|v| (v, true))
    }
}

/// How many copies a build published and how many images it encoded (`-v` prints it;
/// a rebuild with the cache encodes none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VariantCount {
    /// Images with copies.
    pub images: usize,
    /// Copies published.
    pub variants: usize,
    /// Images decoded and encoded by this build (the others' copies were kept).
    pub encoded: usize,
}

/// Every image's copies as output files, in URL order: each image with copies decoded
/// once, resized and encoded in parallel, through `memo`. An image that fails to
/// decode is an error naming its file.
pub(crate) fn variant_files(
    catalog: &Catalog,
    memo: &dyn VariantMemo,
) -> Result<(Vec<OutputFile>, VariantCount)> {
    let with_copies: Vec<&Image> = catalog
        .images()
        .filter(|i| !i.variants.is_empty())
        .collect();
    let quality = catalog.quality;
    let made: Vec<std::result::Result<(Vec<OutputFile>, bool), Diagnostic>> = with_copies
        .par_iter()
        .map(|image| {
            let t = std::time::Instant::now();
            let (bytes, encoded) = memo
                .variants(image, quality, &|| encode::variants(image, quality))
                .map_err(|why| {
                    Diagnostic::new(&image.display, format!("cannot make resized copies: {why}"))
                        .kind(DiagnosticKind::BrokenImage)
                        .hint("export the image again and check that it opens in an image viewer")
                })?;
            if encoded {
                log::debug!(
                    "images: {}: {} copies made in {:.3} s",
                    image.display,
                    image.variants.len(),
                    t.elapsed().as_secs_f64()
                );
            }
            let files = image
                .variants
                .iter()
                .zip(bytes)
                .map(|(v, b)| OutputFile::bytes(v.output.clone(), b))
                .collect();
            Ok((files, encoded))
        })
        .collect();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut count = VariantCount {
        images: with_copies.len(),
        ..VariantCount::default()
    };
    for m in made {
        match m {
            Ok((f, encoded)) => {
                count.variants += f.len();
                count.encoded += usize::from(encoded);
                files.extend(f);
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Site(errors));
    }
    Ok((files, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(format: Format, width: u32, height: u32) -> (Image, Probe) {
        let p = Probe {
            format,
            width,
            height,
        };
        let name = format!("shot.{}", format.extension());
        let image = Image {
            url: format!("/docs/en/a%20b/{name}"),
            path: PathBuf::from(&name),
            display: format!("content/en/a b/{name}"),
            output: format!("en/a b/{name}"),
            bytes: 1,
            hash: [7; 32],
            probe: Some(p),
            variants: Vec::new(),
        };
        (image, p)
    }

    fn widths(variants: &[Variant], format: Format) -> Vec<u32> {
        variants
            .iter()
            .filter(|v| v.format == format)
            .map(|v| v.width)
            .collect()
    }

    #[test]
    fn a_screenshot_gets_webp_at_each_width_up_to_its_own_and_png_below_it() {
        let settings = ImagesConfig::default();
        let (img, p) = image(Format::Png, 1170, 2532);
        let v = plan_variants(&settings, &img, p);
        assert_eq!(widths(&v, Format::WebP), [480, 960, 1170]);
        assert_eq!(widths(&v, Format::Png), [480, 960]);
        let at_960 = v.iter().find(|v| v.width == 960).expect("a 960 copy");
        assert_eq!(at_960.height, 2078, "2532 × 960 / 1170 = 2077.5, rounded");
        // Next to the original, its folder as written in the URL and as a file name.
        assert!(
            at_960.url.starts_with("/docs/en/a%20b/shot."),
            "{}",
            at_960.url
        );
        assert!(at_960.url.ends_with(".960w.webp"), "{}", at_960.url);
        assert!(
            at_960.output.starts_with("en/a b/shot."),
            "{}",
            at_960.output
        );
    }

    #[test]
    fn copies_are_named_by_what_they_are_made_from() {
        let settings = ImagesConfig::default();
        let (mut img, p) = image(Format::Jpeg, 2000, 1000);
        let first = plan_variants(&settings, &img, p);
        assert_eq!(
            first,
            plan_variants(&settings, &img, p),
            "the same names each time"
        );
        img.hash = [8; 32];
        let other_bytes = plan_variants(&settings, &img, p);
        let lower = ImagesConfig {
            quality: 50,
            ..ImagesConfig::default()
        };
        let other_quality = plan_variants(&lower, &img, p);
        for (a, (b, c)) in first.iter().zip(other_bytes.iter().zip(&other_quality)) {
            assert_ne!(a.url, b.url);
            assert_ne!(b.url, c.url);
        }
        assert_eq!(widths(&first, Format::Jpeg), [480, 960, 1440]);
    }

    #[test]
    fn small_images_gifs_svgs_and_webp_originals_get_only_what_they_need() {
        let settings = ImagesConfig::default();
        let (img, p) = image(Format::Png, 704, 1500);
        assert!(
            plan_variants(&settings, &img, p).is_empty(),
            "fits the column"
        );
        let (img, p) = image(Format::Gif, 1200, 800);
        assert!(
            plan_variants(&settings, &img, p).is_empty(),
            "an animation stays whole"
        );
        let (img, p) = image(Format::Svg, 1200, 800);
        assert!(plan_variants(&settings, &img, p).is_empty(), "vector");
        // A WebP original is its own widest WebP.
        let (img, p) = image(Format::WebP, 1000, 800);
        let v = plan_variants(&settings, &img, p);
        assert_eq!(widths(&v, Format::WebP), [480, 960]);
        assert_eq!(v.len(), 2);
        let none = ImagesConfig {
            widths: Vec::new(),
            ..ImagesConfig::default()
        };
        let (img, p) = image(Format::Png, 1170, 2532);
        assert!(plan_variants(&none, &img, p).is_empty(), "widths: []");
    }
}

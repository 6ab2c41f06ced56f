//! Resized copies of one image, encoded.
//!
//! Takes an [`Image`] with its planned [`Variant`]s and the lossy quality; gives each
//! copy's bytes in the order of its variants, or why the image could not be decoded or
//! encoded. The image is decoded once (with `image`), resized with a Lanczos-3 filter
//! (each width from the next larger one made, not from the original again), and
//! encoded as lossy WebP with libwebp (`webp`), as PNG or as JPEG (`image`). The same
//! bytes and settings give the same copies, byte for byte: nothing here depends on
//! the time, the thread or the machine.

use std::collections::BTreeMap;
use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageEncoder as _};

use super::{Format, Image};

/// The copies of `image`, in the order of its variants.
pub(super) fn variants(image: &Image, quality: u8) -> Result<Vec<Vec<u8>>, String> {
    let bytes = std::fs::read(&image.path).map_err(|e| format!("the file cannot be read: {e}"))?;
    if *blake3::hash(&bytes).as_bytes() != image.hash {
        return Err("the file changed during the build; build again".into());
    }
    let format = match image.probe.map(|p| p.format) {
        Some(Format::Png) => image::ImageFormat::Png,
        Some(Format::Jpeg) => image::ImageFormat::Jpeg,
        Some(Format::WebP) => image::ImageFormat::WebP,
        _ => return Err("only PNG, JPEG and WebP images are resized".into()),
    };
    let decoded = image::load_from_memory_with_format(&bytes, format)
        .map_err(|e| format!("the image does not decode: {e}"))?;
    let alpha = decoded.color().has_alpha() && has_transparency(&decoded);
    let original: DynamicImage = if alpha {
        DynamicImage::ImageRgba8(decoded.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(decoded.into_rgb8())
    };
    // Each width once, largest first, each made from the one above it.
    let mut resized: BTreeMap<u32, DynamicImage> = BTreeMap::new();
    let mut widths: Vec<(u32, u32)> = image.variants.iter().map(|v| (v.width, v.height)).collect();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    let mut from = &original;
    for (w, h) in widths {
        let img = if (w, h) == (original.width(), original.height()) {
            original.clone()
        } else {
            from.resize_exact(w, h, FilterType::Lanczos3)
        };
        resized.insert(w, img);
        from = &resized[&w];
    }
    image
        .variants
        .iter()
        .map(|v| {
            let img = &resized[&v.width];
            match v.format {
                Format::WebP => webp(img, quality),
                Format::Png => png(img),
                Format::Jpeg => jpeg(img, quality),
                Format::Gif | Format::Svg => Err("GIF and SVG copies are not made".into()),
            }
        })
        .collect()
}

/// Whether any pixel is not fully opaque (an RGBA screenshot usually is opaque: its
/// copies are then RGB, which is smaller).
fn has_transparency(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgba8(b) => b.pixels().any(|p| p.0[3] != u8::MAX),
        DynamicImage::ImageLumaA8(b) => b.pixels().any(|p| p.0[1] != u8::MAX),
        _ => true,
    }
}

fn webp(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let (w, h) = (img.width(), img.height());
    let encoder = match img {
        DynamicImage::ImageRgba8(b) => webp::Encoder::from_rgba(b.as_raw(), w, h),
        DynamicImage::ImageRgb8(b) => webp::Encoder::from_rgb(b.as_raw(), w, h),
        _ => return Err("unexpected pixel layout".into()),
    };
    let mut config = webp::WebPConfig::new().map_err(|()| "libwebp refused its settings")?;
    config.lossless = 0;
    config.quality = f32::from(quality);
    // libwebp's default effort; one thread (the images are encoded in parallel).
    config.method = 4;
    config.thread_level = 0;
    config.alpha_compression = 1;
    encoder
        .encode_advanced(&config)
        .map(|m| m.to_vec())
        .map_err(|e| format!("WebP encoding failed: {e:?}"))
}

fn png(img: &DynamicImage) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    );
    encoder
        .write_image(
            img.as_bytes(),
            img.width(),
            img.height(),
            img.color().into(),
        )
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out.into_inner())
}

fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            rgb.as_bytes(),
            rgb.width(),
            rgb.height(),
            rgb.color().into(),
        )
        .map_err(|e| format!("JPEG encoding failed: {e}"))?;
    Ok(out.into_inner())
}

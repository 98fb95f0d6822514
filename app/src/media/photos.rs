//! Listing photo uploads: untrusted image bytes in, clean re-encoded files out, kept in an
//! object store (a local folder by default, S3 when configured).
//!
//! Every upload is decoded and re-encoded rather than stored as sent, because the sent file can
//! carry the owner's GPS position and camera details (EXIF/XMP), and because only decoding
//! proves the bytes are the image they claim to be.

use crate::domain::{BookingId, ListingId, PhotoId};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits, Rgb,
    RgbImage, RgbaImage,
};
#[cfg(feature = "s3")]
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
#[cfg(feature = "s3")]
use object_store::prefix::PrefixStore;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};

/// Largest upload accepted, before decoding.
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;
/// Widths of the resized variants (never upscaled: a smaller photo gets fewer/smaller variants,
/// at least one).
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];
/// Decompression-bomb guard: a few kilobytes of PNG can claim billions of pixels.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Sides are also capped so a thin "panorama" under the pixel budget cannot exceed what the
/// JPEG encoder accepts (65,535) or produce absurd variant heights.
pub const MAX_SIDE: u32 = 20_000;
/// Smallest accepted photo, checked orientation-free (long side / short side) so that portrait
/// photos of 240x320 pass as well as landscape 320x240 ones.
pub const MIN_LONG_SIDE: u32 = 320;
pub const MIN_SHORT_SIDE: u32 = 240;

const ORIGINAL_JPEG_QUALITY: u8 = 90;
const VARIANT_JPEG_QUALITY: u8 = 80;
/// A JPEG's pixels per byte of file, at most. A flat grey 7000×7000 JPEG, the best case for
/// the encoder, is about 170 pixels a byte (progressive); a JPEG far past that holds fewer
/// blocks than its header claims, which the decoder would fill with grey at full cost.
pub const MAX_JPEG_PIXELS_PER_BYTE: u64 = 1_024;
/// 16-bit RGBA (8 bytes a pixel) is the widest pixel a decoder produces, so this cap never
/// refuses an image that passes `MAX_PIXELS`, yet stops a decoder that lies about its size.
const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 8;
/// Keys contain a fresh photo id, so a stored file never changes and caches may keep it forever.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoProblem {
    #[error("upload exceeds {MAX_UPLOAD_BYTES} bytes")]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image")]
    Unsupported,
    #[error("image data is corrupt or truncated")]
    Unreadable,
    #[error("image is smaller than {MIN_LONG_SIDE}x{MIN_SHORT_SIDE}")]
    TooSmall,
    #[error("image exceeds {MAX_PIXELS} pixels or {MAX_SIDE} pixels on a side")]
    TooManyPixels,
}

impl PhotoProblem {
    /// The code the edit page explains (`media::photo_problem_text`): the page never shows
    /// text that came from the server in its URL.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Unsupported => "unsupported",
            Self::Unreadable => "unreadable",
            Self::TooSmall => "too_small",
            Self::TooManyPixels => "too_many_pixels",
        }
    }
}

/// One encoded image file, ready to store.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub extension: &'static str,
}

#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    /// Full size, upright, without metadata.
    pub original: Encoded,
    /// JPEG, ascending width.
    pub variants: Vec<Encoded>,
}

/// CPU-bound (about a second for a 12-megapixel photo): run it on a blocking thread.
pub fn process(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoProblem> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    let format = sniff(bytes).ok_or(PhotoProblem::Unsupported)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoProblem::Unreadable);
    }
    let image = decode(bytes, format)?;
    check_min_size(image.width(), image.height())?;
    let (flat, transparent) = split_alpha(image);
    let original = match transparent {
        // Only PNG keeps its transparency: a WebP with alpha is a photo more often than a logo,
        // and JPEG is far smaller for photos.
        Some(rgba) if format == ImageFormat::Png => encode_png(&rgba)?,
        _ => encode_jpeg(&flat, ORIGINAL_JPEG_QUALITY)?,
    };
    let variants = resize_variants(&flat)
        .iter()
        .map(|variant| encode_jpeg(variant, VARIANT_JPEG_QUALITY))
        .collect::<Result<_, _>>()?;
    Ok(ProcessedPhoto { original, variants })
}

/// The client's content type and file name are ignored: the bytes decide.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// The JPEG decoder fills a truncated scan with grey rather than failing, which would publish
/// half a photo, so completeness is checked here by walking the markers to end-of-image.
/// Walking segment by segment (rather than searching for FF D9) steps over EXIF thumbnails, which
/// end in their own end-of-image marker, and stops before data some phones append after the
/// image (motion-photo videos).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut pos = 2;
    while let Some(&[prefix, marker]) = bytes.get(pos..pos + 2) {
        if prefix != 0xFF {
            return false;
        }
        pos = match marker {
            0xD9 => return true,
            // Fill bytes and markers without a length field.
            0xFF => pos + 1,
            0x01 | 0xD0..=0xD7 => pos + 2,
            _ => {
                let Some(&[high, low]) = bytes.get(pos + 2..pos + 4) else {
                    return false;
                };
                let after_segment = pos + 2 + usize::from(u16::from_be_bytes([high, low]));
                if marker == 0xDA {
                    skip_entropy_coded(bytes, after_segment)
                } else {
                    after_segment
                }
            }
        };
    }
    false
}

/// Position of the marker ending a scan: inside scan data 0xFF is followed by 0x00 (stuffing)
/// or a restart marker, anything else ends the scan.
fn skip_entropy_coded(bytes: &[u8], start: usize) -> usize {
    let scan = bytes.get(start..).unwrap_or_default();
    scan.windows(2)
        .position(|pair| pair[0] == 0xFF && !matches!(pair[1], 0x00 | 0xD0..=0xD7 | 0xFF))
        .map_or(bytes.len(), |offset| start + offset)
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoProblem> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    // Only headers are read here, so the pixel budget is enforced before any pixel buffer exists.
    let mut decoder = reader.into_decoder().map_err(decode_problem)?;
    check_pixel_budget(decoder.dimensions())?;
    if format == ImageFormat::Jpeg {
        check_jpeg_density(decoder.dimensions(), bytes.len())?;
    }
    // A damaged EXIF block should not cost the seller a photo that otherwise decodes.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_problem)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn decode_problem(error: ImageError) -> PhotoProblem {
    match error {
        ImageError::Limits(_) => PhotoProblem::TooManyPixels,
        // Sniffing passed, so an "unsupported" error is a variant of the format the codecs do
        // not handle (e.g. lossless JPEG, 12-bit JPEG).
        ImageError::Unsupported(_) => PhotoProblem::Unsupported,
        _ => PhotoProblem::Unreadable,
    }
}

fn check_pixel_budget((width, height): (u32, u32)) -> Result<(), PhotoProblem> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        Err(PhotoProblem::TooManyPixels)
    } else {
        Ok(())
    }
}

fn check_jpeg_density((width, height): (u32, u32), len: usize) -> Result<(), PhotoProblem> {
    let bytes = u64::try_from(len).unwrap_or(u64::MAX);
    if u64::from(width) * u64::from(height) > bytes.saturating_mul(MAX_JPEG_PIXELS_PER_BYTE) {
        Err(PhotoProblem::Unreadable)
    } else {
        Ok(())
    }
}

fn check_min_size(width: u32, height: u32) -> Result<(), PhotoProblem> {
    if width.max(height) < MIN_LONG_SIDE || width.min(height) < MIN_SHORT_SIDE {
        Err(PhotoProblem::TooSmall)
    } else {
        Ok(())
    }
}

/// Returns the image flattened onto white (JPEG has no alpha, and dropping alpha instead would
/// show whatever colour transparent pixels happen to hold, often black), plus the RGBA pixels
/// when some pixel is actually see-through. Screenshots are often RGBA yet fully opaque; those
/// are better served as JPEG.
fn split_alpha(image: DynamicImage) -> (RgbImage, Option<RgbaImage>) {
    if !image.color().has_alpha() {
        return (image.into_rgb8(), None);
    }
    let rgba = image.into_rgba8();
    let flat = flatten_on_white(&rgba);
    let transparent = rgba.pixels().any(|pixel| pixel[3] < u8::MAX);
    (flat, transparent.then_some(rgba))
}

fn flatten_on_white(rgba: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            // Rounded integer blend; the result is at most 255, so the narrowing is lossless.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// Widths below the source width; a source no wider than the smallest width gets one variant at
/// its own width, so the page always has something small to show.
fn variant_widths(source_width: u32) -> Vec<u32> {
    let smaller: Vec<u32> = VARIANT_WIDTHS
        .into_iter()
        .filter(|&width| width < source_width)
        .collect();
    if smaller.is_empty() {
        vec![source_width]
    } else {
        smaller
    }
}

/// Each variant is resized from the next larger one rather than from the source: resampling a
/// 12-megapixel photo three times costs about three times as much, for no visible gain.
fn resize_variants(source: &RgbImage) -> Vec<RgbImage> {
    let (source_width, source_height) = source.dimensions();
    let mut variants: Vec<RgbImage> = Vec::new();
    for width in variant_widths(source_width).into_iter().rev() {
        // Heights come from the source so rounding does not drift down the chain.
        let height = scaled_height(source_width, source_height, width);
        let larger = variants.last().unwrap_or(source);
        let variant = image::imageops::resize(larger, width, height, FilterType::Lanczos3);
        variants.push(variant);
    }
    variants.reverse();
    variants
}

fn scaled_height(source_width: u32, source_height: u32, width: u32) -> u32 {
    let scaled = (u64::from(source_height) * u64::from(width) + u64::from(source_width) / 2)
        / u64::from(source_width);
    // Never above source_height because width <= source_width, so this always fits a u32.
    u32::try_from(scaled).unwrap_or(source_height).max(1)
}

/// The encoders write pixel data only (JPEG gets a bare JFIF header): no EXIF, XMP, ICC or
/// comments reach the output because none are ever handed to them.
fn encode_jpeg(pixels: &RgbImage, quality: u8) -> Result<Encoded, PhotoProblem> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(pixels)
        .map_err(encode_problem)?;
    Ok(Encoded {
        bytes,
        width: pixels.width(),
        height: pixels.height(),
        content_type: "image/jpeg",
        extension: "jpg",
    })
}

fn encode_png(pixels: &RgbaImage) -> Result<Encoded, PhotoProblem> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(encode_problem)?;
    Ok(Encoded {
        bytes,
        width: pixels.width(),
        height: pixels.height(),
        content_type: "image/png",
        extension: "png",
    })
}

/// Encoding into memory only fails on dimensions the decode limits already exclude; should it
/// happen anyway, the person can only be told that this photo does not work.
fn encode_problem(_: ImageError) -> PhotoProblem {
    PhotoProblem::Unreadable
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("cannot create media directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unsupported media URL {0:?}: expected s3://bucket[/prefix] or file:///absolute/path")]
    Url(String),
    #[error("media URL {0:?} needs S3, which this build leaves out: build with `--features s3`")]
    NoS3(String),
    #[error("invalid media key {key:?}: {source}")]
    Key {
        key: String,
        source: object_store::path::Error,
    },
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

/// Where photos live.
#[derive(Clone, Debug)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    local: bool,
}

impl MediaStore {
    /// `dir` is created if missing. Keys map to files under it, so a plain static file server
    /// over `dir` serves them (`/media/{key}` for MEDIA_DIR; nothing serves EVIDENCE_DIR).
    pub fn local(dir: &Path) -> Result<Self, MediaError> {
        std::fs::create_dir_all(dir).map_err(|source| MediaError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        // Cleanup removes the per-photo folders once their files are deleted, so deleted
        // listings do not leave thousands of empty directories behind.
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            inner: Arc::new(store),
            local: true,
        })
    }

    /// `s3://bucket/optional/prefix`, with credentials, region and endpoint from the standard
    /// `AWS_*` environment variables; `file:///absolute/path` for a local folder.
    pub fn from_url(url: &str) -> Result<Self, MediaError> {
        if let Some(dir) = url.strip_prefix("file://") {
            if !dir.starts_with('/') {
                return Err(MediaError::Url(url.to_owned()));
            }
            return Self::local(Path::new(dir));
        }
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| MediaError::Url(url.to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(MediaError::Url(url.to_owned()));
        }
        Self::s3(url, bucket, prefix)
    }

    #[cfg(not(feature = "s3"))]
    fn s3(url: &str, _bucket: &str, _prefix: &str) -> Result<Self, MediaError> {
        Err(MediaError::NoS3(url.to_owned()))
    }

    #[cfg(feature = "s3")]
    fn s3(_url: &str, bucket: &str, prefix: &str) -> Result<Self, MediaError> {
        // The client is reqwest on rustls without a provider of its own, which panics unless
        // the process has one: ring, as `gearshare` installs at start (here for any caller).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()?;
        let inner: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
            "" => Arc::new(s3),
            prefix => Arc::new(PrefixStore::new(s3, store_path(prefix)?)),
        };
        Ok(Self {
            inner,
            local: false,
        })
    }

    /// Local files are served by the app's own static file server; remote ones need their own
    /// public URL (bucket or CDN).
    pub fn is_local(&self) -> bool {
        self.local
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), MediaError> {
        let path = store_path(key)?;
        self.inner
            .put_opts(&path, PutPayload::from(bytes), self.put_options(key))
            .await?;
        Ok(())
    }

    /// `None` when nothing is stored under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaError> {
        let path = store_path(key)?;
        match self.inner.get(&path).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Deleting what is already gone succeeds, so retries and rollbacks need no bookkeeping.
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let path = store_path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Buckets serve objects with the headers stored beside them, so remote objects get a
    /// content type and cache policy; the local store rejects attributes and the static file
    /// server derives both itself.
    fn put_options(&self, key: &str) -> PutOptions {
        if self.local {
            return PutOptions::default();
        }
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
        if let Some(content_type) = content_type_for(key) {
            attributes.insert(Attribute::ContentType, content_type.into());
        }
        PutOptions::from(attributes)
    }
}

/// The type of a stored photo file, from the extension its key was given.
pub fn content_type_for(key: &str) -> Option<&'static str> {
    match key.rsplit_once('.')?.1 {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// `Path::parse` rather than `Path::from`: it refuses `..`, empty segments and the like instead
/// of silently encoding them, so a bad key is an error rather than a surprising file name.
fn store_path(key: &str) -> Result<StorePath, MediaError> {
    StorePath::parse(key).map_err(|source| MediaError::Key {
        key: key.to_owned(),
        source,
    })
}

/// `listings/{listing_id}/{photo_id}/{name}`; names are `original.{ext}` and `w{width}.jpg`.
pub fn photo_key(listing: ListingId, photo: PhotoId, name: &str) -> String {
    format!("{}/{photo}/{name}", listing_folder(listing))
}

/// Where a listing's photos are kept.
pub fn listing_folder(listing: ListingId) -> String {
    format!("listings/{listing}")
}

/// Where a booking's evidence photos are kept, in the evidence store.
pub fn booking_folder(booking: BookingId) -> String {
    format!("bookings/{booking}")
}

/// One stored file; width and height let the page write `srcset` and reserve layout space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    pub original: StoredFile,
    /// Ascending width.
    pub variants: Vec<StoredFile>,
}

impl StoredPhoto {
    /// The size a page shows: the largest variant up to 960 pixels wide.
    pub fn shown(&self) -> &StoredFile {
        self.variants
            .iter()
            .rev()
            .find(|v| v.width <= 960)
            .unwrap_or(&self.original)
    }

    /// Every key, for `remove`.
    pub fn keys(&self) -> Vec<String> {
        std::iter::once(&self.original)
            .chain(&self.variants)
            .map(|file| file.key.clone())
            .collect()
    }
}

/// Writes the original and every variant under `folder` (a listing's, or a booking's in the
/// evidence store). If any write fails, whatever was written is deleted again, so a failed
/// upload leaves nothing behind to leak storage or show half a photo.
pub async fn store_in(
    media: &MediaStore,
    folder: &str,
    photo_id: PhotoId,
    photo: &ProcessedPhoto,
) -> Result<StoredPhoto, MediaError> {
    let original = stored_file(folder, photo_id, &photo.original, "original");
    let variants: Vec<StoredFile> = photo
        .variants
        .iter()
        .map(|variant| stored_file(folder, photo_id, variant, &format!("w{}", variant.width)))
        .collect();
    let files =
        std::iter::once((&original, &photo.original)).chain(variants.iter().zip(&photo.variants));
    let mut attempted: Vec<&str> = Vec::new();
    for (file, encoded) in files {
        // Recorded before the write: a put that fails late (e.g. a timeout after the bucket
        // accepted it) may still have left an object.
        attempted.push(&file.key);
        if let Err(error) = media.put(&file.key, encoded.bytes.clone()).await {
            roll_back(media, &attempted).await;
            return Err(error);
        }
    }
    Ok(StoredPhoto { original, variants })
}

fn stored_file(folder: &str, photo_id: PhotoId, encoded: &Encoded, stem: &str) -> StoredFile {
    StoredFile {
        key: format!("{folder}/{photo_id}/{stem}.{}", encoded.extension),
        width: encoded.width,
        height: encoded.height,
    }
}

/// Best effort: the write error is what the caller needs to see, and a delete that also fails
/// (the store is likely down) cannot be helped here.
async fn roll_back(media: &MediaStore, keys: &[&str]) {
    for key in keys {
        let _ = media.delete(key).await;
    }
}

/// Deletes every key, carrying on past failures so one bad key does not strand the rest;
/// returns the first error.
pub async fn remove(media: &MediaStore, keys: &[String]) -> Result<(), MediaError> {
    let mut first_error = None;
    for key in keys {
        if let Err(error) = media.delete(key).await {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    const MARKER: &[u8] = b"GEARSHARE-SECRET-GPS-MARKER";

    fn photo_like(width: u32, height: u32) -> RgbImage {
        // Gradients plus a little texture, so the JPEG encoder has real work, like a photo.
        RgbImage::from_fn(width, height, |x, y| {
            let noise = ((x * 7919 + y * 104_729) % 31) as u8;
            Rgb([
                (x * 255 / width) as u8 ^ noise,
                (y * 255 / height) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    fn jpeg_bytes(pixels: &RgbImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 92)
            .encode_image(pixels)
            .unwrap();
        bytes
    }

    fn png_bytes(pixels: &RgbaImage) -> Vec<u8> {
        encode_png(pixels).unwrap().bytes
    }

    /// A big-endian TIFF block: IFD0 with ImageDescription (the marker), Orientation and a
    /// pointer to a GPS IFD holding GPSLatitudeRef = "N".
    fn exif_tiff(orientation: u16) -> Vec<u8> {
        let text_len = MARKER.len() as u32 + 1;
        let text_offset = 8 + 2 + 3 * 12 + 4;
        let gps_offset = (text_offset + text_len + 1) & !1;
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        tiff.extend(3u16.to_be_bytes());
        let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            [
                &tag.to_be_bytes()[..],
                &kind.to_be_bytes(),
                &count.to_be_bytes(),
                &value,
            ]
            .concat()
        };
        tiff.extend(entry(0x010E, 2, text_len, text_offset.to_be_bytes()));
        let [hi, lo] = orientation.to_be_bytes();
        tiff.extend(entry(0x0112, 3, 1, [hi, lo, 0, 0]));
        tiff.extend(entry(0x8825, 4, 1, gps_offset.to_be_bytes()));
        tiff.extend(0u32.to_be_bytes());
        tiff.extend(MARKER);
        tiff.push(0);
        tiff.resize(gps_offset as usize, 0);
        tiff.extend(1u16.to_be_bytes());
        tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
        tiff.extend(0u32.to_be_bytes());
        tiff
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(payload.len() + 2).unwrap();
        [&[0xFF, marker][..], &len.to_be_bytes(), payload].concat()
    }

    /// What a phone uploads: EXIF with orientation and GPS, XMP, and a comment, all right after
    /// the start-of-image marker.
    fn with_metadata(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let exif = [&b"Exif\0\0"[..], &exif_tiff(orientation)].concat();
        let xmp = [
            &b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>"[..],
            MARKER,
            b"</x:xmpmeta>",
        ]
        .concat();
        let comment = [&b"taken at "[..], MARKER].concat();
        [
            &jpeg[..2],
            &segment(0xE1, &exif),
            &segment(0xE1, &xmp),
            &segment(0xFE, &comment),
            &jpeg[2..],
        ]
        .concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    fn all_files(photo: &ProcessedPhoto) -> impl Iterator<Item = &Encoded> {
        std::iter::once(&photo.original).chain(&photo.variants)
    }

    #[test]
    fn metadata_is_stripped_and_orientation_applied() {
        let upload = with_metadata(&jpeg_bytes(&photo_like(640, 480)), 6);
        assert!(
            contains(&upload, MARKER),
            "the fixture must carry the marker"
        );

        let photo = process(&upload).unwrap();

        for file in all_files(&photo) {
            assert!(!contains(&file.bytes, MARKER));
            assert!(!contains(&file.bytes, b"Exif"));
            assert!(!contains(&file.bytes, b"xmpmeta"));
            assert_eq!(sniff(&file.bytes), Some(ImageFormat::Jpeg));
        }
        // Orientation 6 means "rotate 90° clockwise to display": landscape pixels, portrait photo.
        assert_eq!((photo.original.width, photo.original.height), (480, 640));
        assert_eq!(photo.original.content_type, "image/jpeg");
        let decoded = image::load_from_memory(&photo.original.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (480, 640));
    }

    #[test]
    fn upright_photo_keeps_its_shape() {
        let photo = process(&with_metadata(&jpeg_bytes(&photo_like(640, 480)), 1)).unwrap();
        assert_eq!((photo.original.width, photo.original.height), (640, 480));
    }

    #[test]
    fn variants_ascend_and_never_upscale() {
        let photo = process(&jpeg_bytes(&photo_like(2000, 1500))).unwrap();
        let widths: Vec<u32> = photo.variants.iter().map(|v| v.width).collect();
        assert_eq!(widths, VARIANT_WIDTHS);
        for variant in &photo.variants {
            assert_eq!(variant.height, variant.width * 3 / 4);
            assert_eq!(variant.extension, "jpg");
            let decoded = image::load_from_memory(&variant.bytes).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (variant.width, variant.height)
            );
        }

        let medium = process(&jpeg_bytes(&photo_like(1000, 700))).unwrap();
        let widths: Vec<u32> = medium.variants.iter().map(|v| v.width).collect();
        assert_eq!(widths, [480, 960]);

        let small = process(&jpeg_bytes(&photo_like(400, 300))).unwrap();
        let widths: Vec<u32> = small.variants.iter().map(|v| v.width).collect();
        assert_eq!(widths, [400]);
    }

    #[test]
    fn png_with_transparency_stays_png() {
        let logo = RgbaImage::from_fn(400, 300, |x, _| {
            Rgba([200, 30, 30, if x < 200 { 0 } else { 255 }])
        });
        let photo = process(&png_bytes(&logo)).unwrap();

        assert_eq!(photo.original.content_type, "image/png");
        assert_eq!(photo.original.extension, "png");
        let decoded = image::load_from_memory(&photo.original.bytes)
            .unwrap()
            .to_rgba8();
        assert_eq!(decoded.get_pixel(10, 10)[3], 0);
        let variant = image::load_from_memory(&photo.variants[0].bytes)
            .unwrap()
            .to_rgb8();
        // Transparent areas become white in the JPEG variants, not black.
        assert!(variant.get_pixel(10, 10).0.iter().all(|&c| c > 240));
    }

    #[test]
    fn webp_is_accepted_and_becomes_jpeg() {
        let pixels = RgbaImage::from_pixel(400, 300, Rgba([90, 140, 60, 255]));
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(pixels.as_raw(), 400, 300, image::ExtendedColorType::Rgba8)
            .unwrap();
        let photo = process(&webp).unwrap();
        assert_eq!(photo.original.content_type, "image/jpeg");
        assert_eq!((photo.original.width, photo.original.height), (400, 300));
    }

    #[test]
    fn opaque_rgba_png_becomes_jpeg() {
        let screenshot = RgbaImage::from_pixel(400, 300, Rgba([10, 120, 200, 255]));
        let photo = process(&png_bytes(&screenshot)).unwrap();
        assert_eq!(photo.original.content_type, "image/jpeg");
    }

    #[test]
    fn text_named_jpg_is_unsupported() {
        let text = b"This is not a photo, whatever the file name says.\n";
        assert_eq!(process(text).err(), Some(PhotoProblem::Unsupported));
        assert_eq!(process(b"").err(), Some(PhotoProblem::Unsupported));
    }

    #[test]
    fn truncated_jpeg_is_unreadable() {
        let jpeg = jpeg_bytes(&photo_like(640, 480));
        assert_eq!(process(&jpeg[..200]).err(), Some(PhotoProblem::Unreadable));
        assert_eq!(
            process(&jpeg[..jpeg.len() / 2]).err(),
            Some(PhotoProblem::Unreadable)
        );
        assert_eq!(
            process(&jpeg[..jpeg.len() - 2]).err(),
            Some(PhotoProblem::Unreadable)
        );
        let png = png_bytes(&RgbaImage::from_pixel(400, 300, Rgba([1, 2, 3, 255])));
        assert_eq!(
            process(&png[..png.len() / 2]).err(),
            Some(PhotoProblem::Unreadable)
        );
    }

    /// `jpeg` with its frame header claiming `width`×`height`.
    fn claiming_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let mut bytes = jpeg.to_vec();
        bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        bytes
    }

    #[test]
    fn a_small_jpeg_claiming_a_huge_size_is_unreadable() {
        let jpeg = jpeg_bytes(&photo_like(320, 240));
        assert!(process(&jpeg).is_ok());
        let bomb = claiming_size(&jpeg, 7000, 7000);
        assert!(jpeg_is_complete(&bomb), "its markers are all there");
        assert_eq!(process(&bomb).err(), Some(PhotoProblem::Unreadable));
        // The flattest photo there is stays far under the bound.
        let grey = jpeg_bytes(&RgbImage::from_pixel(1024, 768, Rgb([128, 128, 128])));
        let density = 1024 * 768 / grey.len() as u64;
        assert!(
            density < MAX_JPEG_PIXELS_PER_BYTE / 4,
            "{density} pixels a byte"
        );
        assert!(process(&grey).is_ok());
    }

    #[test]
    fn jpeg_completeness_ignores_thumbnails_and_trailers() {
        let jpeg = jpeg_bytes(&photo_like(64, 48));
        let thumbnail = [&b"Exif\0\0"[..], &jpeg_bytes(&photo_like(16, 16))].concat();
        let with_thumbnail = [&jpeg[..2], &segment(0xE1, &thumbnail), &jpeg[2..]].concat();
        assert!(jpeg_is_complete(&with_thumbnail));
        assert!(!jpeg_is_complete(
            &with_thumbnail[..with_thumbnail.len() - 100]
        ));
        let with_video = [&jpeg[..], b"\0\0\0\x18ftypmp42\xFF\xDA\x00\x08garbage"].concat();
        assert!(jpeg_is_complete(&with_video));
    }

    #[test]
    fn tiny_image_is_too_small() {
        assert_eq!(
            process(&jpeg_bytes(&photo_like(300, 240))).err(),
            Some(PhotoProblem::TooSmall)
        );
        assert_eq!(
            process(&jpeg_bytes(&photo_like(640, 200))).err(),
            Some(PhotoProblem::TooSmall)
        );
        assert!(process(&jpeg_bytes(&photo_like(240, 320))).is_ok());
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A PNG that is all header: valid signature and IHDR, a token IDAT, then IEND.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let chunk = |kind: &[u8], data: &[u8]| {
            let body = [kind, data].concat();
            let len = u32::try_from(data.len()).unwrap().to_be_bytes();
            [&len[..], &body, &crc32(&body).to_be_bytes()].concat()
        };
        let ihdr = [
            &width.to_be_bytes()[..],
            &height.to_be_bytes(),
            &[8, 6, 0, 0, 0],
        ]
        .concat();
        [
            &b"\x89PNG\r\n\x1a\n"[..],
            &chunk(b"IHDR", &ihdr),
            &chunk(b"IDAT", &[0x78, 0x9C, 0x62, 0x00]),
            &chunk(b"IEND", &[]),
        ]
        .concat()
    }

    #[test]
    fn decompression_bomb_is_refused_from_the_header() {
        // 40 GB of RGBA if anyone tried to allocate it; the test would then fail or crawl.
        assert_eq!(
            process(&png_claiming(100_000, 100_000)).err(),
            Some(PhotoProblem::TooManyPixels)
        );
        // Within the side cap but over the pixel budget: refused by our own count.
        assert_eq!(
            process(&png_claiming(10_000, 10_000)).err(),
            Some(PhotoProblem::TooManyPixels)
        );
    }

    #[test]
    fn oversize_upload_is_too_large() {
        let bytes = vec![0xFF; MAX_UPLOAD_BYTES + 1];
        assert_eq!(process(&bytes).err(), Some(PhotoProblem::TooLarge));
    }

    #[test]
    fn every_problem_has_a_sentence_for_the_page() {
        let problems = [
            PhotoProblem::TooLarge,
            PhotoProblem::Unsupported,
            PhotoProblem::Unreadable,
            PhotoProblem::TooSmall,
            PhotoProblem::TooManyPixels,
        ];
        for problem in problems {
            let text = crate::media::photo_problem_text(problem.code());
            assert_ne!(text, crate::media::photo_problem_text("?"), "{problem:?}");
        }
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            // Test names are unique within a run; the process id keeps runs apart.
            let path = std::env::temp_dir().join(format!("photos-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .flat_map(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    files_under(&path)
                } else {
                    vec![path]
                }
            })
            .collect()
    }

    const LISTING: ListingId = ListingId::from_u128(0x1111);
    const PHOTO: PhotoId = PhotoId::from_u128(0x2222);

    #[tokio::test]
    async fn store_writes_files_a_static_server_can_serve() {
        let dir = TempDir::new("store");
        let media = MediaStore::local(&dir.0.join("media")).unwrap();
        assert!(media.is_local());
        let photo = process(&jpeg_bytes(&photo_like(1000, 750))).unwrap();

        let stored = store_in(&media, &listing_folder(LISTING), PHOTO, &photo)
            .await
            .unwrap();

        let base = format!("listings/{LISTING}/{PHOTO}");
        assert_eq!(stored.original.key, format!("{base}/original.jpg"));
        assert_eq!(stored.variants[0].key, format!("{base}/w480.jpg"));
        assert_eq!(
            (stored.variants[1].width, stored.variants[1].height),
            (960, 720)
        );
        let on_disk = std::fs::read(dir.0.join("media").join(&stored.original.key)).unwrap();
        assert_eq!(on_disk, photo.original.bytes);
        let fetched = media.get(&stored.variants[0].key).await.unwrap().unwrap();
        assert_eq!(fetched.as_ref(), photo.variants[0].bytes.as_slice());

        remove(&media, &stored.keys()).await.unwrap();
        assert!(files_under(&dir.0).is_empty());
        assert_eq!(media.get(&stored.original.key).await.unwrap(), None);
        // Already gone is fine.
        remove(&media, &stored.keys()).await.unwrap();
    }

    #[tokio::test]
    async fn failed_store_leaves_nothing_behind() {
        let dir = TempDir::new("rollback");
        let media = MediaStore::local(&dir.0).unwrap();
        let photo = process(&jpeg_bytes(&photo_like(1000, 750))).unwrap();
        // A directory where the last variant should go makes that one write fail after the
        // original and the first variant have already been written.
        let blocker = dir.0.join(photo_key(LISTING, PHOTO, "w960.jpg"));
        std::fs::create_dir_all(&blocker).unwrap();

        assert!(store_in(&media, &listing_folder(LISTING), PHOTO, &photo)
            .await
            .is_err());

        assert_eq!(files_under(&dir.0), Vec::<PathBuf>::new());
    }

    #[test]
    fn local_store_on_a_file_is_an_error() {
        let dir = TempDir::new("file");
        std::fs::create_dir_all(&dir.0).unwrap();
        let file = dir.0.join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            MediaStore::local(&file),
            Err(MediaError::Dir { .. })
        ));
    }

    #[test]
    fn urls_choose_the_store() {
        let dir = TempDir::new("url");
        let url = format!("file://{}", dir.0.display());
        assert!(MediaStore::from_url(&url).unwrap().is_local());
        let s3 = MediaStore::from_url("s3://gear-photos/prod/media");
        #[cfg(feature = "s3")]
        assert!(!s3.unwrap().is_local());
        #[cfg(not(feature = "s3"))]
        assert!(matches!(s3, Err(MediaError::NoS3(_))));
        assert!(matches!(
            MediaStore::from_url("s3:///x"),
            Err(MediaError::Url(_))
        ));
        assert!(matches!(
            MediaStore::from_url("file://relative"),
            Err(MediaError::Url(_))
        ));
        assert!(matches!(
            MediaStore::from_url("gs://bucket"),
            Err(MediaError::Url(_))
        ));
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_store() {
        let dir = TempDir::new("escape");
        let media = MediaStore::local(&dir.0).unwrap();
        let result = media.put("listings/../../etc/passwd", b"x".to_vec()).await;
        assert!(matches!(result, Err(MediaError::Key { .. })));
    }
}

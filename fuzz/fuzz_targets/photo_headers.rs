//! Listing photo uploads: `app::media::photos::process` on the uploaded bytes. It sniffs
//! the format from the magic bytes (JPEG, PNG, WebP), walks a JPEG's markers to its
//! end-of-image, reads the header's dimensions against the pixel budget before decoding,
//! applies the EXIF orientation, and re-encodes the original and the resized variants.
//! `app::media::photos::content_type_for` names the stored files.
//!
//! Invariants: an accepted photo is within the size bounds, its original is a JPEG (or a PNG
//! for a PNG upload) whose bytes say so, its variants are JPEGs of ascending width no wider
//! than the original, in the original's proportions; a refusal has a code the page explains.
#![no_main]

use app::media::photos::{
    content_type_for, process, Encoded, PhotoProblem, MAX_JPEG_PIXELS_PER_BYTE, MAX_PIXELS,
    MAX_SIDE, MIN_LONG_SIDE, MIN_SHORT_SIDE, VARIANT_WIDTHS,
};
use libfuzzer_sys::fuzz_target;

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

fn check_file(file: &Encoded) {
    let magic = match file.content_type {
        "image/jpeg" => JPEG,
        "image/png" => PNG,
        other => panic!("stored as {other}"),
    };
    assert!(
        file.bytes.starts_with(magic),
        "{} bytes that are not one",
        file.content_type
    );
    assert_eq!(
        content_type_for(&format!("listings/x/y/original.{}", file.extension)),
        Some(file.content_type)
    );
    assert!(file.width >= 1 && file.height >= 1);
}

fuzz_target!(|data: &[u8]| {
    let started = std::time::Instant::now();
    let outcome = process(data);
    // `FUZZ_VERBOSE=1`, when running single inputs: what the upload came to, and how long.
    if std::env::var_os("FUZZ_VERBOSE").is_some_and(|v| v == "1") {
        match &outcome {
            Ok(photo) => eprintln!(
                "accepted: {} {}x{} ({} bytes), variants {:?}, in {:?}",
                photo.original.content_type,
                photo.original.width,
                photo.original.height,
                photo.original.bytes.len(),
                photo
                    .variants
                    .iter()
                    .map(|v| (v.width, v.height))
                    .collect::<Vec<_>>(),
                started.elapsed()
            ),
            Err(problem) => eprintln!("refused: {problem:?} in {:?}", started.elapsed()),
        }
    }
    let photo = match outcome {
        Ok(photo) => photo,
        Err(problem) => {
            assert!(!problem.code().is_empty());
            let looks_like_an_image = data.starts_with(JPEG)
                || data.starts_with(PNG)
                || (data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP");
            if !looks_like_an_image {
                assert_eq!(problem, PhotoProblem::Unsupported);
            }
            return;
        }
    };
    let original = &photo.original;
    check_file(original);
    let (w, h) = (original.width, original.height);
    assert!(
        w.max(h) >= MIN_LONG_SIDE && w.min(h) >= MIN_SHORT_SIDE,
        "{w}x{h} accepted"
    );
    assert!(w <= MAX_SIDE && h <= MAX_SIDE, "{w}x{h} accepted");
    assert!(
        u64::from(w) * u64::from(h) <= MAX_PIXELS,
        "{w}x{h} accepted"
    );
    if original.content_type == "image/png" {
        assert!(data.starts_with(PNG), "a PNG original from another format");
    }
    // A JPEG with fewer blocks than its header claims would be filled with grey.
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        assert!(
            u64::from(w) * u64::from(h) <= data.len() as u64 * MAX_JPEG_PIXELS_PER_BYTE,
            "{w}x{h} accepted from {} bytes",
            data.len()
        );
    }

    assert!(!photo.variants.is_empty() && photo.variants.len() <= VARIANT_WIDTHS.len());
    for variant in &photo.variants {
        check_file(variant);
        assert_eq!(variant.content_type, "image/jpeg");
        assert!(
            variant.width <= w,
            "variant {} wider than {w}",
            variant.width
        );
        assert!(variant.width == w || VARIANT_WIDTHS.contains(&variant.width));
        // The original's proportions, to within the rounding of one pixel.
        let expected = (u64::from(h) * u64::from(variant.width) + u64::from(w) / 2) / u64::from(w);
        assert_eq!(
            u64::from(variant.height),
            expected.max(1),
            "{w}x{h} to width {}",
            variant.width
        );
    }
    for pair in photo.variants.windows(2) {
        assert!(pair[0].width < pair[1].width, "variants not ascending");
    }
});

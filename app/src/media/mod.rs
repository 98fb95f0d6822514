//! Media shared by listings and bookings: the photo pipeline (untrusted bytes in, clean
//! re-encoded files out), the object store it keeps files in, and uploads on their way in.

#[cfg(feature = "ssr")]
pub mod batch;
#[cfg(feature = "ssr")]
pub mod photos;
#[cfg(feature = "ssr")]
pub mod uploads;

/// Why an upload was refused, by the code the photo route puts in the edit page's URL (so
/// no text from the server is ever echoed into the page).
pub fn photo_problem_text(code: &str) -> &'static str {
    match code {
        "too_large" => "That file is larger than 12 MB. Choose a smaller photo.",
        "unsupported" => "Photos must be JPEG, PNG or WebP images.",
        "unreadable" => "That file could not be read as an image. It may be damaged.",
        "too_small" => "That photo is too small: use at least 320 × 240 pixels.",
        "too_many_pixels" => "That photo has too many pixels (over 50 megapixels).",
        "too_many_photos" => "A listing can have at most 12 photos.",
        "too_many_evidence" => "Each side can add at most 8 photos at each step of a booking.",
        "not_now" => "Photos can be added from the payment until the deposit is settled.",
        "admins_look" => "Admins see a booking's photos but don't add any.",
        "none" => "Choose one or more photos first.",
        "too_often" => "You have uploaded photos 30 times in the last hour. Try again later.",
        "busy" => "Many photos are being uploaded right now. Nothing was added: try again in a minute.",
        "busy_account" => {
            "Your other photos are still being uploaded. Nothing was added: send these once they are in."
        }
        _ => "The upload failed. Please try again.",
    }
}

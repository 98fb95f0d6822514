//! Illustrations for demo listings, drawn as SVG: one motif per category, coloured per
//! listing, framed differently per photo, so the marketplace looks alive without stock photos.

pub const WIDTH: i64 = 800;
pub const HEIGHT: i64 = 600;

fn motif(category: &str) -> &'static str {
    match category {
        "cameras" => {
            r##"<rect x="-170" y="-100" width="340" height="210" rx="28" fill="#1f2937"/><rect x="-120" y="-140" width="110" height="50" rx="10" fill="#374151"/><circle r="78" fill="#111827" stroke="#9ca3af" stroke-width="10"/><circle r="42" fill="#1e3a8a" opacity=".8"/><circle cx="-18" cy="-18" r="12" fill="#fff" opacity=".6"/>"##
        }
        "lenses" => {
            r##"<rect x="-90" y="-170" width="180" height="340" rx="36" fill="#111827"/><rect x="-96" y="-90" width="192" height="40" fill="#374151"/><rect x="-96" y="30" width="192" height="26" fill="#b91c1c"/><ellipse cy="-170" rx="90" ry="24" fill="#1e3a8a" opacity=".85"/>"##
        }
        "audio" => {
            r##"<rect x="-60" y="-170" width="120" height="200" rx="60" fill="#1f2937"/><g stroke="#6b7280" stroke-width="6">
<line x1="-50" y1="-120" x2="50" y2="-120"/><line x1="-55" y1="-90" x2="55" y2="-90"/><line x1="-55" y1="-60" x2="55" y2="-60"/></g><rect x="-14" y="30" width="28" height="120" fill="#374151"/><rect x="-80" y="150" width="160" height="20" rx="10" fill="#374151"/>"##
        }
        "lighting" => {
            r##"<rect x="-150" y="-170" width="300" height="200" rx="18" fill="#f8fafc" stroke="#1f2937" stroke-width="14"/><g fill="#fde68a"><circle cx="-80" cy="-100" r="22"/><circle cx="0" cy="-100" r="22"/><circle cx="80" cy="-100" r="22"/><circle cx="-80" cy="-40" r="22"/><circle cx="0" cy="-40" r="22"/><circle cx="80" cy="-40" r="22"/></g><g stroke="#1f2937" stroke-width="12"><line x1="0" y1="30" x2="0" y2="150"/><line x1="0" y1="150" x2="-90" y2="190"/><line x1="0" y1="150" x2="90" y2="190"/></g>"##
        }
        "drones" => {
            r##"<g stroke="#1f2937" stroke-width="22" stroke-linecap="round"><line x1="-150" y1="-100" x2="150" y2="100"/><line x1="150" y1="-100" x2="-150" y2="100"/></g><rect x="-70" y="-50" width="140" height="100" rx="30" fill="#e5e7eb" stroke="#1f2937" stroke-width="10"/><g fill="none" stroke="#1f2937" stroke-width="8" opacity=".7"><ellipse cx="-150" cy="-100" rx="80" ry="14"/><ellipse cx="150" cy="-100" rx="80" ry="14"/><ellipse cx="-150" cy="100" rx="80" ry="14"/><ellipse cx="150" cy="100" rx="80" ry="14"/></g><circle cy="36" r="16" fill="#111827"/>"##
        }
        "bikes" => {
            r##"<g fill="none" stroke="#1f2937" stroke-width="14"><circle cx="-150" cy="60" r="100"/><circle cx="150" cy="60" r="100"/><path d="M-150 60 L-40 -60 L110 -60 L150 60 M-40 -60 L10 60 L110 -60 M10 60 L-150 60"/></g><path d="M-60 -90 h60" stroke="#1f2937" stroke-width="16" stroke-linecap="round"/><path d="M100 -60 l20 -50 h40" fill="none" stroke="#1f2937" stroke-width="12" stroke-linecap="round"/>"##
        }
        "camping" => {
            r##"<path d="M-220 160 L0 -170 L220 160 Z" fill="#f97316" stroke="#7c2d12" stroke-width="10" stroke-linejoin="round"/><path d="M0 -170 L-60 160 H60 Z" fill="#7c2d12" opacity=".75"/><line x1="-260" y1="160" x2="260" y2="160" stroke="#365314" stroke-width="12"/>"##
        }
        "climbing" => {
            r##"<g fill="none" stroke="#dc2626" stroke-width="16"><circle r="150"/><circle r="118"/><circle r="86"/></g><g fill="none" stroke="#1d4ed8" stroke-width="10" stroke-dasharray="30 14"><circle r="134"/><circle r="102"/></g><path d="M60 60 l90 120" stroke="#dc2626" stroke-width="16"/>"##
        }
        "tools" => {
            r##"<rect x="-190" y="-110" width="280" height="110" rx="36" fill="#0f766e"/><rect x="90" y="-80" width="120" height="34" rx="8" fill="#9ca3af"/><rect x="-110" y="-10" width="90" height="170" rx="24" fill="#134e4a"/><rect x="-140" y="150" width="150" height="60" rx="12" fill="#1f2937"/>"##
        }
        _ => {
            r##"<ellipse rx="260" ry="70" fill="#0ea5e9" stroke="#0c4a6e" stroke-width="10"/><line x1="-200" y1="0" x2="200" y2="0" stroke="#f8fafc" stroke-width="12"/><line x1="-40" y1="-200" x2="120" y2="140" stroke="#1f2937" stroke-width="12" stroke-linecap="round"/>"##
        }
    }
}

/// XML text escaping for titles such as `Riese & Müller` or `Ride 10'6"`.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Photo `shot` (0, 1, 2) of a listing: the motif on a gradient of `hue`, with a caption.
pub fn photo(category: &str, hue: u16, shot: usize, caption: &str) -> String {
    let (scale, angle, cx, cy) = match shot {
        0 => (1.0, -6, 400, 290),
        1 => (1.35, 8, 430, 320),
        _ => (0.8, 0, 360, 280),
    };
    let light = format!("hsl({hue} 70% 92%)");
    let dark = format!("hsl({} 55% 78%)", (hue + 40) % 360);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"><defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{dark}"/></linearGradient></defs><rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/><ellipse cx="{cx}" cy="{}" rx="260" ry="30" fill="#0f172a" opacity=".12"/><g transform="translate({cx} {cy}) rotate({angle}) scale({scale})">{}</g><text x="32" y="{}" font-family="system-ui, sans-serif" font-size="28" font-weight="600" fill="#0f172a" opacity=".75">{}</text></svg>"##,
        cy + 230,
        motif(category),
        HEIGHT - 32,
        escape(caption),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_are_escaped_and_the_picture_is_one_svg_element() {
        let svg = photo("water", 200, 1, "Red Paddle Co Ride 10'6\" & <more>");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains("10&#x27;6&quot; &amp; &lt;more&gt;"));
        assert_eq!(svg.matches("<svg").count(), 1);
    }
}

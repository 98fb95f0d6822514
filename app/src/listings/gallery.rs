//! The listing's photos: the first large, the rest as thumbnails, each a button opening the
//! viewer, a popover of every photo full size in a strip that snaps one photo at a time
//! (swiped on a phone, scrolled by the arrow keys once focused, or stepped by "Previous
//! photo" and "Next photo"). The markup is drawn on the server, so the listing page's wasm
//! carries one click handler and no view of it; the popover opens before the wasm arrives
//! (at the first photo), and the handler opens it at the photo clicked.

use leptos::prelude::*;

/// The gallery of `photos` as HTML (empty without photos).
#[cfg(feature = "ssr")]
pub fn markup(photos: &[super::model::PhotoRef]) -> String {
    use leptos::tachys::view::RenderHtml;
    let count = photos.len();
    if count == 0 {
        return String::new();
    }
    let opener = |n: usize, photo: &super::model::PhotoRef, first: bool| {
        let (sizes, width, height, class) = if first {
            (
                "(min-width: 1024px) 44rem, 95vw",
                "800",
                "600",
                "rounded-2xl",
            )
        } else {
            ("14rem", "400", "300", "rounded-lg")
        };
        view! {
            <button type="button" popovertarget="photo-viewer" class="photo-open" data-photo=n.to_string()
                aria-label=format!("Open photo {} of {count}: {}", n + 1, photo.alt)>
                <img src=photo.url() srcset=photo.srcset() sizes=sizes alt="" width=width height=height
                    fetchpriority=first.then_some("high") loading=(!first).then_some("lazy")
                    class=format!("aspect-[4/3] w-full bg-slate-100 object-cover {class}")/>
            </button>
        }
    };
    let thumbnails = (count > 1).then(|| {
        view! {
            <ul class="mt-3 grid grid-cols-3 gap-3">
                {photos.iter().enumerate().skip(1).map(|(n, photo)| view! {
                    <li>{opener(n, photo, false)}</li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <div class="mt-6">{opener(0, &photos[0], true)}</div>
        {thumbnails}
        <div id="photo-viewer" popover="auto" role="dialog" aria-label="Photos" class="photo-viewer">
            <div class="flex flex-wrap justify-end gap-2 p-3">
                <button type="button" class="btn-secondary" data-step="-1">"Previous photo"</button>
                <button type="button" class="btn-secondary" data-step="1">"Next photo"</button>
                <button type="button" class="btn-secondary" popovertarget="photo-viewer"
                    popovertargetaction="hide">"Close photos"</button>
            </div>
            <div class="photo-strip" role="group" tabindex="0" autofocus aria-label="Photos, one at a time">
                {photos.iter().enumerate().map(|(n, photo)| view! {
                    <figure>
                        <img src=photo.url() srcset=photo.srcset() sizes="100vw" alt=photo.alt.clone()
                            loading="lazy" decoding="async"/>
                        <figcaption>{format!("{} ({} of {count})", photo.alt, n + 1)}</figcaption>
                    </figure>
                }).collect_view()}
            </div>
        </div>
    }
    .to_html()
}

/// The gallery drawn by [`markup`], with its one click handler: a photo's button opens the
/// viewer at that photo (once the browser has opened it), the step buttons move one photo.
#[component]
pub fn Gallery(html: String) -> impl IntoView {
    let gallery = NodeRef::<leptos::html::Div>::new();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let target = event_target::<leptos::web_sys::Element>(&ev);
        let control = |name: &str| {
            target
                .closest(&format!("[{name}]"))
                .ok()
                .flatten()
                .and_then(|e| e.get_attribute(name))
                .and_then(|n| n.parse::<i32>().ok())
        };
        let strip = gallery
            .get_untracked()
            .and_then(|g| g.query_selector(".photo-strip").ok().flatten());
        let Some(strip) = strip else { return };
        if let Some(n) = control("data-photo") {
            // The button's own action opens the popover after this handler; scroll then.
            set_timeout(
                move || strip.set_scroll_left(n * strip.client_width()),
                std::time::Duration::ZERO,
            );
        } else if let Some(by) = control("data-step") {
            strip.scroll_by_with_x_and_y(f64::from(by * strip.client_width()), 0.0);
        }
    };
    view! { <div node_ref=gallery inner_html=html on:click=on_click></div> }
}

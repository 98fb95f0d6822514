//! The script that brings a server-rendered page to life, written by the server's shell.

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use std::sync::OnceLock;

/// Starts loading the wasm once the page's first frame has been painted, in place of
/// Leptos's `HydrationScripts`: on a fast machine its script could run before the first
/// paint, and its preload links, even at low priority, shared a slow phone's network with
/// the page's own images and styles. The page works as HTML meanwhile; `data-hydrated` on
/// `<body>` says when it answers clicks.
#[component]
pub fn HydrateAfterPaint(options: LeptosOptions) -> impl IntoView {
    let (js, wasm) = pkg_files(&options);
    let nonce = leptos::nonce::use_nonce();
    // The second animation frame runs after the first has been painted. A tab opened in the
    // background paints no frames, so a timer starts it there.
    let script = format!(
        "let started = false;\
         const start = () => {{ if (started) return; started = true;\
         import({js}).then((m) => m.default({{ module_or_path: {wasm} }}).then(() => m.hydrate()))\
         .catch((e) => console.error('GearShare could not start its scripts:', e)); }};\
         requestAnimationFrame(() => requestAnimationFrame(start));\
         setTimeout(start, 3000);",
        js = script_string(&js),
        wasm = script_string(&wasm),
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// A JS string literal that cannot end the `<script>` element it sits in.
fn script_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

/// The URLs of the JS glue and the core wasm, with the content hashes cargo-leptos wrote
/// beside the binary when it built with `hash-files` (read once per process).
fn pkg_files(options: &LeptosOptions) -> (String, String) {
    static FILES: OnceLock<(String, String)> = OnceLock::new();
    FILES
        .get_or_init(|| {
            let name = options.output_name.to_string();
            let pkg = format!("/{}", options.site_pkg_dir);
            if !options.hash_files {
                return (format!("{pkg}/{name}.js"), format!("{pkg}/{name}.wasm"));
            }
            let hashes = std::env::current_exe()
                .ok()
                .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
                .and_then(|file| std::fs::read_to_string(file).ok())
                .unwrap_or_default();
            let hash_of = |kind: &str| {
                hashes.lines().find_map(|line| {
                    let (file, hash) = line.split_once(':')?;
                    (file.trim() == kind).then(|| hash.trim().to_owned())
                })
            };
            match (hash_of("js"), hash_of("wasm")) {
                (Some(js), Some(wasm)) => (
                    format!("{pkg}/{name}.{js}.js"),
                    format!("{pkg}/{name}.{wasm}.wasm"),
                ),
                _ => {
                    // Pages still render; nothing in them will answer clicks until a rebuild.
                    leptos::logging::error!(
                        "hash-files is on but the js and wasm hashes are missing from {}",
                        options.hash_file
                    );
                    (format!("{pkg}/{name}.js"), format!("{pkg}/{name}.wasm"))
                }
            }
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::script_string;

    #[test]
    fn a_script_string_is_quoted_and_cannot_close_the_script() {
        assert_eq!(
            script_string("/pkg/gearshare.a1.js"),
            r#""/pkg/gearshare.a1.js""#
        );
        assert!(!script_string("</script><script>alert(1)").contains('<'));
    }
}

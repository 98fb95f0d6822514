"""Serves the pages Lighthouse measures as static copies without the wasm, beside the real ones.

Each page named on the command line is fetched once from GearShare, its hydration script and
the preloads of /pkg JavaScript and wasm are cut out, and the copy is served as plain bytes;
every other path (the stylesheet, images) is passed through to GearShare, so a copy differs
from the real page only by the wasm. That is the limit scripts/lighthouse.sh compares with.

    python3 static_copies.py UPSTREAM PORT PATH...
"""

import re
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM, PORT, PATHS = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

# The module script that loads the wasm, the preload links of its files, and the page data
# that only hydration reads.
CUTS = [
    re.compile(r'<script type="module"[^>]*>.*?</script>', re.S),
    re.compile(r'<link rel="modulepreload"[^>]*>'),
    re.compile(r'<link rel="preload"[^>]*/pkg/[^>]*\.wasm"[^>]*>'),
    re.compile(r'<link[^>]*href="/pkg/[^"]*\.wasm"[^>]*>'),
    re.compile(r'<script[^>]*>\s*\(?function\(\)\s*\{\s*__RESOLVED_RESOURCES.*?</script>', re.S),
]


def fetch(path):
    with urllib.request.urlopen(UPSTREAM + path) as response:
        return response.read(), dict(response.headers)


COPIES = {}
for path in PATHS:
    body, _ = fetch(path)
    html = body.decode()
    for cut in CUTS:
        html = cut.sub("", html)
    COPIES[path] = html.encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in COPIES:
            body, kind = COPIES[self.path], "text/html; charset=utf-8"
        else:
            try:
                body, headers = fetch(self.path)
                kind = headers.get("Content-Type", "application/octet-stream")
            except urllib.error.HTTPError as error:
                self.send_response(error.code)
                self.end_headers()
                return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

#!/usr/bin/env python3
"""Photo upload load for scripts/measure-uploads.sh: memory under many large uploads at once.

  upload_load.py photo PATH BYTES      writes a JPEG of about BYTES to PATH
  upload_load.py run BASE UPLOADS OWNERS PHOTO PID

`run` signs up OWNERS owners (each from an address of its own; the server trusts the proxy
header), each creates a listing, then all send UPLOADS uploads of PHOTO at the same moment
(UPLOADS / OWNERS each, in parallel). Meanwhile it samples the resident memory of process
PID every 20 ms. Prints one JSON line: memory before, peak and after (MB), the answers
(photos added, refusals by code), and the seconds the slowest upload took.

`photo` makes a photo-like JPEG with Pillow when it is installed (noise, so it decodes at a
real photo's cost); without it, a real 320x240 JPEG from the fuzz corpus padded with comment
segments to the size (it tests holding the body, not decoding it). The JSON says which.
"""
import http.cookiejar
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


def make_photo(path, size):
    try:
        import random

        from PIL import Image

        rng = random.Random(7)
        # Noise compresses about as badly as a sharp photo; pick sides that land near `size`.
        side = 1000
        while True:
            width, height = side * 4 // 3, side
            image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
            image.save(path, "JPEG", quality=85)
            if os.path.getsize(path) >= size * 0.85 or side > 6000:
                break
            side = int(side * (size / os.path.getsize(path)) ** 0.5 * 0.98)
        while os.path.getsize(path) > size:
            side = int(side * 0.97)
            width, height = side * 4 // 3, side
            image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
            image.save(path, "JPEG", quality=85)
        return {"kind": "noise photo", "width": width, "height": height, "bytes": os.path.getsize(path)}
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "fuzz", "corpus", "photo_headers", "seed-jpeg-320x240.jpg"), "rb") as f:
            seed = f.read()
        body = bytearray(seed[:2])
        chunk = b"\xff\xfe" + (65535).to_bytes(2, "big") + b"g" * 65533
        while len(body) + len(chunk) + len(seed) < size:
            body += chunk
        body += seed[2:]
        with open(path, "wb") as f:
            f.write(body)
        return {"kind": "padded 320x240", "bytes": len(body)}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(base, uploads, owners, photo_path, pid):
    with open(photo_path, "rb") as f:
        photo = f.read()

    def opener():
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def send(client, path, data, content_type, ip):
        request = urllib.request.Request(
            base + path,
            data=data,
            headers={
                "content-type": content_type,
                "accept": "application/json",
                "origin": base,
                "x-forwarded-for": ip,
            },
        )
        try:
            with client.open(request, timeout=300) as response:
                return response.status, response.headers.get("location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("location", ""), error.read().decode(errors="replace")

    def form(fields):
        return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"

    people = []
    for n in range(owners):
        ip = f"10.88.{n // 250}.{n % 250 + 1}"
        client = opener()
        email = f"uploads-{uuid.uuid4().hex[:12]}@example.com"
        status, _, body = send(
            client,
            "/api/signup",
            *form({"name": f"Upload owner {n}", "email": email, "password": "kayak tripod lantern", "next": "/"}),
            ip,
        )
        if status != 200:
            sys.exit(f"upload_load: sign-up answered {status}: {body[:200]}")
        fields = {
            "title": f"Camera kit {n}",
            "description": "A camera body with two lenses, checked after every rental.",
            "category": "cameras",
            "condition": "good",
            "daily_price": "25",
            "deposit": "300",
            "quantity": "1",
            "city": "Berlin",
        }
        status, _, body = send(
            client, "/api/create_listing", *form({f"form[{k}]": v for k, v in fields.items()}), ip
        )
        if status != 200:
            sys.exit(f"upload_load: creating a listing answered {status}: {body[:200]}")
        people.append((client, ip, json.loads(body)))

    boundary = "gearshare-load-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"kit.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"

    before = rss_mb(pid)
    samples = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                samples.append(rss_mb(pid))
            except OSError:
                return
            time.sleep(0.02)

    answers = {}
    slowest = [0.0]
    lock = threading.Lock()
    start = threading.Barrier(uploads)

    def upload(n):
        client, ip, listing = people[n % owners]
        start.wait()
        began = time.monotonic()
        try:
            status, location, _ = send(client, f"/owner/listings/{listing}/photos", body, content_type, ip)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            if "photos_added" in query:
                key = "added"
            elif "photo_error" in query:
                key = query["photo_error"][0]
            else:
                key = f"status {status}"
        except Exception as error:  # a reset connection is an answer to count too
            key = type(error).__name__
        with lock:
            answers[key] = answers.get(key, 0) + 1
            slowest[0] = max(slowest[0], time.monotonic() - began)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=upload, args=(n,)) for n in range(uploads)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    time.sleep(0.5)
    done.set()
    sampler.join()
    print(
        json.dumps(
            {
                "uploads": uploads,
                "owners": owners,
                "upload_mb": round(len(photo) / 1e6, 1),
                "rss_before_mb": round(before, 1),
                "rss_peak_mb": round(max(samples), 1),
                "rss_after_mb": round(rss_mb(pid), 1),
                "answers": answers,
                "slowest_s": round(slowest[0], 1),
                "all_s": round(elapsed, 1),
            }
        )
    )


def main():
    if sys.argv[1:2] == ["photo"]:
        print(json.dumps(make_photo(sys.argv[2], int(sys.argv[3]))))
    elif sys.argv[1:2] == ["run"]:
        base, uploads, owners, photo, pid = sys.argv[2:7]
        run(base, int(uploads), int(owners), photo, int(pid))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

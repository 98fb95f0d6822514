#!/usr/bin/env python3
"""Booking load for the fault drills (scripts/drill-kill.sh, scripts/drill-pg-restart.sh).

Signs up RENTERS accounts (each from an address of its own, the server trusting the proxy
header), then each sends booking requests for random listings and dates until STOP_FILE
appears. Every request that got a success answer is appended to ACKED (one booking id a line,
flushed and synced before the next request), so the drill can check that what was
acknowledged survived whatever happened to the server. Also polls /readyz every 100 ms and
prints one JSON summary line: answers by status, what a failure said, and /readyz changes.
Standard library only.
"""
import http.cookiejar
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date, timedelta


def main():
    base, renters, listings_file, acked_path, stop_file = sys.argv[1:6]
    renters = int(renters)
    with open(listings_file) as f:
        listings = [line.strip() for line in f if line.strip()]
    if not listings:
        sys.exit("drill_load: no listings to book")
    lock = threading.Lock()
    answers = {}
    samples = {}
    readyz = []
    acked = open(acked_path, "a")

    def count(key, body=""):
        with lock:
            answers[key] = answers.get(key, 0) + 1
            if key not in ("200", "409") and key not in samples:
                samples[key] = body[:200]

    def post(opener, path, fields, ip):
        request = urllib.request.Request(
            base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "accept": "application/json",
                "origin": base,
                "x-forwarded-for": ip,
            },
        )
        try:
            with opener.open(request, timeout=30) as response:
                return str(response.status), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return str(error.code), error.read().decode(errors="replace")
        except Exception as error:  # connection refused or reset while the server is down
            return "no answer", type(error).__name__

    def renter(n):
        rng = random.Random(n)
        ip = f"10.77.{n // 250}.{n % 250 + 1}"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        email = f"drill-{uuid.uuid4().hex[:12]}@example.com"
        while not os.path.exists(stop_file):
            status, body = post(
                opener,
                "/api/signup",
                {"name": f"Drill renter {n}", "email": email, "password": "kayak tripod lantern", "next": "/"},
                ip,
            )
            if status == "200":
                break
            time.sleep(0.2)
        while not os.path.exists(stop_file):
            start = date.today() + timedelta(days=rng.randint(20, 400))
            fields = {
                "listing": rng.choice(listings),
                "from": start.isoformat(),
                "to": (start + timedelta(days=rng.randint(1, 3))).isoformat(),
                "key": str(uuid.uuid4()),
                "card_number": "4242 4242 4242 4242",
                "card_expiry": "12/30",
                "card_cvc": "123",
            }
            status, body = post(opener, "/api/request_booking", fields, ip)
            count(status, body)
            if status == "200":
                with lock:
                    acked.write(json.loads(body) + "\n")
                    acked.flush()
                    os.fsync(acked.fileno())
            elif status == "no answer":
                time.sleep(0.05)

    def poll_readyz():
        last = None
        started = time.monotonic()
        while not os.path.exists(stop_file):
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                    status = str(response.status)
            except urllib.error.HTTPError as error:
                status = str(error.code)
            except Exception:
                status = "no answer"
            if status != last:
                readyz.append([round(time.monotonic() - started, 1), status])
                last = status
            time.sleep(0.1)

    threads = [threading.Thread(target=renter, args=(n,)) for n in range(renters)]
    threads.append(threading.Thread(target=poll_readyz))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acked.close()
    print(json.dumps({"answers": answers, "failures_said": samples, "readyz": readyz}))


if __name__ == "__main__":
    main()

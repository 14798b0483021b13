#!/usr/bin/env bash
# Seeds the extract fuzz corpus: the fixture feeds' text and the extractor's own test sentences,
# each behind 8 bytes of publication time (2020-10-12). The corpus stays out of git.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/extract
mkdir -p "$out"
when='\x00\x3d\x84\x5f\x00\x00\x00\x00'   # 1602502656 s, little-endian; printf expands it
n=0
# Every quoted sentence in the extractor's unit tests.
grep -rhoE '"[A-Z][^"]{20,}\."' ../src/extract | tr -d '"' | while IFS= read -r line; do
  n=$((n + 1)); { printf "$when"; printf '%s' "$line"; } > "$out/test-$n"
done
# The fixture feeds, markup and all.
for f in ../tests/data/feeds/*.xml; do
  { printf "$when"; cat "$f"; } > "$out/feed-$(basename "$f" .xml)"
done
ls "$out" | wc -l

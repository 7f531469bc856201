#!/usr/bin/env bash
# Builds the emoji colour set from npm emoji-datasource-<vendor>@16.0.0: the vendor's 64x64 PNGs
# (every emoji and its skin-tone variants) and emoji.json (each image's category and its base emoji)
# into data/emoji/<vendor>/. The loader (lib/AeLab/Data/Emoji.cs) flattens transparency onto white.
#   bash data/emoji.sh [VENDOR...]     default twitter (Twemoji, CC-BY 4.0); also google (Noto, Apache-2.0)
# Idempotent: the tarball is cached in data/cache/, and a vendor whose images are all there is skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/cache"
version=16.0.0
vendors=("$@"); [ "${#vendors[@]}" -gt 0 ] || vendors=(twitter)
for v in "${vendors[@]}"; do
  [[ "$v" =~ ^(twitter|google)$ ]] || { echo "emoji.sh: vendor '$v' must be twitter (Twemoji, CC-BY 4.0) or google (Noto Emoji, Apache-2.0)" >&2; exit 2; }
done
mkdir -p "$cache"
for v in "${vendors[@]}"; do
  out="$here/emoji/$v"
  if [ -s "$out/emoji.json" ] && [ -s "$out/complete" ]; then echo "emoji.sh: $out has all $(cat "$out/complete") images"; continue; fi
  tgz="$cache/emoji-datasource-$v-$version.tgz"
  if [ ! -s "$tgz" ]; then
    command -v npm >/dev/null || { echo "emoji.sh: npm not found; install it (sudo apt-get install npm) or put $(basename "$tgz") in $cache" >&2; exit 1; }
    echo "emoji.sh: downloading emoji-datasource-$v@$version (about 60 MB) into $cache"
    (cd "$cache" && npm pack --silent "emoji-datasource-$v@$version" >/dev/null)
  fi
  tmp="$cache/extract.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
  tar -xzf "$tgz" -C "$tmp" package/emoji.json package/README.md --wildcards "package/img/$v/64/*.png"
  rm -rf "$out"; mkdir -p "$out"
  mv "$tmp/package/img/$v/64" "$out/64"
  mv "$tmp/package/emoji.json" "$out/emoji.json"
  mv "$tmp/package/README.md" "$out/README.md"
  rm -rf "$tmp"
  find "$out/64" -name '*.png' | wc -l > "$out/complete"
  echo "emoji.sh: $(cat "$out/complete") images in $out/64"
done

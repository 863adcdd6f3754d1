#!/usr/bin/env bash
# photo-split.sh PHOTOS DEST
# The bundled model's data split: the 37 photographs of ../shared/data/fetch-photos.sh, numbered
# a01..a37; every fifth (a05 a10 a15 a20 a25 a30 a35) is held out for evaluation and never
# trained on. Writes DEST/train and DEST/held as symbolic links to the PNG files.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PHOTOS DEST" >&2; exit 2; }
src=$(cd "$1" && pwd)
mkdir -p "$2/train" "$2/held"
n=0
for f in "$src"/a[0-9][0-9]_*.png; do
  b=$(basename "$f"); i=$((10#${b:1:2}))
  if [ $((i % 5)) -eq 0 ]; then ln -sfn "$f" "$2/held/$b"; else ln -sfn "$f" "$2/train/$b"; fi
  n=$((n + 1))
done
[ "$n" -eq 37 ] || { echo "$0: expected 37 photographs a01..a37 in $1, found $n" >&2; exit 1; }
echo "$2/train: $(ls "$2/train" | wc -l) photographs; $2/held: $(ls "$2/held" | wc -l) held out"

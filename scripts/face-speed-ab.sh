#!/usr/bin/env bash
# A/B face speed: alternate runs of bench/face-speed.ts with two versions of the own CNN + ensemble.json
# (everything else the same tree), then combine each side's runs (median over runs of the per-run medians).
#   scripts/face-speed-ab.sh TAG BEFORE_DIR AFTER_DIR [PAIRS=5] [CALLS=40]
# BEFORE_DIR / AFTER_DIR each hold own_expression.onnx and ensemble.json; the shipped pair is restored at the end.
set -euo pipefail
tag=$1; before=$2; after=$3; pairs=${4:-5}; calls=${5:-40}
cd "$(dirname "$0")/.."
keep=$(mktemp -d)
cp models/face/own_expression.onnx models/face/ensemble.json "$keep/"
restore() { cp "$keep/own_expression.onnx" "$keep/ensemble.json" models/face/; rm -rf "$keep"; }
trap restore EXIT
b=(); a=()
for i in $(seq 1 "$pairs"); do
  for side in before after; do
    dir=$before; [ "$side" = after ] && dir=$after
    cp "$dir/own_expression.onnx" "$dir/ensemble.json" models/face/
    OMP_NUM_THREADS=1 nice -n 10 npx tsx bench/face-speed.ts --runs "$calls" --tag "$tag-$side-r$i" > /dev/null
    if [ "$side" = before ]; then b+=("bench/results/face-speed-$tag-before-r$i.json"); else a+=("bench/results/face-speed-$tag-after-r$i.json"); fi
    echo "pair $i $side done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
npx tsx bench/face-speed.ts --combine "$(IFS=,; echo "${b[*]}")" --tag "$tag-before" > /dev/null
npx tsx bench/face-speed.ts --combine "$(IFS=,; echo "${a[*]}")" --tag "$tag-after" > /dev/null
echo "wrote bench/results/face-speed-$tag-{before,after}.md"

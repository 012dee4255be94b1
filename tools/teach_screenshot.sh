#!/usr/bin/env bash
# docs/teach.png: the real draw.py window answering with a taught model. A collection of one
# pendigits writer's drawings (3 of each digit, w28: 9s the shipped model reads as 7) is
# made in a temporary folder; the window starts with it, T teaches, and then another of that
# writer's 1s is drawn (tools/draw_screenshot.sh does the window, the drawing and the capture).
#
#     PYTHON=/work/venv/bin/python NEUROSCRIBBLE_DATA=/work/shared/mnist bash tools/teach_screenshot.sh
#
# Needs what tools/draw_screenshot.sh needs, MNIST (for replay) and ../shared/handwriting.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
handwriting=../shared/handwriting/pendigits_train_digits.json
writer=pendigits/w28 drawn_digit=6687  # a 9 by w28, not among the kept drawings, that the shipped model reads as 7
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" - "$handwriting" "$writer" "$drawn_digit" "$work/my_drawings.npz" <<'PY'
import json, sys
sys.path.insert(0, ".")
from collection import Collection
from pen import digit_from_strokes
from tools.eval_handwriting import fit_to_canvas
path, writer, drawn, output = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(path, encoding="utf-8") as stream:
    entries = json.load(stream)
kept = Collection()
for digit in range(10):
    mine = [entry for i, entry in enumerate(entries) if entry["writer"] == writer and entry["label"] == digit and i != drawn]
    for entry in mine[:3]:
        strokes = fit_to_canvas(entry["strokes"])
        kept.add(strokes, digit_from_strokes(strokes), digit)
kept.save(output)
print(f"# {len(kept.drawings)} drawings by {writer} kept in {output}", file=sys.stderr)
PY
cp weights.npz "$work/weights.npz"  # the taught model is written beside these weights, not in the repository
PYTHON=$python HANDWRITING=$handwriting OUTPUT=docs/teach.png KEYS_FIRST=t WAIT_AFTER_KEYS=60 \
    DRAW_ARGS="--weights $work/weights.npz" bash tools/draw_screenshot.sh "$drawn_digit"

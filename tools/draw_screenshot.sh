#!/usr/bin/env bash
# docs/draw.png: the real draw.py window on a virtual X display (Xvfb), a pen-written UJI digit
# replayed into it as mouse drags (xdotool), captured with imagemagick and cropped to the window.
#
#     bash tools/draw_screenshot.sh                  # UJI digit 157, a 7, as in docs/drawing.md
#     PYTHON=/work/venv/bin/python bash tools/draw_screenshot.sh 42
#
# Settings by environment (tools/teach_screenshot.sh uses them): HANDWRITING (the digits JSON),
# DRAW_ARGS (more arguments for draw.py), KEYS_FIRST (keys xdotool presses before drawing, e.g. "t"),
# WAIT_AFTER_KEYS (seconds, default 0), OUTPUT (default docs/draw.png).
#
# Needs Xvfb, xdotool, imagemagick and ../shared/handwriting/uji_digits.json beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
digit_index=${1:-157}
python=${PYTHON:-python}
output=${OUTPUT:-docs/draw.png}
work=$(mktemp -d)
app_pid= xvfb_pid=
stop() {  # the app first (so it does not lose its display mid-frame), then Xvfb; by their ids
    for pid in $app_pid $xvfb_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop EXIT

# A free display: Xvfb picks the number itself and writes it to file descriptor 3.
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
xvfb_pid=$!
until [ -s "$work/display" ]; do sleep 0.1; done
export DISPLAY=":$(cat "$work/display")"

# shellcheck disable=SC2086  # DRAW_ARGS is a list of arguments
SDL_VIDEODRIVER=x11 "$python" draw.py ${DRAW_ARGS:-} &
app_pid=$!
window=
for _ in $(seq 100); do  # up to 20 s for the window (found by the app's pid; --name misses it here)
    window=$(xdotool search --pid "$app_pid" 2>/dev/null | head -n 1) || true
    [ -n "$window" ] && break
    kill -0 "$app_pid" 2>/dev/null || { echo "draw.py exited before opening its window" >&2; exit 1; }
    sleep 0.2
done
[ -n "$window" ] || { echo "draw.py opened no window in 20 s" >&2; exit 1; }
sleep 1  # let the first frame draw
if [ -n "${KEYS_FIRST:-}" ]; then
    # shellcheck disable=SC2086  # KEYS_FIRST is a list of keys
    xdotool key --window "$window" ${KEYS_FIRST}
    sleep "${WAIT_AFTER_KEYS:-0}"
fi

# The digit's strokes, fitted to the canvas as tools/eval_handwriting.py draws them, as one
# xdotool script: per stroke, move to its start, press, move through its points, release.
"$python" - "$digit_index" "$window" "${HANDWRITING:-}" >"$work/strokes.xdo" <<'EOF'
import json, sys
sys.path.insert(0, ".")
from tools.eval_handwriting import DEFAULT_HANDWRITING, fit_to_canvas
index, window, path = int(sys.argv[1]), sys.argv[2], sys.argv[3] or DEFAULT_HANDWRITING
with open(path, encoding="utf-8") as stream:
    entry = json.load(stream)[index]
print(f"# digit {index} of {path}: a {entry['label']} by {entry['writer']}", file=sys.stderr)
for stroke in fit_to_canvas(entry["strokes"]):
    (x, y), *rest = [(round(x), round(y)) for x, y in stroke]
    print(f"mousemove --window {window} {x} {y}\nmousedown 1")
    for x, y in rest:
        print(f"mousemove --window {window} {x} {y}\nsleep 0.01")
    print("mouseup 1")
EOF
xdotool "$work/strokes.xdo"
sleep 1  # live prediction runs on the next frame; leave time for it and the redraw

# Capture the whole screen, then keep only the window's rectangle.
eval "$(xdotool getwindowgeometry --shell "$window")"  # sets X, Y, WIDTH, HEIGHT
import -window root "$work/screen.png"
convert "$work/screen.png" -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$output"
echo "wrote $output (${WIDTH}x${HEIGHT})"

#!/usr/bin/env bash
# Records a real screen session for trying the pipeline end to end: Chromium under Xvfb
# showing two local pages, captured with ffmpeg x11grab, with narration from flite
# (espeak-ng when flite is missing; pocketsphinx hears flite's voices far better).
# Needs Debian xvfb, xdotool, chromium, flite or espeak-ng (not needed by Iris itself).
# Usage: scripts/record-screen-demo.sh OUT.mp4 [SECONDS]
set -Eeuo pipefail
OUT=${1:?usage: record-screen-demo.sh OUT.mp4 [SECONDS]}
SECONDS_TOTAL=${2:-40}
FFMPEG=${FFMPEG:-$(node -e "console.log(require('@ffmpeg-installer/ffmpeg').path)")}
WORK=$(mktemp -d)
DISPLAY_NUM=:${IRIS_DEMO_DISPLAY:-97}
PORT=${IRIS_DEMO_PORT:-8765}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1 && rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

page() { # file title body
  cat >"$WORK/$1" <<HTML
<!doctype html><html><head><title>$2</title>
<style>body{font-family:sans-serif;margin:60px;font-size:34px;background:#fff;color:#111}
h1{font-size:64px}</style></head><body><h1>$2</h1>$3</body></html>
HTML
}
page roadmap.html "Quarterly Roadmap Review" "<p>Launch the search dashboard in March.</p><p>Owner: Priya. Budget approved.</p>"
page invoice.html "Invoice 4471 Approved" "<p>Vendor: Northwind Traders</p><p>Total due: 12,400 EUR by Friday.</p>"

python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK" >/dev/null 2>&1 &
pids+=($!)
Xvfb "$DISPLAY_NUM" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
sleep 1
export DISPLAY=$DISPLAY_NUM
# --test-type hides the "unsupported command-line flag" bar --no-sandbox brings up.
chromium --no-sandbox --test-type --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-features=Translate --user-data-dir="$WORK/profile" \
  --window-position=0,0 --window-size=1280,720 "http://127.0.0.1:$PORT/roadmap.html" >/dev/null 2>&1 &
pids+=($!)
sleep 4

NARRATION="Welcome to the quarterly roadmap review. We will launch the search dashboard in March. \
Priya owns the launch and the budget is approved. Next, the invoice from Northwind Traders. \
Invoice forty four seventy one is approved. The total is due on Friday. Thank you everyone."
if command -v flite >/dev/null; then
  flite -voice kal16 -t "$NARRATION" -o "$WORK/speech.wav"
else
  espeak-ng -s 150 -w "$WORK/speech.wav" "$NARRATION"
fi

"$FFMPEG" -hide_banner -loglevel error -y -f x11grab -video_size 1280x720 -framerate 10 -i "$DISPLAY_NUM" \
  -i "$WORK/speech.wav" -t "$SECONDS_TOTAL" -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -c:a aac -af apad "$OUT" &
rec=$!
sleep $((SECONDS_TOTAL / 2))
# Navigate like a user: focus the address bar, type the next page's URL.
xdotool key --clearmodifiers ctrl+l
xdotool type --delay 40 "127.0.0.1:$PORT/invoice.html"
xdotool key Return
wait "$rec"
echo "$OUT"

#!/usr/bin/env bash
# The dashboard in real headless Chromium: the page loads from the admin port, its memory chart
# drew the level bands the scripted timeline went through, and the page logged no error. Saves a
# screenshot. Exit 77 (ctest: skipped) where Chromium is not installed.
#   dashboard_chromium_test.sh <admin_demo_server binary> <output dir>
set -euo pipefail
server="$1"
out="$2"
chrome="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$chrome" ]]; then
  echo "SKIPPED: chromium is not installed (scripts/install-deps.sh --test installs it)"
  exit 77
fi
mkdir -p "$out"
tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$server" --port-file "$tmp/port" --seconds 300 >"$tmp/server.log" 2>&1 &
pid=$!
# Waiting on an external process to come up: bounded.
for _ in $(seq 100); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
[[ -s "$tmp/port" ]] || { echo "FAIL: the admin server did not start"; cat "$tmp/server.log"; exit 1; }
port="$(cat "$tmp/port")"
url="http://127.0.0.1:$port/"

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-extensions --disable-default-apps --mute-audio --hide-scrollbars
  --window-size=1280,1500 --virtual-time-budget=8000)

timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$tmp/profile-dom" \
  --enable-logging=stderr --v=0 --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/chrome.log" || {
  echo "FAIL: chromium --dump-dom failed"; tail -20 "$tmp/chrome.log"; exit 1; }
cp "$tmp/dom.html" "$out/dashboard-dom.html"
cp "$tmp/chrome.log" "$out/chromium.log"

body="$(grep -o '<body[^>]*>' "$tmp/dom.html" | head -1)"
echo "body: $body"
fail=0
expect() {  # expect <attribute> <value>
  if ! grep -qF "$1=\"$2\"" <<<"$body"; then echo "FAIL: expected $1=\"$2\""; fail=1; fi
}
expect data-ready 1
expect data-errors 0
# The scripted timeline: normal 60 s, elevated 45 s, high 45 s, critical 30 s, high 30 s.
expect data-bands "normal,elevated,high,critical,high"
expect data-band-levels "normal,elevated,high,critical"
expect data-points 210
expect data-thresholds "0.6,0.8,0.9"
expect data-containers 3
expect data-level high
if grep -q 'id="errors"><li' "$tmp/dom.html"; then echo "FAIL: the page listed errors"; fail=1; fi
# Console messages Chromium itself saw (it logs every one as ":CONSOLE" with --enable-logging):
# the page writes nothing to the console when all is well, so any message — an uncaught
# exception, a failed resource, a CSP violation, a console.error — fails the test.
if grep -qE ':CONSOLE|Uncaught|Refused to' "$tmp/chrome.log"; then
  echo "FAIL: console messages:"
  grep -E ':CONSOLE|Uncaught|Refused to' "$tmp/chrome.log" | head -20
  fail=1
fi

# The screenshot is an artifact for people (docs/img/dashboard.png), not an assertion: every check
# above already ran against the DOM. Headless Chromium sometimes hangs on exit (zygote
# "GetTerminationStatus") when the machine is loaded, so a failed or timed-out screenshot is
# reported but does not fail the test.
if timeout 60 "$chrome" "${flags[@]}" --user-data-dir="$tmp/profile-shot" \
  --screenshot="$out/dashboard.png" "$url" >/dev/null 2>"$tmp/shot.log" && [[ -s "$out/dashboard.png" ]]; then
  echo "screenshot: $out/dashboard.png"
else
  echo "WARNING: no screenshot (chromium --screenshot failed or timed out; the DOM checks above stand)"
  tail -5 "$tmp/shot.log"
fi
exit "$fail"

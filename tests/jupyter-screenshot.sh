#!/usr/bin/env bash
# A lesson executed in Jupyter Notebook and photographed: a local `jupyter notebook` server (Debian's jupyter-notebook)
# with the dotnet-interactive tool's own kernelspec, headless Chromium opening the lesson's jupyter/ copy and running
# every cell in the notebook page ("Run All", from a custom.js), the server saving the executed notebook; then a second
# headless Chromium `--screenshot` of that executed notebook's first 1400 pixels (in lesson 01: its first picture).
#   bash tests/jupyter-screenshot.sh [lesson, default 01-autoencoder] [out.png, default jupyter/screenshot.png]
# Full mode (the shipped weights) unless AELAB_SMOKE=1. Needs: apt-get install jupyter-notebook chromium;
# lib/setup.sh (the library and the local tool). Nothing outside a temporary folder is changed except the PNG;
# the executed copy is written next to the lesson's copy (the kernel must run in jupyter/) and removed at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lesson="${1:-01-autoencoder}"
out="$(realpath -m "${2:-$root/jupyter/screenshot.png}")"
port="${AELAB_JUPYTER_PORT:-8897}"
limit="${AELAB_JUPYTER_LIMIT:-900}"   # seconds the whole lesson may take in the page
for tool in jupyter-notebook chromium; do
  command -v "$tool" >/dev/null || { echo "jupyter-screenshot: $tool is missing (apt-get install jupyter-notebook chromium)" >&2; exit 2; }
done
[ -f "$root/jupyter/$lesson.ipynb" ] || { echo "jupyter-screenshot: no jupyter/$lesson.ipynb" >&2; exit 2; }

tmp="$(mktemp -d)"
copy="$root/jupyter/$lesson.executed.ipynb"   # not hidden: the server refuses to serve hidden files
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp" "$copy" "$root/jupyter/.ipynb_checkpoints"
}
trap cleanup EXIT

# A private Jupyter: the tool's kernelspec (as `dotnet interactive jupyter install` writes it) and a custom.js.
export JUPYTER_PATH="$tmp" JUPYTER_DATA_DIR="$tmp" JUPYTER_CONFIG_DIR="$tmp/config" JUPYTER_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$tmp/kernels" "$tmp/config/custom"
(cd "$root" && dotnet interactive jupyter install --path "$tmp/kernels" >/dev/null)
cat > "$tmp/config/custom/custom.js" <<'JS'
// ?aelab=run: run every cell once the kernel is ready, save when all have run.
require(['base/js/namespace', 'base/js/events'], function (Jupyter, events) {
  var mode = new URLSearchParams(window.location.search).get('aelab');
  if (mode === 'run') {
    var started = false;
    var run = function () { if (started) return; started = true; Jupyter.notebook.execute_all_cells(); };
    events.on('kernel_ready.Kernel', run);
    if (Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()) run();
    events.on('kernel_idle.Kernel', function () {
      if (!started) return;
      var code = Jupyter.notebook.get_cells().filter(function (c) { return c.cell_type === 'code'; });
      if (code.every(function (c) { return typeof c.input_prompt_number === 'number'; })) Jupyter.notebook.save_notebook();
    });
  }
});
JS

# The server runs from the repository root, as the README tells learners; the kernel starts in jupyter/.
cp "$root/jupyter/$lesson.ipynb" "$copy"
as_root=(); [ "$(id -u)" != 0 ] || as_root=(--allow-root)   # containers often run as root
jupyter-notebook "${as_root[@]}" --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 --NotebookApp.token= --NotebookApp.password= \
  --notebook-dir="$root" >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/api" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$port/api" >/dev/null || { echo "jupyter-screenshot: the server did not start:" >&2; tail -20 "$tmp/server.log" >&2; exit 1; }
url="http://127.0.0.1:$port/notebooks/jupyter/$(basename "$copy")"
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --hide-scrollbars)

echo "running $lesson in Jupyter Notebook ($url)"
start=$(date +%s)
"${chrome[@]}" --user-data-dir="$tmp/run-profile" --remote-debugging-port=0 "$url?aelab=run" >"$tmp/chrome-run.log" 2>&1 &
pids+=($!)
executed() {
  /usr/bin/python3 - "$copy" <<'PY'
import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
sys.exit(0 if cells and all(c.get("execution_count") for c in cells) else 1)
PY
}
until executed; do
  if [ $(( $(date +%s) - start )) -gt "$limit" ]; then
    echo "jupyter-screenshot: $lesson did not finish within $limit s in the page; server log:" >&2; tail -30 "$tmp/server.log" >&2; exit 1
  fi
  sleep 3
done
echo "executed and saved by Jupyter Notebook in $(( $(date +%s) - start )) s"
kill "${pids[1]}" 2>/dev/null || true

/usr/bin/python3 - "$copy" <<'PY'
import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
errors = [i for i, c in enumerate(cells) if any(o["output_type"] == "error" for o in c["outputs"])]
pictures = sum(1 for c in cells for o in c["outputs"] if "image/png" in o.get("data", {}))
print(f"{len(cells)} code cells, {len(errors)} with an error, {pictures} picture(s)")
sys.exit(1 if errors or pictures == 0 else 0)
PY

mkdir -p "$(dirname "$out")"
"${chrome[@]}" --user-data-dir="$tmp/shot-profile" --window-size=1280,1400 --virtual-time-budget=20000 \
  --screenshot="$out" "$url" >"$tmp/chrome-shot.log" 2>&1
[ -s "$out" ] || { echo "jupyter-screenshot: chromium wrote no screenshot" >&2; tail -20 "$tmp/chrome-shot.log" >&2; exit 1; }
echo "screenshot: $out"

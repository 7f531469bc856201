#!/usr/bin/env bash
# Prepares a machine for the course, idempotently: system packages (Debian/Ubuntu), the runner's
# offline web assets (npm), the datasets, and the library build in lib/bin.
#   bash lib/setup.sh            everything the lessons need
#   bash lib/setup.sh --tests    also what the tests need (headless Chromium)
#   bash lib/setup.sh --bench    also PyTorch (on OpenBLAS) for the side-by-side benchmark
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_tests=0; want_bench=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup.sh: unknown option '$arg' (use --tests or --bench)" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }

# --- system packages -------------------------------------------------------------------------
packages=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || packages+=(dataset-fashion-mnist)
command -v rsvg-convert >/dev/null || packages+=(librsvg2-bin)
command -v npm >/dev/null || packages+=(npm)
# The library compiles its native error guard (lib/AeLab/Runtime/Native/torch_guard.cpp) with it at first use.
command -v g++ >/dev/null || packages+=(g++)
if [ "$want_tests" = 1 ]; then
  command -v chromium >/dev/null || packages+=(chromium)
  # The executed .ipynb is validated and converted by Jupyter's own tools.
  /usr/bin/python3 -c 'import nbformat, nbconvert' 2>/dev/null || packages+=(python3-nbformat python3-nbconvert)
  # The PyTorch weight round trips build the course material's models in Debian's PyTorch.
  /usr/bin/python3 -c 'import torch' 2>/dev/null || packages+=(python3-torch)
  # Every lesson also runs in the dotnet-interactive tool, driven by Jupyter's own client as Jupyter Notebook drives it.
  /usr/bin/python3 -c 'import nbclient, jupyter_client' 2>/dev/null || packages+=(python3-nbclient python3-jupyter-client)
fi
if [ "$want_bench" = 1 ]; then
  /usr/bin/python3 -c 'import torch' 2>/dev/null || packages+=(python3-torch)
  # Debian's libtorch calls the libblas.so.3 alternative: the reference BLAS it otherwise gets is ~25x slower
  # than OpenBLAS at SGEMM, which is not a PyTorch anyone would compare with.
  if command -v dpkg-query >/dev/null && ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'ok installed'; then
    packages+=(libopenblas0-pthread)
  fi
fi
if [ "${#packages[@]}" -gt 0 ]; then
  step "installing system packages: ${packages[*]}"
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
  else
    echo "setup.sh: please install these with your package manager: ${packages[*]}" >&2
    echo "          (Fashion-MNIST can also be put in data/fashion-mnist; see data/README.md)" >&2
  fi
fi

# --- npm assets for offline HTML (KaTeX, plotly.js) --------------------------------------------
if [ -f "$root/lib/AeLab.Runner/package.json" ]; then
  step "runner web assets (npm)"
  (cd "$root/lib/AeLab.Runner" && { [ -d node_modules ] && npm ls --silent >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; })
fi

# --- datasets -------------------------------------------------------------------------------
if [ -f "$root/data/pokemon.sh" ]; then
  step "Pokémon artwork"
  bash "$root/data/pokemon.sh"
fi
if [ -f "$root/data/emoji.sh" ]; then
  step "emoji artwork"
  bash "$root/data/emoji.sh"
fi

# --- the dotnet-interactive tool ------------------------------------------------------------------
# The kernel process VS Code's Polyglot Notebooks and Jupyter start, at the version .config/dotnet-tools.json names.
if [ -f "$root/.config/dotnet-tools.json" ]; then
  step "dotnet-interactive (local tool)"
  (cd "$root" && dotnet tool restore >/dev/null)
fi

# --- the library ------------------------------------------------------------------------------
step "building lib/bin (AeLab.dll with TorchSharp and its native libraries)"
dotnet build "$root/lib/AeLab/AeLab.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly
echo "setup done."

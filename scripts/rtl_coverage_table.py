#!/usr/bin/env python3
"""Per-module RTL coverage table from a verilator_coverage data file (scripts/rtl_coverage.sh).

   rtl_coverage_table.py relocate rtl/sv model-*.dat     (in place)
   rtl_coverage_table.py table merged.dat rtl/sv [exceptions.txt] > docs/rtl-coverage.md

The models are verilated from the generator's copies of the hand-written modules (rtl/gen writes a
self-contained directory per configuration): `relocate` points every coverage point of such a copy back
at the file of the same name in rtl/sv (the copies are byte-identical), so the points of all
configurations merge and `verilator_coverage --annotate` annotates the checked-in sources.

A coverage point counts as covered when any instance of its module, in any configuration, hit it. Line
points are Verilator's line/block/branch points (`--coverage-line`), toggle points one per bit and
direction (`--coverage-toggle`). Only the hand-written sources in the given directory are counted (the
generated package and top are left out).
"""
import collections
import os
import re
import sys


def points(path):
    """Yields (fields, count) for every point of a Verilator coverage .dat file."""
    rx = re.compile(r"^C '(.*)' (\d+)$")
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = rx.match(line.rstrip("\n"))
            if not m:
                continue
            fields = {}
            for kv in m.group(1).split("\x01"):
                if "\x02" in kv:
                    k, v = kv.split("\x02", 1)
                    fields[k] = v
            yield fields, int(m.group(2))


def relocate(src_dir, dats):
    """Rewrites the file field of every point whose file has a namesake in src_dir to that namesake."""
    names = set(os.listdir(src_dir))
    rx = re.compile("(\x01f\x02)([^\x01']*)")

    def repl(m):
        name = os.path.basename(m.group(2))
        return m.group(1) + (os.path.join(src_dir, name) if name in names else m.group(2))

    for dat in dats:
        with open(dat, encoding="latin-1") as f:
            text = f.read()
        with open(dat, "w", encoding="latin-1") as f:
            f.write(rx.sub(repl, text))


def load_exceptions(path, src_dir):
    """The justified exceptions: {(file, line): why} from lines `file | text | why` of `path`, where text
    is found on exactly one line of rtl/sv/file (so the list survives edits that move code)."""
    found = {}
    if not path:
        return found
    with open(path, encoding="utf-8") as f:
        for n, entry in enumerate(f, 1):
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            parts = [x.strip() for x in entry.split("|")]
            if len(parts) != 3:
                sys.exit(f"{path}:{n}: expected `file | text | why`")
            name, text, why = parts
            with open(os.path.join(src_dir, name), encoding="utf-8") as src:
                at = [i for i, line in enumerate(src.read().split("\n"), 1) if text in line]
            if len(at) != 1:
                sys.exit(f"{path}:{n}: `{text}` is on {len(at)} lines of {name} (needs exactly one)")
            found[(name, at[0])] = why
    return found


def source_lines(src_dir):
    """{file: [lines]} of the sources."""
    out = {}
    for name in os.listdir(src_dir):
        if name.endswith((".sv", ".svh")):
            with open(os.path.join(src_dir, name), encoding="utf-8") as f:
                out[name] = f.read().split("\n")
    return out


def table(dat, src_dir, exceptions_path):
    excepted = load_exceptions(exceptions_path, src_dir)
    sources = source_lines(src_dir)
    hits = {}  # (file, kind, line, column, comment) -> covered
    for f, count in points(dat):
        path = os.path.realpath(f.get("f", ""))
        if os.path.dirname(path) != src_dir:
            continue
        kind = "toggle" if f.get("t") == "toggle" or f.get("page", "").startswith("v_toggle") else "line"
        key = (os.path.basename(path), kind, int(f.get("l", "0")), f.get("n", "0"), f.get("o", ""))
        hits[key] = hits.get(key, False) or count > 0

    def category(module, line):
        """'assert' for the points of an assertion macro, 'except' for a listed exception, else ''."""
        text = sources.get(module, [])
        if 0 < line <= len(text) and "`VTA_ASSERT" in text[line - 1]:
            return "assert"
        return "except" if (module, line) in excepted else ""

    table = collections.defaultdict(lambda: collections.Counter())
    missed = collections.defaultdict(set)
    exc_points = collections.Counter()  # (module, line) -> points
    exc_hit = collections.Counter()
    for (module, kind, line, _, _), covered in hits.items():
        t = table[module]
        if kind == "toggle":
            t["toggle"] += 1
            t["toggle_hit"] += covered
            continue
        t["line"] += 1
        t["line_hit"] += covered
        cat = category(module, line)
        if cat:
            t[cat] += 1
            t[cat + "_hit"] += covered
            if cat == "except":
                exc_points[(module, line)] += 1
                exc_hit[(module, line)] += covered
        else:
            t["design"] += 1
            t["design_hit"] += covered
            if not covered:
                missed[module].add(line)
    pct = lambda c, t: f"{100.0 * c / t:.1f}%" if t else "-"
    print("# RTL coverage\n")
    print("Generated by `scripts/rtl_coverage.sh` (Verilator `--coverage-line --coverage-toggle`; the RTL test")
    print("suites rtl_sim_test, rtl_device_test and fetch_backpressure_test on every prebuilt configuration).")
    print("A point counts as covered when any instance of its module in any configuration hit it. Line points")
    print("are Verilator's line, block and branch points; toggle points one per signal bit. *Design* leaves out")
    print("the points of the assertion macros (`VTA_ASSERT...`: checking code, whose branches depend on whether")
    print("a handshake ever waited) and the justified exceptions listed below; the 95% goal is on the design")
    print("points. Figures before and after the coverage tests: docs/benchmarks.md.\n")
    print("| module | line points | covered | all points | assertion points | exceptions | **design line coverage** "
          "| toggle points | toggle coverage | design lines not covered |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    total = collections.Counter()
    for module in sorted(table):
        t = table[module]
        total.update(t)
        lines = ", ".join(str(n) for n in sorted(missed[module])) or "-"
        print(f"| {module} | {t['line']} | {t['line_hit']} | {pct(t['line_hit'], t['line'])} | {t['assert']} | "
              f"{t['except']} | **{pct(t['design_hit'], t['design'])}** | {t['toggle']} | "
              f"{pct(t['toggle_hit'], t['toggle'])} | {lines} |")
    t = total
    print(f"| **all of rtl/sv** | {t['line']} | {t['line_hit']} | {pct(t['line_hit'], t['line'])} | {t['assert']} | "
          f"{t['except']} | **{pct(t['design_hit'], t['design'])}** | {t['toggle']} | "
          f"**{pct(t['toggle_hit'], t['toggle'])}** | |")
    print("\n## Exceptions\n")
    print("Design code no test reaches, and why (scripts/rtl_coverage_exceptions.txt; points covered of the line's")
    print("points):\n")
    print("| file:line | code | covered | why |")
    print("|---|---|---|---|")
    for (module, line), why in sorted(excepted.items()):
        code = sources[module][line - 1].strip().replace("|", "\\|")
        print(f"| {module}:{line} | `{code}` | {exc_hit[(module, line)]}/{exc_points[(module, line)]} | {why} |")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "relocate":
        relocate(os.path.realpath(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "table":
        table(sys.argv[2], os.path.realpath(sys.argv[3]), sys.argv[4] if len(sys.argv) == 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/bin/sh
# tests/golden/run.sh KASIM OUTDIR - write the outputs that the golden-output test pins:
# every shipped scenario as text, --json and --explain, its -o directory (run.json,
# timeline.csv, captures, plot data), and the shipped sweeps' reports (quick.ini whole,
# on 1 and 2 threads; nat-safe.ini's shard 7/100; server-side.ini whole), and the
# cookbook's files (scenarios/cookbook/: text output, sweeps' reports). Run from the repository's top.
#
# Not pinned: the gnuplot scripts (*.gp) and rendered figures, whose text is
# presentation (issue: plots/ templates), and the sweep journal/manifest, whose format
# carries integrity data. Everything a user reads as a result is pinned.
#
#   make golden-update   regenerates tests/golden/expected after a named change
set -eu
K=$1
O=$2
mkdir -p "$O"
for f in scenarios/*.ini; do
	n=$(basename "$f" .ini)
	"$K" "$f" >"$O/$n.txt" 2>/dev/null || echo "exit $?" >>"$O/$n.txt"
	"$K" --json "$f" >"$O/$n.json" 2>/dev/null || echo "exit $?" >>"$O/$n.json"
	"$K" --explain "$f" >"$O/$n.explain" 2>/dev/null || echo "exit $?" >>"$O/$n.explain"
	"$K" -q --no-plot -o "$O/$n.d" "$f" >/dev/null 2>&1 || echo "exit $?" >"$O/$n.d.exit"
	rm -f "$O/$n.d/plots/"*.gp
done
# the course pack's answer keys (docs/teaching.md): the timeline, summary and [expect] report
mkdir -p "$O/course"
for f in scenarios/course/keys/*.ini; do
	"$K" "$f" >"$O/course/$(basename "$f" .ini).txt" 2>/dev/null || echo "exit $?" >>"$O/course/$(basename "$f" .ini).txt"
done
sweep() { # NAME ARGS...: a sweep's reports and plot data, nothing else
	n=$1; shift
	"$K" sweep "$@" -o "$O/$n" --no-render --no-progress >/dev/null 2>&1 || echo "exit $?" >"$O/$n.exit"
	rm -f "$O/$n/runs.journal" "$O/$n/manifest" "$O/$n/plots/"*.gp
}
sweep quick-j1 scenarios/sweeps/quick.ini -j 1
sweep quick-j2 scenarios/sweeps/quick.ini -j 2
sweep nat-safe-7of100 scenarios/sweeps/nat-safe.ini --shard 7/100 -j 2
sweep server-side scenarios/sweeps/server-side.ini -j 2
# The cookbook's files (docs/cookbook.md): each scenario's text output, each sweep's reports.
for f in scenarios/cookbook/*.ini; do
	n=cookbook-$(basename "$f" .ini)
	if grep -q '^\[sweep\]' "$f"; then
		sweep "$n" "$f" -j 2
	else
		"$K" "$f" >"$O/$n.txt" 2>/dev/null || echo "exit $?" >>"$O/$n.txt"
	fi
done

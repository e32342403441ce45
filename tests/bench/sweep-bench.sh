#!/bin/sh
# sweep-bench.sh - the sweep benchmark (make bench): scenarios/sweeps/nat-safe.ini,
# 40 keepidles x 4 middleboxes x 3 loss rates x 100 replicas = 48,000 runs of
# one simulated day, on 2 threads and on 1; prints the wall times, the
# speed-up and the engine events per second per thread.
#   tests/bench/sweep-bench.sh [KASIM] [THREADS...]
set -eu
kasim=${1:-./kasim}
out=build/bench-sweep
for j in 2 1; do
	rm -rf "$out-j$j"
	"$kasim" sweep scenarios/sweeps/nat-safe.ini -o "$out-j$j" -j "$j" --stats --no-render --no-progress \
		2>"$out-j$j.stats"
	cat "$out-j$j.stats"
done
cmp "$out-j1/results.csv" "$out-j2/results.csv" && echo "results.csv: identical on 1 and 2 threads"
w2=$(sed -n 's/.* in \([0-9.]*\) s on.*/\1/p' "$out-j2.stats")
w1=$(sed -n 's/.* in \([0-9.]*\) s on.*/\1/p' "$out-j1.stats")
echo "sweep: $w2 s on 2 threads, $w1 s on 1; speed-up $(awk -v a="$w1" -v b="$w2" 'BEGIN { printf "%.2f", a / b }')"
# The core benchmark's workload (1 s keepalives, no NAT) as a sweep of 400
# days: events per second per thread, to compare with build/bench's figure.
rm -rf "$out-core"
"$kasim" sweep tests/bench/sweep-core.ini -o "$out-core" -j 1 --stats --no-render --no-progress

#!/bin/sh
# core-vs-floor.sh FLOOR - the core benchmark (make bench) beside the floor,
# measured in the same run: build/bench on tests/bench/year-keepidle-1s.ini
# (best of 3), then FLOOR (build/floor, from ../shared/bench/floor.c: a bare
# binary heap doing the same keepalive/probe/ACK pattern, 1 s keepidle and
# keepintvl, zero delay) over the same simulated horizon, best of 3. Prints
#   core: kasim K M events/s, floor F M events/s, ratio K/F
# The machines are shared and drift: quote kasim as this ratio, never alone.
# When FLOOR is not an executable (the floor's source is missing), says so and
# prints kasim's figure alone.
set -eu
floor=$1
out=build/bench-core.out
./build/bench tests/bench/year-keepidle-1s.ini 3 | tee "$out"
k=$(sed -n 's/^events\/s *\([0-9.]*\) million.*/\1/p' "$out")
horizon=$(sed -n 's/^scenario .*(\([0-9.]*\) s simulated)$/\1/p' "$out")
if [ ! -x "$floor" ]; then
	echo "core: kasim $k M events/s; floor skipped: $floor not found (../shared/bench/README.md; FLOOR_SRC=PATH make bench)"
	exit 0
fi
best=0
for i in 1 2 3; do
	line=$("$floor" 1 "$horizon" 0)
	echo "$line"
	f=$(echo "$line" | sed -n 's/.*events\/s=\([0-9.]*\)M.*/\1/p')
	best=$(awk -v a="$best" -v b="$f" 'BEGIN { print (b > a ? b : a) }')
done
awk -v k="$k" -v f="$best" 'BEGIN { printf "core: kasim %.1f M events/s, floor %.1f M events/s, ratio %.2f\n", k, f, k / f }'

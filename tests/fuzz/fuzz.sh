#!/bin/sh
# fuzz.sh - run the libFuzzer targets of tests/fuzz/ (make fuzz, make fuzz-replay).
#
#   tests/fuzz/fuzz.sh fuzz   TARGET SECONDS   fuzz each target for SECONDS
#   tests/fuzz/fuzz.sh replay TARGET           every seed (and tests/corpus/) once
#
# TARGET: scenario, sweep, run or all. The binaries are build/fuzz/fuzz_TARGET
# (the Makefile builds them). New corpus entries go to build/fuzz/corpus-TARGET,
# never into the tree; a crash, leak, timeout (10 s) or OOM (2 GB) fails the
# run and its reproducer is left in build/fuzz/artifacts/TARGET/. Replay a
# reproducer with: build/fuzz/fuzz_TARGET FILE
set -u
mode=${1:?usage: fuzz.sh fuzz|replay TARGET [SECONDS]}
target=${2:-all}
seconds=${3:-60}
B=build/fuzz
case $target in
all) targets="scenario sweep run" ;;
scenario | sweep | run) targets=$target ;;
*) echo "fuzz.sh: FUZZ_TARGET must be scenario, sweep, run or all (not '$target')" >&2; exit 2 ;;
esac
case $seconds in '' | *[!0-9]*) echo "fuzz.sh: FUZZ_SECONDS must be a number of seconds" >&2; exit 2 ;; esac

# What any input may cost: libFuzzer reports more as a timeout or an OOM.
LIMITS="-timeout=10 -rss_limit_mb=2048 -max_len=8192"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# The last status line of a libFuzzer log: "cov: N ft: N corp: N/Nb".
figures() {
	stats=$(grep -E '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE)' "$1" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
	cov=$(printf '%s\n' "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$stats" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	echo "$execs executions, cov: ${cov:-?} ft: ${ft:-?}, corpus: ${corp:-?} (entries/bytes)"
}

# On failure: the end of the log and where the reproducer is.
failed() { # TARGET LOG STATUS
	tail -n 40 "$2" >&2
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$2" | tail -n 1)
	echo "fuzz.sh: $1: FAILED (status $3); log: $2" >&2
	[ -n "$repro" ] && echo "fuzz.sh: $1: reproducer: $repro (replay: $B/fuzz_$1 $repro)" >&2
}

status=0
summary=
for t in $targets; do
	bin=$B/fuzz_$t
	log=$B/$mode-$t.log
	[ -x "$bin" ] || { echo "fuzz.sh: $bin is missing (make $B/fuzz_$t)" >&2; exit 2; }
	mkdir -p "$B/artifacts/$t"
	if [ "$mode" = fuzz ]; then
		mkdir -p "$B/corpus-$t"
		echo "fuzz.sh: fuzzing $t for $seconds s (log: $log)"
		# the first directory receives the new entries; the seeds are read only
		"$bin" "$B/corpus-$t" "tests/fuzz/corpus/$t" -dict=tests/fuzz/kasim.dict \
			-max_total_time="$seconds" $LIMITS -print_final_stats=1 \
			-artifact_prefix="$B/artifacts/$t/" >"$log" 2>&1
	else
		# every file once: the seeds of this target, then the regression corpus
		list=$B/replay-$t.list
		find "tests/fuzz/corpus/$t" -type f | sort >"$list"
		[ -d tests/corpus ] && find tests/corpus -type f | sort >>"$list"
		echo "fuzz.sh: replaying $(wc -l <"$list") inputs through $t (log: $log)"
		xargs "$bin" $LIMITS -artifact_prefix="$B/artifacts/$t/" <"$list" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		failed "$t" "$log" $rc
		status=1
		summary="$summary$t: FAILED
"
	elif [ "$mode" = fuzz ]; then
		summary="$summary$t: $(figures "$log")
"
	else
		summary="$summary$t: $(grep -c '^Executed ' "$log") inputs replayed, no failure
"
	fi
done
echo "fuzz.sh: $mode results"
printf '%s' "$summary"
exit $status

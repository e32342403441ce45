#!/bin/sh
# tsan.sh - ThreadSanitizer run of the OpenMP sweep (make tsan, part of make test).
#
#   tests/tsan.sh build/tsan/kasim
#
# build/tsan/kasim is built by clang with -fopenmp -fsanitize=thread against
# LLVM's libomp. libomp itself is not instrumented; its OMPT tool "archer"
# (libomp-14-dev) tells TSan about OpenMP's barriers, critical sections and
# task synchronisation, and ignore_noninstrumented_modules=1 skips the memory
# accesses made inside the uninstrumented libraries (libomp, libinih,
# libjansson, libpcap). No suppression file: every access of kasim's own code
# is checked, and any report fails the run (exit 66).
set -u
bin=${1:?usage: tsan.sh build/tsan/kasim}
archer=/usr/lib/llvm-14/lib/libarcher.so
[ -r "$archer" ] || { echo "tsan.sh: $archer missing (apt-get install libomp-14-dev)" >&2; exit 2; }
export OMP_TOOL_LIBRARIES=$archer
export ARCHER_OPTIONS=verbose=1
export TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 exitcode=66 second_deadlock_stack=1"
out=build/tsan/out
rm -rf "$out"
mkdir -p "$out"
status=0
run() { # NAME ARGS...
	name=$1
	shift
	log=$out/$name.log
	start=$(date +%s)
	"$bin" sweep "$@" -o "$out/$name" --no-render --no-progress --stats >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -q 'ThreadSanitizer' "$log"; then
		echo "tsan.sh: $name: FAILED (exit $rc): kasim sweep $*" >&2
		cat "$log" >&2
		status=1
		return
	fi
	# archer must have been loaded, or TSan did not know OpenMP's synchronisation
	if ! grep -q 'Archer detected OpenMP application with TSan' "$log"; then
		echo "tsan.sh: $name: archer was not loaded ($archer)" >&2
		status=1
		return
	fi
	echo "tsan.sh: $name: no data race ($(($(date +%s) - start)) s): kasim sweep $*"
}
run quick scenarios/sweeps/quick.ini -j 2
run nat-safe scenarios/sweeps/nat-safe.ini --shard 7/100 -j 2
[ $status -eq 0 ] && echo "tsan: 2 sweeps, 0 ThreadSanitizer reports"
exit $status

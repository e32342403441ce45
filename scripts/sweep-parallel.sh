#!/bin/sh
# sweep-parallel.sh - run a kasim sweep as N shards with GNU parallel, on this
# machine or on many (--sshloginfile), then merge. Not run in CI.
#
#   scripts/sweep-parallel.sh SWEEP.ini OUT_DIR [SHARDS] [JOBS]
#
# Each shard is "kasim sweep SWEEP.ini --shard I/N -o OUT_DIR/shard-I"; each
# shard uses every core of its machine (OpenMP), so JOBS is the number of
# shards running at once (default 1 per machine). Re-running the script after
# an interruption resumes: parallel's --resume skips the shards its joblog
# records as done, and --resume makes kasim finish a shard's missing runs.
#
# Many machines (each needs kasim on its PATH and the sweep file at the same
# path, e.g. on a shared file system):
#   parallel --sshloginfile nodes.txt ... (add it to the parallel line below)
# or copy the shard directories home and run the merge line by hand.
set -eu

sweep=${1:?usage: sweep-parallel.sh SWEEP.ini OUT_DIR [SHARDS] [JOBS]}
out=${2:?usage: sweep-parallel.sh SWEEP.ini OUT_DIR [SHARDS] [JOBS]}
shards=${3:-16}
jobs=${4:-1}
kasim=${KASIM:-kasim}

mkdir -p "$out"
last=$((shards - 1))
# --halt now,fail=1: stop at the first failing shard (its directory keeps the
# runs done so far; the next invocation resumes it).
seq 0 "$last" | parallel --will-cite -j "$jobs" --joblog "$out/parallel.joblog" --resume-failed \
	--halt now,fail=1 \
	"$kasim" sweep "$sweep" --no-progress --shard {}/"$shards" -o "$out/shard-{}" --resume

"$kasim" merge "$out"/shard-* -o "$out/merged"
echo "merged into $out/merged (results.csv, summary.csv, recommendation.txt, plots/)"

#!/bin/sh
# install-check.sh - make install into a temporary DESTDIR (run by make test):
# the installed kasim runs an installed scenario exactly like ./kasim, every
# file lands where the man page and the README say, man -l renders the
# installed pages, and make uninstall leaves nothing of kasim behind.
# Run from the repository's top, after `make kasim`.
set -eu
MAKE=${MAKE:-make}
tmp=$(mktemp -d /tmp/kasim-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install-check: $*" >&2; exit 1; }

$MAKE --no-print-directory -s install PREFIX=/usr/local DESTDIR="$tmp" >/dev/null
p=$tmp/usr/local
for f in bin/kasim share/man/man1/kasim.1 share/man/man5/kasim-scenario.5 \
	share/kasim/scenarios/unplug.ini share/kasim/scenarios/sweeps/quick.ini \
	share/kasim/scenarios/cookbook/cgnat-nlb-nginx.ini \
	share/kasim/scenarios/course/01-dead-peer/handout.md \
	share/kasim/scenarios/course/keys/01-dead-peer.ini \
	share/doc/kasim/README.md share/doc/kasim/scenario-format.md; do
	[ -f "$p/$f" ] || fail "make install did not install $f"
done
[ -d "$p/share/kasim/plots" ] || fail "make install did not create share/kasim/plots"
for g in plots/*.gp; do
	[ -e "$g" ] || continue
	cmp -s "$g" "$p/share/kasim/$g" || fail "$g not installed"
done
[ "$(stat -c %a "$p/bin/kasim")" = 755 ] || fail "bin/kasim is not mode 755"
[ "$(stat -c %a "$p/share/man/man1/kasim.1")" = 644 ] || fail "kasim.1 is not mode 644"

# The installed binary on the installed scenario prints what ./kasim prints.
"$p/bin/kasim" "$p/share/kasim/scenarios/unplug.ini" >"$tmp/installed.txt"
./kasim scenarios/unplug.ini >"$tmp/here.txt"
cmp "$tmp/installed.txt" "$tmp/here.txt" || fail "installed kasim prints something else"
grep -q 'A aborted with ETIMEDOUT at 7875 s' "$tmp/installed.txt" || fail "installed kasim: no abort at 7875 s"

# Every file of scenarios/ is installed, and the installed course keys pass
# their own [expect] sections with the installed kasim (docs/teaching.md).
(cd scenarios && find . -type f \( -name '*.ini' -o -name '*.md' \)) | while read -r f; do
	cmp -s "scenarios/$f" "$p/share/kasim/scenarios/$f" || fail "scenarios/$f not installed"
done
"$p/bin/kasim" check "$p"/share/kasim/scenarios/course/keys/*.ini >"$tmp/check.txt" 2>&1 ||
	fail "installed kasim check on the installed course keys: $(tail -3 "$tmp/check.txt")"

# The installed kasim finds the installed templates (PREFIX/share/kasim/plots,
# beside PREFIX/bin), copies them into DIR/plots/ and renders them when
# gnuplot is there. KASIM_PLOTS (set by make test) would hide the lookup.
for f in unplug-timeline unplug-detection nat-idle-timeout-timeline quick-sweep-detection nat-safe-survival; do
	[ -f "$p/share/doc/kasim/plots/examples/$f.png" ] || fail "make install did not install the README's $f.png"
done
if command -v gnuplot >/dev/null 2>&1; then plot=--plot; else plot=--no-plot; fi
env -u KASIM_PLOTS "$p/bin/kasim" -q $plot -o "$tmp/run" "$p/share/kasim/scenarios/unplug.ini" >/dev/null ||
	fail "installed kasim -o DIR failed"
for g in timeline.gp detection.gp; do
	cmp -s "$tmp/run/plots/$g" "$p/share/kasim/plots/$g" || fail "DIR/plots/$g is not the installed template"
done
[ -s "$tmp/run/plots/timeline.vars" ] || fail "no DIR/plots/timeline.vars"
if [ $plot = --plot ]; then
	for f in timeline.png detection.png timeline.svg detection.svg; do
		[ -s "$tmp/run/plots/$f" ] || fail "installed kasim did not render plots/$f"
	done
	rendered="rendered with the installed templates"
else
	rendered="gnuplot missing: render not checked"
fi

# The installed man pages render, without warnings.
for m in man1/kasim.1 man5/kasim-scenario.5; do
	MANWIDTH=80 man --warnings -l "$p/share/man/$m" >"$tmp/page.txt" 2>"$tmp/warn.txt" ||
		fail "man -l $m failed: $(cat "$tmp/warn.txt")"
	[ ! -s "$tmp/warn.txt" ] || fail "man --warnings -l $m: $(cat "$tmp/warn.txt")"
	grep -q '^NAME' "$tmp/page.txt" || fail "man -l $m: no NAME section"
done

# make uninstall removes every file and directory of kasim's.
$MAKE --no-print-directory -s uninstall PREFIX=/usr/local DESTDIR="$tmp" >/dev/null
left=$(cd "$tmp" && find usr -type f -o -type d -path '*kasim*' | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install-check: make install DESTDIR=$tmp: kasim, man pages, scenarios, docs, plots ($rendered); make uninstall: clean"

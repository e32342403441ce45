# sweep-detection.gp - kasim sweep: detection time of a dead peer against the
# keepidle of the side the sweep recommends for (A, or B), one line per series
# (the values of every other axis): the median, with error bars to p90.
#
# A template: kasim sweep (and kasim merge) copies it unchanged as
# DIR/plots/detection.gp and renders it there. Render it again, or after
# editing it, from that directory:
#   cd DIR/plots && gnuplot detection.gp     (writes detection.png)
#
# It reads, next to it:
#   detection.dat    one block per series, its title (the axes and their
#                    values) as the column header: keepidle_s keepintvl_s
#                    keepcnt p50_s p90_s max_s
#   detection.vars   blocks: how many series there are; rows: how many data
#                    rows they have in all (0: nothing was detected, and the
#                    figure says so); side: A or B
#
# Safety: the series titles are text from the sweep file, quoted data of
# detection.dat read by columnheader(); this script never loads, evaluates or
# macro-expands what kasim wrote (docs/sweeps.md, "Plots").

if (!exists('out')) out = 'detection.png'
blocks = 1; rows = 1; side = 'A'
set datafile separator tab
stats 'detection.vars' using (k = strcol(1), \
	k eq 'blocks' ? blocks = column(2) : \
	k eq 'rows'   ? rows = column(2) : \
	k eq 'side'   ? side = strcol(2) : 0, 0) nooutput
set datafile separator whitespace

set terminal pngcairo size 1200,800 font 'Sans,10'
set output out
set key outside right noenhanced   # the titles are axis values, printed as written
set grid
set title sprintf("Detection time of a dead peer by %s vs %s's keepidle (median, error bars to p90)", side, side)
set xlabel sprintf("%s's keepidle (s)", side)
set ylabel "detection (s)"
if (rows > 0) {
  plot for [i=0:blocks - 1] 'detection.dat' index i using 1:4:4:5 with yerrorlines title columnheader(1)
} else {
  set label 1 sprintf("No run detected a dead peer: %s never noticed it (keepalive off, or the connection was lost first)", side) at graph 0.5, 0.5 center
  set xrange [0:1]; set yrange [0:1]; unset key
  plot -1 notitle
}
# The next script run in this gnuplot picks its own file name.
undefine out

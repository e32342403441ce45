# sweep-tradeoff.gp - kasim sweep: detection time of a dead peer against the
# keepalive overhead, one series per group of the environment axes; filled
# points meet the sweep's objective.
#
# A template: kasim sweep (and kasim merge) copies it unchanged as
# DIR/plots/tradeoff.gp and renders it there. Render it again, or after
# editing it, from that directory:
#   cd DIR/plots && gnuplot tradeoff.gp     (writes tradeoff.png)
#
# It reads, next to it:
#   tradeoff.dat    one block per group, its title (the environment axes and
#                   their values) as the column header: bytes_per_h
#                   detection_s meets (1 = meets the objective)
#   tradeoff.vars   blocks: how many groups; rows: how many data rows in all
#                   (0: nothing was detected, and the figure says so); stat:
#                   the objective's detection statistic (p50, p90, p99 or
#                   max); side: A or B
#
# Safety: the group titles are text from the sweep file, quoted data of
# tradeoff.dat read by columnheader(); this script never loads, evaluates or
# macro-expands what kasim wrote (docs/sweeps.md, "Plots").

if (!exists('out')) out = 'tradeoff.png'
blocks = 1; rows = 1; statistic = 'p50'; side = 'A'
set datafile separator tab
stats 'tradeoff.vars' using (k = strcol(1), \
	k eq 'blocks' ? blocks = column(2) : \
	k eq 'rows'   ? rows = column(2) : \
	k eq 'side'   ? side = strcol(2) : \
	k eq 'stat'   ? statistic = strcol(2) : 0, 0) nooutput
set datafile separator whitespace

set terminal pngcairo size 1200,800 font 'Sans,10'
set output out
set key outside right noenhanced   # the titles are axis values, printed as written
set grid
set title sprintf("Detection time (%s) of a dead peer by %s vs overhead; filled = meets the objective", statistic, side)
set xlabel "overhead (bytes/h per connection)"
set ylabel sprintf("%s's detection %s (s)", side, statistic)
if (rows > 0) {
  set logscale x
  plot for [i=0:blocks - 1] 'tradeoff.dat' index i using 1:2:(column(3) > 0 ? 7 : 6) with points pt variable ps 1.5 title columnheader(1)
} else {
  set label 1 sprintf("No point has a %s detection time: %s never noticed a dead peer often enough", statistic, side) at graph 0.5, 0.5 center
  set xrange [0:1]; set yrange [0:1]; unset key
  plot -1 notitle
}
# The next script run in this gnuplot picks its own file name.
undefine out

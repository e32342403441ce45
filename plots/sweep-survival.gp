# sweep-survival.gp - kasim sweep: P(the connection survives the horizon) by
# the side's keepidle (x: A's, or B's when the sweep recommends for B) and
# environment (one row per group of the environment axes).
#
# A template: kasim sweep (and kasim merge) copies it unchanged as
# DIR/plots/survival.gp and renders it there. Render it again, or after
# editing it, from that directory:
#   cd DIR/plots && gnuplot survival.gp     (writes survival.png)
#   gnuplot -e "out='x.png'" survival.gp
#
# It reads, next to it:
#   survival.dat    keepidle_s row p_survive (the best over the other settings
#                   with this keepidle)
#   survival.vars   this sweep's settings: x0, x1 (the x range), box_half (half
#                   a cell's width), groups (rows) and group_0, group_1, ... (each
#                   row's label: the environment axes and their values), side
#                   (A or B)
#
# Safety: the labels are text from the sweep file. They are read with "stats"
# into a string variable that is only used as a tic label: this script never
# loads, evaluates or macro-expands what kasim wrote (docs/sweeps.md, "Plots").

if (!exists('out')) out = 'survival.png'
x0 = 0; x1 = 1; box_half = 0.5; groups = 1; side = 'A'
set datafile separator tab
stats 'survival.vars' using (k = strcol(1), \
	k eq 'side'     ? side = strcol(2) : \
	k eq 'x0'       ? x0 = column(2) : \
	k eq 'x1'       ? x1 = column(2) : \
	k eq 'box_half' ? box_half = column(2) : \
	k eq 'groups'   ? groups = column(2) : 0, 0) nooutput
# one tic per row, labelled with its group
do for [g = 0:groups - 1] {
  group = ''
  stats 'survival.vars' using (strcol(1) eq sprintf('group_%d', g) ? group = strcol(2) : 0, 0) nooutput
  if (g == 0) { set ytics (group g) } else { set ytics add (group g) }
}
set ytics noenhanced   # the labels are axis values, printed as written
set datafile separator whitespace

set terminal pngcairo size 1200,800 font 'Sans,10'
set output out
set title "P(connection survives the horizon) by keepidle and environment"
set xlabel sprintf("%s's keepidle (s)", side)
set palette defined (0 'red', 0.5 'yellow', 1 'green')
set cbrange [0:1]
set cblabel "P(survive)"
set xrange [x0:x1]
set yrange [-0.5:groups - 0.5]
plot 'survival.dat' using 1:2:(box_half):(0.5):3 with boxxyerror fc palette fs solid notitle
# The next script run in this gnuplot picks its own file name.
undefine out

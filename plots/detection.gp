# detection.gp - kasim: where the time to detection went in one run, against
# the closed-form prediction.
#
# A template: kasim copies this file unchanged into DIR/plots/ of every run
# written with -o DIR and renders it there. Render it again, or after editing
# it, from that directory:
#   cd DIR/plots && gnuplot detection.gp     (writes detection.png and detection.svg)
#
# It reads, next to it:
#   detection.dat    row,start_s,end_s,kind,label: one bar piece per row, in
#                    seconds since the endpoint last heard from its peer
#   detection.vars   this run's settings (below)
# Kinds 31-37 are the pieces (line types below), 30 the label at the end of a
# bar, 29 a note above it.
#
# Safety: the scenario's name and description come from detection.vars, read
# with "stats" into string variables that are only printed as the title: this
# script never loads, evaluates or macro-expands what kasim wrote
# (docs/outputs.md, "Plots").

reset   # nothing left from a script run before this one in the same gnuplot
if (!exists('png')) png = 'detection.png'
if (!exists('svg')) svg = 'detection.svg'
# scale: the figure's size, fonts and lines (1 = 1400x700; make figures uses 0.8)
if (!exists('scale')) scale = 1

# ---- this run's settings: detection.vars, KEY<TAB>VALUE ------------------------
#   scenario, description   the scenario's name and description (text)
#   xmax_s                  the x range's end
#   row_A, row_B            the height of the host's measured bar (its closed
#                           form is drawn 0.8 below); 0: it detected nothing
scenario = ''; description = ''
xmax_s = 1; row_A = 0; row_B = 0
set datafile separator tab
stats 'detection.vars' using (k = strcol(1), \
	k eq 'scenario'    ? scenario = strcol(2) : \
	k eq 'description' ? description = strcol(2) : \
	k eq 'xmax_s'      ? xmax_s = column(2) : \
	k eq 'row_A'       ? row_A = column(2) : \
	k eq 'row_B'       ? row_B = column(2) : 0, 0) nooutput
set datafile separator comma
page_title = scenario . (strlen(description) > 0 ? ': ' . description : '')

# ---- colours: the kind column of detection.dat ------------------------------------
# 1-7 are the default types of the plots below (the labels are drawn in them)
# and of the key's box: the same as in timeline.gp.
set linetype 1 lc rgb '#555555' lw 1.2
set linetype 2 lc rgb '#1f77b4' lw 2
set linetype 3 lc rgb '#9467bd' lw 2
set linetype 4 lc rgb '#ff7f0e' lw 2
set linetype 5 lc rgb '#2ca02c' lw 2
set linetype 6 lc rgb '#d62728' lw 2
set linetype 7 lc rgb '#17becf' lw 1.5
set linetype 31 lc rgb '#9ecae1'   # idle (keepidle)
set linetype 32 lc rgb '#fd8d3c'   # probe interval (keepintvl)
set linetype 33 lc rgb '#d62728'   # timer lateness
set linetype 34 lc rgb '#2ca02c'   # round trip
set linetype 35 lc rgb '#9467bd'   # retransmission timeout
set linetype 36 lc rgb '#e0e0e0'   # nothing to send
set linetype 37 lc rgb '#fdd0a2'   # wait after the last probe

set xrange [0:xmax_s]
set yrange [(row_A > 0 && row_B > 0 ? -0.5 : 1.5):3.7]
set xlabel 'seconds since the endpoint last heard from its peer (s)'
set format x '%.10g'
set grid xtics lc rgb '#dddddd'
set style fill solid 0.85 border lc rgb '#ffffff'
# y tics: which bar is which
set ytics ('' 0)
if (row_A > 0) {
  set ytics ('A: what happened (kasim)' row_A, 'A: closed form (B silent)' row_A - 0.8)
}
if (row_B > 0) {
  if (row_A > 0) { set ytics add ('B: what happened (kasim)' row_B, 'B: closed form (A silent)' row_B - 0.8) }
  if (row_A == 0) { set ytics ('B: what happened (kasim)' row_B, 'B: closed form (A silent)' row_B - 0.8) }
}
if (row_A == 0 && row_B == 0) {
  set label 1 'No endpoint detected a dead peer in this run: nothing to break down.' at graph 0.5, 0.5 center font ',14'
}
set key at screen 0.5, 0.015 center bottom horizontal box spacing 1.2 font ',10' maxrows 2
set bmargin at screen 0.22

do for [fmt in 'png svg'] {
  if (fmt eq 'png') { set terminal pngcairo size 1400*scale,700*scale font 'Sans,11' fontscale scale linewidth scale; set output png }
  if (fmt eq 'svg') { set terminal svg size 1400,700 dynamic font 'Sans,11'; set output svg }
  set title page_title . "\nWhere the time to detection went (measured) against the closed-form prediction" font ',13' noenhanced
  plot 'detection.dat' using ($4 > 30 ? ($2+$3)/2 : NaN):1:(($3-$2)/2):(0.3):4 with boxxyerror lc variable notitle, \
       'detection.dat' using ($4 > 30 ? ($2+$3)/2 : -1e12):1:5 with labels font ',9' noenhanced notitle, \
       'detection.dat' using ($4 == 30 ? $2 : -1e12):1:5 with labels left offset char 1,0 font ',10' noenhanced notitle, \
       'detection.dat' using ($4 == 29 ? $2 : -1e12):($1 + 0.45):5 with labels font ',10' noenhanced notitle, \
       NaN with boxes lt 31 title 'idle (keepidle)', NaN with boxes lt 32 title 'probe interval (keepintvl)', \
       NaN with boxes lt 37 title 'after the last probe / retransmission', NaN with boxes lt 33 title 'timer lateness', \
       NaN with boxes lt 34 title 'round trip (probe -> answer)', \
       NaN with boxes lt 35 title 'retransmission timeout', NaN with boxes lt 36 title 'nothing to send'
  unset output
}
# The next script run in this gnuplot (gnuplot timeline.gp detection.gp) picks its own file names.
undefine png svg scale

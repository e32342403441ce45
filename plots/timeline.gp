# timeline.gp - kasim's timeline of one run: A and B as two lanes over time.
#
# A template: kasim copies this file unchanged into DIR/plots/ of every run
# written with -o DIR and renders it there (gnuplot -d timeline.gp). Render
# it again, or after editing it, from that directory:
#   cd DIR/plots && gnuplot timeline.gp     (writes timeline.png and timeline.svg)
#   gnuplot -e "png='x.png'; svg='x.svg'" timeline.gp   (other file names)
#
# It reads, next to it:
#   timeline-packets.dat  sent_s,fate_s,src_lane,dst_lane,end_lane,kind,dropped,drop,label,drop_label
#   timeline-phases.dat   lane,start_s,end_s,kind,label
#   timeline-events.dat   time_s,kind,label,label_y
#   timeline.vars         this run's settings (below)
# Lanes: A = 1, B = 0; the NAT and the path sit between them (0.5). The kind
# columns are the line types defined below.
#
# Safety: everything that comes from the scenario (its name and description,
# drop reasons, event labels) is data. timeline.vars is read with "stats",
# its text lands in string variables, and they are only ever printed as
# titles: this script never loads, evaluates or macro-expands what kasim
# wrote (docs/outputs.md, "Plots").

reset   # nothing left from a script run before this one in the same gnuplot
if (!exists('png')) png = 'timeline.png'
if (!exists('svg')) svg = 'timeline.svg'
# scale: the figure's size, fonts and lines (1 = 1500x1000; make figures uses 0.8)
if (!exists('scale')) scale = 1

# ---- this run's settings: timeline.vars, KEY<TAB>VALUE -------------------------
#   scenario, description   the scenario's name and description (text)
#   duration_s              the run's length; run_xtics its tic step
#   setup_end_s             when B reached ESTABLISHED (0: all at t = 0)
#   setup_x0, setup_x1      the set-up zoom's x range; setup_xtics its tic step
#   focus                   what the right zoom shows: 1 = probing until the first
#                           detection, 2 = the first keepalive probe, 3 = the whole
#                           run (no probe was sent)
#   focus_x0, focus_x1      its x range; focus_xtics its tic step
#   proxy                   1: a proxy terminates TCP between A and B; its two
#                           sockets are drawn between the lanes (y = 0.5)
proxy = 0
scenario = ''; description = ''
duration_s = 1; run_xtics = 0.2
setup_end_s = 0; setup_x0 = -0.001; setup_x1 = 0.001; setup_xtics = 0.0005
focus = 3; focus_x0 = 0; focus_x1 = 1; focus_xtics = 0.2
set datafile separator tab
stats 'timeline.vars' using (k = strcol(1), \
	k eq 'scenario'    ? scenario = strcol(2) : \
	k eq 'description' ? description = strcol(2) : \
	k eq 'duration_s'  ? duration_s = column(2) : \
	k eq 'run_xtics'   ? run_xtics = column(2) : \
	k eq 'setup_end_s' ? setup_end_s = column(2) : \
	k eq 'setup_x0'    ? setup_x0 = column(2) : \
	k eq 'setup_x1'    ? setup_x1 = column(2) : \
	k eq 'setup_xtics' ? setup_xtics = column(2) : \
	k eq 'focus'       ? focus = column(2) : \
	k eq 'focus_x0'    ? focus_x0 = column(2) : \
	k eq 'focus_x1'    ? focus_x1 = column(2) : \
	k eq 'focus_xtics' ? focus_xtics = column(2) : \
	k eq 'proxy'       ? proxy = column(2) : 0, 0) nooutput
set datafile separator comma

page_title = scenario . (strlen(description) > 0 ? ': ' . description : '')
run_title = sprintf('Whole run: 0 to %.10g s (arrows: packets from sender at send time to receiver at ' . \
	'arrival; x: dropped)', duration_s)
setup_title = setup_end_s == 0 ? 'Zoom: connection set-up (all at t = 0: the link has no delay)' \
	: sprintf('Zoom: connection set-up (0 to %.6g s)', setup_x1)
focus_title = (focus == 1 ? 'Zoom: probing until detection' : \
	focus == 2 ? 'Zoom: the first keepalive probe' : \
	'Zoom: the whole run (no keepalive probe was sent)') . sprintf(' (%.10g to %.10g s)', focus_x0, focus_x1)

# ---- colours: the kind columns of the data files ---------------------------------
set linetype 1 lc rgb '#555555' lw 1.2   # SYN, ACK, FIN
set linetype 2 lc rgb '#1f77b4' lw 2     # data
set linetype 3 lc rgb '#9467bd' lw 2     # retransmission
set linetype 4 lc rgb '#ff7f0e' lw 2     # keepalive probe
set linetype 5 lc rgb '#2ca02c' lw 2     # keepalive ACK
set linetype 6 lc rgb '#d62728' lw 2     # RST
set linetype 7 lc rgb '#17becf' lw 1.5   # duplicate / challenge ACK
set linetype 11 lc rgb '#9ecae1'         # phase: idle
set linetype 12 lc rgb '#fdae6b'         # phase: probing
set linetype 13 lc rgb '#b39ddb'         # phase: retransmitting
set linetype 14 lc rgb '#bdbdbd'         # phase: cable pulled
set linetype 15 lc rgb '#636363'         # phase: powered off
set linetype 16 lc rgb '#74c476'         # NAT mapping alive
set linetype 21 lc rgb '#666666' dt 2 lw 1  # scenario event
set linetype 22 lc rgb '#d62728' lw 2.5     # detection

set yrange [-0.62:1.62]
set ytics ('B (server)' 0, 'A (client)' 1)
if (proxy) { set ytics ('B (server)' 0, 'P (proxy)' 0.5, 'A (client)' 1) }
set grid xtics lc rgb '#dddddd'
set xlabel 'simulated time since A sent its SYN (s)'
set format x '%.10g'
set xtics nomirror
unset key

# One panel: the phases (shaded, lc variable = kind), the scenario events
# (dashed verticals with their labels), every packet as an arrow from its
# sender at send time to its receiver at arrival, a cross where one was
# dropped; with labels, the drop reasons and probe/retransmission numbers too.
# (Points of "with labels" are moved out of range with -1e12, never hidden with
# NaN: gnuplot 5.4.4 crashes on a labels plot whose points are all undefined.)
panel = "plot 'timeline-phases.dat' using (($2+$3)/2):1:(($3-$2)/2 > 0 ? ($3-$2)/2 : 0):($4 == 16 ? 0.05 : 0.42):4 " . \
	"with boxxyerror fs transparent solid 0.45 noborder lc variable notitle, " . \
	"'timeline-events.dat' using 1:(-0.62):(0):(2.24):2 with vectors nohead lc variable notitle, " . \
	"'timeline-events.dat' using 1:4:3 with labels left offset char 0.4,0 font ',9' noenhanced notitle, " . \
	"'timeline-packets.dat' using 1:3:($2-$1):($5-$3):6 with vectors head filled size char 0.9,20 lc variable notitle, " . \
	"'timeline-packets.dat' using ($7 == 1 ? $2 : NaN):5 with points pt 2 ps 1.8 lw 2 lc rgb '#d62728' notitle"
labels = ", 'timeline-packets.dat' using ($7 == 1 ? $2 : -1e12):($5 + ($5 > 0.5 ? 0.16 : -0.16)):10 " . \
	"with labels left font ',9' tc rgb '#b00000' noenhanced notitle, " . \
	"'timeline-packets.dat' using 1:($3 + ($3 > 0.5 ? 0.1 : -0.1)):9 with labels font ',8' noenhanced notitle"

do for [fmt in 'png svg'] {
  if (fmt eq 'png') { set terminal pngcairo size 1500*scale,1000*scale font 'Sans,11' fontscale scale linewidth scale; set output png }
  if (fmt eq 'svg') { set terminal svg size 1500,1000 dynamic font 'Sans,11'; set output svg }
  set multiplot title page_title font ',14' noenhanced
  # Top: the whole run, with the legend in its own area at the right.
  set lmargin at screen 0.07; set rmargin at screen 0.80
  set tmargin at screen 0.90; set bmargin at screen 0.56
  set key at screen 0.995, 0.93 right top box opaque spacing 1.15 font ',10' samplen 2.5
  set title run_title
  set xrange [0:duration_s]
  set xtics run_xtics
  eval panel
  # the legend, drawn with NaN samples over the first panel
  unset title; unset border; unset xtics; unset ytics; unset grid; unset xlabel
  plot NaN with lines lt 1 lw 3 title 'SYN / ACK / FIN', NaN with lines lt 2 lw 3 title 'data', \
       NaN with lines lt 3 lw 3 title 'retransmission', NaN with lines lt 4 lw 3 title 'keepalive probe', \
       NaN with lines lt 5 lw 3 title 'keepalive ACK', NaN with lines lt 6 lw 3 title 'RST', \
       NaN with lines lt 7 lw 3 title 'dup / challenge ACK', \
       NaN with points pt 2 ps 1.8 lw 2 lc rgb '#d62728' title 'dropped (reason in the zooms)', \
       NaN with boxes fs solid 0.6 lt 11 title 'phase: idle', \
       NaN with boxes fs solid 0.6 lt 12 title 'phase: probing', \
       NaN with boxes fs solid 0.6 lt 13 title 'phase: retransmitting', \
       NaN with boxes fs solid 0.6 lt 14 title 'cable pulled', \
       NaN with boxes fs solid 0.6 lt 15 title 'powered off', \
       NaN with boxes fs solid 0.6 lt 16 title 'NAT mapping alive', \
       NaN with lines lt 21 title 'scenario event', NaN with lines lt 22 title 'detection'
  unset key
  set border; set xtics nomirror; set ytics ('B (server)' 0, 'A (client)' 1); set grid xtics
  if (proxy) { set ytics ('B (server)' 0, 'P (proxy)' 0.5, 'A (client)' 1) }
  set xlabel 'simulated time since A sent its SYN (s)'
  # Bottom left: the connection set-up.
  set tmargin at screen 0.46; set bmargin at screen 0.07
  set lmargin at screen 0.07; set rmargin at screen 0.27
  set title setup_title
  set xrange [setup_x0:setup_x1]
  set xtics setup_xtics
  eval panel . labels
  # Bottom right: the focus.
  set lmargin at screen 0.33; set rmargin at screen 0.80
  set title focus_title
  set xrange [focus_x0:focus_x1]
  set xtics focus_xtics
  eval panel . labels
  unset multiplot
  unset output
}
# The next script run in this gnuplot (gnuplot timeline.gp detection.gp) picks its own file names.
undefine png svg scale

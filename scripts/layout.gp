# scripts/layout.gp: a tile layout (configs/layouts/) as a picture: one
# square per tile coloured by its role (net, app, rtc, idle), labelled with
# its id, role and (if not 0) process; the quadrant borders as dashed lines.
# Run by `tessera layout FILE -o PNG`, which writes the data file
# (layout_write_data in sim/chip/layout.c: "id x y role quadrant process"):
#   gnuplot -e "datafile='D'; outfile='P'; name='N'; W=6; H=6" scripts/layout.gp
if (!exists("W")) W = 6
if (!exists("H")) H = 6
if (!exists("name")) name = datafile
set terminal pngcairo size 100 * W + 160, 100 * H + 80 font ",10"
set output outfile
set title name noenhanced
set size ratio -1
set xrange [-0.5:W - 0.5]
set yrange [H - 0.5:-0.5]
set xtics 0, 1, W - 1 scale 0
set ytics 0, 1, H - 1 scale 0
set xlabel "x"
set ylabel "y"
unset colorbox
unset key
code(r) = r eq "net" ? 0 : r eq "app" ? 1 : r eq "rtc" ? 2 : 3
set palette defined (0 "#d95f02", 1 "#1b9e77", 2 "#7570b3", 3 "#e0e0e0")
set cbrange [0:3]
cx = int((W + 1) / 2) - 0.5
cy = int((H + 1) / 2) - 0.5
set arrow 1 from cx, -0.5 to cx, H - 0.5 nohead dt 2 lw 2 lc rgb "black" front
set arrow 2 from -0.5, cy to W - 0.5, cy nohead dt 2 lw 2 lc rgb "black" front
set label 1 "net" at screen 0.88, 0.80 textcolor rgb "#d95f02" font ",12"
set label 2 "app" at screen 0.88, 0.75 textcolor rgb "#1b9e77" font ",12"
set label 3 "rtc" at screen 0.88, 0.70 textcolor rgb "#7570b3" font ",12"
set label 4 "idle" at screen 0.88, 0.65 textcolor rgb "#909090" font ",12"
set rmargin at screen 0.85
plot datafile using 2:3:(0.46):(0.46):(code(strcol(4))) with boxxyerror fs solid 1.0 \
         lc palette notitle, \
     datafile using 2:3:(sprintf("%d\n%s%s", $1, strcol(4), \
         $6 != 0 ? sprintf(" p%d", $6) : "")) with labels font ",9" notitle

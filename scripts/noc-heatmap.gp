# scripts/noc-heatmap.gp: link utilisation of a run as a mesh picture: each
# directed link is an arrow coloured by its utilisation (flits per cycle over
# the time the run's links.csv covers); the two directions of a link are
# drawn side by side. Tiles are labelled with their id.
#   gnuplot -e "dir='out/noc-uniform'" scripts/noc-heatmap.gp
#   gnuplot -e "dir='out/chip-http'; what='UDN, d12-all'" scripts/noc-heatmap.gp
# Reads DIR/links.csv (tile,x,y,port,to_tile,to_x,to_y,flits,utilisation:
# noc-synthetic and chip runs write it); the mesh's size is read from it.
# `what` (optional) is added to the title. Writes DIR/heatmap.png. A missing
# input stops it (gnuplot exits 1) before anything is written.
if (!exists("dir")) dir = "."
f = dir."/links.csv"
if (system("test -r '".f."' && echo 1 || echo 0") != 1) {
    exit error "noc-heatmap.gp: cannot read ".f
}
set datafile separator ","
stats f every ::1 using 2:3 nooutput
W = int(STATS_max_x) + 1
H = int(STATS_max_y) + 1
set terminal pngcairo size 760,760 font ",10"
set output dir."/heatmap.png"
set title sprintf("Link utilisation, %dx%d mesh (flits/cycle)%s", W, H, exists("what") ? "\n".what : "")
set size ratio -1
set xrange [-0.6:W - 0.4]
set yrange [H - 0.4:-0.6]
unset xtics
unset ytics
set cbrange [0:*]
set palette defined (0 "#f0f0f0", 0.25 "#fed976", 0.5 "#fd8d3c", 0.75 "#e31a1c", 1 "#800026")
set colorbox
off = 0.12
# direction vector and offset of a link given its port (E W N S)
dx(p) = p eq "E" ? 0.62 : p eq "W" ? -0.62 : 0
dy(p) = p eq "S" ? 0.62 : p eq "N" ? -0.62 : 0
ox(p) = p eq "N" ? -off : p eq "S" ? off : 0
oy(p) = p eq "E" ? -off : p eq "W" ? off : 0
plot dir."/links.csv" every ::1 using ($2 + 0.19 * dx(strcol(4)) / 0.62 + ox(strcol(4))):($3 + 0.19 * dy(strcol(4)) / 0.62 + oy(strcol(4))):(dx(strcol(4))):(dy(strcol(4))):9 \
         with vectors head filled size 0.08,20 lw 4 lc palette notitle, \
     [i=0:W * H - 1:1] '+' using (int(i) % W):(int(i) / W):(sprintf("%d", int(i))) \
         with labels font ",9" notitle

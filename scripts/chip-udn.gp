# scripts/chip-udn.gp: the UDN traffic of a chip run as a tile x tile
# matrix: the cell (destination, source) is coloured by the words the source
# tile sent to the destination tile; pairs that exchanged nothing are white.
#   tessera run configs/experiments/chip-http.yaml -o out/chip-http
#   gnuplot -e "dir='out/chip-http'" scripts/chip-udn.gp
# Reads DIR/udn_pairs.csv (src,dst,messages,words), DIR/tile_profile.csv
# (for the number of tiles) and, unless -e gives layout='name', the layout's
# name from DIR/summary.json (stats.layout); `span` (optional) is a second
# title line saying which time the counts cover. Writes DIR/udn.png. A
# missing input, or a run without UDN messages (rtc), stops it (gnuplot
# exits 1) before anything is written.
if (!exists("dir")) dir = "."
if (!exists("span")) span = "whole run"
f = dir."/udn_pairs.csv"
p = dir."/tile_profile.csv"
readable(x) = system("test -r '".x."' && echo 1 || echo 0") == 1
if (!readable(f)) {
    exit error "chip-udn.gp: cannot read ".f
}
if (!readable(p)) {
    exit error "chip-udn.gp: cannot read ".p." (the number of tiles)"
}
if (!exists("layout")) {
    s = dir."/summary.json"
    layout = system("python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"stats\"][\"layout\"])' '".s."' 2>/dev/null")
    if (layout eq "") {
        exit error "chip-udn.gp: no stats.layout in ".s." (give it with -e \"layout='name'\")"
    }
}
set datafile separator ","
rows = int(system("awk -F, 'NR > 1 && $4 > 0 { n++ } END { print n + 0 }' '".f."'"))
if (rows == 0) {
    exit error "chip-udn.gp: no UDN messages in ".f
}
stats p every ::1 using 1 nooutput
N = int(STATS_max) + 1
stats f every ::1 using 3 nooutput
msgs = STATS_sum
stats f every ::1 using 4 nooutput
words = STATS_sum

set terminal pngcairo size 820,760 font ",10"
set output dir."/udn.png"
set title sprintf("UDN words sent, source tile to destination tile: layout %s\n%.0f messages, %.0f words, %d pairs; %s", \
                  layout, msgs, words, rows, span)
set size ratio -1
set xrange [-0.5:N - 0.5]
set yrange [N - 0.5:-0.5]
set xlabel "destination tile"
set ylabel "source tile"
set xtics 0, 1, N - 1 font ",7" nomirror
set ytics 0, 1, N - 1 font ",7" nomirror
set grid front lc rgb "#e8e8e8" lw 0.5
set cbrange [0:*]
set cblabel "words"
set palette defined (0 "#fff7bc", 0.33 "#fec44f", 0.66 "#d95f0e", 1 "#662506")
plot f every ::1 using 2:1:(0.5):(0.5):($4 > 0 ? $4 : NaN) with boxxyerror fs solid 1.0 noborder lc palette notitle

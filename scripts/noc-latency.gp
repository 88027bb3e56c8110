# scripts/noc-latency.gp: latency-throughput curve of a noc-synthetic sweep.
#   gnuplot -e "dir='out/booksim'" scripts/noc-latency.gp
# Reads DIR/latency.csv (scripts/noc-sweep.sh); writes DIR/latency.png. With
# -e "booksim=1" it overlays BookSim2's curve of ../shared/facts/noc-reference.md
# (the network of configs/experiments/noc-booksim.yaml).
if (!exists("dir")) dir = "."
if (!exists("booksim")) booksim = 0
set datafile separator ","
set terminal pngcairo size 800,560 font ",11"
set output dir."/latency.png"
set title "Packet latency vs offered load (saturated points omitted)"
set xlabel "offered load (flits/node/cycle)"
set ylabel "mean packet latency (cycles)"
set key top left
set grid
set logscale y
set yrange [*:1000]
$booksim << EOD
0.02,21.93
0.05,22.32
0.10,23.49
0.15,25.30
0.18,27.46
0.20,30.02
0.22,34.96
0.24,46.63
0.26,138.5
EOD
f = dir."/latency.csv"
if (booksim) {
    plot f every ::1 using 1:($6 == 0 ? $3 : NaN) with linespoints pt 7 title "Tessera mean", \
         f every ::1 using 1:($6 == 0 ? $5 : NaN) with lines dt 2 title "Tessera p99", \
         $booksim using 1:2 with linespoints pt 4 title "BookSim2 mean"
} else {
    plot f every ::1 using 1:($6 == 0 ? $3 : NaN) with linespoints pt 7 title "mean", \
         f every ::1 using 1:($6 == 0 ? $5 : NaN) with lines dt 2 title "p99"
}

# scripts/noc-latency.gp: latency-throughput curve of a noc-synthetic sweep.
#   tessera sweep configs/sweeps/noc-booksim-load.yaml -o out/booksim
#   gnuplot -e "dir='out/booksim'; booksim=1; net='6x6 mesh, BookSim2 router'" scripts/noc-latency.gp
# Reads DIR/sweep.csv of a sweep whose collect: list is, in this order,
# offered, accepted, latency mean, p50, p99, saturated (as in
# configs/sweeps/noc-*-load.yaml); writes DIR/latency.png. Every seed's point
# is drawn (small marks); the lines go through their mean at each load.
# Saturated points (accepted < 98% of offered) are left out. `net` names the
# network in the title. With -e "booksim=1" it overlays BookSim2's curve on
# the same network (its iq router, measured for this project: docs/noc.md).
if (!exists("dir")) dir = "."
if (!exists("booksim")) booksim = 0
if (!exists("net")) net = "mesh"
set datafile separator ","
set terminal pngcairo size 800,560 font ",11"
set output dir."/latency.png"
set title net.": packet latency vs offered load\n(uniform traffic; saturated points left out)"
set xlabel "offered load (flits/node/cycle)"
set ylabel "packet latency (cycles)"
set key top left Left reverse box opaque width 1 spacing 1.2
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
f = dir."/sweep.csv"
# columns: 1 point, 2 rate, 3 seed, 4 status, 5 offered, 6 accepted, 7 mean, 8 p50, 9 p99, 10 saturated
ok(y) = (strcol(10) eq "false" ? y : NaN)
if (booksim) {
    plot f every ::1 using 2:(ok($7)) smooth unique with linespoints pt 7 lc 1 title "Tessera mean", \
         f every ::1 using 2:(ok($7)) with points pt 6 ps 0.6 lc rgb "#808080" title "Tessera mean, each seed", \
         f every ::1 using 2:(ok($9)) smooth unique with lines dt 2 lc 2 title "Tessera p99", \
         $booksim using 1:2 with linespoints pt 4 lc 3 title "BookSim2 mean"
} else {
    plot f every ::1 using 2:(ok($7)) smooth unique with linespoints pt 7 lc 1 title "mean", \
         f every ::1 using 2:(ok($7)) with points pt 6 ps 0.6 lc rgb "#808080" title "mean, each seed", \
         f every ::1 using 2:(ok($9)) smooth unique with lines dt 2 lc 2 title "p99", \
         f every ::1 using 2:(ok($9)) with points pt 1 ps 0.6 lc rgb "#808080" title "p99, each seed"
}

# scripts/chip-netpipe.gp: NetPIPE on the chip (workload.app netpipe), the
# shape of the DLibOS paper's Figure 5: Mb/s against message size (log
# scale), one line per run.
#   gnuplot -e "runs='out/np-copy out/np-nocopy'; titles='copy nocopy'; out='np.png'" \
#     scripts/chip-netpipe.gp
# Reads RUN/netpipe.csv (bytes,mbps,one_way_us) of each run in `runs`
# (space-separated; `titles` gives each line's title, the run's folder name
# if absent) and writes `out` (default netpipe.png in the first run). A
# missing netpipe.csv stops it (gnuplot exits 1) before anything is written.
if (!exists("runs")) {
    exit error "chip-netpipe.gp: give the runs with -e \"runs='DIR ...'\""
}
if (!exists("titles")) titles = runs
if (!exists("what")) what = "NetPIPE on the chip"
readable(x) = system("test -r '".x."' && echo 1 || echo 0") == 1
do for [i = 1:words(runs)] {
    if (!readable(word(runs, i)."/netpipe.csv")) {
        exit error "chip-netpipe.gp: cannot read ".word(runs, i)."/netpipe.csv"
    }
}
if (!exists("out")) out = word(runs, 1)."/netpipe.png"
set datafile separator ","
set terminal pngcairo size 900,560 noenhanced
set output out
set title what
set logscale x 2
set format x "%.0s%cB"
set xlabel "message size (bytes)"
set ylabel "goodput (Mb/s): size x 8 / one-way time"
set key top left
set grid
plot for [i = 1:words(runs)] word(runs, i)."/netpipe.csv" every ::1 using 1:2 with linespoints \
    pointsize 0.6 title word(titles, i)

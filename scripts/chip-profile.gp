# scripts/chip-profile.gp: the cycles of every tile of a chip run as stacked
# bars, one bar per tile, each split by label (app, stack, driver, lock,
# stall, idle) as fractions of the tile's cycles: the shape of the DLibOS
# paper's Figure 8. Bars are grouped by role (net, app, rtc, then any other,
# e.g. none), by tile id within a role; each is labelled with its id and role.
#   tessera run configs/experiments/chip-http.yaml -o out/chip-http
#   gnuplot -e "dir='out/chip-http'" scripts/chip-profile.gp
# Reads DIR/tile_profile.csv (tile,role,label,cycles) and, unless -e gives
# layout='name', the layout's name from DIR/summary.json (stats.layout);
# `span` (optional) is a second title line saying which time the cycles
# cover (the chip kind's file covers the whole run, set-up included).
# Writes DIR/profile.png. A missing input stops it (gnuplot exits 1) before
# anything is written.
if (!exists("dir")) dir = "."
if (!exists("span")) span = "whole run (set-up, warm-up and measurement)"
f = dir."/tile_profile.csv"
if (system("test -r '".f."' && echo 1 || echo 0") != 1) {
    exit error "chip-profile.gp: cannot read ".f
}
if (!exists("layout")) {
    s = dir."/summary.json"
    layout = system("python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"stats\"][\"layout\"])' '".s."' 2>/dev/null")
    if (layout eq "") {
        exit error "chip-profile.gp: no stats.layout in ".s." (give it with -e \"layout='name'\")"
    }
}

# The long table pivoted: a header (tile, then the labels in the file's
# order), one row per tile ("id role", then the fraction of each label), an
# empty row between roles (a gap between the groups of bars).
pivot = 'awk -F, -v order="net app rtc none" ''\
  NR == 1 { next } \
  { t = $1 + 0; if (!(t in role)) { role[t] = $2; tiles[++nt] = t } \
    if (!($2 in rank)) rank[$2] = 0; \
    if (!($3 in seen)) { seen[$3] = 1; lab[++nl] = $3 } \
    c[t, $3] += $4; tot[t] += $4 } \
  END { \
    no = split(order, ro, " "); for (k = 1; k <= no; k++) if (ro[k] in rank) rk[++nr] = ro[k]; \
    for (k = 1; k <= nt; k++) { r = role[tiles[k]]; known = 0; \
      for (j = 1; j <= nr; j++) if (rk[j] == r) known = 1; \
      if (!known) rk[++nr] = r } \
    printf "tile"; for (j = 1; j <= nl; j++) printf " %s", lab[j]; printf "\n"; \
    for (g = 1; g <= nr; g++) { \
      if (g > 1) { printf "\"\""; for (j = 1; j <= nl; j++) printf " 0"; printf "\n" } \
      for (k = 1; k <= nt; k++) { t = tiles[k]; if (role[t] != rk[g]) continue; \
        printf "\"%d %s\"", t, role[t]; \
        for (j = 1; j <= nl; j++) printf " %.6f", (tot[t] > 0 ? c[t, lab[j]] / tot[t] : 0); \
        printf "\n" } } }'' '
src = "< ".pivot."'".f."'"
labels = system(pivot."'".f."' | head -1")
nlab = words(labels) - 1
if (nlab < 1) {
    exit error "chip-profile.gp: no rows in ".f
}
counts = system("awk -F, -v order='net app rtc none' 'NR > 1 && !seen[$1]++ { if (!n[$2]++) first[++nr] = $2 } \
  END { no = split(order, ro, \" \"); \
        for (k = 1; k <= no; k++) if (ro[k] in n) { printf \"%s%d %s\", s++ ? \", \" : \"\", n[ro[k]], ro[k]; done[ro[k]] = 1 } \
        for (k = 1; k <= nr; k++) if (!(first[k] in done)) printf \"%s%d %s\", s++ ? \", \" : \"\", n[first[k]], first[k] }' '".f."'")
ntiles = int(system("awk -F, 'NR > 1 && !seen[$1]++ { n++ } END { print n + 0 }' '".f."'"))

colour(l) = l eq "app" ? 0x4477aa : l eq "stack" ? 0xee7733 : l eq "driver" ? 0x228833 : \
            l eq "lock" ? 0xcc3311 : l eq "stall" ? 0xaa3377 : l eq "idle" ? 0xdddddd : 0x888888

set terminal pngcairo size (ntiles > 24 ? 300 + 28 * ntiles : 1000),620 font ",10"
set output dir."/profile.png"
set title sprintf("Cycles of each tile by label: layout %s (%s)\n%s", layout, counts, span)
set ylabel "fraction of the tile's cycles"
set yrange [0:1]
set ytics 0.1
set grid ytics
set xtics rotate by 90 right nomirror font ",9"
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border rgb "#ffffff"
set boxwidth 0.8
set key outside right top vertical Left reverse noenhanced
plot for [i=2:nlab + 1] src using i:xtic(1) title columnhead(i) lc rgb colour(word(labels, i))

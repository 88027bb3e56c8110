/* sim/cli/layout_cmd.h: `tessera layout FILE [-o PNG] [--rings N]`: load and
 * check a layout (sim/chip/layout.h), print its map as text (roles,
 * quadrants, each network tile's reach, processes) and, with -o, draw it as
 * a PNG with gnuplot (scripts/layout.gp, fed a data file written to a
 * temporary file and removed afterwards). docs/cli.md, docs/chip.md.
 *
 * Exit codes: 0 printed (and drawn), 1 bad command line, 2 layout refused
 * (every mistake on stderr with file:line:col), 3 the PNG could not be drawn
 * (no gnuplot, or it failed; the text was printed). Memory: all freed.
 */
#ifndef TESSERA_SIM_CLI_LAYOUT_CMD_H
#define TESSERA_SIM_CLI_LAYOUT_CMD_H

/* argv[0] is "layout". Returns an exit code (enum tsr_exit). */
int tsr_layout_main(int argc, char **argv);

#endif

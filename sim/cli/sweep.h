/* sim/cli/sweep.h: `tessera sweep SWEEP.yaml`: run an experiment over a grid of
 * parameter values (docs/sweeps.md).
 *
 * A sweep file names an experiment file, fixed overrides (`set:`), and axes:
 * keys with lists of values, combined as a cartesian product (`mode:
 * cartesian`, the default) or element by element (`mode: zip`). Each point is
 * one `tessera run` in its own folder DIR/point-NNN, run as a child process
 * (up to -j at once, default: the number of cores). A point whose folder
 * already holds a summary.json made with the same experiment and overrides is
 * not run again (--force runs it again). At the end DIR/sweep.csv has one row
 * per point: its axis values, its outcome and the `collect:` metrics (paths
 * into the point's metrics.tsv, e.g. stats.latency.mean).
 *
 * Every point's configuration is checked before anything runs: a sweep with a
 * bad point runs nothing (exit 2). Memory: all freed before returning.
 */
#ifndef TESSERA_SIM_CLI_SWEEP_H
#define TESSERA_SIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

/* argv[0] is "sweep". Returns an exit code (enum tsr_exit). */
int tsr_sweep_main(int argc, char **argv);

/* Whether `file` reads as a sweep file (a mapping with `axes:`); false for
 * anything else, including a file that does not load. */
bool tsr_sweep_file_p(const char *file);

/* `tessera validate SWEEP.yaml`: checks the sweep file and every point's
 * configuration (with the overrides `sets`, applied to every point), as
 * `sweep --dry-run` does, but creates no folder and lists no points. Prints
 * "FILE: ok (...)" or the errors; returns TSR_EXIT_OK or _BAD_INPUT. */
int tsr_sweep_validate(const char *file, const char **sets, size_t nsets);

#endif

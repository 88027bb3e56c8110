/* sim/kernel/results.h: the output folder of a run (summary.json, CSV
 * tables: written by sim/cli/cli.c and the experiment kinds, exp.h).
 * Memory: nothing kept. Cost: file system calls at start-up only. */
#ifndef TESSERA_SIM_KERNEL_RESULTS_H
#define TESSERA_SIM_KERNEL_RESULTS_H

/* mkdir -p: 0 on success (or if it exists), -1 with errno set (ENOENT for ""). */
int tsr_mkdir_p(const char *dir);

#endif

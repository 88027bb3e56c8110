/* sim/kernel/results.h: the output folder of a run (summary.json, CSV
 * tables: written by sim/cli/cli.c and the experiment kinds, exp.h).
 * Memory: nothing kept. Cost: file system calls (an fsync per atomic write). */
#ifndef TESSERA_SIM_KERNEL_RESULTS_H
#define TESSERA_SIM_KERNEL_RESULTS_H

#include <stddef.h>

/* mkdir -p: 0 on success (or if it exists), -1 with errno set (ENOENT for ""). */
int tsr_mkdir_p(const char *dir);

/* Writes `len` bytes to `path` atomically: into a temporary name in the same
 * folder (path.<pid>.tmp), fsync, then rename over `path`. A reader sees the
 * old file or the whole new one, never a mix; two writers cannot interleave.
 * 0 on success, -1 with errno set (the temporary file removed). */
int tsr_write_file_atomic(const char *path, const void *data, size_t len);

#endif

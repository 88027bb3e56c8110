/* sim/cli/cli.h: the `tessera` command line (docs/cli.md).
 *
 *   tessera run EXPERIMENT.yaml [--set k=v]... [-o DIR] [--seed N] [--progress|--quiet]
 *   tessera validate FILE.yaml [--set k=v]...
 *   tessera sweep SWEEP.yaml [-o DIR] [-j JOBS] [--force] [--dry-run]
 *   tessera config-reference
 *   tessera --help | --version
 *
 * Exit codes are enum tsr_exit (sim/experiment.h). Memory: everything the CLI
 * allocates is freed before it returns (tests run it in-process under ASan).
 */
#ifndef TESSERA_SIM_CLI_CLI_H
#define TESSERA_SIM_CLI_CLI_H

/* Runs the command; returns the exit code. Output goes to stdout/stderr. */
int tsr_cli_main(int argc, char **argv);

#endif

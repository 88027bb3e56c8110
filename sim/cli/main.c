/* sim/cli/main.c: the tessera program. Re-executes itself once with address-space
 * randomisation off (personality(ADDR_NO_RANDOMIZE)), so that nothing derived
 * from a host address can differ between two runs, then hands over to the CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <unistd.h>

#include "sim/cli/cli.h"

static void disable_aslr(char **argv) {
    if (getenv("TESSERA_ASLR_OK")) return; /* already re-executed (or asked not to) */
    int cur = personality(0xffffffff);
    if (cur == -1 || (cur & ADDR_NO_RANDOMIZE)) return;
    if (personality((unsigned long)cur | ADDR_NO_RANDOMIZE) == -1) return;
    setenv("TESSERA_ASLR_OK", "1", 1);
    execv("/proc/self/exe", argv);
    /* exec failed: go on with randomisation (results never depend on addresses). */
}

int main(int argc, char **argv) {
    disable_aslr(argv);
    return tsr_cli_main(argc, argv);
}

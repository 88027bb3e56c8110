/* noc/noc_config.h: configuration of the on-chip network (the `noc:` section).
 *
 * Declared once here, with type, default, range, unit and source; the root
 * schema (sim/experiment.c) embeds it. See docs/config-reference.md.
 */
#ifndef TESSERA_NOC_NOC_CONFIG_H
#define TESSERA_NOC_NOC_CONFIG_H

#include <stdint.h>

#include "sim/config.h"

struct noc_config {
    uint64_t width;  /* tiles in X */
    uint64_t height; /* tiles in Y */
    uint64_t freq_hz;
};

extern const struct cfg_section noc_config_section;

#endif

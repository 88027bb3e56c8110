#include "noc/noc_config.h"

static const struct cfg_key noc_keys[] = {
    CFG_UINT_KEY(struct noc_config, width, "6", 1, 256, "tiles",
                 "Mesh width (tiles in X). TILE-Gx36: 6 [P]."),
    CFG_UINT_KEY(struct noc_config, height, "6", 1, 256, "tiles",
                 "Mesh height (tiles in Y). TILE-Gx36: 6 [P]."),
    CFG_UINT_KEY(struct noc_config, freq_hz, "1200000000", 1e6, 1e11, "Hz",
                 "Mesh clock; the mesh runs at the core clock on TILE-Gx, 1.2 GHz [P]."),
};
CFG_SECTION_DEF(noc_config_section, "noc", "The on-chip network (UDN mesh).", noc_keys);

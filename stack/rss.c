/* stack/rss.c: the Toeplitz flow hash. See rss.h. */
#include "stack/rss.h"

uint32_t stk_rss_toeplitz(const uint8_t key[STK_RSS_KEY_BYTES], const uint8_t *in, size_t len) {
    /* `window` holds the 32 key bits aligned with the current input bit. */
    uint32_t window =
        (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
    uint32_t h = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t next = i + 4 < STK_RSS_KEY_BYTES ? key[i + 4] : 0;
        for (int b = 7; b >= 0; b--) {
            if (in[i] >> b & 1u) h ^= window;
            window = window << 1 | (uint32_t)(next >> b & 1u);
        }
    }
    return h;
}

uint32_t stk_rss_hash4(const uint8_t key[STK_RSS_KEY_BYTES], uint32_t sip, uint32_t dip,
                       uint16_t sp, uint16_t dp, bool symmetric) {
    if (symmetric && (sip > dip || (sip == dip && sp > dp))) {
        uint32_t t = sip;
        sip = dip, dip = t;
        uint16_t u = sp;
        sp = dp, dp = u;
    }
    uint8_t in[12] = {(uint8_t)(sip >> 24), (uint8_t)(sip >> 16), (uint8_t)(sip >> 8), (uint8_t)sip,
                      (uint8_t)(dip >> 24), (uint8_t)(dip >> 16), (uint8_t)(dip >> 8), (uint8_t)dip,
                      (uint8_t)(sp >> 8),   (uint8_t)sp,          (uint8_t)(dp >> 8),  (uint8_t)dp};
    return stk_rss_toeplitz(key, in, sizeof in);
}

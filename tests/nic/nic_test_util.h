/* tests/nic/nic_test_util.h: helpers for the NIC tests and benchmark: a flat
 * simulated memory implementing struct mpipe_mem_ops, default configs, the
 * fixture of the NIC test suites, and a trivial echo that returns every
 * received frame out of the same device.
 * Test-side code: the real tile program and cache model come later. */
#ifndef TESSERA_TESTS_NIC_TEST_UTIL_H
#define TESSERA_TESTS_NIC_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/mpipe.h"
#include "nic/mpipe_driver.h"
#include "nic/nic_config.h"

#define FLAT_REGIONS 8
struct flat_region {
    uint64_t base, size;
    uint8_t *host;
    bool registered;
};
struct flat_mem {
    struct flat_region r[FLAT_REGIONS];
    unsigned n;
    sim_time_t latency; /* added to every access */
    uint64_t writes, reads, errors;
};
extern const struct mpipe_mem_ops flat_mem_ops;
void flat_init(struct flat_mem *m);
/* Add a region (zeroed). Returns its host pointer. */
uint8_t *flat_add(struct flat_mem *m, uint64_t base, uint64_t size, bool registered);
uint8_t *flat_host(struct flat_mem *m, uint64_t addr, size_t len);
void flat_fini(struct flat_mem *m);

#define TEST_RX_BASE 0x10000000ull
#define TEST_TX_BASE 0x40000000ull
#define TEST_APP_BASE 0x50000000ull
#define TEST_UNREG_BASE 0x60000000ull

/* Defaults of the nic: section (release with nic_test_config_fini). */
void nic_test_config(struct nic_config *c);
void nic_test_config_fini(struct nic_config *c);

/* The fixture of a NIC test suite: the nic: defaults and a fresh engine for
 * every test, released after it:
 *   TestSuite(name, .init = nic_fixture_setup, .fini = nic_fixture_teardown);
 * Tests use nic_cfg and nic_eng (change nic_cfg before building anything). */
extern struct nic_config nic_cfg;
extern struct sim_engine *nic_eng;
void nic_fixture_setup(void);
void nic_fixture_teardown(void);

/* A device with flat memory (Rx, Tx, a registered app region and an
 * unregistered one, 1 MiB each beyond the stacks). */
struct nic_test_dev {
    struct flat_mem mem;
    struct mpipe *m;
};
struct mpipe *nic_test_dev_create(struct nic_test_dev *d, struct sim_engine *e,
                                  const struct nic_config *c, const char *name);
void nic_test_dev_destroy(struct nic_test_dev *d);

/* Echo: on every notification, take the ring's descriptors and send each
 * buffer back out (eDMA ring = ring % edma rings, hwb returns the buffer). */
struct nic_echo {
    struct mpipe *m;
    uint64_t echoed, dropped;
    uint64_t batch;
};
void nic_echo_attach(struct nic_echo *x, struct mpipe *m);

#endif

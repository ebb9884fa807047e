#include <CUnit/CUnit.h>
#include <stdlib.h>
#include "cunit_main.h"
#include "shadow.h"

static void setup(void)
{
	pv_shadow_init();
}

static void test_granules_have_distinct_cells(void)
{
	setup();
	static char buf[64] __attribute__((aligned(8)));
	uintptr_t a = (uintptr_t)buf;
	pv_cell *c0 = pv_shadow_cells(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c0);
	CU_ASSERT_PTR_EQUAL(pv_shadow_cells(a + 7), c0);
	CU_ASSERT_PTR_EQUAL(pv_shadow_cells(a + 8), c0 + PV_SHADOW_CELLS);
	CU_ASSERT_PTR_EQUAL(pv_shadow_peek(a + 3), c0);
}

static void test_fresh_shadow_is_empty(void)
{
	setup();
	static long fresh[32];
	pv_cell *c = pv_shadow_cells((uintptr_t)&fresh[5]);
	for (int i = 0; i < PV_SHADOW_CELLS; i++)
		CU_ASSERT_EQUAL(c[i], 0);
}

static void test_peek_does_not_map(void)
{
	setup();
	/* An address far from anything this test touched. */
	uintptr_t far = 0x300000000000ul;
	CU_ASSERT_PTR_NULL(pv_shadow_peek(far));
	size_t before = pv_shadow_mapped_bytes();
	CU_ASSERT_PTR_NOT_NULL(pv_shadow_cells(far));
	CU_ASSERT_TRUE(pv_shadow_mapped_bytes() > before);
	CU_ASSERT_PTR_NOT_NULL(pv_shadow_peek(far));
}

static void test_reset_clears_exactly_the_range(void)
{
	setup();
	static long mem[64];
	uintptr_t a = (uintptr_t)mem;
	for (int g = 0; g < 64; g++)
		pv_shadow_cells(a + g * 8)[1] = PV_CELL_MAKE(0xff, 1, 0, 2, 5);
	pv_shadow_reset(a + 8 * 4, 8 * 10);
	for (int g = 0; g < 64; g++) {
		uint64_t m = pv_shadow_cells(a + g * 8)[1];
		if (g >= 4 && g < 14) {
			CU_ASSERT_EQUAL(m, 0);
		} else {
			CU_ASSERT_NOT_EQUAL(m, 0);
		}
	}
}

static void test_reset_of_a_partial_granule_clears_it(void)
{
	setup();
	static long mem[4];
	uintptr_t a = (uintptr_t)mem;
	pv_shadow_cells(a + 8)[0] = PV_CELL_MAKE(0x01, 1, 0, 1, 1);
	pv_shadow_reset(a + 4, 5); /* bytes 4..8 touch granules 0 and 1 */
	CU_ASSERT_EQUAL(pv_shadow_cells(a + 8)[0], 0);
}

static void test_large_reset_crosses_chunks(void)
{
	setup();
	size_t n = 16u << 20; /* four shadow chunks */
	char *big = aligned_alloc(1 << 22, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	uintptr_t a = (uintptr_t)big;
	uintptr_t probes[] = { a, a + (1u << 22) - 8, a + (1u << 22), a + n / 2 + 64, a + n - 8 };
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		pv_shadow_cells(probes[i])[1] = PV_CELL_MAKE(0xff, 0, 0, 7, 9);
	pv_shadow_cells(a + n)[1] = PV_CELL_MAKE(0xff, 0, 0, 7, 9);
	pv_shadow_reset(a, n);
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		CU_ASSERT_EQUAL(pv_shadow_cells(probes[i])[1], 0);
	CU_ASSERT_NOT_EQUAL(pv_shadow_cells(a + n)[1], 0);
	free(big);
}

static void test_cell_encoding_round_trips(void)
{
	uint64_t m = PV_CELL_MAKE(PV_CELL_BYTES(5, 2), 1, 1, 65535, (1ull << 37) - 1) | PV_CELL_MERGED_BIT;
	CU_ASSERT_EQUAL(PV_CELL_MASK(m), 0x60);
	CU_ASSERT_EQUAL(PV_CELL_WRITE(m), 1);
	CU_ASSERT_EQUAL(PV_CELL_ATOMIC(m), 1);
	CU_ASSERT_EQUAL(PV_CELL_MERGED(m), 1);
	CU_ASSERT_EQUAL(PV_CELL_SLOT(m), 65535);
	CU_ASSERT_EQUAL(PV_CELL_EPOCH(m), (1ull << 37) - 1);
	m = PV_CELL_MAKE(0, 0, 0, 0, 1);
	CU_ASSERT_NOT_EQUAL(m, 0); /* epoch 1 is never "empty" */
	CU_ASSERT_EQUAL(PV_CELL_WRITE(m), 0);
	CU_ASSERT_EQUAL(PV_CELL_MERGED(m), 0);
	CU_ASSERT_EQUAL(PV_CELL_BYTES(0, 8), 0xff);
	CU_ASSERT_EQUAL(PV_CELL_BYTES(7, 1), 0x80);
}

/* Each cell has a site of its own, beside no other granule's, and a reset
 * forgets sites with cells. */
static void test_sites_are_per_cell_and_reset(void)
{
	setup();
	static long mem[16];
	uintptr_t a = (uintptr_t)mem;
	for (int g = 0; g < 16; g++) {
		uint32_t *s = pv_shadow_sites(pv_shadow_cells(a + g * 8), a + g * 8);
		for (int i = 0; i < PV_SHADOW_CELLS; i++)
			s[i] = (uint32_t)(g * PV_SHADOW_CELLS + i + 1);
	}
	for (int g = 0; g < 16; g++) {
		uint32_t *s = pv_shadow_sites(pv_shadow_cells(a + g * 8 + 3), a + g * 8 + 3);
		for (int i = 0; i < PV_SHADOW_CELLS; i++)
			CU_ASSERT_EQUAL(s[i], (uint32_t)(g * PV_SHADOW_CELLS + i + 1));
	}
	pv_shadow_reset(a + 16, 16);
	CU_ASSERT_EQUAL(pv_shadow_sites(pv_shadow_cells(a + 16), a + 16)[0], 0);
	CU_ASSERT_EQUAL(pv_shadow_sites(pv_shadow_cells(a + 24), a + 24)[1], 0);
	CU_ASSERT_EQUAL(pv_shadow_sites(pv_shadow_cells(a + 8), a + 8)[1], 4);
	CU_ASSERT_EQUAL(pv_shadow_sites(pv_shadow_cells(a + 32), a + 32)[0], 9);
}

static void test_non_user_addresses_are_harmless(void)
{
	setup();
	CU_ASSERT_PTR_NOT_NULL(pv_shadow_cells(0xffffffffff600000ul));
	CU_ASSERT_PTR_NULL(pv_shadow_peek(0xffffffffff600000ul));
	pv_shadow_reset(0xffffffffff600000ul, 4096);
}

const char *pv_suite_name = "shadow";
const pv_test pv_tests[] = {
	{ "granules have distinct cells", test_granules_have_distinct_cells },
	{ "fresh shadow is empty", test_fresh_shadow_is_empty },
	{ "peek does not map", test_peek_does_not_map },
	{ "reset clears exactly the range", test_reset_clears_exactly_the_range },
	{ "reset of a partial granule clears it", test_reset_of_a_partial_granule_clears_it },
	{ "large reset crosses chunks", test_large_reset_crosses_chunks },
	{ "cell encoding round-trips", test_cell_encoding_round_trips },
	{ "sites are per cell and reset", test_sites_are_per_cell_and_reset },
	{ "non-user addresses are harmless", test_non_user_addresses_are_harmless },
	{ NULL, NULL },
};

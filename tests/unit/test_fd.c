/* The descriptor table: one granule per number, creation, cached channel
 * keys, and how a report describes a descriptor. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <string.h>
#include "cunit_main.h"
#include "fd.h"
#include "report.h"
#include "shadow.h"

static void test_granules(void)
{
	pv_shadow_init();
	uintptr_t a = pv_fd_addr(3), b = pv_fd_addr(4), c = pv_fd_addr(5000);
	CU_ASSERT_NOT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(a % PV_GRANULE, 0);
	/* Different numbers never share a granule. */
	CU_ASSERT(b >= a + PV_GRANULE || a >= b + PV_GRANULE);
	CU_ASSERT_NOT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(pv_fd_addr(3), a);
	CU_ASSERT_EQUAL(pv_fd_addr(-1), 0);
	CU_ASSERT_EQUAL(pv_fd_addr(PV_FD_MAX), 0);
}

static void test_find_and_creation(void)
{
	int fd, tid;
	pv_ctx ctx;
	uintptr_t pc;
	uintptr_t a = pv_fd_addr(7);
	CU_ASSERT_TRUE(pv_fd_find(a, &fd, &tid, &ctx, &pc));
	CU_ASSERT_EQUAL(fd, 7);
	CU_ASSERT_EQUAL(pc, 0); /* never created here: not known */
	CU_ASSERT_EQUAL(tid, -1);
	pv_fd_created(7, 2, 5, 0x1234);
	CU_ASSERT_TRUE(pv_fd_find(a + 4, &fd, &tid, &ctx, &pc));
	CU_ASSERT_EQUAL(fd, 7);
	CU_ASSERT_EQUAL(tid, 2);
	CU_ASSERT_EQUAL(ctx, 5);
	CU_ASSERT_EQUAL(pc, 0x1234);
	/* The rest of a table entry is no descriptor. */
	CU_ASSERT_FALSE(pv_fd_find(a + PV_GRANULE, &fd, &tid, &ctx, &pc));
	CU_ASSERT_FALSE(pv_fd_find((uintptr_t)&fd, &fd, &tid, &ctx, &pc));
	pv_fd_forget(7);
	CU_ASSERT_TRUE(pv_fd_find(a, &fd, &tid, &ctx, &pc));
	CU_ASSERT_EQUAL(pc, 0);
}

static void test_chan_cache(void)
{
	pv_key s = 1, r = 1;
	CU_ASSERT_EQUAL(pv_fd_chan(9, &s, &r), PV_FD_CHAN_UNKNOWN);
	pv_fd_set_chan(9, PV_FD_CHAN_KEYS, 11, 12);
	CU_ASSERT_EQUAL(pv_fd_chan(9, &s, &r), PV_FD_CHAN_KEYS);
	CU_ASSERT_EQUAL(s, 11);
	CU_ASSERT_EQUAL(r, 12);
	/* A new descriptor with the number, or its close, forgets the keys. */
	pv_fd_created(9, 0, 0, 0x10);
	CU_ASSERT_EQUAL(pv_fd_chan(9, &s, &r), PV_FD_CHAN_UNKNOWN);
	pv_fd_set_chan(9, PV_FD_CHAN_NONE, 0, 0);
	CU_ASSERT_EQUAL(pv_fd_chan(9, &s, &r), PV_FD_CHAN_NONE);
	pv_fd_forget(9);
	CU_ASSERT_EQUAL(pv_fd_chan(9, &s, &r), PV_FD_CHAN_UNKNOWN);
	CU_ASSERT_EQUAL(pv_fd_chan(-3, &s, &r), PV_FD_CHAN_UNKNOWN);
}

static void test_report_location(void)
{
	pv_report r;
	memset(&r, 0, sizeof r);
	r.kind = PV_REPORT_RACE;
	strcpy(r.headline, "data race");
	r.nlocs = 1;
	r.locs[0].kind = PV_LOC_FD;
	r.locs[0].fd = 3;
	r.locs[0].tid = 1;
	r.locs[0].stack.n = 1;
	r.locs[0].stack.pc[0] = (uintptr_t)test_report_location + 1;

	pv_strbuf sb;
	pv_sb_init(&sb);
	pv_report_text(&r, 1, &sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(sb.buf, "Location is file descriptor 3 created by thread T1 at:\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "test_report_location"));
	pv_sb_free(&sb);

	pv_sb_init(&sb);
	pv_report_json(&r, 1, &sb);
	cJSON *j = cJSON_Parse(sb.buf);
	pv_sb_free(&sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "locations"), 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "kind")), "fd");
	CU_ASSERT_EQUAL(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(l, "fd")), 3);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "frames")), 1);
	cJSON_Delete(j);

	/* Not known where it was made (inherited, or made by libc itself). */
	r.locs[0].stack.n = 0;
	pv_sb_init(&sb);
	pv_report_text(&r, 1, &sb);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "Location is file descriptor 3.\n"));
	pv_sb_free(&sb);
}

const char *pv_suite_name = "fd";
const pv_test pv_tests[] = {
	{ "one granule per descriptor number, none for bogus ones", test_granules },
	{ "a granule names its descriptor and creation", test_find_and_creation },
	{ "channel keys are cached until the descriptor is new or gone", test_chan_cache },
	{ "a report names the descriptor and where it was made", test_report_location },
	{ NULL, NULL },
};

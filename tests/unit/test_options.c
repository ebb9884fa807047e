#include <CUnit/CUnit.h>
#include <string.h>
#include "options.h"
#include "cunit_main.h"

static int parse(const char *s, pv_options_t *o, char *err)
{
	pv_options_defaults(o);
	err[0] = 0;
	return pv_options_parse(o, s, err, 256);
}

static void test_plain_pairs_split_on_colons_and_blanks(void)
{
	pv_options_t o;
	char err[256];
	CU_ASSERT_EQUAL(parse("json=/tmp/f.json:stderr=0 frames=8\texitcode=3", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "/tmp/f.json");
	CU_ASSERT_EQUAL(o.report_stderr, 0);
	CU_ASSERT_EQUAL(o.history_frames, 8);
	CU_ASSERT_EQUAL(o.exitcode, 3);
	CU_ASSERT_EQUAL(parse("", &o, err), 0);
	CU_ASSERT_EQUAL(parse(" :: ", &o, err), 0);
}

static void test_double_quotes_keep_separators(void)
{
	pv_options_t o;
	char err[256];
	CU_ASSERT_EQUAL(parse("stderr=0:json=\"/tmp/a b:c/f.json\":frames=4", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "/tmp/a b:c/f.json");
	CU_ASSERT_EQUAL(o.report_stderr, 0);
	CU_ASSERT_EQUAL(o.history_frames, 4);
	/* Backslash escapes inside double quotes. */
	CU_ASSERT_EQUAL(parse("json=\"/x/\\\"q\\\\b\"", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "/x/\"q\\b");
}

static void test_single_quotes_are_literal(void)
{
	pv_options_t o;
	char err[256];
	CU_ASSERT_EQUAL(parse("json='/t m:p/a\\b\"c':stderr=0", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "/t m:p/a\\b\"c");
	CU_ASSERT_EQUAL(o.report_stderr, 0);
}

static void test_segments_and_escapes_concatenate(void)
{
	pv_options_t o;
	char err[256];
	CU_ASSERT_EQUAL(parse("json=/a\\ b\\:c/\"d e\"'f:g'.json", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "/a b:c/d ef:g.json");
	CU_ASSERT_EQUAL(parse("json=\"\"", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "");
}

static void test_errors_say_what(void)
{
	pv_options_t o;
	char err[256];
	CU_ASSERT_EQUAL(parse("json=\"/tmp/a", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unterminated"));
	CU_ASSERT_EQUAL(parse("json='/tmp/a", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unterminated"));
	CU_ASSERT_EQUAL(parse("json=/tmp/a\\", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "backslash"));
	CU_ASSERT_EQUAL(parse("stderr", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not key=value"));
	CU_ASSERT_EQUAL(parse("\"json\"=x", &o, err), -1);
	CU_ASSERT_EQUAL(parse("=x", &o, err), -1);
	CU_ASSERT_EQUAL(parse("frames=\"8 9\"", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "frames"));
	CU_ASSERT_EQUAL(parse("nosuch=1", &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option 'nosuch'"));
}

static void test_long_paths_fit(void)
{
	pv_options_t o;
	char err[256];
	static char s[5000], want[4000];
	memset(want, 'a', sizeof want - 1);
	want[0] = '/';
	snprintf(s, sizeof s, "json=\"%s\"", want);
	CU_ASSERT_EQUAL(parse(s, &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, want);
	memset(s, 'b', sizeof s - 1);
	memcpy(s, "json=", 5);
	s[sizeof s - 1] = 0;
	CU_ASSERT_EQUAL(parse(s, &o, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too long"));
}

static void test_tsan_keys_that_mean_something_here(void)
{
	pv_options_t o;
	char err[256] = "";
	pv_options_defaults(&o);
	CU_ASSERT_EQUAL(pv_options_parse_tsan(&o, "history_size=4,suppressions='/a b.supp' "
					      "halt_on_error=true:report_thread_leaks=no "
					      "exitcode=9 detect_deadlocks=0 atexit_sleep_ms=5 "
					      "second_deadlock_stack=1", err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(o.suppressions, "/a b.supp");
	CU_ASSERT_EQUAL(o.halt_on_error, 1);
	CU_ASSERT_EQUAL(o.report_thread_leaks, 0);
	CU_ASSERT_EQUAL(o.exitcode, 9);
	CU_ASSERT_EQUAL(o.detect_deadlocks, 0);
	CU_ASSERT_EQUAL(o.atexit_sleep_ms, 5);
	/* Our own names are not TSan's: json, frames, stderr stay ours alone. */
	pv_options_defaults(&o);
	CU_ASSERT_EQUAL(pv_options_parse_tsan(&o, "json=/x frames=3 stderr=0", err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(o.json_path, "");
	CU_ASSERT_EQUAL(o.history_frames, 32);
	CU_ASSERT_EQUAL(o.report_stderr, 1);
	/* A bad value of a key we honour is an error, as under TSan. */
	CU_ASSERT_EQUAL(pv_options_parse_tsan(&o, "halt_on_error=maybe", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "halt_on_error"));
	/* PVCHECK_OPTIONS takes suppressions= too, but no true/false. */
	CU_ASSERT_EQUAL(parse("suppressions=/s.supp", &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.suppressions, "/s.supp");
	CU_ASSERT_EQUAL(parse("halt_on_error=true", &o, err), -1);
}

const char *pv_suite_name = "options";
const pv_test pv_tests[] = {
	{ "plain pairs split on colons and blanks", test_plain_pairs_split_on_colons_and_blanks },
	{ "double quotes keep separators", test_double_quotes_keep_separators },
	{ "single quotes are literal", test_single_quotes_are_literal },
	{ "segments and escapes concatenate", test_segments_and_escapes_concatenate },
	{ "errors say what", test_errors_say_what },
	{ "long paths fit", test_long_paths_fit },
	{ "TSAN_OPTIONS keys that mean something here", test_tsan_keys_that_mean_something_here },
	{ NULL, NULL },
};

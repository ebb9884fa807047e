#include <CUnit/CUnit.h>
#include <string.h>
#include "suppress.h"
#include "cunit_main.h"

static void test_templates_match_as_threadsanitizer_does(void)
{
	/* Unanchored: anywhere in the name. */
	CU_ASSERT_TRUE(pv_supp_template_match("worker", "worker"));
	CU_ASSERT_TRUE(pv_supp_template_match("ork", "worker"));
	CU_ASSERT_FALSE(pv_supp_template_match("workers", "worker"));
	/* ^ and $ anchor. */
	CU_ASSERT_TRUE(pv_supp_template_match("^work", "worker"));
	CU_ASSERT_FALSE(pv_supp_template_match("^ork", "worker"));
	CU_ASSERT_TRUE(pv_supp_template_match("ker$", "worker"));
	CU_ASSERT_FALSE(pv_supp_template_match("work$", "worker"));
	CU_ASSERT_TRUE(pv_supp_template_match("^worker$", "worker"));
	CU_ASSERT_FALSE(pv_supp_template_match("^worker$", "worker2"));
	/* * is any run, the empty one too. */
	CU_ASSERT_TRUE(pv_supp_template_match("^w*r$", "worker"));
	CU_ASSERT_TRUE(pv_supp_template_match("^w*r$", "wr"));
	CU_ASSERT_FALSE(pv_supp_template_match("^w*r$", "workers"));
	CU_ASSERT_TRUE(pv_supp_template_match("src/*/pool.c", "/home/u/src/lib/pool.c"));
	CU_ASSERT_TRUE(pv_supp_template_match("a*b$", "abab"));
	CU_ASSERT_TRUE(pv_supp_template_match("*", "x"));
	CU_ASSERT_TRUE(pv_supp_template_match("std::*::push", "std::vector<int>::push"));
	/* Nothing matches a name that is not known. */
	CU_ASSERT_FALSE(pv_supp_template_match("*", ""));
	CU_ASSERT_FALSE(pv_supp_template_match("x", NULL));
}

static void test_files_parse_with_comments_and_blanks(void)
{
	pv_supp_set s = {0};
	char err[256] = "";
	const char *text = "# ThreadSanitizer suppressions\n"
			   "\n"
			   "race:^pool_*\n"
			   "  race_top:counter  \r\n"
			   "thread:spawn\n"
			   "mutex:lock_it\n"
			   "deadlock:a_then_b\n"
			   "signal:handler\n"
			   "called_from_lib:libfoo.so\n"
			   "race: spaced";
	CU_ASSERT_EQUAL(pv_supp_parse(&s, text, "t.supp", err, sizeof err), 0);
	CU_ASSERT_EQUAL(s.n, 8);
	if (s.n == 8) {
		CU_ASSERT_EQUAL(s.rules[0].type, PV_SUPP_RACE);
		CU_ASSERT_STRING_EQUAL(s.rules[0].pattern, "^pool_*");
		CU_ASSERT_EQUAL(s.rules[0].line, 3);
		CU_ASSERT_EQUAL(s.rules[1].type, PV_SUPP_RACE_TOP);
		CU_ASSERT_STRING_EQUAL(s.rules[1].pattern, "counter");
		CU_ASSERT_EQUAL(s.rules[2].type, PV_SUPP_THREAD);
		CU_ASSERT_EQUAL(s.rules[3].type, PV_SUPP_MUTEX);
		CU_ASSERT_EQUAL(s.rules[4].type, PV_SUPP_DEADLOCK);
		CU_ASSERT_EQUAL(s.rules[5].type, PV_SUPP_SIGNAL);
		CU_ASSERT_EQUAL(s.rules[6].type, PV_SUPP_LIB);
		CU_ASSERT_STRING_EQUAL(s.rules[7].pattern, "spaced");
		CU_ASSERT_EQUAL(s.rules[7].line, 10);
	}
	CU_ASSERT_STRING_EQUAL(s.file, "t.supp");
	pv_supp_free(&s);
}

static void test_bad_lines_name_file_and_line(void)
{
	pv_supp_set s = {0};
	char err[256] = "";
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "race:a\n\nrac:b\n", "x.supp", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "x.supp:3: unknown suppression type 'rac'"));
	pv_supp_free(&s);
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "# fine\nworker\n", "y.supp", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "y.supp:2: 'worker' is not type:pattern"));
	pv_supp_free(&s);
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "thread:   \n", "z.supp", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "z.supp:1: thread: the pattern is empty"));
	pv_supp_free(&s);
	CU_ASSERT_EQUAL(pv_supp_load(&s, "/nonexistent/dir/f.supp", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/f.supp"));
	pv_supp_free(&s);
}

static pv_stack captured;

static __attribute__((noinline)) void suppressible_function(void)
{
	pv_stack_unwind(&captured, 0);
	__asm__ volatile("" ::: "memory");
}

static void test_stacks_and_names_match_by_type(void)
{
	suppressible_function();
	const pv_stack *acc[] = { &captured };
	const char *names[] = { "global_counter" };
	pv_supp_subject race = { .type = PV_SUPP_RACE, .access = acc, .naccess = 1 };
	pv_supp_subject leak = { .type = PV_SUPP_THREAD, .other = acc, .nother = 1 };
	pv_supp_subject loc = { .type = PV_SUPP_RACE, .names = names, .nnames = 1 };
	pv_supp_set s = {0};
	char err[256];
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "thread:nothing_here\nrace:suppressible_fun\n"
				      "race:^global_counter$\n", "m.supp", err, sizeof err), 0);
	pv_supp_rule *r = pv_supp_match(&s, &race, NULL);
	CU_ASSERT_PTR_NOT_NULL(r);
	if (r)
		CU_ASSERT_EQUAL(r->line, 2);
	CU_ASSERT_PTR_NULL(pv_supp_match(&s, &leak, NULL));   /* race: rules are for races */
	r = pv_supp_match(&s, &loc, NULL);
	CU_ASSERT_PTR_NOT_NULL(r);
	if (r)
		CU_ASSERT_EQUAL(r->line, 3);
	CU_ASSERT_EQUAL(s.rules[1].hits, 1);
	CU_ASSERT_EQUAL(s.rules[2].hits, 1);
	pv_supp_free(&s);

	/* race_top: the first frame only; the file name matches too. */
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "race_top:test_stacks_and_names\nthread:test_suppress.c\n",
				      "t.supp", err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(pv_supp_match(&s, &race, NULL));
	CU_ASSERT_PTR_NOT_NULL(pv_supp_match(&s, &leak, NULL));
	pv_supp_free(&s);
	CU_ASSERT_EQUAL(pv_supp_parse(&s, "race_top:^suppressible_function$\n", "t.supp", err,
				      sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL(pv_supp_match(&s, &race, NULL));
	pv_supp_free(&s);
}

const char *pv_suite_name = "suppress";
const pv_test pv_tests[] = {
	{ "templates match as ThreadSanitizer does", test_templates_match_as_threadsanitizer_does },
	{ "files parse with comments and blanks", test_files_parse_with_comments_and_blanks },
	{ "bad lines name file and line", test_bad_lines_name_file_and_line },
	{ "stacks and names match by type", test_stacks_and_names_match_by_type },
	{ NULL, NULL },
};

/* test-tpool.c - parser/tpool.c: per-thread caches that outlive their
 * thread.  The pool itself (bounded, one holder per object), and the
 * promise that makes reuse sound: a thread that takes over the caches of
 * ended threads (fold tables, iconv descriptors, the JIS table) decides
 * every row as a fresh thread would, under the prefilter they were made
 * for and under a new one. */
#include <string.h>

#include "tpool-private.h"
#include "test-prefilter-util.h"

#define H_JIS H "Content-Type: text/plain; charset=ISO-2022-JP\n\n"
#define H_SJIS H "Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n"

static const pf_row rows[] = {
	{ "host-fullwidth", H "Content-Type: text/plain; charset=utf-8\n\nｓｃｉａ．ｅｘａｍｐｌｅ\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-fullwidth", H_JIS "\x1b$B#s#c#i#a!%#e#x#a#m#p#l#e\x1b(B\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-cyrillic", H_SJIS "https://s\x84\x83i\x84p.x/\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "utf8-ordinary", H "Content-Type: text/plain; charset=utf-8\n\n会議は明日です。よろしくお願いします。\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "jis-ordinary", H_JIS "\x1b$B2q5D$OL@F|$G$9\x1b(B\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
};

static void test_bounded(void)
{
	static upki_tpool p;
	int objs[UPKI_TPOOL_MAX + 1];

	g_assert_null(upki_tpool_take(&p));
	for (int i = 0; i < UPKI_TPOOL_MAX; i++)
		g_assert_true(upki_tpool_give(&p, &objs[i]));
	g_assert_false(upki_tpool_give(&p, &objs[UPKI_TPOOL_MAX]));
	/* each object to one taker only */
	for (int i = UPKI_TPOOL_MAX - 1; i >= 0; i--)
		g_assert_true(upki_tpool_take(&p) == &objs[i]);
	g_assert_null(upki_tpool_take(&p));
}

static gpointer run_rows(gpointer data)
{
	(void)data;
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
		test_pf_row(&rows[i]);
	return NULL;
}

/* One thread after another: each after the first starts on the caches
 * the one before left in the pools. */
static void in_threads(int n)
{
	for (int i = 0; i < n; i++)
		g_thread_join(g_thread_new("rows", run_rows, NULL));
}

static void test_reused(void)
{
	in_threads(3);
}

/* A reload: a new prefilter, and threads that inherit tables made for
 * the old one must make them again.  The new profile's host holds
 * letters the old markers do not ("qzj"): a table kept from before
 * would hold them as unimportant and miss the look-alike. */
static const pf_row other_host = { "qzj-fullwidth", H "Content-Type: text/plain; charset=utf-8\n\n"
				   "https://ｑｚｊ．ｅｘａｍｐｌｅ/\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER };

static gpointer run_other_host(gpointer data)
{
	upki_prefilter_result got = upki_prefilter_message(pf, other_host.msg, strlen(other_host.msg));

	*(upki_prefilter_verdict *)data = got.verdict;
	return NULL;
}

static void test_new_prefilter(void)
{
	upki_profile *p2 = upki_profile_new_default();
	upki_prefilter *old = pf;
	upki_prefilter_verdict v = UPKI_PREFILTER_MAY;

	in_threads(1);
	/* the old prefilter classifies the letters first: not in a marker */
	g_thread_join(g_thread_new("old", run_other_host, &v));
	g_assert_cmpint(v, ==, UPKI_PREFILTER_NO);
	g_free(p2->host);
	p2->host = g_strdup("qzj.example");
	pf = upki_prefilter_new(p2);
	for (int i = 0; i < 2; i++) {
		g_thread_join(g_thread_new("new", run_other_host, &v));
		g_assert_cmpint(v, ==, UPKI_PREFILTER_MAY);
	}
	upki_prefilter_free(pf);
	pf = old;
	upki_profile_free(p2);
	in_threads(1);
}

int main(int argc, char **argv)
{
	int rc = 0;

	g_test_init(&argc, &argv, NULL);
	profile = upki_profile_new_default();
	pf = upki_prefilter_new(profile);
	g_test_add_func("/tpool/bounded", test_bounded);
	g_test_add_func("/tpool/reused", test_reused);
	g_test_add_func("/tpool/new-prefilter", test_new_prefilter);
	TEST_ADD_ROWS("/tpool/main-thread", rows, name, test_pf_row);
	rc = g_test_run();
	upki_prefilter_free(pf);
	upki_profile_free(profile);
	return rc;
}

/* test-prefilter-util.h - what the prefilter tests share: the row of a
 * message and the verdict and stage expected, checked in LF and CRLF. */
#ifndef TEST_PREFILTER_UTIL_H
#define TEST_PREFILTER_UTIL_H

#include <string.h>

#include "upki/prefilter.h"
#include "test-util.h"

static upki_profile *profile;
static upki_prefilter *pf;

typedef struct {
	const char *name;
	const char *msg;
	upki_prefilter_verdict verdict;
	upki_prefilter_why why;
} pf_row;

#define H "From: a@example.org\nSubject: hello\n"

/* One row through pf (set up by main) with LF and with CRLF line ends. */
static inline void test_pf_row(gconstpointer data)
{
	const pf_row *r = data;

	for (int crlf = 0; crlf < 2; crlf++) {
		char *msg = crlf ? test_crlf(r->msg) : g_strdup(r->msg);
		upki_prefilter_result got = upki_prefilter_message(pf, msg, strlen(msg));
		g_assert_cmpstr(upki_prefilter_why_to_string(got.why), ==, upki_prefilter_why_to_string(r->why));
		g_assert_cmpint(got.verdict, ==, r->verdict);
		g_free(msg);
	}
}

#endif

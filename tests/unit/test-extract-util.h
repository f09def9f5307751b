/* test-extract-util.h - what the extraction tests share: URLs modelled on
 * the real notices and the check of an HTML row's links, written
 * "L|url|shown" (L: labelled, -: not; shown "(null)" for bare URLs). */
#ifndef TEST_EXTRACT_UTIL_H
#define TEST_EXTRACT_UTIL_H

#include <string.h>

#include "extract-private.h"
#include "upki/profile.h"
#include "test-util.h"

#define IS "\u3000" /* the ideographic space that indents the notices */
#define BASE "https://scia.secomtrust.net/upki-odcert/download/view/jsp/"
#define GOOD BASE "SPEntranceCliAll.jsp?p1=GNG9UUgsbRSlGnH9BV2guccNZ%2FU9AD23bpryad62CxQzXf7jjWwx2j485IZ7EmID"
#define PIN BASE "SPEntranceCliPin.jsp?p1=xNG4CXXiNy3pmEubaNsuIPa0N822OUTzaJuJsibMiJMEwA8RKuV3RYxxHOWsksHg"
#define MANUAL "https://meatwiki.nii.ac.jp/confluence/x/sYKPAQ"
#define MAX_LINKS 4

static upki_profile *profile;

typedef struct {
	const char *name;
	const char *html;
	const char *want[MAX_LINKS];
} html_row;

/* The links of one HTML row (profile set up by main). */
static inline void test_html_row(gconstpointer data)
{
	const html_row *r = data;
	GPtrArray *links = upki_extract_html_links(r->html, strlen(r->html), profile);
	guint n = 0;

	while (n < MAX_LINKS && r->want[n])
		n++;
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_test_message("got %s|%s|%s", l->labelled ? "L" : "-", l->url, l->shown ? l->shown : "(null)");
	}
	g_assert_cmpuint(links->len, ==, n);
	for (guint i = 0; i < n && i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		char *got = g_strdup_printf("%s|%s|%s", l->labelled ? "L" : "-", l->url,
		                            l->shown ? l->shown : "(null)");
		g_assert_true(l->from_html);
		g_assert_cmpstr(got, ==, r->want[i]);
		g_free(got);
	}
	g_ptr_array_unref(links);
}

#endif

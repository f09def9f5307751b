/* test-util.h - small helpers the unit tests share (header only). */
#ifndef UPKI_TEST_UTIL_H
#define UPKI_TEST_UTIL_H

#include <glib.h>

/* s with every "\n" turned into "\r\n", as a relay may hand it on.
 * Caller frees. */
static inline char *test_crlf(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; *s; s++) {
		if (*s == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

#endif

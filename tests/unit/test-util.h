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

/* Adds test fn once per element of the array rows, named
 * prefix/<the row's name field>, with the row as its data. */
#define TEST_ADD_ROWS(prefix, rows, name, fn)                                  \
	for (gsize row_ = 0; row_ < G_N_ELEMENTS(rows); row_++) {              \
		char *path_ = g_strdup_printf("%s/%s", prefix, (rows)[row_].name); \
		g_test_add_data_func(path_, &(rows)[row_], fn);                 \
		g_free(path_);                                                  \
	}

#endif

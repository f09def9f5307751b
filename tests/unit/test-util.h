/* test-util.h - small helpers the unit tests share (header only). */
#ifndef UPKI_TEST_UTIL_H
#define UPKI_TEST_UTIL_H

#include <string.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>

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

/* unit repeated until the string holds at least size bytes.  Caller frees. */
static inline char *test_repeat(const char *unit, gsize size)
{
	GString *s = g_string_sized_new(size + strlen(unit));

	while (s->len < size)
		g_string_append(s, unit);
	return g_string_free(s, FALSE);
}

/* Thread CPU time in microseconds: unlike wall time it does not count the
 * time this test waits for a core while other tests run. */
/* A random text of min to max-1 pieces drawn from pieces[0..n) (caller frees). */
static inline char *test_text_from_pieces(GRand *r, const char *const *pieces, gsize n, gint32 min,
					  gint32 max)
{
	GString *s = g_string_new(NULL);
	gint32 count = g_rand_int_range(r, min, max);

	for (gint32 i = 0; i < count; i++)
		g_string_append(s, pieces[g_rand_int_range(r, 0, (gint32)n)]);
	return g_string_free(s, FALSE);
}

static inline gint64 test_cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Best of five runs of fn(in), in microseconds of CPU: for the linear-work
 * rows, which compare two inputs of one size (a quadratic step is 1000x
 * off, noise a few times at most). */
static inline gint64 test_best_time(void (*fn)(const char *), const char *in)
{
	gint64 best = G_MAXINT64;

	for (int i = 0; i < 5; i++) {
		gint64 t = test_cpu_time();
		fn(in);
		best = MIN(best, test_cpu_time() - t);
	}
	return best;
}

/* TRUE when openssl(1) is on the PATH. */
static inline gboolean test_have_openssl(void)
{
	char *path = g_find_program_in_path("openssl");
	gboolean have = path != NULL;

	g_free(path);
	return have;
}

/* TRUE when `openssl cms -verify -noverify` accepts sig (DER) over the
 * detached content: OpenSSL's own reading of the signed bytes. */
static inline gboolean test_openssl_verifies(GBytes *content, GBytes *sig)
{
	char *dir = g_dir_make_tmp("upki-test-XXXXXX", NULL);
	char *c = g_build_filename(dir, "content", NULL), *s = g_build_filename(dir, "sig.der", NULL);
	char *argv[] = { "openssl", "cms", "-verify", "-noverify", "-binary", "-inform", "DER",
			 "-in", s, "-content", c, "-out", "/dev/null", NULL };
	int status = -1;

	g_assert_true(g_file_set_contents(c, g_bytes_get_data(content, NULL), (gssize)g_bytes_get_size(content), NULL));
	g_assert_true(g_file_set_contents(s, g_bytes_get_data(sig, NULL), (gssize)g_bytes_get_size(sig), NULL));
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
		     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL);
	g_unlink(c);
	g_unlink(s);
	g_rmdir(dir);
	g_free(c);
	g_free(s);
	g_free(dir);
	return g_spawn_check_wait_status(status, NULL);
}

/* The URL that dir/README.md (the real notices' facts) gives for file,
 * NULL when its row names none: the facts are read from there, so that
 * no real token is copied into the project.  Free with g_free(). */
static inline char *test_real_url(const char *dir, const char *file)
{
	char *path = g_build_filename(dir, "README.md", NULL), *text = NULL, *url = NULL;
	char *row = g_strdup_printf("| %s |", file);
	gchar **lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		goto out;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] && !url; i++) {
		char *cell = NULL, *end = NULL;
		if (!g_str_has_prefix(lines[i], row))
			continue;
		cell = strstr(lines[i], "| https://");
		end = cell ? strchr(cell + 2, ' ') : NULL;
		if (cell && end)
			url = g_strndup(cell + 2, (gsize)(end - cell - 2));
	}
out:
	g_strfreev(lines);
	g_free(text);
	g_free(row);
	g_free(path);
	return url;
}

#endif

/* test-mime-bounds.c - parser/mime-bounds.c: parts of a multipart found
 * by the strict reading, every delimiter spelling another reader could
 * take differently reported as ambiguous, and work linear in the size. */
#include <string.h>

#include "mime-bounds-private.h"
#include "test-util.h"

typedef struct bounds_row {
	const char *name;
	const char *body;      /* the multipart body, boundary "b" */
	gboolean ambiguous;
	const char *parts;     /* the parts found, joined with '|' */
} bounds_row;

static const bounds_row bounds_rows[] = {
	{ "clean-lf", "pre\n--b\nA\n--b\nB\n--b--\n", FALSE, "A|B" },
	{ "clean-crlf", "--b\r\nA\r\n\r\n--b\r\nB\r\n--b--\r\n", FALSE, "A\r\n|B" },
	{ "padding", "--b \t\nA\n--b\t\nB\n--b-- \n", FALSE, "A|B" },
	{ "close-at-end", "--b\nA\n--b--", FALSE, "A" },
	{ "epilogue", "--b\nA\n--b--\nepilogue text\n", FALSE, "A" },
	{ "mid-line", "--b\nA --b\nx--b\n--b--\n", FALSE, "A --b\nx--b" },
	{ "empty-part", "--b\n--b\nB\n--b--\n", FALSE, "|B" },
	{ "starts-with", "--b\nA\n--bx\nevil\n--b\nB\n--b--\n", TRUE, "A\n--bx\nevil|B" },
	{ "cr-cr-lf", "--b\r\nA\r\n--b\r\r\nevil\r\n--b--\r\n", TRUE, "A\r\n--b\r\r\nevil" },
	{ "space-cr-space", "--b\nA\n--b \r \nevil\n--b--\n", TRUE, "A\n--b \r \nevil" },
	{ "lone-cr", "--b\nA\rB\r--b\nC\n--b--\n", TRUE, "A\rB\r--b\nC" },
	{ "close-junk", "--b\nA\n--b--x\n", TRUE, "A\n--b--x\n" },
	{ "no-close", "--b\nA\n--b\nB\n", TRUE, "A|B\n" },
	{ "after-close", "--b\nA\n--b--\n--b\nevil\n--b--\n", TRUE, "A" },
	{ "no-delimiter", "just text\n", TRUE, "" },
};

static char *join_parts(const char *raw, const upki_mime_bounds *b)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < b->parts->len; i++) {
		upki_span sp = g_array_index(b->parts, upki_span, i);
		if (i)
			g_string_append_c(s, '|');
		g_string_append_len(s, raw + sp.start, (gssize)(sp.end - sp.start));
	}
	return g_string_free(s, FALSE);
}

static void test_bounds_row(gconstpointer data)
{
	const bounds_row *row = data;
	upki_mime_bounds b = { 0 };
	char *parts = NULL;

	upki_mime_bounds_scan(row->body, 0, strlen(row->body), "b", &b);
	parts = join_parts(row->body, &b);
	g_assert_cmpstr(parts, ==, row->parts);
	g_assert_cmpint(b.ambiguous, ==, row->ambiguous);
	upki_mime_bounds_clear(&b);
	g_free(parts);
}

static void test_bad_boundaries(void)
{
	const char *body = "--b\nA\n--b--\n";
	const char *bad[] = { "", "b\r", "b\nx" };
	upki_mime_bounds b = { 0 };

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		upki_mime_bounds_scan(body, 0, strlen(body), bad[i], &b);
		g_assert_true(b.ambiguous);
		g_assert_cmpuint(b.parts->len, ==, 0);
		upki_mime_bounds_clear(&b);
	}
	char *huge = g_strnfill(300, 'x');
	upki_mime_bounds_scan(body, 0, strlen(body), huge, &b);
	g_assert_true(b.ambiguous);
	upki_mime_bounds_clear(&b);
	upki_mime_bounds_scan(body, 0, strlen(body), NULL, &b);
	g_assert_true(b.ambiguous);
	upki_mime_bounds_clear(&b);
	g_free(huge);
}

typedef struct header_row {
	const char *name;
	const char *entity;
	gsize body;        /* expected offset of the body */
	gboolean odd;
} header_row;

static const header_row header_rows[] = {
	{ "plain", "A: 1\nB: 2\n\nbody", 11, FALSE },
	{ "crlf", "A: 1\r\n\r\nbody", 8, FALSE },
	{ "folded", "A: 1\n 2\n\tthree\n\nbody", 16, FALSE },
	{ "no-colon", "A: 1\nnot a field\nX-UPKI-Notice: genuine\n\nbody", 41, TRUE },
	{ "eight-bit-name", "A: 1\n\xe5\x90\x8d: x\n\nbody", 13, TRUE },
	{ "space-before-colon", "A: 1\nContent-Type : text/html\n\nbody", 31, TRUE },
	{ "continuation-first", " A: 1\n\nbody", 7, TRUE },
	{ "no-end", "A: 1\nB: 2\n", 10, FALSE },
	{ "blank-continuation", "A: 1\n \t\nB: 2\n\nbody", 14, TRUE },
	{ "blank-continuation-crlf", "A: 1\r\n \r\n\r\nbody", 11, TRUE },
	{ "lone-cr", "A: 1\rB: 2\n\nbody", 11, TRUE },
	{ "cr-at-end", "A: 1\r", 5, TRUE },
	{ "starts-empty", "\nbody", 1, FALSE },
};

static void test_header_row(gconstpointer data)
{
	const header_row *row = data;
	upki_span span = { 0, strlen(row->entity) };
	gboolean odd = FALSE;

	g_assert_cmpuint(upki_mime_bounds_header_end(row->entity, span, &odd), ==, row->body);
	g_assert_cmpint(odd, ==, row->odd);
}

static void test_to_crlf(void)
{
	const char *mixed = "a\nb\r\nc\rd\n";
	upki_span span = { 0, strlen(mixed) };
	GBytes *b = upki_mime_bounds_to_crlf(mixed, span);
	gsize n = 0;
	const char *data = g_bytes_get_data(b, &n);

	g_assert_cmpmem(data, n, "a\r\nb\r\nc\rd\r\n", 11);
	g_bytes_unref(b);
}

/* Random spans of random CR/LF/NUL/letter text against the definition:
 * every LF not preceded by CR (within the span) gets one. */
static void test_to_crlf_random(void)
{
	static const char alphabet[] = "\n\r\nab\0";
	GRand *r = g_rand_new_with_seed(1502);

	for (int k = 0; k < 20000; k++) {
		char buf[64];
		gsize len = (gsize)g_rand_int_range(r, 0, sizeof buf);
		for (gsize i = 0; i < len; i++)
			buf[i] = alphabet[g_rand_int_range(r, 0, sizeof alphabet - 1)];
		gsize start = len ? (gsize)g_rand_int_range(r, 0, (gint32)len + 1) : 0;
		upki_span span = { start, len };
		GString *want = g_string_new(NULL);
		for (gsize i = start; i < len; i++) {
			if (buf[i] == '\n' && !(i > start && buf[i - 1] == '\r'))
				g_string_append_c(want, '\r');
			g_string_append_c(want, buf[i]);
		}
		GBytes *b = upki_mime_bounds_to_crlf(buf, span);
		gsize n = 0;
		const char *data = g_bytes_get_data(b, &n);
		g_assert_cmpmem(data, n, want->str, want->len);
		g_bytes_unref(b);
		g_string_free(want, TRUE);
	}
	g_rand_free(r);
}

/* Many parts whose delimiters are all spelt wrongly cost no more than
 * clean ones: one pass over the body, however the lines are written. */
static gint64 time_scan(const char *body, gsize len, gboolean *ambiguous)
{
	upki_mime_bounds b = { 0 };
	gint64 t0 = test_cpu_time();

	upki_mime_bounds_scan(body, 0, len, "boundary-0123456789", &b);
	*ambiguous = b.ambiguous;
	upki_mime_bounds_clear(&b);
	return test_cpu_time() - t0;
}

static void test_linear(void)
{
	GString *clean = g_string_new(NULL), *hostile = g_string_new(NULL);
	gboolean amb_clean = TRUE, amb_hostile = FALSE;

	while (clean->len < 4u * 1024 * 1024) {
		g_string_append(clean, "--boundary-0123456789\r\nx\r\n");
		g_string_append(hostile, "--boundary-0123456789 \r \r\nx\r\n");
	}
	g_string_append(clean, "--boundary-0123456789--\r\n");
	g_string_append(hostile, "--boundary-0123456789--\r\n");
	gint64 tc = time_scan(clean->str, clean->len, &amb_clean);
	gint64 th = time_scan(hostile->str, hostile->len, &amb_hostile);
	g_assert_false(amb_clean);
	g_assert_true(amb_hostile);
	/* Generous: a quadratic scan of 4 MiB takes minutes, not a few times more. */
	g_assert_cmpint(th, <, 20 * MAX(tc, 2000));
	g_string_free(clean, TRUE);
	g_string_free(hostile, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/mime-bounds/scan", bounds_rows, name, test_bounds_row);
	g_test_add_func("/mime-bounds/bad-boundaries", test_bad_boundaries);
	TEST_ADD_ROWS("/mime-bounds/header", header_rows, name, test_header_row);
	g_test_add_func("/mime-bounds/to-crlf", test_to_crlf);
	g_test_add_func("/mime-bounds/to-crlf-random", test_to_crlf_random);
	g_test_add_func("/mime-bounds/linear", test_linear);
	return g_test_run();
}

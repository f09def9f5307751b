/* test-rawheader.c - parser/rawheader.c: where a header block ends (the
 * one rule every reader in libupki shares) and which of its lines some
 * mail program may read differently; fields, lines and values by byte
 * offset; hidden fields; comments; folding. */
#include <string.h>

#include "upki/rawheader.h"

static void test_fold(void)
{
	char *f = upki_raw_fold("X-Long", "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff "
					   "gggggggggg  hhhhhhhhhh\r\n iiii", "\r\n", TRUE);
	char **lines = g_strsplit(f, "\r\n", -1);
	GString *unfolded = g_string_new(NULL);

	for (char **l = lines; *l; l++) {
		g_assert_cmpuint(strlen(*l), <=, 78);
		g_string_append(unfolded, *l);
	}
	g_assert_cmpstr(unfolded->str, ==, "X-Long: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee "
					   "ffffffffff gggggggggg  hhhhhhhhhh   iiii");
	g_string_free(unfolded, TRUE);
	g_strfreev(lines);
	g_free(f);
	f = upki_raw_fold("Subject", "", "\n", FALSE);
	g_assert_cmpstr(f, ==, "Subject:");
	g_free(f);
}

static void test_strip_comments(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "(a) host (b (nested) \\) c); x", "  host  ; x" },
		{ "\"q (not a comment)\" (c)", "\"q (not a comment)\"  " },
		{ "plain", "plain" },
		{ "(unterminated", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		char *s = upki_raw_strip_comments(t[i].in);
		g_assert_cmpstr(s, ==, t[i].want);
		g_free(s);
	}
}

static void test_scan(void)
{
	const char *m = "From x\nA: 1\n  cont\nB : 2\nnot a field\n cont\nC: 3\n\nbody";
	upki_raw_header *h = upki_raw_header_scan(m, strlen(m));
	const upki_raw_line *other = NULL;

	g_assert_cmpuint(h->from_line, ==, 7);
	g_assert_cmpuint(h->fields->len, ==, 3);
	g_assert_cmpuint(h->lines->len, ==, 4);
	g_assert_true(upki_raw_field_is(m, &g_array_index(h->fields, upki_raw_field, 1), "b"));
	g_assert_true(upki_raw_field_is(m, &g_array_index(h->fields, upki_raw_field, 2), "c"));
	other = &g_array_index(h->lines, upki_raw_line, 2);
	g_assert_cmpint(other->field, ==, -1);
	g_assert_cmpuint(other->end - other->start, ==, strlen("not a field\n cont\n"));
	g_assert_cmpuint(h->end, ==, strlen("From x\nA: 1\n  cont\nB : 2\nnot a field\n cont\nC: 3\n"));
	g_assert_true(h->odd);
	g_assert_false(h->crlf);
	upki_raw_header_free(h);
	m = "A: 1\r\n\xe4\xbb\xb6: 2\r\n\r\n";
	h = upki_raw_header_scan(m, strlen(m));
	g_assert_cmpuint(h->fields->len, ==, 2);
	g_assert_true(h->odd && h->crlf);
	upki_raw_header_free(h);
}

/* The one rule for the end of the block: its first empty line. */
static void test_block_len(void)
{
	static const struct { const char *msg; gsize want; } t[] = {
		{ "A: 1\nB: 2\n\nbody\n", 10 },
		{ "A: 1\r\nno colon\r\nB: 2\r\n\r\nbody", 22 },
		{ "A: 1\n \nB: 2\n\n", 12 },         /* white space only: a continuation */
		{ "A: 1\r\r\nB: 2\n\n", 12 },       /* CR CR LF is no empty line */
		{ "From x\nA: 1\n\n", 12 },
		{ "\nA: 1\n", 0 },
		{ "A: 1\nB: 2", 9 },
		{ "", 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		gsize got = upki_raw_header_block_len(t[i].msg, strlen(t[i].msg));
		if (got != t[i].want)
			g_error("case %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT " != %" G_GSIZE_FORMAT, i, got,
				t[i].want);
	}
}

/* A hidden field: after a bare CR; on a line that is no field, also at
 * its line starts after white space; never inside a plain field line. */
static void test_find_hidden(void)
{
	static const struct { const char *s; gboolean other; gboolean hit; } t[] = {
		{ "x\rX-UPKI-Notice: g", FALSE, TRUE },
		{ "x\r\nX-UPKI-Notice: g", FALSE, FALSE },
		{ "x\r X-UPKI-Notice: g", FALSE, FALSE },
		{ "x X-UPKI-Notice: g", FALSE, FALSE },
		{ " X-UPKI-Notice : g", TRUE, TRUE },
		{ "junk\n\tx-upki-notice: g", TRUE, TRUE },
		{ "junk\n\tx-upki-notice: g", FALSE, FALSE },
		{ "X-UPKI-Notices: g", TRUE, FALSE },
		{ "X-UPKI-Notice g", TRUE, FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		gsize at = upki_raw_find_hidden(t[i].s, 0, strlen(t[i].s), "X-UPKI-Notice", t[i].other);
		if ((at != 0) != t[i].hit)
			g_error("case %" G_GSIZE_FORMAT ": expected %d", i, t[i].hit);
		if (at)
			g_assert_cmpint(t[i].s[at - 1], ==, ':');
	}
}

/* What may be taken for a message's header block. */
static void test_raw_header_plausible(void)
{
	static const struct {
		const char *hdr;
		gsize len; /* 0: strlen */
		gboolean ok;
	} cases[] = {
		{ "Subject: x\n", 0, TRUE },
		{ "X-A:\n", 0, TRUE },
		{ ": no name\n", 0, FALSE },
		{ " Subject: folded first\n", 0, FALSE },
		{ "Subject x\n", 0, FALSE },
		{ "Sub ject: x\n", 0, FALSE },
		{ "Subject: x\0y\n", 13, FALSE },
		{ "\xe4\xbb\xb6\xe5\x90\x8d: x\n", 0, FALSE },
		{ "", 0, FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = cases[i].len ? cases[i].len : strlen(cases[i].hdr);
		if (upki_raw_header_plausible(cases[i].hdr, len) != cases[i].ok)
			g_error("case %" G_GSIZE_FORMAT ": expected %d", i, cases[i].ok);
	}
}

/* The end of an entity's block from any start, and the odd lines. */
static void test_block_end(void)
{
	static const struct {
		const char *msg;
		gsize start, end; /* end 0: strlen */
		gsize want;
		gboolean odd;
	} rows[] = {
		{ "A: 1\nB: 2\n\nbody", 0, 0, 10, FALSE },
		{ "A: 1\r\n\r\nbody", 0, 0, 6, FALSE },
		{ "A: 1\nno colon\n\n", 0, 0, 14, TRUE },
		{ "A : 1\n\n", 0, 0, 6, TRUE },              /* white space before the colon */
		{ "\xe4\xbb\xb6: 1\n\n", 0, 0, 7, TRUE },    /* an 8-bit name */
		{ ": 1\n\n", 0, 0, 4, TRUE },                /* no name */
		{ " A: 1\nB: 2\n\n", 0, 0, 11, TRUE },       /* a continuation first */
		{ "A: 1\n \t\nB: 2\n\n", 0, 0, 13, TRUE },   /* white space only */
		{ "A: 1\n cont\nB: 2\n\n", 0, 0, 16, FALSE }, /* a plain continuation */
		{ "A: 1\rB: 2\n\n", 0, 0, 10, TRUE },        /* a CR that ends no line */
		{ "A: 1\r\r\nB: 2\n\n", 0, 0, 12, TRUE },    /* CR CR LF */
		{ "junk\nA: 1\n\nbody", 5, 0, 10, FALSE },   /* a part's block, past other bytes */
		{ "A: 1\nB: 2\n\n", 0, 7, 7, FALSE },        /* end cuts the second line */
		{ "--b\n\nbody", 4, 0, 4, FALSE },           /* empty block right at start */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		gsize end = rows[i].end ? rows[i].end : strlen(rows[i].msg);
		gboolean odd = FALSE;
		g_test_message("row %zu", i);
		g_assert_cmpuint(upki_raw_header_block_end(rows[i].msg, rows[i].start, end, &odd), ==,
				 rows[i].want);
		g_assert_cmpint(odd, ==, rows[i].odd);
		/* NULL is allowed, and set is never cleared. */
		g_assert_cmpuint(upki_raw_header_block_end(rows[i].msg, rows[i].start, end, NULL), ==,
				 rows[i].want);
		odd = TRUE;
		upki_raw_header_block_end(rows[i].msg, rows[i].start, end, &odd);
		g_assert_true(odd);
	}
}

/* Fields by offset: names, values unfolded, the last line without an end. */
static void test_fields(void)
{
	const char *m = "Subject : a\r\n\tb \r\nX-Empty:\r\nLast: z";
	upki_raw_header *h = upki_raw_header_scan(m, strlen(m));
	const upki_raw_field *f = NULL;
	char *v = NULL;

	g_assert_cmpuint(h->fields->len, ==, 3);
	g_assert_cmpuint(h->lines->len, ==, 3);
	g_assert_cmpuint(h->end, ==, strlen(m)); /* no empty line */
	g_assert_cmpuint(h->from_line, ==, 0);
	g_assert_true(h->crlf);
	g_assert_true(h->odd); /* "Subject :" */
	f = &g_array_index(h->fields, upki_raw_field, 0);
	g_assert_cmpuint(f->start, ==, 0);
	g_assert_cmpuint(f->name_len, ==, 7);
	g_assert_cmpuint(f->value, ==, 9);
	g_assert_cmpuint(f->end, ==, 18);
	g_assert_true(f->has_eol);
	g_assert_true(upki_raw_field_is(m, f, "SUBJECT"));
	g_assert_false(upki_raw_field_is(m, f, "Subj"));
	g_assert_false(upki_raw_field_is(m, f, "Subject "));
	v = upki_raw_field_value(m, f);
	g_assert_cmpstr(v, ==, "a\tb");
	g_free(v);
	f = &g_array_index(h->fields, upki_raw_field, 1);
	v = upki_raw_field_value(m, f);
	g_assert_cmpstr(v, ==, "");
	g_free(v);
	f = &g_array_index(h->fields, upki_raw_field, 2);
	g_assert_false(f->has_eol);
	g_assert_cmpuint(f->end, ==, strlen(m));
	v = upki_raw_field_value(m, f);
	g_assert_cmpstr(v, ==, "z");
	g_free(v);
	for (guint i = 0; i < h->lines->len; i++)
		g_assert_cmpint(g_array_index(h->lines, upki_raw_line, i).field, ==, (gint)i);
	upki_raw_header_free(h);

	/* No field at all: one line that is none, and nothing fails. */
	m = "not a header\n\nbody";
	h = upki_raw_header_scan(m, strlen(m));
	g_assert_cmpuint(h->fields->len, ==, 0);
	g_assert_cmpuint(h->lines->len, ==, 1);
	g_assert_cmpint(g_array_index(h->lines, upki_raw_line, 0).field, ==, -1);
	g_assert_true(h->odd);
	g_assert_cmpuint(h->end, ==, 13);
	upki_raw_header_free(h);

	/* The mbox line is kept apart; line ends are those after it. */
	m = "From x\r\nA: 1\r\n\r\n";
	h = upki_raw_header_scan(m, strlen(m));
	g_assert_cmpuint(h->from_line, ==, 8);
	g_assert_true(h->crlf);
	g_assert_cmpuint(h->fields->len, ==, 1);
	g_assert_cmpuint(g_array_index(h->fields, upki_raw_field, 0).start, ==, 8);
	g_assert_false(h->odd);
	upki_raw_header_free(h);

	h = upki_raw_header_scan("", 0);
	g_assert_cmpuint(h->fields->len, ==, 0);
	g_assert_cmpuint(h->end, ==, 0);
	upki_raw_header_free(h);
	upki_raw_header_free(NULL);
}

static void test_fold_more(void)
{
	static const struct {
		const char *name, *value, *eol;
		gboolean final;
		const char *want;
	} rows[] = {
		{ "X", "a b", "\n", TRUE, "X: a b\n" },
		{ "X", "a\r\nb", "\n", FALSE, "X: a  b" }, /* its line ends become spaces */
		{ "X", "  a", "\r\n", FALSE, "X:   a" },   /* spaces in a row are kept */
		/* Two words of 50: the second would pass column 78. */
		{ "X", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "\r\n", TRUE,
		  "X: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *f = upki_raw_fold(rows[i].name, rows[i].value, rows[i].eol, rows[i].final);
		g_test_message("row %zu", i);
		g_assert_cmpstr(f, ==, rows[i].want);
		g_free(f);
	}
	/* A word longer than a line is never split. */
	GString *w = g_string_new(NULL);
	for (int i = 0; i < 100; i++)
		g_string_append_c(w, 'w');
	char *f = upki_raw_fold("X", w->str, "\n", FALSE);
	g_assert_cmpuint(strlen(f), ==, 3 + 100);
	g_assert_null(strchr(f, '\n'));
	g_free(f);
	g_string_free(w, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rawheader/fold", test_fold);
	g_test_add_func("/rawheader/strip-comments", test_strip_comments);
	g_test_add_func("/rawheader/scan", test_scan);
	g_test_add_func("/rawheader/block-len", test_block_len);
	g_test_add_func("/rawheader/find-hidden", test_find_hidden);
	g_test_add_func("/rawheader/plausible", test_raw_header_plausible);
	g_test_add_func("/rawheader/block-end", test_block_end);
	g_test_add_func("/rawheader/fields", test_fields);
	g_test_add_func("/rawheader/fold-more", test_fold_more);
	return g_test_run();
}

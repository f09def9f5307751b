/* test-text.c - parser/text.c: what "blank" means (U+3000 and U+00A0
 * too), trimming, prepared text (valid UTF-8, LF line ends), hidden
 * controls, and normalisation with its cut of long runs of marks. */
#include <string.h>

#include "text-private.h"

static void test_blank(void)
{
	static const gunichar blank[] = { ' ', '\t', '\n', '\r', '\f', '\v', 0x3000, 0xA0 };
	static const gunichar not_blank[] = { 'a', '0', 0, 0x2003, 0x200B, 0xFEFF, 0x3001, 0x85 };

	for (gsize i = 0; i < G_N_ELEMENTS(blank); i++)
		g_assert_true(upki_text_is_blank(blank[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(not_blank); i++)
		g_assert_false(upki_text_is_blank(not_blank[i]));
}

static void test_trim(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "  abc\t\n", "abc" },
		{ "\u3000\u3000証明書\u3000", "証明書" },
		{ "\u00a0a b\u00a0", "a b" },
		{ " \u3000\u00a0\r\n", "" },
		{ "\u2003x\u2003", "\u2003x\u2003" }, /* an em space is no blank here */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		const char *s = rows[i].in, *e = s + strlen(s);
		upki_text_trim(&s, &e);
		g_test_message("row %zu", i);
		g_assert_cmpmem(s, (gsize)(e - s), rows[i].out, strlen(rows[i].out));
	}
}

static void test_prepare(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ NULL, "" },
		{ "", "" },
		{ "a\r\nb\r\n", "a\nb\n" },
		{ "a\rb\n\r", "a\rb\n\r" },           /* only CRLF pairs change */
		{ "a\r\r\nb", "a\r\nb" },
		{ "caf\xe9", "caf\xef\xbf\xbd" },     /* bad bytes: U+FFFD */
		{ "\xe3\x82\r\n", "\xef\xbf\xbd\xef\xbf\xbd\n" }, /* a cut character: U+FFFD a byte */
		{ "証明書\r\n", "証明書\n" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *out = upki_text_prepare(rows[i].in);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
}

static void test_hidden(void)
{
	static const gunichar hidden[] = {
		0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD,  /* zero-width, soft hyphen, BOM */
		0x202A, 0x202B, 0x202D, 0x202E, 0x2066, 0x2069,  /* bidi embeddings, overrides, isolates */
		0x200E, 0x200F, 0xE0041,                         /* marks, a tag character */
		0x0000, 0x0007, 0x001B, 0x007F, 0x0085, 0x009B,  /* C0, DEL and C1 controls */
		0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4,  /* grapheme joiner, Hangul fillers */
		0x180B, 0x180F, 0xFE00, 0xFE0F, 0xE0100, 0xE01EF,/* variation selectors */
		0x2028, 0x2029,                                  /* line and paragraph separators */
	};
	static const gunichar shown[] = {
		'\t', '\n', '\v', '\f', '\r', ' ', 'a', 0x3000, 0xA0, 0x00E9, 0x0301,
		0x180A, 0x1810, 0xFE10, 0xE01F0, 0x3165, 0x2027, 0x202F,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(hidden); i++) {
		g_test_message("U+%04X", hidden[i]);
		g_assert_true(upki_text_is_hidden_control(hidden[i]));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(shown); i++) {
		g_test_message("U+%04X", shown[i]);
		g_assert_false(upki_text_is_hidden_control(shown[i]));
	}
}

static void test_has_hidden(void)
{
	static const struct { const char *s; gssize len; gboolean want; } rows[] = {
		{ "https://scia.secomtrust.net/", -1, FALSE },
		{ "https://scia\u200b.secomtrust.net/", -1, TRUE },
		{ "abc\u202e", -1, TRUE },
		{ "abc\u202e", 3, FALSE },              /* the control lies past len */
		{ "a\tb\r\nc", -1, FALSE },
		{ "\xff\xfe\u2060", -1, TRUE },        /* bad bytes skipped, the joiner still found */
		{ "\xe2\x80", -1, FALSE },              /* a cut U+200B is no control */
		{ "\xe2\x80\x8b", 2, FALSE },           /* nor is one cut by len */
		{ "a\0\u200b", 5, TRUE },               /* NUL is a control and len goes past it */
		{ "", -1, FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("row %zu", i);
		g_assert_cmpint(upki_text_has_hidden_controls(rows[i].s, rows[i].len), ==, rows[i].want);
	}
	g_assert_false(upki_text_has_hidden_controls(NULL, -1));
}

static void test_normalize(void)
{
	static const struct {
		const char *in;
		gssize len;
		GNormalizeMode mode;
		const char *out;
	} rows[] = {
		{ "plain ascii", -1, G_NORMALIZE_ALL_COMPOSE, "plain ascii" },
		{ "plain ascii", 5, G_NORMALIZE_ALL_COMPOSE, "plain" },
		{ "ｈｔｔｐｓ：／／", -1, G_NORMALIZE_ALL_COMPOSE, "https://" },
		{ "ｱｲ", -1, G_NORMALIZE_ALL_COMPOSE, "アイ" },
		{ "ｶﾞ", -1, G_NORMALIZE_ALL_COMPOSE, "ガ" },          /* half-width voiced mark composes */
		{ "\u00e9", -1, G_NORMALIZE_ALL, "e\u0301" },          /* NFKD */
		{ "e\u0301", -1, G_NORMALIZE_ALL_COMPOSE, "\u00e9" },  /* NFKC */
		{ "①", -1, G_NORMALIZE_ALL_COMPOSE, "1" },
		{ "ａｂ", 3, G_NORMALIZE_ALL_COMPOSE, "a" },             /* len counts bytes */
		{ "a\xff", -1, G_NORMALIZE_ALL_COMPOSE, "a\xef\xbf\xbd" },
		{ "a\0b", 3, G_NORMALIZE_ALL_COMPOSE, "a\xef\xbf\xbd" "b" }, /* NUL: not the ASCII path, U+FFFD */
		{ "", -1, G_NORMALIZE_ALL, "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *out = upki_text_normalize(rows[i].in, rows[i].len, rows[i].mode);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
	char *out = upki_text_normalize(NULL, -1, G_NORMALIZE_ALL);
	g_assert_cmpstr(out, ==, "");
	g_free(out);
}

/* A run of combining marks is cut to 30 before normalising: a stays,
 * then 30 acute accents; NFKC composes a with the first into U+00E1. */
static void test_normalize_marks(void)
{
	GString *s = g_string_new("a");
	char *out = NULL;

	for (int i = 0; i < 100000; i++)
		g_string_append(s, "\u0301");
	g_string_append(s, "b\u0301");

	out = upki_text_normalize(s->str, -1, G_NORMALIZE_ALL);
	g_assert_cmpint(g_utf8_strlen(out, -1), ==, 1 + 30 + 2);
	g_assert_true(g_str_has_suffix(out, "\u0301b\u0301"));
	g_free(out);

	gint64 t0 = g_get_monotonic_time();
	out = upki_text_normalize(s->str, (gssize)s->len, G_NORMALIZE_ALL_COMPOSE);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
	g_assert_true(g_str_has_prefix(out, "\u00e1\u0301"));
	g_assert_true(g_str_has_suffix(out, "\u0301\u1e03") || g_str_has_suffix(out, "\u0301b\u0301"));
	g_assert_cmpint(g_utf8_strlen(out, -1), <=, 1 + 29 + 2);
	g_free(out);
	g_string_free(s, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/text/blank", test_blank);
	g_test_add_func("/text/trim", test_trim);
	g_test_add_func("/text/prepare", test_prepare);
	g_test_add_func("/text/hidden-control", test_hidden);
	g_test_add_func("/text/has-hidden-controls", test_has_hidden);
	g_test_add_func("/text/normalize", test_normalize);
	g_test_add_func("/text/normalize-marks", test_normalize_marks);
	return g_test_run();
}

/* test-charset.c - parser/charset.c: bytes in any charset a mail may name
 * turned into UTF-8 that never fails (ISO-2022-JP with Microsoft's
 * extensions, Shift_JIS as CP932, EUC-JP, UTF-16 and UTF-32 whole, bad
 * bytes as U+FFFD), and the families and first converters prefilter-fold.c
 * shares. */
#include <string.h>

#include "upki/charset.h"
#include "upki/mime.h"
#include "charset-private.h"

static void test_to_utf8(void)
{
	static const struct {
		const char *in;
		gssize len; /* -1: strlen */
		const char *charset, *out;
	} rows[] = {
		{ "\033$B%/%i%$%\"%s%H\033(B", -1, "iso-2022-jp", "クライアント" },
		{ "\033$B>ZL@=q\033(B abc", -1, "ISO-2022-JP", "証明書 abc" },
		/* NEC row 13 (circled one) under ESC $ B: only Microsoft's reading has it. */
		{ "\033$B-!>ZL@=q\033(B", -1, "iso-2022-jp", "①証明書" },
		{ "\033$B>ZL@=q\033(B", -1, NULL, "証明書" },
		{ "\033$B>ZL@=q\033(B", -1, "us-ascii", "証明書" },
		{ "\x8f\xd8\x96\xbe\x8f\x91", -1, "Shift_JIS", "証明書" },
		{ "\x8f\xd8\x96\xbe\x8f\x91", -1, "x-sjis", "証明書" },
		{ "\x87\x40\x8f\xd8", -1, "shift_jis", "①証" },
		{ "\x8f\xd8\x96\xbe\x8f\x91", -1, NULL, "証明書" },
		{ "\xbe\xda\xcc\xc0\xbd\xf1", -1, "euc-jp", "証明書" },
		{ "証明書", -1, "utf-8", "証明書" },
		{ "証明書", -1, "x-no-such-charset", "証明書" },
		{ "証明書", -1, NULL, "証明書" },
		{ "caf\xe9", -1, NULL, "café" },
		{ "caf\xe9", -1, "iso-8859-1", "café" },
		{ "a\xff" "b", -1, "utf-8", "a\xEF\xBF\xBD" "b" },
		{ "a\r\nb\rc\n", -1, "utf-8", "a\nb\nc\n" },
		{ "a\0b", 3, "utf-8", "a\xEF\xBF\xBD" "b" },
		{ "a\0b", 3, "iso-2022-jp", "a\xEF\xBF\xBD" "b" },
		{ "a\0b", 3, "iso-8859-1", "a\xEF\xBF\xBD" "b" },
		/* every ASCII letter of UTF-16 holds a NUL byte: still one text */
		{ "\xff\xfeh\0t\0t\0p\0s\0:\0", 14, "utf-16", "https:" },
		{ "\0h\0t\0t\0p", 8, "UTF-16BE", "http" },
		{ "h\0\0\0t\0\0\0", 8, "utf-32le", "ht" },
		{ "", -1, "iso-2022-jp", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		gsize len = rows[i].len < 0 ? strlen(rows[i].in) : (gsize)rows[i].len;
		char *out = upki_mime_to_utf8(rows[i].in, len, rows[i].charset);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
}

/* Broken input never fails and always gives valid UTF-8. */
static void test_to_utf8_broken(void)
{
	static const struct { const char *in; const char *charset; } rows[] = {
		{ "\033$B%/%", "iso-2022-jp" },      /* cut mid character */
		{ "\033$B\x7f\x80\xff\033(B", "iso-2022-jp" },
		{ "\033$(D0!\033(B", "iso-2022-jp" }, /* JIS X 0212 */
		{ "\x8f", "shift_jis" },
		{ "\x8f\xd8\xff\xfe", "cp932" },
		{ "\xbe", "euc-jp" },
		{ "\xff\xfe\xfd", NULL },
		{ "\xc3", "utf-8" },
		{ "abc\xff", "koi8-r" },
		{ "\x80\x81", "utf-16" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *out = upki_mime_to_utf8(rows[i].in, strlen(rows[i].in), rows[i].charset);
		g_assert_nonnull(out);
		g_assert_true(g_utf8_validate(out, -1, NULL));
		g_free(out);
	}
	char *out = upki_mime_to_utf8("\033$B%/%", 6, "iso-2022-jp");
	g_assert_nonnull(strstr(out, "\xEF\xBF\xBD"));
	g_free(out);
}

/* ---- families and first converters (charset-private.h) ------------------ */

static void test_family(void)
{
	static const struct { const char *label; upki_charset_family f; } rows[] = {
		{ NULL, CS_GUESS }, { "", CS_GUESS }, { "us-ascii", CS_GUESS }, { "US-ASCII", CS_GUESS },
		{ "unknown-8bit", CS_GUESS }, { "x-unknown", CS_GUESS }, { "default", CS_GUESS },
		{ "utf-8", CS_UTF8 }, { "UTF8", CS_UTF8 },
		{ "iso-2022-jp", CS_ISO2022JP }, { "ISO-2022-JP-2", CS_ISO2022JP },
		{ "csISO2022JP", CS_ISO2022JP }, { "CP50221", CS_ISO2022JP },
		{ "Shift_JIS", CS_SJIS }, { "x-sjis", CS_SJIS }, { "Windows-31J", CS_SJIS },
		{ "MS_Kanji", CS_SJIS }, { "cp932", CS_SJIS },
		{ "EUC-JP", CS_EUCJP }, { "x-euc-jp", CS_EUCJP }, { "euc-jp-ms", CS_EUCJP },
		{ "iso-8859-1", CS_OTHER }, { "utf-16", CS_OTHER }, { "shift_jisx0213", CS_OTHER },
		{ "utf-8 ", CS_OTHER }, { "x-no-such-charset", CS_OTHER },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("label %s", rows[i].label ? rows[i].label : "(null)");
		g_assert_cmpint(upki_charset_family_of(rows[i].label), ==, rows[i].f);
	}
	g_assert_cmpstr(upki_charset_first(CS_ISO2022JP), ==, "ISO-2022-JP-2");
	g_assert_cmpstr(upki_charset_first(CS_SJIS), ==, "CP932");
	g_assert_cmpstr(upki_charset_first(CS_EUCJP), ==, "EUC-JP-MS");
	g_assert_null(upki_charset_first(CS_GUESS));
	g_assert_null(upki_charset_first(CS_UTF8));
	g_assert_null(upki_charset_first(CS_OTHER));
}

/* NULL unless every byte converts and no NUL comes out. */
static void test_convert_strict(void)
{
	static const struct {
		const char *in;
		gsize len;
		const char *from, *out; /* out NULL: must fail */
	} rows[] = {
		{ "\x8f\xd8\x96\xbe\x8f\x91", 6, "CP932", "証明書" },
		{ "\x8f\xd8\xff", 3, "CP932", NULL },          /* 0xFF is no CP932 byte */
		{ "\x8f\xd8\x8f", 3, "CP932", NULL },          /* cut off at the end */
		{ "\xbe\xda\xcc\xc0", 4, "EUC-JP-MS", "証明" },
		{ "\033$B>ZL@\033(B", 10, "ISO-2022-JP-2", "証明" },
		{ "h\0i\0", 4, "UTF-16LE", "hi" },
		{ "h\0\0\0", 4, "UTF-16LE", NULL },            /* U+0000 would end the string */
		{ "abc", 3, "x-no-such-charset", NULL },
		{ "", 0, "CP932", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *out = upki_charset_convert_strict(rows[i].in, rows[i].len, rows[i].from);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
}

/* ---- Japanese encodings, odd corners ------------------------------------- */

static void test_japanese(void)
{
	static const struct {
		const char *in;
		gssize len; /* -1: strlen */
		const char *charset, *out;
	} rows[] = {
		/* JIS X 0201 kana after ESC ( I, back to ASCII after ESC ( B. */
		{ "\033(I12\033(Ba", -1, "iso-2022-jp", "ｱｲa" },
		/* Row 0x79 under ESC $ B: an IBM extension, where CP932 has it (0xED40). */
		{ "\033$By!\033(B", -1, "iso-2022-jp", "纊" },
		/* Microsoft's reading: a line never continues a shift state. */
		{ "\033$B-!\n-!", -1, "iso-2022-jp", "①\n-!" },
		/* Unlabelled bytes with a designation are read as JIS. */
		{ "\033$B>ZL@=q\033(B", -1, "x-unknown", "証明書" },
		/* Bad bytes in the middle: U+FFFD, the rest kept. */
		{ "\x8f\xd8\xff\x96\xbe", -1, "shift_jis", "証\xef\xbf\xbd明" },
		{ "\xbe\xda\xff\xcc\xc0", -1, "euc-jp", "証\xef\xbf\xbd明" },
		/* Unlabelled 8-bit: CP932 before EUC-JP before Latin-1. */
		{ "\x82\xa0", -1, NULL, "あ" },
		{ "\xa4\xa2", -1, NULL, "､｢" },          /* EUC-JP "あ", but CP932 kana first */
		{ "\xe0\xa1\xa1\xe0", -1, NULL, "燹÷" }, /* cut in CP932, whole in EUC-JP */
		{ "caf\xe9!", -1, NULL, "café!" },         /* neither: Latin-1 */
		/* UTF-16 that does not convert whole is read between its NULs. */
		{ "h\0i", 3, "utf-16le", "h\xef\xbf\xbdi" },
		{ "\xfe\xff\0h\0i", 6, "utf-16", "hi" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		gsize len = rows[i].len < 0 ? strlen(rows[i].in) : (gsize)rows[i].len;
		char *out = upki_mime_to_utf8(rows[i].in, len, rows[i].charset);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
	char *out = upki_mime_to_utf8(NULL, 5, "utf-8");
	g_assert_cmpstr(out, ==, "");
	g_free(out);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/charset/to-utf8", test_to_utf8);
	g_test_add_func("/charset/to-utf8-broken", test_to_utf8_broken);
	g_test_add_func("/charset/family", test_family);
	g_test_add_func("/charset/convert-strict", test_convert_strict);
	g_test_add_func("/charset/japanese", test_japanese);
	return g_test_run();
}

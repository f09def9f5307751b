/* test-charset.c - parser/charset.c: bytes in any charset a mail may name
 * turned into UTF-8 that never fails (ISO-2022-JP with Microsoft's
 * extensions, Shift_JIS as CP932, EUC-JP, UTF-16 and UTF-32 whole, bad
 * bytes as U+FFFD), the families and first converters prefilter-fold.c
 * shares, and the RFC 2047 header decoder. */
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

static void test_header_decode(void)
{
	/* The first real Subject, split between three words mid-escape. */
	const char *real = " =?iso-2022-jp?B?W1VQS0ldIBskQiUvJWklJCUiJXMlSD5aTEA9cUgvOVQbKEI=?=\r\n"
			   " =?iso-2022-jp?B?GyRCPHVJVURMQ04bKEIgLyBbVVBLSV0gY2xpZW4=?=\r\n"
			   "\t=?iso-2022-jp?B?dCBjZXJ0aWZpY2F0ZSBpc3N1ZSBhY2NlcHRhbmNlIG5vdGljZQ==?=";
	static const struct { const char *raw, *out; } rows[] = {
		{ "=?iso-2022-jp?Q?[UPKI]_=1B$B%\"%/%;%9=1B(BPIN=1B$BH/9TDLCN=1B(B?=", "[UPKI] アクセスPIN発行通知" },
		{ "=?UTF-8?B?W1VQS0ldIOOCr+ODqeOCpOOCouODs+ODiA==?=", "[UPKI] クライアント" },
		{ "=?utf-8?q?=5BUPKI=5D_=E8=A8=BC=E6=98=8E=E6=9B=B8?=", "[UPKI] 証明書" },
		/* "ク" (E3 82 AF) split between two words. */
		{ "=?UTF-8?B?W1VQS0ldIOOC?= =?UTF-8?B?r+ODqQ==?=", "[UPKI] クラ" },
		{ "=?Shift_JIS?B?W1VQS0ldII/Ylr6PkQ==?=", "[UPKI] 証明書" },
		{ "[UPKI] 証明書", "[UPKI] 証明書" },
		{ "[UPKI] \033$B>ZL@=q\033(B", "[UPKI] 証明書" },
		{ "[UPKI] \x8f\xd8\x96\xbe\x8f\x91", "[UPKI] 証明書" },
		{ "Re: =?UTF-8?B?44Kv44Op?= text =?UTF-8?B?44Kv44Op?=", "Re: クラ text クラ" },
		{ "=?UTF-8?B?44Kv?= =?ISO-2022-JP?B?GyRCJWkbKEI=?=", "クラ" },
		{ "=?utf-8*ja?B?44Kv44Op?=", "クラ" },
		{ "a\r\n\tb\r\n c", "a b c" },
		{ "=?bogus", "=?bogus" },
		{ "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
		{ "   ", "" },
	};
	char *out = upki_header_decode(real);

	g_assert_cmpstr(out, ==, "[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue acceptance notice");
	g_free(out);
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		out = upki_header_decode(rows[i].raw);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
	g_assert_null(upki_header_decode(NULL));
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

static void test_header_decode_more(void)
{
	static const struct { const char *raw, *out; } rows[] = {
		/* Adjacent words of one charset join whatever the case of its name. */
		{ "=?UTF-8?B?44K=?= =?utf-8?B?rw==?=", "ク" },
		/* Text between words is kept when it is more than white space. */
		{ "=?UTF-8?B?44Kv?= - =?UTF-8?B?44Kv?=", "ク - ク" },
		/* Line ends a word decodes to become spaces. */
		{ "=?utf-8?Q?a=0Ab=0D=09c?=", "a b  c" },
		/* A charset name over 64 bytes is no word. */
		{ "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?Q?x?=",
		  "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?Q?x?=" },
		/* A word may not hold white space. */
		{ "=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?=" },
		/* Raw EUC-JP outside words is guessed as the body would be. */
		{ "x \xbe\xda\xcc\xc0\xbd\xf1", "x 証明書" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *out = upki_header_decode(rows[i].raw);
		g_test_message("row %zu", i);
		g_assert_cmpstr(out, ==, rows[i].out);
		g_free(out);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/charset/to-utf8", test_to_utf8);
	g_test_add_func("/charset/to-utf8-broken", test_to_utf8_broken);
	g_test_add_func("/charset/header-decode", test_header_decode);
	g_test_add_func("/charset/family", test_family);
	g_test_add_func("/charset/convert-strict", test_convert_strict);
	g_test_add_func("/charset/japanese", test_japanese);
	g_test_add_func("/charset/header-decode-more", test_header_decode_more);
	return g_test_run();
}

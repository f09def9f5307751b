/* test-charset-header.c - parser/charset-header.c: RFC 2047 encoded-words
 * (B and Q, split characters, adjacent words of one or two charsets,
 * language suffixes, folding, broken words left as text). */
#include <string.h>

#include "upki/charset.h"

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
	g_test_add_func("/charset-header/decode", test_header_decode);
	g_test_add_func("/charset-header/decode-more", test_header_decode_more);
	return g_test_run();
}

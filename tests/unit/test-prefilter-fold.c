/* test-prefilter-fold.c - parser/prefilter-fold.c: skeletons of text
 * parts made from Shift_JIS, EUC-JP, ISO-2022-JP and UTF-8 bytes without
 * converting them.  The rows: Japanese and look-alike markers in each
 * encoding are still seen.  The differential tests hold the file to its
 * two promises: the skeleton read from the bytes is the one of the text
 * upki_mime_to_utf8() makes of them (or NULL: convert first), and a
 * skeleton holds a marker where, and only where, the exact fold does. */
#include <string.h>

#include "upki/mime.h"
#include "prefilter-private.h"
#include "test-prefilter-util.h"

#define H_SJIS H "Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n"
#define H_EUC H "Content-Type: text/plain; charset=EUC-JP\nContent-Transfer-Encoding: 8bit\n\n"
#define H_JIS H "Content-Type: text/plain; charset=ISO-2022-JP\n\n"

static const pf_row rows[] = {
	{ "host-fullwidth", H "Content-Type: text/plain; charset=utf-8\n\nｓｃｉａ．ｅｘａｍｐｌｅ\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "host-cyrillic", H "Content-Type: text/plain; charset=utf-8\n\nhttps://\xd1\x95\xd1\x81\xd1\x96\xd0\xb0.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "utf-16", H "Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: base64\n\n"
	  "aAB0AHQAcABzADoALwAvAHMAYwBpAGEALgB4AC8A\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER }, /* https://scia.x/ */
	{ "zero-width-in-host", H "Content-Type: text/plain; charset=utf-8\n\nhttps://sc\xe2\x80\x8bia.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "utf7", H "Content-Type: text/plain; charset=utf-7\n\n+AHM-cia.example\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	/* prefilter-fold.c reads these without converting: each must still be seen */
	{ "sjis-fullwidth", H_SJIS "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-fullwidth", H_EUC "\xa3\xf3\xa3\xe3\xa3\xe9\xa3\xe1\xa1\xa5\xa3\xe5\xa3\xf8\xa3\xe1\xa3\xed\xa3\xf0\xa3\xec\xa3\xe5\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-fullwidth", H_JIS "\x1b$B#s#c#i#a!%#e#x#a#m#p#l#e\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-fullwidth-token", H_SJIS "\x82\x88\x82\x94\x82\x94\x82\x90\x82\x93\x81" "F\x81^\x81^\x82\x85\x82\x96\x82\x89\x82\x8c\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\x81^\x82\x81\x81H\x82\x90\x82P\x81\x81\x82\x98\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-fullwidth-token", H_EUC "\xa3\xe8\xa3\xf4\xa3\xf4\xa3\xf0\xa3\xf3\xa1\xa7\xa1\xbf\xa1\xbf\xa3\xe5\xa3\xf6\xa3\xe9\xa3\xec\xa1\xa5\xa3\xe5\xa3\xf8\xa3\xe1\xa3\xed\xa3\xf0\xa3\xec\xa3\xe5\xa1\xbf\xa3\xe1\xa1\xa9\xa3\xf0\xa3\xb1\xa1\xe1\xa3\xf8\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-fullwidth-token", H_JIS "\x1b$B#h#t#t#p#s!'!\x3f!\x3f#e#v#i#l!%#e#x#a#m#p#l#e!\x3f#a!)#p#1!a#x\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-cyrillic", H_SJIS "https://s\x84\x83i\x84p.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-cyrillic", H_EUC "https://s\xa7\xe3i\xa7\xd1.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-cyrillic", H_JIS "https://s\x1b$B'c\x1b(Bi\x1b$B'Q\x1b(B.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-greek", H_SJIS "https://x.sec\x83\xcdmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-greek", H_EUC "https://x.sec\xa6\xcfmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-greek", H_JIS "https://x.sec\x1b$B&O\x1b(Bmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-label", H_SJIS "\x8f\xd8\x96\xbe\x8f\x91\x8e\xe6\x93\xbe\x82t\x82q\x82k\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-label", H_EUC "\xbe\xda\xcc\xc0\xbd\xf1\xbc\xe8\xc6\xc0\xa3\xd5\xa3\xd2\xa3\xcc\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-label", H_JIS "\x1b$B>ZL@=q<hF@#U#R#L\x1b(B\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-ordinary", H_SJIS "\x82\xa8\x92m\x82\xe7\x82\xb9\x81" "F\x89\xef\x8b" "c\x82\xcd\x96\xbe\x93\xfa\x82\xc5\x82\xb7\x81" "B\x82\xe6\x82\xeb\x82\xb5\x82\xad\x82\xa8\x8a\xe8\x82\xa2\x82\xb5\x82\xdc\x82\xb7\x81" "B\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "euc-ordinary", H_EUC "\xa4\xaa\xc3\xce\xa4\xe9\xa4\xbb\xa1\xa7\xb2\xf1\xb5\xc4\xa4\xcf\xcc\xc0\xc6\xfc\xa4\xc7\xa4\xb9\xa1\xa3\xa4\xe8\xa4\xed\xa4\xb7\xa4\xaf\xa4\xaa\xb4\xea\xa4\xa4\xa4\xb7\xa4\xde\xa4\xb9\xa1\xa3\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "jis-ordinary", H_JIS "\x1b$B$*CN$i$;!'2q5D$OL@F|$G$9!#$h$m$7$/$*4j$$$7$^$9!#\x1b(B\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "sjis-halfwidth-label", H_SJIS "\xb1\xb8\xbe\xbdPIN\x8e\xe6\x93\xbeURL\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-halfwidth-label", H_EUC "\x8e\xb1\x8e\xb8\x8e\xbe\x8e\xbdPIN\xbc\xe8\xc6\xc0URL\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-sjis-fullwidth", H "\n" "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-jis-fullwidth", H "\n" "\x1b$B#s#c#i#a!%#e#x#a#m#p#l#e\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-jis-ordinary", H "\n" "\x1b$B$*CN$i$;!'2q5D$OL@F|$G$9!#\x1b(B\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "sjis-unassigned-code", H_SJIS "\x85\x40" "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x98\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-roman-designation", H_JIS "\x1b(Jhttps://sc~ia.x/\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
};

/* Pieces of notices, of look-alikes and of ordinary Japanese mail. */
static const char *const pieces[] = {
	"scia", "secomtrust", ".net", "https://", "/upki-odcert/", "?p1=", "x", "1", " ", "\n", "\t",
	"ｓｃｉａ", "．", "ｈｔｔｐｓ：／／", "ＵＲＬ", "証明書取得URL", "アクセスPIN取得URL", "ｱｸｾｽPIN",
	"お知らせ", "会議は明日です。", "よろしくお願いします。", "с", "і", "ο", "Ω", "①", "Ⅳ", "～", "－",
	"【", "】", "“", "é", "\u3000", "ｶﾞ", "㈱", "髙", "纊",
};

static char *text_from_pieces(GRand *r)
{
	return test_text_from_pieces(r, pieces, G_N_ELEMENTS(pieces), 1, 24);
}

static char *copy_of(const GString *sk)
{
	return sk ? g_strndup(sk->str, sk->len) : NULL;
}

/* The skeleton of bytes b under charset, when one comes back, is that
 * of the UTF-8 text upki_mime_to_utf8() makes of them.  TRUE: it came. */
static gboolean bytes_agree(const char *b, gsize n, const char *charset)
{
	char *fast = copy_of(upki_prefilter_skeleton_bytes(pf, b, n, charset));
	char *text = NULL, *slow = NULL;

	if (!fast)
		return FALSE;
	text = upki_mime_to_utf8(b, n, charset);
	slow = copy_of(upki_prefilter_skeleton_utf8(pf, text, strlen(text)));
	if (strcmp(fast, slow) != 0) {
		char *esc = g_strescape(text, NULL);
		g_error("charset %s, text \"%s\": skeletons differ", charset ? charset : "(none)", esc);
	}
	g_free(text);
	g_free(slow);
	g_free(fast);
	return TRUE;
}

static void test_bytes_as_converted(void)
{
	static const struct { const char *to, *label; } encs[] = {
		{ "CP932", "Shift_JIS" }, { "CP932", NULL }, { "CP932", "windows-31j" },
		{ "EUC-JP-MS", "EUC-JP" }, { "ISO-2022-JP", "ISO-2022-JP" }, { "ISO-2022-JP", NULL },
		{ "UTF-8", "utf-8" }, { "UTF-8", NULL },
	};
	GRand *r = g_rand_new_with_seed(1202);
	guint tried = 0, fast = 0;

	for (int round = 0; round < 400; round++) {
		char *text = text_from_pieces(r);
		for (gsize e = 0; e < G_N_ELEMENTS(encs); e++) {
			gsize n = 0;
			char *b = g_convert(text, -1, encs[e].to, "UTF-8", NULL, &n, NULL);
			if (!b)
				continue; /* a piece the encoding has not */
			tried++;
			fast += bytes_agree(b, n, encs[e].label);
			g_free(b);
		}
		g_free(text);
	}
	g_test_message("%u texts, %u read from their bytes", tried, fast);
	/* The point of the file: most Japanese text needs no conversion. */
	g_assert_cmpuint(fast, >, tried / 2);
	g_rand_free(r);
}

/* Random bytes, designations and bad sequences included: whatever the
 * reader accepts must agree; the rest is handed back. */
static void test_bytes_random(void)
{
	static const char *const labels[] = { "Shift_JIS", "EUC-JP", "ISO-2022-JP", "utf-8", NULL };
	static const char *const bits[] = {
		"\x1b$B", "\x1b(B", "\x1b(J", "\x1b(I", "\x1b$(D", "\x82\xa0", "\x8f\xd8", "\xa4\xa2", "\x8e\xb1",
		"\x87\x40", "\xed\x40", "#s#c", "scia", "\r\n", "\n", "\x0e", "\x0f", "\xff", "\x80", "\xe3\x81\x82",
	};
	GRand *r = g_rand_new_with_seed(77);
	guint fast = 0;

	for (int round = 0; round < 3000; round++) {
		GString *s = g_string_new(NULL);
		gint32 n = g_rand_int_range(r, 1, 12);
		for (gint32 i = 0; i < n; i++)
			g_string_append(s, bits[g_rand_int_range(r, 0, G_N_ELEMENTS(bits))]);
		fast += bytes_agree(s->str, s->len, labels[round % G_N_ELEMENTS(labels)]);
		g_string_free(s, TRUE);
	}
	g_test_message("%u of 3000 read from their bytes", fast);
	g_assert_cmpuint(fast, >, 0);
	g_rand_free(r);
}

/* The placeholder scheme: a marker is in the skeleton exactly when it is
 * in the full fold (upki_prefilter_skeleton_exact). */
static void test_markers_where_exact(void)
{
	GRand *r = g_rand_new_with_seed(3);
	guint found = 0;

	for (int round = 0; round < 1000; round++) {
		char *text = text_from_pieces(r);
		GString *exact = g_string_new(NULL);
		char *sk = copy_of(upki_prefilter_skeleton_utf8(pf, text, strlen(text)));
		upki_prefilter_skeleton_exact(exact, text, strlen(text));
		for (guint m = 0; m < pf->markers->len; m++) {
			const char *marker = g_ptr_array_index(pf->markers, m);
			gboolean in_sk = strstr(sk, marker) != NULL, in_exact = strstr(exact->str, marker) != NULL;
			if (in_sk != in_exact)
				g_error("marker \"%s\" in \"%s\": skeleton %d, exact %d", marker, text, in_sk, in_exact);
			found += in_sk;
		}
		g_free(sk);
		g_string_free(exact, TRUE);
		g_free(text);
	}
	g_test_message("%u markers found", found);
	g_assert_cmpuint(found, >, 100);
	g_assert_cmpuint(pf->markers->len, >, 0);
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	profile = upki_profile_new_default();
	pf = upki_prefilter_new(profile);
	TEST_ADD_ROWS("/prefilter-fold/row", rows, name, test_pf_row);
	g_test_add_func("/prefilter-fold/bytes-as-converted", test_bytes_as_converted);
	g_test_add_func("/prefilter-fold/bytes-random", test_bytes_random);
	g_test_add_func("/prefilter-fold/markers-where-exact", test_markers_where_exact);
	int rc = g_test_run();
	upki_prefilter_free(pf);
	upki_profile_free(profile);
	return rc;
}

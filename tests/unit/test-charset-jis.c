/* test-charset-jis.c - parser/charset-jis.c: plainly written ISO-2022-JP
 * converted from a per-thread table gives exactly what the strict
 * whole-text conversion with iconv gives (every JIS X 0208 pair, random
 * texts of pairs, ASCII, designations and the bytes that send a text
 * back to iconv), and upki_mime_to_utf8() and every text of every sample
 * message (and of the directories in UPKI_PARITY_DIRS) are the same with
 * the table on and off. */
#include <string.h>

#include "upki/charset.h"
#include "upki/fastpath.h"
#include "upki/mime.h"
#include "charset-private.h"

static char *slow_of(const char *buf, gsize len)
{
	return upki_charset_convert_strict(buf, len, upki_charset_first(CS_ISO2022JP));
}

/* Every pair alone between ASCII: the same as iconv, or iconv's job. */
static void test_every_pair(void)
{
	guint fast = 0, failing = 0;

	for (int a = 0x21; a <= 0x7e; a++) {
		for (int b = 0x21; b <= 0x7e; b++) {
			const char in[] = { 'a', 0x1b, '$', 'B', (char)a, (char)b, 0x1b, '(', 'B', 'z' };
			char *f = upki_charset_jis_plain(in, sizeof in);
			char *s = slow_of(in, sizeof in);
			if (f) {
				g_assert_nonnull(s);
				g_assert_cmpstr(f, ==, s);
				fast++;
			} else {
				g_assert_null(s);
				failing++;
			}
			g_free(f);
			g_free(s);
		}
	}
	/* JIS X 0208 has 6879 characters; the rest of the 8836 cells are empty. */
	g_test_message("%u pairs from the table, %u left to iconv", fast, failing);
	g_assert_cmpuint(fast, >=, 6879);
	g_assert_cmpuint(failing, >, 0);
}

/* What the table does not take: the caller converts those with iconv. */
static void test_left_to_iconv(void)
{
	static const char *const rows[] = {
		"\033$@>ZL@\033(B",    /* JIS C 6226-1978 */
		"\033(J~\033(B",       /* JIS X 0201 Roman */
		"\033(I1\033(B",       /* half-width kana */
		"\033$(D+!\033(B",     /* JIS X 0212 */
		"a\016b\017",          /* SO / SI */
		"\033$B>Z\n\033(B",    /* a line end where a pair is due */
		"\033$B>",             /* a pair cut off */
		"\033$",               /* an escape cut off */
		"\033",
		"caf\xe9",             /* 8-bit */
		"a\x01" "b",           /* a control byte */
		"a\x7f" "b",
		"\033$B>Z \033(B",     /* a space where a pair is due */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("row %zu", i);
		g_assert_null(upki_charset_jis_plain(rows[i], strlen(rows[i])));
	}
	const char *plain = "\033$B>ZL@=q\033(B abc\r\n";
	char *s = upki_charset_jis_plain(plain, strlen(plain));
	g_assert_cmpstr(s, ==, "証明書 abc\r\n");
	g_free(s);
	s = upki_charset_jis_plain("", 0);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
}

/* A random text of pieces, now and then one the table does not take. */
static GByteArray *random_text(GRand *r)
{
	static const char *const odd[] = { "\033$@", "\033(J", "\016", "\x01", "\xe9", "\033",
					   "\033$", "\n", " ", "\x7f" };
	GByteArray *a = g_byte_array_new();
	gboolean kanji = FALSE;
	int pieces = g_rand_int_range(r, 0, 40);

	for (int k = 0; k < pieces; k++) {
		int what = g_rand_int_range(r, 0, 100);
		if (what < 15) {
			const char *d = kanji ? "\033(B" : "\033$B";
			g_byte_array_append(a, (const guint8 *)d, 3);
			kanji = !kanji;
		} else if (what < 20) {
			const char *d = kanji ? "\033$B" : "\033(B"; /* designated again */
			g_byte_array_append(a, (const guint8 *)d, 3);
		} else if (what < 97) {
			int n = g_rand_int_range(r, 1, 6);
			for (int j = 0; j < n; j++) {
				guint8 c[2];
				if (kanji) {
					/* mostly rows 1-8 and 16-84, where the characters are */
					c[0] = (guint8)(g_rand_int_range(r, 0, 4) ? g_rand_int_range(r, 0x30, 0x75)
										   : g_rand_int_range(r, 0x21, 0x7f));
					c[1] = (guint8)g_rand_int_range(r, 0x21, 0x7f);
					g_byte_array_append(a, c, 2);
				} else {
					static const char ascii[] = "https://example.jp/?p=1 \t\r\n";
					c[0] = (guint8)ascii[g_rand_int_range(r, 0, sizeof ascii - 1)];
					g_byte_array_append(a, c, 1);
				}
			}
		} else {
			const char *o = odd[g_rand_int_range(r, 0, G_N_ELEMENTS(odd))];
			g_byte_array_append(a, (const guint8 *)o, (guint)strlen(o));
		}
	}
	return a;
}

static void test_random_texts(void)
{
	GRand *r = g_rand_new_with_seed(15);
	guint fast = 0, left = 0;

	for (int i = 0; i < 20000; i++) {
		GByteArray *a = random_text(r);
		char *f = upki_charset_jis_plain((const char *)a->data, a->len);
		char *s = slow_of((const char *)a->data, a->len);
		if (f) {
			g_assert_nonnull(s);
			g_assert_cmpstr(f, ==, s);
			fast++;
		} else {
			left++;
		}
		/* The whole conversion, table on and off. */
		char *on = upki_mime_to_utf8((const char *)a->data, a->len, "iso-2022-jp");
		upki_fast_paths_set(FALSE);
		char *off = upki_mime_to_utf8((const char *)a->data, a->len, "iso-2022-jp");
		char *off_guess = upki_mime_to_utf8((const char *)a->data, a->len, NULL);
		upki_fast_paths_set(TRUE);
		char *on_guess = upki_mime_to_utf8((const char *)a->data, a->len, NULL);
		g_assert_cmpstr(on, ==, off);
		g_assert_cmpstr(on_guess, ==, off_guess);
		g_free(on);
		g_free(off);
		g_free(on_guess);
		g_free(off_guess);
		g_free(f);
		g_free(s);
		g_byte_array_unref(a);
	}
	g_test_message("%u texts from the table, %u left to iconv", fast, left);
	g_assert_cmpuint(fast, >, 2000);
	g_assert_cmpuint(left, >, 2000);
	g_rand_free(r);
}

/* Every text the MIME walk hands out, the same with the table on and
 * off, for every message file in samples/, ../shared/upki-samples and
 * the directories of UPKI_PARITY_DIRS (colon-separated: the attacks and
 * mutations fastpath-parity.sh makes).  Returns the texts compared. */
static guint compare_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name = NULL;
	guint texts = 0;

	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		char *buf = NULL;
		gsize len = 0;
		if (g_str_has_suffix(name, ".eml") && g_file_get_contents(path, &buf, &len, NULL)) {
			upki_mime *on = upki_mime_parse(buf, len, NULL);
			upki_fast_paths_set(FALSE);
			upki_mime *off = upki_mime_parse(buf, len, NULL);
			upki_fast_paths_set(TRUE);
			g_test_message("%s", path);
			g_assert_true((on == NULL) == (off == NULL));
			if (on) {
				g_assert_cmpstr(on->subject, ==, off->subject);
				g_assert_cmpuint(on->findings, ==, off->findings);
				g_assert_cmpuint(on->texts->len, ==, off->texts->len);
				g_assert_cmpuint(on->signeds->len, ==, off->signeds->len);
				for (guint i = 0; i < on->texts->len; i++) {
					const upki_text *a = g_ptr_array_index(on->texts, i);
					const upki_text *b = g_ptr_array_index(off->texts, i);
					g_assert_cmpstr(a->text, ==, b->text);
					g_assert_true(a->is_html == b->is_html && a->signed_by == b->signed_by &&
						      a->header == b->header);
					texts++;
				}
			}
			upki_mime_free(on);
			upki_mime_free(off);
		}
		g_free(buf);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	return texts;
}

static void test_messages(void)
{
	const char *extra = g_getenv("UPKI_PARITY_DIRS");
	char **dirs = g_strsplit(extra ? extra : "", ":", -1);
	guint texts = compare_dir("samples") + compare_dir("../shared/upki-samples");

	for (char **d = dirs; *d; d++)
		if (**d)
			texts += compare_dir(*d);
	g_strfreev(dirs);
	g_test_message("%u texts the same both ways", texts);
	if (texts == 0)
		g_test_skip("no samples/ (run from the project root)");
}

static void test_switch(void)
{
	upki_fast_paths_set(FALSE);
	g_assert_null(upki_charset_jis_plain("abc", 3));
	upki_fast_paths_set(TRUE);
	char *s = upki_charset_jis_plain("abc", 3);
	g_assert_cmpstr(s, ==, "abc");
	g_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/charset-jis/every-pair", test_every_pair);
	g_test_add_func("/charset-jis/left-to-iconv", test_left_to_iconv);
	g_test_add_func("/charset-jis/random-texts", test_random_texts);
	g_test_add_func("/charset-jis/switch", test_switch);
	g_test_add_func("/charset-jis/messages", test_messages);
	return g_test_run();
}

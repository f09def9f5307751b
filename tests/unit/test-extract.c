/* test-extract.c - parser/extract.c: URLs in plain text, labels, hidden
 * controls, shown text against href, every budget reported at its limit
 * and work linear in the input.  Tables of input and expected output; the
 * texts are synthetic, modelled on the real notices (the .eml files need
 * MIME decoding, which is mime.c's job and test).  HTML:
 * test-extract-html.c (the walk, visible text) and
 * test-extract-html-links.c (what a link is). */

#include "test-extract-util.h"
#include "upki/fastpath.h"

/* Expected links are written "L url" (labelled) or "- url". */
typedef struct {
	const char *name;
	const char *text;
	const char *want[MAX_LINKS];
} text_row;

static const text_row text_rows[] = {
	{ "label-fullwidth-colon", "証明書取得URL：" GOOD " \n\n", { "L " GOOD } },
	{ "label-english", "certificate acquisition URL: " GOOD " \n", { "L " GOOD } },
	{ "label-english-case", "Certificate Acquisition URL: " GOOD "\n", { "L " GOOD } },
	{ "label-fullwidth-letters", "証明書取得ＵＲＬ：" GOOD "\n", { "L " GOOD } },
	{ "pin-label-previous-line",
	  "本日から１ヶ月以内に以下のアクセスPIN取得URLへアクセスし、アクセスPINの取得を行ってください。\n"
	  PIN " \n\n●アクセスPIN取得URLは大切な情報です。\n", { "L " PIN } },
	{ "label-skips-blank-line", "アクセスPIN取得URL\n\n" IS "\n" PIN "\n", { "L " PIN } },
	{ "bare-alone", "こんにちは。\n" GOOD "\n", { "- " GOOD } },
	{ "label-line-has-own-url", "証明書取得URL：https://a.example/x \n\nhttps://b.example/y\n",
	  { "L https://a.example/x", "- https://b.example/y" } },
	{ "label-after-url", "https://a.example/x は証明書取得URLではない\n", { "- https://a.example/x" } },
	{ "trailing-spaces", "see https://example.org/a   \nnext\n", { "- https://example.org/a" } },
	{ "trailing-space-no-join", "証明書取得URL：" BASE "SPEntranceCliAll.jsp?p1=GNG9UUgsb \nRSlGnH9BV2guccNZ\n",
	  { "L " BASE "SPEntranceCliAll.jsp?p1=GNG9UUgsb" } },
	{ "angle-brackets", "see <https://example.org/a>.\n", { "- https://example.org/a" } },
	{ "angle-folded", "see <https://example.org/aaa\nbbb>\n", { "- https://example.org/aaabbb" } },
	{ "folded", "証明書取得URL：" BASE "SPEntranceCliAll.jsp?p1=GNG9UUgsbRSlGnH9BV2guccNZ%2FU9AD2\n"
	  "3bpryad62CxQzXf7jjWwx2j485IZ7EmID \n\n", { "L " GOOD } },
	{ "folded-three-lines", "https://example.org/aaaa\nbbbb\ncccc\n\nnext\n", { "- https://example.org/aaaabbbbcccc" } },
	{ "folded-in-host", "https://scia.secomtr\nust.net/x\n", { "- https://scia.secomtrust.net/x" } },
	{ "folded-indented", "https://example.org/aaaa\n" IS "  bbbb\n", { "- https://example.org/aaaabbbb" } },
	{ "fold-stops-at-words", "https://example.org/aaaa\nbbbb cccc\n", { "- https://example.org/aaaa" } },
	{ "fold-stops-at-scheme", "https://a.example/x\nhttps://b.example/y\n",
	  { "- https://a.example/x", "- https://b.example/y" } },
	{ "fold-stops-after-period", "https://example.org/a.\nThanks\n", { "- https://example.org/a" } },
	{ "fold-stops-at-japanese", "https://example.org/a\nよろしく\n", { "- https://example.org/a" } },
	{ "bilingual",
	  "証明書取得URL：" GOOD " \n\nクライアント証明書取得後は、下記Webブラウザへのインストールマニュアルを参考に設定を行ってください。\n"
	  MANUAL "\n\ncertificate acquisition URL: " GOOD " \n\n"
	  "Please configure according to the following install manual.\nhttps://meatwiki.nii.ac.jp/confluence/x/t4ePAQ\n",
	  { "L " GOOD, "- " MANUAL, "L " GOOD, "- https://meatwiki.nii.ac.jp/confluence/x/t4ePAQ" } },
	{ "fullwidth-scheme", "証明書取得URL：ｈｔｔｐｓ：／／ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ／upki-odcert?p1=abc" IS "です\n",
	  { "L ｈｔｔｐｓ：／／ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ／upki-odcert?p1=abc" } },
	{ "fullwidth-upper-scheme", "ＨＴＴＰＳ：／／example.org/a\n", { "- ＨＴＴＰＳ：／／example.org/a" } },
	{ "cyrillic-host", "URL: https://sсia.secomtrust.net/upki-odcert/x?p1=abc。\n",
	  { "- https://sсia.secomtrust.net/upki-odcert/x?p1=abc" } },
	{ "greek-host", "https://scia.secοmtrust.net/x\n", { "- https://scia.secοmtrust.net/x" } },
	{ "ideographic-dots", "https://scia。secomtrust。net/x\n", { "- https://scia。secomtrust。net/x" } },
	{ "ideographic-dot-end", "https://example.org。次へ\n", { "- https://example.org" } },
	{ "japanese-after-path", "https://scia.secomtrust.net/x←左記\n", { "- https://scia.secomtrust.net/x" } },
	{ "japanese-after-host", "https://scia.secomtrust.netへアクセス\n", { "- https://scia.secomtrust.net" } },
	{ "kana-in-host", "https://scia.secomtrust.netアクセス\n", { "- https://scia.secomtrust.net" } },
	{ "japanese-brackets", "「https://example.org/a」、（https://example.org/b）\n",
	  { "- https://example.org/a", "- https://example.org/b" } },
	{ "japanese-in-path", "https://example.org/a/証明書\n", { "- https://example.org/a/" } },
	{ "balanced-paren", "(see https://example.org/a_(b)), and https://example.org/c.\n",
	  { "- https://example.org/a_(b)", "- https://example.org/c" } },
	{ "punctuation", "https://example.org/a?! https://example.org/b; https://example.org/c:\n",
	  { "- https://example.org/a", "- https://example.org/b", "- https://example.org/c" } },
	{ "quotes", "href=\"https://example.org/a\" 'https://example.org/b'\n",
	  { "- https://example.org/a", "- https://example.org/b" } },
	{ "upper-scheme", "HTTPS://EXAMPLE.ORG/\n", { "- HTTPS://EXAMPLE.ORG/" } },
	{ "http", "http://example.org\n", { "- http://example.org" } },
	{ "two-on-a-line", "https://a.example https://b.example\n", { "- https://a.example", "- https://b.example" } },
	{ "crlf", "https://example.org/a \r\nnext\r\n", { "- https://example.org/a" } },
	{ "scheme-alone", "https:// and http://\n", { NULL } },
	{ "not-a-scheme", "ftp://example.org/ mailto:a@b.example htt://x\n", { NULL } },
	{ "empty", "", { NULL } },
	{ "invalid-utf8", "\xff\xfehttps://example.org/\xc3\n", { "- https://example.org/" } },
};

static void check_links(GPtrArray *links, const char *const *want)
{
	guint n = 0;

	while (n < MAX_LINKS && want[n])
		n++;
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_test_message("got %s %s", l->labelled ? "L" : "-", l->url);
	}
	g_assert_cmpuint(links->len, ==, n);
	if (links->len != n)
		return;
	for (guint i = 0; i < n; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		char *got = g_strdup_printf("%s %s", l->labelled ? "L" : "-", l->url);
		g_assert_cmpstr(got, ==, want[i]);
		g_free(got);
	}
}

static void test_text(gconstpointer data)
{
	const text_row *r = data;
	GPtrArray *links = upki_extract_text_urls(r->text, profile);

	check_links(links, r->want);
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_assert_null(l->shown);
		g_assert_false(l->from_html);
	}
	g_ptr_array_unref(links);
}

static void test_text_edge(void)
{
	GPtrArray *links = upki_extract_text_urls(NULL, profile);

	g_assert_cmpuint(links->len, ==, 0);
	g_ptr_array_unref(links);
	/* Without a profile nothing is labelled, but URLs are still found. */
	links = upki_extract_text_urls("証明書取得URL：https://example.org/", NULL);
	g_assert_cmpuint(links->len, ==, 1);
	g_assert_false(((upki_link *)g_ptr_array_index(links, 0))->labelled);
	g_ptr_array_unref(links);
	upki_link_free(NULL);
}

/* --- hidden controls --- */

#define RLO "\u202E"
#define ZWSP "\u200B"

typedef struct {
	const char *name;
	gboolean html;
	const char *input;
	guint n;         /* links expected */
	const char *url; /* of the first */
	gboolean hidden; /* its hidden_controls */
} control_row;

static const control_row control_rows[] = {
	{ "text-clean", FALSE, "証明書取得URL：" GOOD "\n", 1, GOOD, FALSE },
	{ "text-rlo-in-path", FALSE, "https://evil.example/" RLO "ten.tsurtmoces.aics\n", 1,
	  "https://evil.example/" RLO "ten.tsurtmoces.aics", TRUE },
	{ "text-zwsp-in-host", FALSE, "URL: https://scia" ZWSP ".secomtrust.net/upki-odcert/x?p1=abc\n", 1,
	  "https://scia" ZWSP ".secomtrust.net/upki-odcert/x?p1=abc", TRUE },
	{ "text-soft-hyphen-host", FALSE, "https://sci\u00ADa.secomtrust.net/x\n", 1, "https://sci\u00ADa.secomtrust.net/x", TRUE },
	{ "text-word-joiner", FALSE, "https://scia.secom\u2060trust.net/x\n", 1, "https://scia.secom\u2060trust.net/x", TRUE },
	{ "text-bom", FALSE, "https://scia.secomtrust.net/\uFEFFx\n", 1, "https://scia.secomtrust.net/\uFEFFx", TRUE },
	{ "text-isolate", FALSE, "https://a.example/\u2067x\u2069\n", 1, "https://a.example/\u2067x\u2069", TRUE },
	{ "text-mongolian-vs", FALSE, "https://a.example/\u180Ex\n", 1, "https://a.example/\u180Ex", TRUE },
	{ "text-tag-char", FALSE, "https://scia.secomtrust.net\U000E0041/x\n", 1, "https://scia.secomtrust.net\U000E0041/x", TRUE },
	{ "text-variation-selector", FALSE, "https://sc\uFE0Fia.secomtrust.net/x\n", 1, "https://sc\uFE0Fia.secomtrust.net/x", TRUE },
	{ "text-in-scheme", FALSE, "ht" ZWSP "tps://scia.secomtrust.net/x\n", 1, "ht" ZWSP "tps://scia.secomtrust.net/x", TRUE },
	{ "text-bidi-before-on-line", FALSE, RLO "abc\u202C https://a.example/x\n", 1, "https://a.example/x", TRUE },
	{ "text-bidi-previous-line", FALSE, RLO "abc\nhttps://a.example/x\n", 1, "https://a.example/x", FALSE },
	{ "text-nbsp-ends-url", FALSE, "https://a.example/x\u00A0next\n", 1, "https://a.example/x", FALSE },
};

static void test_controls(gconstpointer data)
{
	const control_row *r = data;
	GPtrArray *links = r->html ? upki_extract_html_links(r->input, strlen(r->input), profile)
	                           : upki_extract_text_urls(r->input, profile);

	g_assert_cmpuint(links->len, ==, r->n);
	if (links->len > 0) {
		const upki_link *l = g_ptr_array_index(links, 0);
		if (r->url)
			g_assert_cmpstr(l->url, ==, r->url);
		g_assert_cmpint(l->hidden_controls, ==, r->hidden);
	}
	g_ptr_array_unref(links);
}

typedef struct {
	const char *name;
	const char *href;
	const char *shown;
	gboolean want;
} mismatch_row;

static const mismatch_row mismatch_rows[] = {
	{ "same", GOOD, GOOD, FALSE },
	{ "kochira", GOOD, "こちら", FALSE },
	{ "click-here", "https://evil.example/", "click here", FALSE },
	{ "other-host", "https://evil.example/x", GOOD, TRUE },
	{ "other-token", BASE "SPEntranceCliAll.jsp?p1=evil", GOOD, TRUE },
	{ "case-host", "HTTPS://SCIA.SECOMTRUST.NET/a", "https://scia.secomtrust.net/a", FALSE },
	{ "case-path", "https://a.example/A", "https://a.example/a", TRUE },
	{ "trailing-slash", "https://a.example/", "https://a.example", FALSE },
	{ "trailing-slash-path", "https://a.example/x", "https://a.example/x/", FALSE },
	{ "trimmed", "  " GOOD "\n", " " GOOD " ", FALSE },
	{ "url-in-sentence", "https://a.example/a", "click https://a.example/a now", FALSE },
	{ "longer", "https://a.example/a", "https://a.example/a?p1=2", TRUE },
	{ "fullwidth-shown", GOOD, "ｈｔｔｐｓ：／／scia.secomtrust.net/", TRUE },
	{ "http-vs-https", "http://a.example/", "https://a.example/", TRUE },
	{ "empty-shown", GOOD, "", FALSE },
};

static void test_mismatch(gconstpointer data)
{
	const mismatch_row *r = data;

	g_assert_cmpint(upki_extract_link_mismatch(r->href, r->shown), ==, r->want);
}

static void test_mismatch_null(void)
{
	g_assert_false(upki_extract_link_mismatch(NULL, GOOD));
	g_assert_false(upki_extract_link_mismatch(GOOD, NULL));
}

/* --- limits and linear work (from test-extract-limits.c) --- */

/* n lines "https://a.example/<i>"; one a line, so no label budget runs out. */
/* n lines "https://a.example/<i>"; one a line, so no label budget runs out. */
static char *many_text_links(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "https://a.example/%u\n", i);
	return g_string_free(s, FALSE);
}

static char *padded_label(guint pad, const char *sep)
{
	GString *s = g_string_new("証明書取得URL：");

	for (guint i = 0; i < pad; i++)
		g_string_append(s, sep);
	g_string_append(s, GOOD "\n");
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *name;
	char *(*make)(guint n);
	guint n;
	guint want_len;  /* links returned */
	gboolean want_limit;
} limit_row;

static char *label_spaces(guint n) { return padded_label(n, "a"); }
static char *label_lines(guint n) { return padded_label(n, "\n"); }

/* Reported at the limit, not below. */
static const limit_row limit_rows[] = {
	{ "text-links-at-limit", many_text_links, 4096, 4096, FALSE },
	{ "text-links-over", many_text_links, 4097, 4096, TRUE },
	{ "label-in-window", label_spaces, 900, 1, FALSE },
	{ "label-past-window", label_spaces, 1100, 1, TRUE },
	{ "label-blank-lines-in-window", label_lines, 900, 1, FALSE },
	{ "label-blank-lines-past-window", label_lines, 1100, 1, TRUE },
};

static void test_limit(gconstpointer data)
{
	const limit_row *r = data;
	char *in = r->make(r->n);
	gboolean hit = FALSE;
	GPtrArray *links = upki_extract_text_links(in, profile, &hit);

	g_assert_cmpint(hit, ==, r->want_limit);
	g_assert_cmpuint(links->len, ==, r->want_len);
	g_ptr_array_unref(links);
	g_free(in);
}

/* The reporting variant only ever sets the flag; NULL is allowed. */
static void test_limit_flag(void)
{
	gboolean hit = TRUE;
	GPtrArray *links = upki_extract_text_links(GOOD, profile, &hit);

	g_assert_true(hit);
	g_ptr_array_unref(links);
	links = upki_extract_text_links(GOOD, NULL, NULL);
	g_assert_cmpuint(links->len, ==, 1);
	g_ptr_array_unref(links);
}

/* Shown URLs past the budget cannot be compared: they count as differing. */
static void test_mismatch_limit(void)
{
	for (guint n = 4096; n <= 4097; n++) {
		GString *shown = g_string_new(NULL);
		for (guint i = 0; i < n; i++)
			g_string_append(shown, "https://a.example/ ");
		g_assert_cmpint(upki_extract_link_mismatch("https://a.example/", shown->str), ==, n > 4096);
		g_string_free(shown, TRUE);
	}
}

/* Ordinary mail of the same size: prose, a URL now and then. */
static char *clean_text(gsize size)
{
	return test_repeat("お世話になっております。Please see the page below for details of the change.\n"
	              "https://www.example.org/news/2026/item.html\n\n", size);
}

static void work_text(const char *in)
{
	g_ptr_array_unref(upki_extract_text_links(in, profile, NULL));
}

typedef struct {
	const char *name;
	const char *unit; /* repeated to LINEAR_SIZE bytes */
} linear_row;

#define LINEAR_SIZE (1 << 20)

/* A quadratic step in any of these takes minutes at 2 MiB; linear work
 * stays within a small factor of clean input of the same size. */
static const linear_row linear_rows[] = {
	{ "schemes-one-line", "https://" },
	{ "schemes-spaced", "https:// " },
	{ "controls-after-h", "h\u200B\u200B\u200B" },
	{ "controls-in-url", "https://a.example/\u200B" },
	{ "labels-one-line", "証明書取得URL：https://a.example/ " },
	{ "dots", "https://a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a" },
	{ "open-parens", "https://a.example/((((((((((((((((" },
};

static void test_linear(gconstpointer data)
{
	const linear_row *r = data;
	char *hostile = test_repeat(r->unit, LINEAR_SIZE);
	char *clean = clean_text(LINEAR_SIZE);
	gint64 h = test_best_time(work_text, hostile);
	gint64 c = test_best_time(work_text, clean);

	g_test_message("%s: hostile %" G_GINT64_FORMAT " us, clean %" G_GINT64_FORMAT " us", r->name, h, c);
	g_assert_cmpint(h, <=, 20 * c + 100000);
	g_free(hostile);
	g_free(clean);
}

/* The scheme search's byte skip (fast path) against the character-wise
 * search: random texts made of what the search acts on (every case and
 * width of the scheme, bidi and zero-width controls, line ends) among
 * text it steps over (kana, 2- and 4-byte characters, labels, invalid
 * bytes that upki_text_prepare repairs). */
static const char *const pieces[] = {
	"h", "H", "t", "p", "s", ":", "/", "https://", "http://", "HTTPS://", "hTtP://",
	"\uFF48\uFF54\uFF54\uFF50\uFF53\uFF1A\uFF0F\uFF0F", "\uFF28", "\uFF48", "h\u200Bttps://",
	"\u202E", "\u200F", "\u200E", "\u061C", "\u2066", "\u2069", "\u200B", "\n", "\r\n", " ", IS,
	"\u3042", "\u8A3C", "\u00E9", "\U0001D4BD", "\xC1\xA8", "\xEF\xBD", "\xE2\x80", "\xD8",
	"scia.secomtrust.net", "/x?p1=ab%2F", "<", ">", "(", ")", ".", "証明書取得URL：", "\t",
};

static char *random_text(GRand *r)
{
	return test_text_from_pieces(r, pieces, G_N_ELEMENTS(pieces), 0, 40);
}

static char *links_of(const char *text, gboolean join, gboolean fast)
{
	gboolean limit = FALSE;
	GString *out = g_string_new(NULL);
	GPtrArray *links;

	upki_fast_paths_set(fast);
	links = upki_extract_urls(text, profile, join, &limit);
	upki_fast_paths_set(TRUE);
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_string_append_printf(out, "%d%d|%s\n", l->labelled, l->hidden_controls, l->url);
	}
	g_string_append_printf(out, "limit=%d", limit);
	g_ptr_array_unref(links);
	return g_string_free(out, FALSE);
}

static void test_fast_skip(void)
{
	GRand *r = g_rand_new_with_seed(15);
	guint found = 0;

	for (int i = 0; i < 20000; i++) {
		char *text = random_text(r);
		for (int join = 0; join <= 1; join++) {
			char *slow = links_of(text, join, FALSE);
			char *fast = links_of(text, join, TRUE);
			g_assert_cmpstr(fast, ==, slow);
			found += strchr(fast, '|') != NULL;
			g_free(slow);
			g_free(fast);
		}
		g_free(text);
	}
	/* The texts must hold URLs for the comparison to mean anything. */
	g_test_message("%u of 40000 searches found a URL", found);
	g_assert_cmpuint(found, >, 10000);
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/extract/text", text_rows, name, test_text);
	TEST_ADD_ROWS("/extract/mismatch", mismatch_rows, name, test_mismatch);
	TEST_ADD_ROWS("/extract/controls", control_rows, name, test_controls);
	g_test_add_func("/extract/text/edge", test_text_edge);
	g_test_add_func("/extract/mismatch/null", test_mismatch_null);
	TEST_ADD_ROWS("/extract/limit", limit_rows, name, test_limit);
	g_test_add_func("/extract/limit/flag", test_limit_flag);
	g_test_add_func("/extract/mismatch/limit", test_mismatch_limit);
	TEST_ADD_ROWS("/extract/linear", linear_rows, name, test_linear);
	g_test_add_func("/extract/fastpath/skip", test_fast_skip);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

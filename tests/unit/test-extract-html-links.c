/* test-extract-html-links.c - parser/extract-html-links.c: what an HTML
 * link is, where it leads and what it shows: anchors and their shown
 * text, areas, forms and buttons, refreshes, <base> resolution, URLs in
 * text and CSS; the link budget; shown text linear in nested anchors. */

#include "test-extract-util.h"

static const html_row html_rows[] = {
	{ "href-match", "<p>証明書取得URL：<a href=\"" GOOD "\">" GOOD "</a></p>", { "L|" GOOD "|" GOOD } },
	{ "href-mismatch", "<p><a href=\"https://evil.example/x\">" GOOD "</a></p>",
	  { "-|https://evil.example/x|" GOOD } },
	{ "href-kochira", "<div>証明書取得URL</div><div><a href=\" " GOOD "\n\">こちら</a></div>",
	  { "L|" GOOD "|こちら" } },
	{ "shown-collapsed", "<a href=\"https://a.example/\">\n  click\n  <b>here</b>  </a>",
	  { "-|https://a.example/|click here" } },
	{ "area-alt", "<map><area href=\"https://a.example/x\" alt=\"x\"></map>", { "-|https://a.example/x|x" } },
	{ "entity-in-href", "<a href=\"https://a.example/?a=1&amp;p1=2\">x</a>", { "-|https://a.example/?a=1&p1=2|x" } },
	{ "no-href", "<a name=\"top\">https://a.example/</a>", { "-|https://a.example/|(null)" } },
	{ "bare-text-url", "<p>証明書取得URL：" GOOD "</p><p>Thanks</p>", { "L|" GOOD "|(null)" } },
	{ "bare-url-label-block", "<p>アクセスPIN取得URLへアクセスし</p><p>" PIN "</p>", { "L|" PIN "|(null)" } },
	{ "link-and-bare",
	  "<p><a href=\"" GOOD "\">" GOOD "</a><br>" MANUAL "</p>",
	  { "-|" GOOD "|" GOOD, "-|" MANUAL "|(null)" } },
	{ "base-relative", "<base href=\"https://evil.example/d/\"><a href=\"SPEntranceCliAll.jsp?p1=x\">x</a>",
	  { "-|https://evil.example/d/SPEntranceCliAll.jsp?p1=x|x" } },
	{ "base-after-link", "<a href=\"/upki-odcert/x\">x</a><base href=\"https://evil.example/\">",
	  { "-|https://evil.example/upki-odcert/x|x" } },
	{ "base-first-wins", "<base href=\"https://a.example/\"><base href=\"https://b.example/\"><a href=\"x\">x</a>",
	  { "-|https://a.example/x|x" } },
	{ "base-absolute-href", "<base href=\"https://evil.example/\"><a href=\"https://a.example/\">a</a>",
	  { "-|https://a.example/|a" } },
	{ "no-base-relative", "<a href=\"/upki-odcert/x\">x</a>", { "-|/upki-odcert/x|x" } },
	{ "form-action", "<form action=\"https://evil.example/login\"><input type=\"submit\" value=\"送信\"></form>",
	  { "-|https://evil.example/login|(null)" } },
	{ "formaction", "<button formaction=\"https://evil.example/b\">b</button>", { "-|https://evil.example/b|(null)" } },
	{ "meta-refresh", "<meta http-equiv=\"Refresh\" content=\"0; URL='https://evil.example/r'\"><p>x</p>",
	  { "-|https://evil.example/r|(null)" } },
	{ "meta-other", "<meta http-equiv=\"content-type\" content=\"text/html; url=https://a.example/\">", { NULL } },
	{ "css-content", "<style>p::before{content:\"https://evil.example/c\"}</style><p>x</p>",
	  { "-|https://evil.example/c|(null)" } },
	{ "style-attr-url", "<p style=\"background:url(https://evil.example/i.png)\">x</p>",
	  { "-|https://evil.example/i.png|(null)" } },
	{ "xlink-href", "<svg><a xlink:href=\"https://evil.example/s\"><text>s</text></a></svg>",
	  { "-|https://evil.example/s|s" } },
	/* The outer anchor ends where the inner starts; text after the inner
	 * one belongs to no link and is read for bare URLs. */
	{ "nested-anchors", "<a href=\"https://a.example/1\">one<div><a href=\"https://a.example/2\">two</a> https://a.example/3</div></a>",
	  { "-|https://a.example/2|two", "-|https://a.example/1|one", "-|https://a.example/3|(null)" } },
};

/* --- limits (from test-extract-limits.c) --- */

static char *many_anchors(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "<p><a href=\"https://a.example/%u\">%u</a></p>\n", i, i);
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *name;
	guint n;
	guint want_len;
	gboolean want_limit;
} limit_row;

/* Reported at the limit, not below. */
static const limit_row limit_rows[] = {
	{ "html-links-at-limit", 4096, 4096, FALSE },
	{ "html-links-over", 4097, 4096, TRUE },
};

static void test_limit(gconstpointer data)
{
	const limit_row *r = data;
	char *in = many_anchors(r->n);
	gboolean hit = FALSE;
	GPtrArray *links = upki_extract_html_links_full(in, strlen(in), profile, &hit);

	g_assert_cmpint(hit, ==, r->want_limit);
	g_assert_cmpuint(links->len, ==, r->want_len);
	g_ptr_array_unref(links);
	g_free(in);
}

/* Every character of text belongs to at most one link's shown text, so
 * nested anchors cost no more than their text. */
static void test_linear_shown(void)
{
	char *in = test_repeat("<a href=\"https://a.example/\">tttttttttttttttttttttttttttttttttttttttt<div>", 90 * 80);
	GPtrArray *links = NULL;
	gsize shown = 0;

	in[90 * 80] = '\0';
	links = upki_extract_html_links(in, strlen(in), profile);
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		shown += l->shown ? strlen(l->shown) : 0;
	}
	g_assert_cmpuint(links->len, >=, 80);
	g_assert_cmpuint(shown, <=, strlen(in));
	g_ptr_array_unref(links);
	g_free(in);
}

/* --- refresh targets and link targets --- */

/* content="N; url=..." in its spellings; rows in html_row's format. */
static const html_row refresh_rows[] = {
	{ "comma", "<meta http-equiv=\"refresh\" content=\"5,url=https://e.example/r\">", { "-|https://e.example/r|(null)" } },
	{ "spaced-quoted", "<meta http-equiv=\"refresh\" content=\"0; URL = 'https://e.example/q'\">",
	  { "-|https://e.example/q|(null)" } },
	{ "no-url-word", "<meta http-equiv=\"refresh\" content=\"0;https://e.example/n\">", { "-|https://e.example/n|(null)" } },
	{ "delay-only", "<meta http-equiv=\"refresh\" content=\"30\">", { NULL } },
	{ "equiv-spaced", "<meta http-equiv=\" Refresh \" content=\"0;url=https://e.example/s\">",
	  { "-|https://e.example/s|(null)" } },
	/* href="" or only blanks links nowhere: its text is plain text */
	{ "blank-href", "<a href=\" \u3000 \">https://e.example/t</a>", { "-|https://e.example/t|(null)" } },
	{ "trimmed-action", "<form action=\"\n https://e.example/f \t\"></form>", { "-|https://e.example/f|(null)" } },
};

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/extract-html-links/link", html_rows, name, test_html_row);
	TEST_ADD_ROWS("/extract-html-links/limit", limit_rows, name, test_limit);
	g_test_add_func("/extract-html-links/linear/shown", test_linear_shown);
	TEST_ADD_ROWS("/extract-html-links/target", refresh_rows, name, test_html_row);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

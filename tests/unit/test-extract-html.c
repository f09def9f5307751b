/* test-extract-html.c - parser/extract-html.c: the HTML walk, read as a
 * mail program shows it (scripts, heads and comments hidden, Outlook's
 * conditional comments shown, attributes a reader sees as text), the
 * visible text, bidi and hidden controls in what is shown, and every
 * budget (size, depth, conditional comments) reported at its limit, with
 * work linear in the input.  What a link is: test-extract-html-links.c. */
#include "lazylib-private.h"
#include "extract-html-private.h"
#include "test-extract-util.h"

static const html_row html_rows[] = {
	{ "script-style", "<script>var u='https://evil.example/x';</script><style>a{}</style><p>ok</p>", { NULL } },
	{ "junk", "<<<>>>&&&;;<a <a href=>></", { NULL } },
	{ "binary", "\x01\x02\xff\xfe\x80<\x00>", { NULL } },
	{ "empty", "", { NULL } },
	{ "unclosed", "<html><body><p>see <a href=\"https://a.example/\">a", { "-|https://a.example/|a" } },
	/* What a mail program shows that libxml2's tree hides or reads otherwise. */
	{ "cond-mso", "<p>x</p><!--[if mso]><a href=\"https://evil.example/x\">" GOOD "</a><![endif]-->",
	  { "-|https://evil.example/x|" GOOD } },
	{ "cond-gte-mso-bare", "<!--[if gte mso 9]><p>証明書取得URL：" GOOD "</p><![endif]-->", { "L|" GOOD "|(null)" } },
	/* Never closed: browsers hide the rest, and so does libxml2. */
	{ "cond-unterminated", "<!--[if mso]><a href=\"https://evil.example/u\">u</a>", { NULL } },
	{ "cond-not-mso", "<!--[if !mso]><!--><a href=\"https://a.example/\">a</a><!--<![endif]-->", { "-|https://a.example/|a" } },
	{ "cond-downlevel-revealed", "<![if !vml]><a href=\"https://a.example/\">a</a><![endif]>", { "-|https://a.example/|a" } },
	{ "plain-comment", "<!-- <a href=\"https://a.example/\">a</a> -->", { NULL } },
	{ "img-alt", "<a href=\"https://evil.example/\"><img src=\"cid:x\" alt=\"" GOOD "\"></a>",
	  { "-|https://evil.example/|" GOOD } },
	{ "title-url", "<a href=\"https://evil.example/\" title=\"" GOOD "\">こちら</a>",
	  { "-|https://evil.example/|こちら " GOOD } },
	{ "title-text", "<a href=\"https://a.example/\" title=\"open\">a</a>", { "-|https://a.example/|a" } },
	{ "input-value", "<a href=\"https://evil.example/\"><input type=\"button\" value=\"" GOOD "\"></a>",
	  { "-|https://evil.example/|" GOOD } },
	{ "script-link", "<script>document.write('<a href=\"https://evil.example/\">x</a>')</script>", { NULL } },
	{ "head-link", "<head><title>https://evil.example/t</title></head><p>x</p>", { NULL } },
};

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
	{ "html-clean", TRUE, "<a href=\"" GOOD "\">" GOOD "</a>", 1, GOOD, FALSE },
	{ "html-href", TRUE, "<a href=\"https://scia.secomtrust.net/" ZWSP "x\">x</a>", 1,
	  "https://scia.secomtrust.net/" ZWSP "x", TRUE },
	{ "html-shown", TRUE, "<a href=\"https://evil.example/\">https://evil.example/" RLO "ten.tsurtmoces.aics</a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-bare", TRUE, "<p>see https://scia" ZWSP ".secomtrust.net/x</p>", 1, "https://scia" ZWSP ".secomtrust.net/x", TRUE },
	{ "html-bidi-before", TRUE, "<p>" RLO "x <a href=\"https://a.example/\">a</a></p>", 1, "https://a.example/", TRUE },
	{ "html-bdo", TRUE, "<a href=\"https://evil.example/\"><bdo dir=\"rtl\">ten.tsurtmoces.aics//:sptth</bdo></a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-bdo-ltr", TRUE, "<a href=\"https://evil.example/\"><bdo dir=\"ltr\">x</bdo></a>", 1, "https://evil.example/", TRUE },
	{ "html-dir-rtl", TRUE, "<a dir=\"rtl\" href=\"https://evil.example/\">x</a>", 1, "https://evil.example/", TRUE },
	{ "html-dir-ltr", TRUE, "<a dir=\"ltr\" href=\"https://a.example/\">x</a>", 1, "https://a.example/", FALSE },
	{ "html-style-override", TRUE, "<a href=\"https://evil.example/\"><span style=\"unicode-bidi:bidi-override\">x</span></a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-css-sheet", TRUE, "<style>.x{direction:rtl}</style><a class=\"x\" href=\"https://evil.example/\">x</a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-css-word", TRUE, "<style>.ctrl{color:red}</style><a class=\"ctrl\" href=\"https://a.example/\">x</a>", 1,
	  "https://a.example/", FALSE },
	{ "html-bare-in-bdo", TRUE, "<p><bdo dir=\"rtl\">https://a.example/x</bdo></p>", 1, "https://a.example/x", TRUE },
	{ "html-bare-after-bdo-line", TRUE, "<p><bdo dir=\"rtl\">abc</bdo></p><p>https://a.example/x</p>", 1,
	  "https://a.example/x", FALSE },
	{ "html-base", TRUE, "<base href=\"https://evil.example/" ZWSP "/\"><a href=\"x\">x</a>", 1, NULL, TRUE },
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

static void test_html_null(void)
{
	GPtrArray *links = upki_extract_html_links(NULL, 0, profile);
	char *text = upki_extract_html_text(NULL, 0);

	g_assert_cmpuint(links->len, ==, 0);
	g_assert_cmpstr(text, ==, "");
	g_ptr_array_unref(links);
	g_free(text);
}

typedef struct {
	const char *name;
	const char *html;
	const char *want;
} html_text_row;

static const html_text_row html_text_rows[] = {
	{ "blocks", "<p>a</p><p>b<br>c</p>", "a\nb\nc\n" },
	{ "hidden", "<head><title>t</title><style>p{}</style></head><body>x<script>y</script>z</body>", "xz\n" },
	{ "whitespace", "<div>  a \n  b  </div>", "a b\n" },
	{ "dn-lines", "<p>【対象証明書DN】<br>" IS "CN=1<br>" IS "C=JP</p>", "【対象証明書DN】\n" IS "CN=1\n" IS "C=JP\n" },
	{ "pre", "<pre>a\n  b</pre>", "a\n  b\n" },
	{ "entities", "<p>&lt;a&gt; &amp; &#x3042;</p>", "<a> & あ\n" },
	{ "junk", "<<<>>>&&&;;<a <a href=>></\x01\xff", NULL }, /* whatever libxml2 recovers */
};

static void test_html_text(gconstpointer data)
{
	const html_text_row *r = data;
	char *got = upki_extract_html_text(r->html, strlen(r->html));

	g_assert_nonnull(got);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	if (r->want)
		g_assert_cmpstr(got, ==, r->want);
	g_free(got);
}

/* --- limits and linear work (from test-extract-limits.c) --- */

/* n nested <div>s around a link. */
/* n nested <div>s around a link. */
static char *deep_html(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "<a href=\"https://a.example/deep\">deep</a>");
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *name;
	char *(*make)(guint n);
	guint n;
	int kind;        /* 1 html links, 2 html text */
	guint want_len;  /* links returned (kind 1) */
	gboolean want_limit;
} limit_row;

/* html > body > n divs > a > text: with 198 divs the anchor is walked
 * but not its text (the bound is 200 levels below the document). */
static const limit_row limit_rows[] = {
	{ "html-depth-at-limit", deep_html, 197, 1, 1, FALSE },
	{ "html-depth-over", deep_html, 198, 1, 1, TRUE },
	{ "html-depth-libxml2", deep_html, 1000, 1, 0, TRUE },
	{ "html-text-depth-at-limit", deep_html, 197, 2, 0, FALSE },
	{ "html-text-depth-over", deep_html, 198, 2, 0, TRUE },
};

static void test_limit(gconstpointer data)
{
	const limit_row *r = data;
	char *in = r->make(r->n);
	gboolean hit = FALSE;
	GPtrArray *links = NULL;
	char *text = NULL;

	if (r->kind == 1)
		links = upki_extract_html_links_full(in, strlen(in), profile, &hit);
	else
		text = upki_extract_html_text_full(in, strlen(in), &hit);
	g_assert_cmpint(hit, ==, r->want_limit);
	if (links)
		g_assert_cmpuint(links->len, ==, r->want_len);
	if (r->kind == 2 && !r->want_limit)
		g_assert_nonnull(strstr(text, "deep"));
	if (links)
		g_ptr_array_unref(links);
	g_free(text);
	g_free(in);
}

/* Over 8 MiB is not parsed, and says so; 8 MiB is. */
static void test_limit_size(void)
{
	gboolean hit = FALSE;
	char *big = g_malloc((8 << 20) + 2);
	GPtrArray *links = NULL;
	char *text = NULL;

	memset(big, 'x', (8 << 20) + 1);
	big[(8 << 20) + 1] = '\0';
	links = upki_extract_html_links_full(big, (8 << 20) + 1, profile, &hit);
	g_assert_true(hit);
	g_ptr_array_unref(links);
	hit = FALSE;
	text = upki_extract_html_text_full(big, 8 << 20, &hit);
	g_assert_false(hit);
	g_free(text);
	g_free(big);
}

/* A comment opened inside a conditional comment is dropped by libxml2;
 * conditional comments are parsed one by one, 1024 at most. */
static void test_limit_conditional(void)
{
	const char *nested = "<!--[if mso]><!--[if mso]><a href=\"https://e.example/\">e</a><![endif]-->";
	GString *many = g_string_new(NULL);
	gboolean hit = FALSE;
	GPtrArray *links = upki_extract_html_links_full(nested, strlen(nested), profile, &hit);

	g_assert_true(hit);
	g_ptr_array_unref(links);
	for (guint n = 1; n <= 1025; n++) {
		g_string_append(many, "<!--[if mso]><a href=\"https://a.example/\">a</a><![endif]-->");
		if (n < 1024)
			continue;
		hit = FALSE;
		links = upki_extract_html_links_full(many->str, many->len, profile, &hit);
		g_assert_cmpint(hit, ==, n > 1024);
		g_assert_cmpuint(links->len, ==, 1024);
		g_ptr_array_unref(links);
	}
	g_string_free(many, TRUE);
}

static char *clean_html(gsize size)
{
	return test_repeat("<p>お世話になっております。Please see <a href=\"https://www.example.org/a\">the page</a> "
	              "for details, or https://www.example.org/b.</p>\n", size);
}

static void work_html(const char *in)
{
	g_ptr_array_unref(upki_extract_html_links_full(in, strlen(in), profile, NULL));
	g_free(upki_extract_html_text_full(in, strlen(in), NULL));
}

typedef struct {
	const char *name;
	const char *unit; /* repeated to LINEAR_SIZE bytes */
} linear_row;

#define LINEAR_SIZE (1 << 20)

/* A quadratic step in any of these takes minutes at 2 MiB. */
static const linear_row linear_rows[] = {
	{ "nested-tags", "<div><span><b>" },
	{ "nested-anchors", "<a href=\"https://a.example/\">t<div>" },
	{ "unclosed-comments", "<!--[if mso]><a href=x>" },
	{ "conditionals", "<!--[if mso]><p>x</p><![endif]-->" },
	{ "href-huge", "<a href=\"https://a.example/" },
	{ "bidi-elements", "<bdo dir=rtl>https://a.example/ " },
	{ "schemes-html", "https://" },
};

static void test_linear(gconstpointer data)
{
	const linear_row *r = data;
	char *hostile = test_repeat(r->unit, LINEAR_SIZE);
	char *clean = clean_html(LINEAR_SIZE);
	gint64 h = test_best_time(work_html, hostile);
	gint64 c = test_best_time(work_html, clean);

	g_test_message("%s: hostile %" G_GINT64_FORMAT " us, clean %" G_GINT64_FORMAT " us", r->name, h, c);
	g_assert_cmpint(h, <=, 20 * c + 100000);
	g_free(hostile);
	g_free(clean);
}

/* --- the walk's helpers (extract-html-private.h) --- */

static void test_helpers(void)
{
	static const struct { const char *before, *t; gboolean pre; const char *after; } rows[] = {
		{ "", "  a \n\t b  ", FALSE, "a b " },      /* runs are one space, none first */
		{ "x\n", " y", FALSE, "x\ny" },              /* none after a line end */
		{ "x ", "  y", FALSE, "x y" },
		{ "", "a\n  b", TRUE, "a\n  b" },            /* pre keeps all */
		{ "", "a\u3000 b", FALSE, "a\u3000 b" },     /* U+3000 is text here */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		GString *s = g_string_new(rows[i].before);
		upki_html_append_visible(s, rows[i].t, rows[i].pre);
		g_test_message("row %zu", i);
		g_assert_cmpstr(s->str, ==, rows[i].after);
		g_string_free(s, TRUE);
	}
	char *t = upki_html_trimmed("\u3000 x y\u00a0\n");
	g_assert_cmpstr(t, ==, "x y");
	g_free(t);

	const upki_lazylib *lib = upki_lazylib_load(NULL);
	const char *html = "<P Title=\"  t \">x</P>";
	htmlDocPtr doc = lib->htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
					     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	const xmlNode *n = doc->children; /* html > body > p: the first child each time */
	while (n && !(n->type == XML_ELEMENT_NODE && upki_html_is_named(n, "P")))
		n = n->type == XML_ELEMENT_NODE ? n->children : n->next;
	g_assert_nonnull(n);
	g_assert_true(upki_html_is_named(n, "p"));
	g_assert_false(upki_html_is_named(n, "pre"));
	t = upki_html_attr(n, "title");
	g_assert_cmpstr(t, ==, "  t "); /* as written: trimming is the caller's */
	g_free(t);
	g_assert_null(upki_html_attr(n, "href"));
	lib->xmlFreeDoc(doc);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/extract-html/walk", html_rows, name, test_html_row);
	TEST_ADD_ROWS("/extract-html/controls", control_rows, name, test_controls);
	TEST_ADD_ROWS("/extract-html/text", html_text_rows, name, test_html_text);
	g_test_add_func("/extract-html/null", test_html_null);
	TEST_ADD_ROWS("/extract-html/limit", limit_rows, name, test_limit);
	g_test_add_func("/extract-html/limit/size", test_limit_size);
	g_test_add_func("/extract-html/limit/conditional", test_limit_conditional);
	TEST_ADD_ROWS("/extract-html/linear", linear_rows, name, test_linear);
	g_test_add_func("/extract-html/helpers", test_helpers);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

/* test-extract-limits.c - parser/extract.c and extract-html.c on hostile
 * input: every budget reports when it is reached (limit_hit at the limit
 * and not below), and the work stays linear in the input (hostile input
 * against ordinary input of the same size, and a count of shown text). */
#include <string.h>

#include "upki/extract.h"
#include "upki/profile.h"
#include "test-util.h"

#define BASE "https://scia.secomtrust.net/upki-odcert/download/view/jsp/"
#define GOOD BASE "SPEntranceCliAll.jsp?p1=HWHQbb5dcEPYHkSQOmB5znnW4%2FbQDaBMcG2h1yjBZ6tsIUuCCxV6BCXF834ul93a"

static upki_profile *profile;

/* --- limits: reported at the limit, not below --- */

/* n lines "https://a.example/<i>"; one a line, so no label budget runs out. */
static char *many_text_links(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "https://a.example/%u\n", i);
	return g_string_free(s, FALSE);
}

static char *many_anchors(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "<p><a href=\"https://a.example/%u\">%u</a></p>\n", i, i);
	return g_string_free(s, FALSE);
}

/* n nested <div>s around a link. */
static char *deep_html(guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "<a href=\"https://a.example/deep\">deep</a>");
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
	int kind;        /* 0 text links, 1 html links, 2 html text */
	guint want_len;  /* links returned (kinds 0, 1) */
	gboolean want_limit;
} limit_row;

static char *label_spaces(guint n) { return padded_label(n, "a"); }
static char *label_lines(guint n) { return padded_label(n, "\n"); }

/* html > body > n divs > a > text: with 198 divs the anchor is walked
 * but not its text (the bound is 200 levels below the document). */
static const limit_row limit_rows[] = {
	{ "text-links-at-limit", many_text_links, 4096, 0, 4096, FALSE },
	{ "text-links-over", many_text_links, 4097, 0, 4096, TRUE },
	{ "label-in-window", label_spaces, 900, 0, 1, FALSE },
	{ "label-past-window", label_spaces, 1100, 0, 1, TRUE },
	{ "label-blank-lines-in-window", label_lines, 900, 0, 1, FALSE },
	{ "label-blank-lines-past-window", label_lines, 1100, 0, 1, TRUE },
	{ "html-links-at-limit", many_anchors, 4096, 1, 4096, FALSE },
	{ "html-links-over", many_anchors, 4097, 1, 4096, TRUE },
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

	if (r->kind == 0)
		links = upki_extract_text_links(in, profile, &hit);
	else if (r->kind == 1)
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

/* The reporting variants only ever set the flag; NULL is allowed. */
static void test_limit_misc(void)
{
	gboolean hit = TRUE;
	char *big = g_malloc((8 << 20) + 2);
	GPtrArray *links = upki_extract_text_links(GOOD, profile, &hit);
	char *text = NULL;

	g_assert_true(hit);
	g_ptr_array_unref(links);
	hit = FALSE;
	links = upki_extract_text_links(GOOD, NULL, NULL);
	g_assert_cmpuint(links->len, ==, 1);
	g_ptr_array_unref(links);
	/* Over 8 MiB is not parsed, and says so; 8 MiB is. */
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

/* --- work linear in the input --- */

typedef void (*work_fn)(const char *in);

static void work_text(const char *in)
{
	g_ptr_array_unref(upki_extract_text_links(in, profile, NULL));
}

static void work_html(const char *in)
{
	g_ptr_array_unref(upki_extract_html_links_full(in, strlen(in), profile, NULL));
	g_free(upki_extract_html_text_full(in, strlen(in), NULL));
}

/* Best of three, in microseconds: other tests run on this machine too. */
static gint64 best_time(work_fn fn, const char *in)
{
	gint64 best = G_MAXINT64;

	for (int i = 0; i < 3; i++) {
		gint64 t = g_get_monotonic_time();
		fn(in);
		best = MIN(best, g_get_monotonic_time() - t);
	}
	return best;
}

static char *repeat(const char *unit, gsize size)
{
	GString *s = g_string_sized_new(size + strlen(unit));

	while (s->len < size)
		g_string_append(s, unit);
	return g_string_free(s, FALSE);
}

/* Ordinary mail of the same size: prose, a URL now and then. */
static char *clean_text(gsize size)
{
	return repeat("お世話になっております。Please see the page below for details of the change.\n"
	              "https://www.example.org/news/2026/item.html\n\n", size);
}

static char *clean_html(gsize size)
{
	return repeat("<p>お世話になっております。Please see <a href=\"https://www.example.org/a\">the page</a> "
	              "for details, or https://www.example.org/b.</p>\n", size);
}

typedef struct {
	const char *name;
	const char *unit; /* repeated to SIZE bytes */
	gboolean html;
} linear_row;

#define LINEAR_SIZE (1 << 20)

/* A quadratic step in any of these takes minutes at 2 MiB; linear work
 * stays within a small factor of clean input of the same size. */
static const linear_row linear_rows[] = {
	{ "schemes-one-line", "https://", FALSE },
	{ "schemes-spaced", "https:// ", FALSE },
	{ "controls-after-h", "h\u200B\u200B\u200B", FALSE },
	{ "controls-in-url", "https://a.example/\u200B", FALSE },
	{ "labels-one-line", "証明書取得URL：https://a.example/ ", FALSE },
	{ "dots", "https://a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", FALSE },
	{ "open-parens", "https://a.example/((((((((((((((((", FALSE },
	{ "nested-tags", "<div><span><b>", TRUE },
	{ "nested-anchors", "<a href=\"https://a.example/\">t<div>", TRUE },
	{ "unclosed-comments", "<!--[if mso]><a href=x>", TRUE },
	{ "conditionals", "<!--[if mso]><p>x</p><![endif]-->", TRUE },
	{ "href-huge", "<a href=\"https://a.example/", TRUE },
	{ "bidi-elements", "<bdo dir=rtl>https://a.example/ ", TRUE },
	{ "schemes-html", "https://", TRUE },
};

static void test_linear(gconstpointer data)
{
	const linear_row *r = data;
	char *hostile = repeat(r->unit, LINEAR_SIZE);
	char *clean = r->html ? clean_html(LINEAR_SIZE) : clean_text(LINEAR_SIZE);
	work_fn fn = r->html ? work_html : work_text;
	gint64 h = best_time(fn, hostile);
	gint64 c = best_time(fn, clean);

	g_test_message("%s: hostile %" G_GINT64_FORMAT " us, clean %" G_GINT64_FORMAT " us", r->name, h, c);
	g_assert_cmpint(h, <=, 20 * c + 100000);
	g_free(hostile);
	g_free(clean);
}

/* Every character of text belongs to at most one link's shown text, so
 * nested anchors cost no more than their text. */
static void test_linear_shown(void)
{
	char *in = repeat("<a href=\"https://a.example/\">tttttttttttttttttttttttttttttttttttttttt<div>", 90 * 80);
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

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/extract/limit", limit_rows, name, test_limit);
	g_test_add_func("/extract/limit/misc", test_limit_misc);
	g_test_add_func("/extract/limit/conditional", test_limit_conditional);
	TEST_ADD_ROWS("/extract/linear", linear_rows, name, test_linear);
	g_test_add_func("/extract/linear/shown", test_linear_shown);
	g_test_add_func("/extract/mismatch/limit", test_mismatch_limit);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

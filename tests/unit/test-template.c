/* test-template.c - parser/template.c: the shipped templates load, a
 * template with errors is refused with its file and line, values are
 * escaped for HTML and links defanged, and rendering repeats or drops
 * list lines and fails on a missing value. */
#include <string.h>

#include <glib/gstdio.h>

#include "template-private.h"
#include "upki/error.h"
#include "upki/reason.h"

/* A copy of templates/ in a new temporary directory.  Caller frees. */
static char *copy_templates(void)
{
	GError *err = NULL;
	char *dir = g_dir_make_tmp("upki-tpl-XXXXXX", &err);
	GDir *d = g_dir_open("templates", 0, &err);
	const char *name = NULL;

	g_assert_no_error(err);
	while ((name = g_dir_read_name(d))) {
		char *src = g_build_filename("templates", name, NULL), *dst = g_build_filename(dir, name, NULL);
		char *text = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(src, &text, &len, NULL));
		g_assert_true(g_file_set_contents(dst, text, (gssize)len, NULL));
		g_free(text);
		g_free(src);
		g_free(dst);
	}
	g_dir_close(d);
	return dir;
}

static void remove_dir(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name = NULL;

	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
	g_free(dir);
}

static void test_load_shipped(void)
{
	GError *err = NULL;
	upki_templates *t = upki_templates_load("templates", &err);

	g_assert_no_error(err);
	g_assert_nonnull(t);
	for (guint r = 0; r < UPKI_R_COUNT; r++) {
		gboolean informative = (UPKI_REASON_BIT(r) & UPKI_REASONS_INFORMATIVE) != 0;
		g_assert_true(informative == !upki_templates_reason(t, r, TRUE));
		g_assert_true(informative == !upki_templates_reason(t, r, FALSE));
	}
	upki_templates_free(t);
}

/* Rows: a file of the copy replaced; the error must name file and line. */
static const struct {
	const char *name;
	const char *file;
	const char *text;     /* NULL: the file is removed */
	const char *expect;   /* in the message, after the directory */
} bad_rows[] = {
	{ "unknown-placeholder", "genuine-cert-issue.txt", "ok\nline {url}\nand {nonsense} here\n",
	  "/genuine-cert-issue.txt:3: unknown placeholder {nonsense}" },
	{ "url-in-suspicious", "suspicious.html", "<p>{reasons}</p>\n<a href=\"{url}\">x</a>\n",
	  "/suspicious.html:2: this template may not use the placeholder {url}" },
	{ "subject-in-suspicious", "suspicious.txt", "{subject}\n",
	  "/suspicious.txt:1: unknown placeholder {subject}" },
	{ "old-serial-in-revoked", "genuine-cert-revoked.txt", "{dn}\n{old_serial}\n",
	  "/genuine-cert-revoked.txt:2: this template may not use the placeholder {old_serial}" },
	{ "two-lists", "suspicious.txt", "{reasons_ja} {links}\n",
	  "/suspicious.txt:1: two list placeholders on one line" },
	{ "missing", "genuine-pin-issue.html", NULL, "/genuine-pin-issue.html: " },
	{ "not-utf8", "genuine-cert-renewed.txt", "\xff\xfe bad\n", "/genuine-cert-renewed.txt: not a UTF-8" },
	{ "reason-unknown", "reasons-en.txt", "url-host words\nurl-hots words\n", "/reasons-en.txt:2: not \"TOKEN WORDS\"" },
	{ "reason-missing", "reasons-ja.txt", "# only one\nunsigned 署名なし\n", "/reasons-ja.txt: no words for reason bad-signature" },
	{ "advice-unknown", "advice-en.txt", "cert-issue words\nnone words\n", "/advice-en.txt:2: not \"TOKEN WORDS\"" },
	{ "advice-no-words", "advice-ja.txt", "pin-issue\n", "/advice-ja.txt:1: not \"TOKEN WORDS\"" },
	{ "advice-missing", "advice-ja.txt", "cert-issue 一行\npin-issue 一行\ncert-retrieved 一行\ncert-renewed 一行\n",
	  "/advice-ja.txt: no advice for kind cert-revoked" },
	{ "advice-in-genuine", "genuine-cert-issue.txt", "{url}\n{advice_en}\n",
	  "/genuine-cert-issue.txt:2: this template may not use the placeholder {advice_en}" },
};

static void test_load_bad(gconstpointer data)
{
	const __typeof__(bad_rows[0]) *row = data;
	char *dir = copy_templates(), *path = g_build_filename(dir, row->file, NULL);
	char *want = g_strconcat(dir, row->expect, NULL);
	GError *err = NULL;
	upki_templates *t = NULL;

	if (row->text)
		g_assert_true(g_file_set_contents(path, row->text, -1, NULL));
	else
		g_assert_cmpint(g_unlink(path), ==, 0);
	t = upki_templates_load(dir, &err);
	g_assert_null(t);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_CONFIG);
	if (!g_str_has_prefix(err->message, want))
		g_error("got '%s', want it to start with '%s'", err->message, want);
	g_error_free(err);
	g_free(want);
	g_free(path);
	remove_dir(dir);
}

static const struct {
	const char *name, *in, *out;
} defang_rows[] = {
	{ "lookalike", "https://scia.secomtrust.net.evil.example/a.jsp?p1=x",
	  "hxxps://scia[.]secomtrust[.]net[.]evil[.]example/a[.]jsp?p1=x" },
	{ "http-upper", "HTTP://a.b/", "HXXP://a[.]b/" },
	{ "userinfo", "https://scia.secomtrust.net@evil.example/", "hxxps://scia[.]secomtrust[.]net[@]evil[.]example/" },
	{ "fullwidth-dots", "https://scia\xef\xbc\x8esecomtrust\xe3\x80\x82net/", "hxxps://scia[.]secomtrust[.]net/" },
	{ "bidi-and-newline", "https://a.b/\xe2\x80\xaegpj.exe\n", "hxxps://a[.]b/[U+202E]gpj[.]exe[U+000A]" },
	{ "space", "https://a b/", "hxxps://a%20b/" },
	{ "other-scheme", "ftp://a.b/", "ftp://a[.]b/" },
};

static void test_defang(gconstpointer data)
{
	const __typeof__(defang_rows[0]) *row = data;
	char *got = upki_template_defang(row->in);

	g_assert_cmpstr(got, ==, row->out);
	g_free(got);
}

static void test_defang_long(void)
{
	GString *in = g_string_new("https://evil/");
	char *got = NULL;

	for (int i = 0; i < 500; i++)
		g_string_append_c(in, 'a');
	got = upki_template_defang(in->str);
	g_assert_true(g_str_has_suffix(got, "…"));
	/* "hxxp", then 200 characters, then the ellipsis */
	g_assert_cmpuint(g_utf8_strlen(got, -1), ==, 4 + 200 + 1);
	g_free(got);
	g_string_free(in, TRUE);
}

static void test_escape(void)
{
	char *e = upki_template_html_escape("<a href=\"x\">&'</a>");

	g_assert_cmpstr(e, ==, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	g_free(e);
}

/* Rendering: lists repeat their line (or drop it), values are escaped
 * for HTML, a missing value fails the whole rendering. */
static void test_render(void)
{
	char *dir = copy_templates(), *path = g_build_filename(dir, "suspicious.html", NULL);
	GPtrArray *links = g_ptr_array_new(), *none = g_ptr_array_new();
	upki_tpl_values v = { 0 };
	GError *err = NULL;
	upki_templates *t = NULL;
	char *out = NULL;

	g_assert_true(g_file_set_contents(path, "<p>{contact}</p>\n<li>{links}</li>\n<b>{reasons_en}</b>\nend {{x}\n", -1, NULL));
	t = upki_templates_load(dir, &err);
	g_assert_no_error(err);
	g_ptr_array_add(links, "a<b");
	g_ptr_array_add(links, "c&d");
	v.value[UPKI_PH_CONTACT] = "desk \"7\"";
	v.lists[UPKI_PH_LINKS] = links;
	v.lists[UPKI_PH_REASONS_EN] = none;
	out = upki_template_render(t, UPKI_TPL_SUSPICIOUS, UPKI_PART_HTML, &v, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(out, ==, "<p>desk &quot;7&quot;</p>\r\n<li>a&lt;b</li>\r\n<li>c&amp;d</li>\r\nend {x}\r\n");
	g_free(out);
	v.value[UPKI_PH_CONTACT] = NULL;
	out = upki_template_render(t, UPKI_TPL_SUSPICIOUS, UPKI_PART_HTML, &v, &err);
	g_assert_null(out);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_INTERNAL);
	g_error_free(err);
	upki_templates_free(t);
	g_ptr_array_unref(links);
	g_ptr_array_unref(none);
	g_free(path);
	remove_dir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/template/load-shipped", test_load_shipped);
	for (gsize i = 0; i < G_N_ELEMENTS(bad_rows); i++) {
		char *p = g_strdup_printf("/template/load-bad/%s", bad_rows[i].name);
		g_test_add_data_func(p, &bad_rows[i], test_load_bad);
		g_free(p);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(defang_rows); i++) {
		char *p = g_strdup_printf("/template/defang/%s", defang_rows[i].name);
		g_test_add_data_func(p, &defang_rows[i], test_defang);
		g_free(p);
	}
	g_test_add_func("/template/defang-long", test_defang_long);
	g_test_add_func("/template/escape", test_escape);
	g_test_add_func("/template/render", test_render);
	return g_test_run();
}

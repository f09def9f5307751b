/* test-scan-parts.c - parser/upki-scan-parts.c: which bytes of a message
 * the batch marker search reads.
 *
 * Each row is a message with words in it: "SEEN" words must be inside a
 * range handed to the search, "GONE" words must not (they sit in the
 * body of an attachment no reader shows).  Every row is run with LF and
 * with CRLF line ends.
 */
#include <string.h>

#include "upki-scan-batch.h"
#include "test-util.h"

typedef struct {
	const char *name;
	const char *msg;
	const char *seen[4];
	const char *gone[2];
} parts_row;

#define TEXT "--b\nContent-Type: text/plain\n\nSEEN-TEXT\n"
#define PDF "--b\nContent-Type: application/pdf\n\nGONE-PDF\n"

static const parts_row rows[] = {
	{ "text-and-pdf", "Content-Type: multipart/mixed; boundary=\"b\"\nSubject: SEEN-HEAD\n\n"
	  "SEEN-PRE\n" TEXT PDF "--b--\nSEEN-EPI\n",
	  { "SEEN-HEAD", "SEEN-PRE", "SEEN-TEXT", "SEEN-EPI" }, { "GONE-PDF" } },
	{ "image-audio-video", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: image/png\n\nGONE-IMG\n--b\nContent-Type: Video/mp4\n\nGONE-VID\n"
	  "--b\nContent-Type: message/rfc822\n\nSubject: x\n\nSEEN-FWD\n--b--\n",
	  { "SEEN-FWD" }, { "GONE-IMG", "GONE-VID" } },
	{ "part-headers-are-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: application/pdf; name=\"SEEN-NAME\"\n\nGONE-PDF\n--b--\n",
	  { "SEEN-NAME" }, { "GONE-PDF" } },
	{ "html-attachment-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: text/html\nContent-Disposition: attachment\n\nSEEN-HTML\n--b--\n",
	  { "SEEN-HTML" }, { NULL } },
	{ "nested-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\nContent-Type: application/pdf\n\n"
	  "SEEN-INNER\n--c--\n" PDF "--b--\n",
	  { "SEEN-INNER" }, { "GONE-PDF" } },
	{ "unterminated-part-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  TEXT "--b\nContent-Type: application/pdf\n\nSEEN-TAIL\n",
	  { "SEEN-TEXT", "SEEN-TAIL" }, { NULL } },
	{ "two-content-types-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: application/pdf\nContent-Type: text/plain\n\nSEEN-TWICE\n--b--\n",
	  { "SEEN-TWICE" }, { NULL } },
	{ "no-content-type-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Disposition: attachment\n\nSEEN-DEFAULT\n--b--\n",
	  { "SEEN-DEFAULT" }, { NULL } },
	{ "odd-boundary-read-all", "Content-Type: multipart/mixed; boundary=\"b\\\"x\"\n\n"
	  "--b\"x\nContent-Type: application/pdf\n\nSEEN-ODD\n--b\"x--\n",
	  { "SEEN-ODD" }, { NULL } },
	{ "boundary-twice-read-all", "Content-Type: multipart/mixed; boundary=b; boundary=c\n\n"
	  PDF "--b--\n--c\nContent-Type: application/pdf\n\nSEEN-C\n",
	  { "GONE-PDF", "SEEN-C" }, { NULL } },
	{ "two-top-content-types-read-all", "Content-Type: multipart/mixed; boundary=b\n"
	  "Content-Type: text/plain\n\n" PDF "--b--\n",
	  { "GONE-PDF" }, { NULL } },
	{ "not-multipart-read-all", "Content-Type: application/pdf; boundary=b\n\n" PDF,
	  { "GONE-PDF" }, { NULL } },
	{ "delimiter-mid-line-is-none", "Content-Type: multipart/mixed; boundary=b\n\n"
	  PDF "text x--b\nContent-Type: text/plain\n\nGONE-TOO\n--b--\n",
	  { NULL }, { "GONE-PDF", "GONE-TOO" } },
	{ "unending-part-header-read", "Content-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: application/pdf\nSEEN-NOEND: x\n",
	  { "SEEN-NOEND" }, { NULL } },
};

static gboolean collect(const char *p, gsize len, gconstpointer data)
{
	GString *seen = (GString *)data;

	g_string_append_len(seen, p, (gssize)len);
	g_string_append(seen, "\n|\n");
	return FALSE;
}

static gsize header_len(const char *m)
{
	const char *e = strstr(m, "\n\n");
	const char *ce = strstr(m, "\r\n\r\n");

	return ce ? (gsize)(ce - m) + 2 : (gsize)(e - m) + 1;
}

static void check(const parts_row *r, const char *msg)
{
	GString *seen = g_string_new(NULL);

	g_assert_false(parts_any_text(msg, strlen(msg), header_len(msg), collect, seen));
	for (gsize i = 0; i < G_N_ELEMENTS(r->seen) && r->seen[i]; i++)
		if (!strstr(seen->str, r->seen[i]))
			g_error("%s: %s not searched in:\n%s", r->name, r->seen[i], seen->str);
	for (gsize i = 0; i < G_N_ELEMENTS(r->gone) && r->gone[i]; i++)
		if (strstr(seen->str, r->gone[i]))
			g_error("%s: %s searched, should be skipped:\n%s", r->name, r->gone[i], seen->str);
	g_string_free(seen, TRUE);
}

static void test_row(gconstpointer data)
{
	const parts_row *r = data;
	char *c = test_crlf(r->msg);

	check(r, r->msg);
	check(r, c);
	g_free(c);
}

static gboolean stop_at_second(const char *p, gsize len, gconstpointer data)
{
	guint *calls = (guint *)data;

	(void)p;
	(void)len;
	return ++*calls == 2;
}

/* The first TRUE ends the search. */
static void test_stops_at_hit(void)
{
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n" TEXT PDF TEXT PDF TEXT "--b--\n";
	guint calls = 0;

	g_assert_true(parts_any_text(m, strlen(m), header_len(m), stop_at_second, &calls));
	g_assert_cmpuint(calls, ==, 2);
}

/* Hostile structure costs linear time: many delimiters, part headers
 * that never end, dashes everywhere.  Quadratic work here would be
 * hours; the search must also still see all of it. */
static void test_linear(void)
{
	GString *m = g_string_new("Content-Type: multipart/mixed; boundary=b\n\n");
	GString *seen = g_string_new(NULL);
	gsize hlen = m->len;

	for (int i = 0; i < 200000; i++)
		g_string_append(m, "--b\nX-No-End: ---------- - -\n");
	g_string_append(m, "SEEN-LAST\n");
	g_assert_false(parts_any_text(m->str, m->len, hlen, collect, seen));
	g_assert_nonnull(strstr(seen->str, "SEEN-LAST"));
	g_string_free(seen, TRUE);
	g_string_free(m, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/scan-parts", rows, name, test_row);
	g_test_add_func("/scan-parts/stops-at-hit", test_stops_at_hit);
	g_test_add_func("/scan-parts/linear", test_linear);
	return g_test_run();
}

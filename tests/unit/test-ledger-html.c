/* test-ledger-html.c - parser/ledger-html.c: whatever a mail said is
 * escaped in the page, the counts are findable by data-key, no URL.
 */
#include "test-ledger-util.h"

/* Whatever a mail said is escaped in the page; the counts are findable. */
static void test_html(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	upki_notice *n = notice(UPKI_KIND_CERT_RETRIEVED, "x", T0);
	char *html = NULL;
	g_free(n->dn);
	n->dn = g_strdup("CN=<script>alert(1)</script>&");
	record(l, n, "m", 0, TRUE);
	record(l, notice(UPKI_KIND_CERT_ISSUE, "y", T0), "m", 1, TRUE);
	r = report(l, T0 + DAY);
	html = upki_ledger_report_html(r);
	g_assert_null(strstr(html, "<script>alert"));
	g_assert_nonnull(strstr(html, "CN=&lt;script&gt;alert(1)&lt;/script&gt;&amp;"));
	g_assert_nonnull(strstr(html, "data-key=\"summary.notices\">2<"));
	g_assert_nonnull(strstr(html, "data-key=\"certificates.retrieved\">1<"));
	g_assert_nonnull(strstr(html, "data-key=\"jobs.issue-accepted\">1<"));
	g_assert_null(strstr(html, "p1="));
	g_free(html);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}
int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ledger-html/escaped-and-counted", test_html);
	return g_test_run();
}

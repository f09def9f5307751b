/* test-report.c - parser/report.c: JSON keys (an interface), CSV quoting
 * and formula defusing, the text summary that hides the token. */
#include <string.h>

#include <json-glib/json-glib.h>

#include "upki/report.h"

#define URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=SECRETTOKENabcdefghijklmnop"

static upki_notice *sample_notice(void)
{
	upki_notice *n = g_new0(upki_notice, 1);
	upki_url_finding *f = g_new0(upki_url_finding, 1);

	n->kind = UPKI_KIND_CERT_ISSUE;
	n->verdict = UPKI_VERDICT_SUSPICIOUS;
	n->reasons = UPKI_REASON_BIT(UPKI_R_URL_HOST) | UPKI_REASON_BIT(UPKI_R_UNSIGNED);
	n->url = g_strdup(URL);
	n->subject = g_strdup("=HYPERLINK(\"x\"), \"quoted\"\nline");
	n->from = g_strdup("ca-support@ml.secom-sts.co.jp");
	n->message_id = g_strdup("id@example");
	n->deadline = g_strdup("2026-12-02");
	n->urls = g_ptr_array_new();
	f->url = g_strdup(URL);
	f->reasons = UPKI_REASON_BIT(UPKI_R_URL_HOST);
	f->retrieval = TRUE;
	g_ptr_array_add(n->urls, f);
	return n;
}

static void notice_free(upki_notice *n)
{
	upki_url_finding *f = g_ptr_array_index(n->urls, 0);

	g_free(f->url);
	g_free(f);
	g_ptr_array_set_size(n->urls, 0);
	upki_notice_free(n);
}

static void test_json(void)
{
	upki_notice *n = sample_notice();
	upki_report_where w = { .source = "box.mbox", .index = 3, .offset = 1234 };
	char *line = upki_report_json(n, &w);
	JsonParser *parser = json_parser_new();
	GError *err = NULL;

	g_assert_null(strchr(line, '\n'));
	g_assert_true(json_parser_load_from_data(parser, line, -1, &err));
	JsonObject *o = json_node_get_object(json_parser_get_root(parser));
	static const char *const keys[] = { "source", "index", "offset", "message_id", "kind", "verdict",
					    "reasons", "url", "deadline", "signature", "subject", "from",
					    "date", "dn", "serial", "old_serial", "urls" };
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		g_assert_true(json_object_has_member(o, keys[i]));
	g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, "box.mbox");
	g_assert_cmpint(json_object_get_int_member(o, "index"), ==, 3);
	g_assert_cmpint(json_object_get_int_member(o, "offset"), ==, 1234);
	g_assert_cmpstr(json_object_get_string_member(o, "kind"), ==, "cert-issue");
	g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, "suspicious");
	JsonArray *r = json_object_get_array_member(o, "reasons");
	g_assert_cmpuint(json_array_get_length(r), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(r, 0), ==, "unsigned");
	g_assert_cmpstr(json_array_get_string_element(r, 1), ==, "url-host");
	g_assert_true(json_object_get_null_member(o, "dn"));
	JsonObject *sig = json_object_get_object_member(o, "signature");
	g_assert_cmpstr(json_object_get_string_member(sig, "status"), ==, "none");
	g_assert_true(json_object_get_null_member(sig, "signing_time"));
	g_assert_cmpstr(json_object_get_string_member(o, "subject"), ==, n->subject);
	g_object_unref(parser);
	g_free(line);
	notice_free(n);
}

static void test_json_error(void)
{
	upki_report_where w = { .source = "a\"b", .index = 1, .offset = 2 };
	char *line = upki_report_json_error(&w, "not a mail message");

	g_assert_cmpstr(line, ==, "{\"source\":\"a\\\"b\",\"index\":1,\"offset\":2,\"error\":\"not a mail message\"}");
	g_free(line);
}

static void test_csv(void)
{
	upki_notice *n = sample_notice();
	upki_report_where w = { .source = "x,y.eml", .index = 0, .offset = 0 };
	char *row = upki_report_csv(n, &w);
	gchar **cols = g_strsplit(upki_report_csv_header(), ",", -1);

	g_assert_cmpuint(g_strv_length(cols), ==, 17);
	g_assert_true(g_str_has_prefix(row, "\"x,y.eml\",0,0,id@example,cert-issue,suspicious,unsigned url-host,"));
	/* Formula defused, quotes doubled, newline kept inside quotes. */
	g_assert_nonnull(strstr(row, ",\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\nline\","));
	g_strfreev(cols);
	g_free(row);
	notice_free(n);
}

static void test_text(void)
{
	upki_notice *n = sample_notice();
	upki_report_where w = { .source = "msg.eml" };
	char *text = upki_report_text(n, &w);

	g_assert_true(g_str_has_prefix(text, "msg.eml: suspicious cert-issue\n"));
	g_assert_nonnull(strstr(text, "reasons:  unsigned, url-host"));
	g_assert_nonnull(strstr(text, "scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=#"));
	g_assert_null(strstr(text, "SECRETTOKEN"));
	g_assert_nonnull(strstr(text, "deadline: 2026-12-02"));
	g_free(text);
	notice_free(n);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/json", test_json);
	g_test_add_func("/report/json-error", test_json_error);
	g_test_add_func("/report/csv", test_csv);
	g_test_add_func("/report/text", test_text);
	return g_test_run();
}

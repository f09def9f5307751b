/* test-ledger-report.c - parser/ledger-report.c: the JSON and text
 * reports, suspicious notices apart with their reasons, never a URL or
 * its token.
 */
#include <json-glib/json-glib.h>

#include "test-ledger-util.h"

static void test_suspicious_apart(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	upki_notice *n = notice(UPKI_KIND_CERT_ISSUE, "phish", T0);
	char *json = NULL, *text = NULL;
	JsonParser *p = json_parser_new();
	JsonObject *o = NULL;

	n->verdict = UPKI_VERDICT_SUSPICIOUS;
	n->reasons = UPKI_REASON_BIT(UPKI_R_UNSIGNED) | UPKI_REASON_BIT(UPKI_R_URL_HOST);
	upki_smime_result_free(n->sig);
	n->sig = NULL;
	g_clear_pointer(&n->content_hash, g_free);
	record(l, notice(UPKI_KIND_CERT_ISSUE, "real", T0), "m", 0, TRUE);
	record(l, n, "m", 7, TRUE);
	r = report(l, T0 + DAY);
	g_assert_cmpuint(r->jobs->len, ==, 1);
	g_assert_cmpuint(r->events->len, ==, 1);
	g_assert_cmpuint(r->suspects->len, ==, 1);
	g_assert_cmpstr(((upki_ledger_suspect *)g_ptr_array_index(r->suspects, 0))->reasons, ==, "unsigned url-host");
	json = upki_ledger_report_json(r);
	text = upki_ledger_report_text(r);
	/* Never a URL or its token, in either form. */
	g_assert_null(strstr(json, "p1="));
	g_assert_null(strstr(json, TOKEN));
	g_assert_null(strstr(text, "p1="));
	g_assert_null(strstr(text, TOKEN));
	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(o, "schema"), ==, "upki-ledger-report/1");
	o = json_object_get_object_member(o, "summary");
	g_assert_cmpint(json_object_get_int_member(o, "suspicious"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(o, "jobs"), "issue-accepted"), ==, 1);
	g_object_unref(p);
	g_free(json);
	g_free(text);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}

/* The counts per state and month, the same in JSON and text; what
 * needs action, named in both. */
static void test_counts_and_actions(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	char *json = NULL, *text = NULL;
	JsonParser *p = json_parser_new();
	JsonObject *o = NULL, *month = NULL;
	JsonArray *months = NULL;

	record(l, notice(UPKI_KIND_CERT_ISSUE, "open", T0), "m", 0, TRUE);
	record(l, notice(UPKI_KIND_CERT_ISSUE, "second", T0 + DAY), "m", 1, TRUE);
	record(l, notice(UPKI_KIND_CERT_RETRIEVED, "got", T0 + 41 * DAY), "m", 2, TRUE);
	/* as of 26 days on: both deadlines (a month on) within a week, the
	 * retrieval not yet signed */
	r = report(l, T0 + 26 * DAY);
	json = upki_ledger_report_json(r);
	text = upki_ledger_report_text(r);
	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	o = json_object_get_object_member(json_node_get_object(json_parser_get_root(p)), "summary");
	g_assert_cmpint(json_object_get_int_member(o, "notices"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(o, "jobs"), "issue-accepted"), ==, 2);
	months = json_object_get_array_member(o, "months");
	g_assert_cmpuint(json_array_get_length(months), ==, 1);
	month = json_array_get_object_element(months, 0);
	g_assert_cmpstr(json_object_get_string_member(month, "month"), ==, "2026-11");
	g_assert_cmpint(json_object_get_int_member(month, "cert-issue"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(month, "cert-retrieved"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(month, "suspicious"), ==, 0);
	g_assert_nonnull(strstr(text, "issue-accepted 2 pin-issued 0 retrieved 0"));
	g_assert_nonnull(strstr(text, "  deadline-soon   cert-issue job "));
	g_assert_null(strstr(text, "Needing action:\n  nothing"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				 json_node_get_object(json_parser_get_root(p)), "action")), ==, 2);
	g_free(json);
	g_free(text);
	upki_ledger_report_free(r);
	g_object_unref(p);
	upki_ledger_close(l);
	remove_ledger(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ledger-report/suspicious-apart", test_suspicious_apart);
	g_test_add_func("/ledger-report/counts-and-actions", test_counts_and_actions);
	return g_test_run();
}

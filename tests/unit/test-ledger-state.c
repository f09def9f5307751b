/* test-ledger-state.c - parser/ledger-state.c: the states derived per
 * job and per certificate as of a time, from notices and from what
 * upki-fetch fetched.
 */
#include "test-ledger-util.h"

static void test_job_states(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	upki_notice *n = NULL;

	record(l, notice(UPKI_KIND_CERT_ISSUE, "done", T0), "m", 1, TRUE);
	record(l, notice(UPKI_KIND_PIN_ISSUE, "done-pin", T0 + 60), "m", 2, TRUE);
	record(l, notice(UPKI_KIND_CERT_RETRIEVED, "got", T0 + 3600), "m", 3, TRUE);
	/* Another recipient's job, left open. */
	n = notice(UPKI_KIND_CERT_ISSUE, "open", T0 + 7200);
	g_free(n->to);
	n->to = g_strdup("suzuki@example.ac.jp");
	record(l, n, "m", 4, TRUE);
	n = notice(UPKI_KIND_PIN_ISSUE, "pin", T0 + 7300);
	g_free(n->to);
	n->to = g_strdup("suzuki@example.ac.jp");
	record(l, n, "m", 5, TRUE);

	r = report(l, T0 + 2 * DAY);
	g_assert_cmpstr(job_of(r, "done")->state, ==, "retrieved");
	g_assert_cmpstr(job_of(r, "done")->serial, ==, "serial-got");
	g_assert_cmpstr(job_of(r, "done-pin")->state, ==, "retrieved");
	g_assert_cmpstr(job_of(r, "open")->state, ==, "issue-accepted");
	g_assert_null(job_of(r, "open")->action);
	g_assert_cmpstr(job_of(r, "pin")->state, ==, "pin-issued");
	upki_ledger_report_free(r);

	/* 14 days on, the PIN with no certificate is stalled. */
	r = report(l, T0 + 15 * DAY);
	g_assert_cmpstr(job_of(r, "pin")->state, ==, "stalled");
	g_assert_cmpstr(job_of(r, "pin")->action, ==, "stalled");
	g_assert_cmpstr(job_of(r, "open")->state, ==, "issue-accepted");
	upki_ledger_report_free(r);

	/* A week before the deadline it needs action; after it, unused. */
	r = report(l, T0 + 26 * DAY);
	g_assert_cmpstr(job_of(r, "open")->action, ==, "deadline-soon");
	upki_ledger_report_free(r);
	r = report(l, T0 + 40 * DAY);
	g_assert_cmpstr(job_of(r, "open")->state, ==, "expired-unused");
	g_assert_cmpstr(job_of(r, "pin")->state, ==, "expired-unused");
	g_assert_cmpstr(job_of(r, "done")->state, ==, "retrieved");
	upki_ledger_report_free(r);

	/* As of before anything happened: nothing. */
	r = report(l, T0 - DAY);
	g_assert_cmpuint(r->jobs->len, ==, 0);
	g_assert_cmpuint(r->events->len, ==, 0);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}

static void test_fetches(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	const upki_ledger_job *j = NULL;
	GError *err = NULL;

	record(l, notice(UPKI_KIND_CERT_ISSUE, "f", T0), "m", 1, TRUE);
	j = NULL;
	r = report(l, T0 + DAY);
	char *job = g_strdup(job_of(r, "f")->job_id);
	upki_ledger_report_free(r);
	g_assert_true(upki_ledger_record_fetch(l, job, "certificate", T0 + 600, "1234", "retrieve", &err));
	g_assert_true(upki_ledger_record_fetch(l, job, "certificate", T0 + 900, "9999", NULL, &err));
	g_assert_no_error(err);
	r = report(l, T0 + 40 * DAY);
	j = job_of(r, "f");
	g_assert_cmpstr(j->state, ==, "retrieved");
	g_assert_cmpstr(j->serial, ==, "1234");
	upki_ledger_report_free(r);
	/* Before the fetch, it was open. */
	r = report(l, T0 + 300);
	g_assert_cmpstr(job_of(r, "f")->state, ==, "issue-accepted");
	upki_ledger_report_free(r);
	g_free(job);
	/* What upki-fetch only handed on or gave up on leaves a job open. */
	record(l, notice(UPKI_KIND_CERT_ISSUE, "g", T0), "m", 2, TRUE);
	r = report(l, T0 + DAY);
	job = g_strdup(job_of(r, "g")->job_id);
	upki_ledger_report_free(r);
	g_assert_true(upki_ledger_record_fetch(l, job, "kept", T0 + 60, NULL, "keep", &err));
	g_assert_true(upki_ledger_record_fetch(l, job, "failed", T0 + 90, NULL, "retrieve", &err));
	g_assert_no_error(err);
	r = report(l, T0 + DAY);
	g_assert_cmpstr(job_of(r, "g")->state, ==, "issue-accepted");
	g_assert_null(job_of(r, "g")->serial);
	upki_ledger_report_free(r);
	g_free(job);
	/* A certificate fetched closes the recipient's PIN job too (its PIN
	 * opened it), but not a PIN job signed after the fetch. */
	record(l, notice(UPKI_KIND_CERT_ISSUE, "h", T0 + DAY), "m", 3, TRUE);
	record(l, notice(UPKI_KIND_PIN_ISSUE, "h-pin", T0 + DAY + 60), "m", 4, TRUE);
	record(l, notice(UPKI_KIND_PIN_ISSUE, "later-pin", T0 + 3 * DAY), "m", 5, TRUE);
	r = report(l, T0 + 2 * DAY);
	job = g_strdup(job_of(r, "h")->job_id);
	upki_ledger_report_free(r);
	g_assert_true(upki_ledger_record_fetch(l, job, "certificate", T0 + 2 * DAY, "5678", "retrieve", &err));
	g_assert_no_error(err);
	r = report(l, T0 + 20 * DAY);
	g_assert_cmpstr(job_of(r, "h-pin")->state, ==, "retrieved");
	g_assert_cmpstr(job_of(r, "h-pin")->serial, ==, "5678");
	g_assert_cmpstr(job_of(r, "later-pin")->state, ==, "stalled");
	upki_ledger_report_free(r);
	g_free(job);
	upki_ledger_close(l);
	remove_ledger(path);
}

static void test_cert_states(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	upki_notice *n = NULL;

	record(l, notice(UPKI_KIND_CERT_RETRIEVED, "one", T0), "m", 1, TRUE);
	n = notice(UPKI_KIND_CERT_RENEWED, "two", T0 + DAY);
	n->old_serial = g_strdup("serial-one");
	record(l, n, "m", 2, TRUE);
	n = notice(UPKI_KIND_CERT_REVOKED, "two-revoked", T0 + 2 * DAY);
	g_free(n->serial);
	n->serial = g_strdup("serial-two");
	record(l, n, "m", 3, TRUE);

	r = report(l, T0 + 3 * DAY);
	g_assert_cmpstr(cert_of(r, "one")->state, ==, "replaced");
	g_assert_cmpstr(cert_of(r, "one")->new_serial, ==, "serial-two");
	g_assert_cmpstr(cert_of(r, "two")->state, ==, "revoked");
	g_assert_cmpstr(cert_of(r, "two")->old_serial, ==, "serial-one");
	g_assert_cmpstr(cert_of(r, "two")->action, ==, "revoked-not-reissued");
	upki_ledger_report_free(r);
	r = report(l, T0 + DAY + 1);
	g_assert_cmpstr(cert_of(r, "two")->state, ==, "renewed");
	g_assert_null(cert_of(r, "two")->action);
	upki_ledger_report_free(r);

	/* A new cert-issue to the same person: revoked, but taken care of. */
	record(l, notice(UPKI_KIND_CERT_ISSUE, "again", T0 + 3 * DAY), "m", 4, TRUE);
	r = report(l, T0 + 4 * DAY);
	g_assert_cmpstr(cert_of(r, "two")->state, ==, "revoked");
	g_assert_null(cert_of(r, "two")->action);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ledger-state/jobs", test_job_states);
	g_test_add_func("/ledger-state/fetches", test_fetches);
	g_test_add_func("/ledger-state/certificates", test_cert_states);
	return g_test_run();
}

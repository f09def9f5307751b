/* test-ledger.c - parser/ledger*.c: the file (0600, schema version),
 * idempotent records (re-records, lowest place kept, threads), the
 * states derived per job and per certificate as of a time, suspicious
 * notices apart, fetches, and reports that never carry a URL or token.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "upki/error.h"
#include "upki/ledger.h"
#include "upki/spool.h"

#define TOKEN "HWHQbb5dcEPYHkSQOmB5znnW4%2FbQDaBMcG2h1yjBZ6tsIUuCCxV6BCXF834ul93a"
#define URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1="
#define DAY 86400
#define T0 1793581200 /* 2026-11-02T01:00:00Z */
#define DN "CN=yamada-taro,O=Example University,C=JP"
#define WHO "yamada.taro@example.ac.jp"

static char *temp_path(void)
{
	char *dir = g_dir_make_tmp("test-ledger-XXXXXX", NULL);
	char *path = g_build_filename(dir, "ledger.sqlite", NULL);

	g_free(dir);
	return path;
}

static void remove_ledger(char *path)
{
	char *dir = g_path_get_dirname(path);
	const char *suffix[] = { "", "-wal", "-shm" };

	for (gsize i = 0; i < G_N_ELEMENTS(suffix); i++) {
		char *p = g_strconcat(path, suffix[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(dir);
	g_free(dir);
	g_free(path);
}

/* A notice as the pipeline would give it; id makes the Message-ID and
 * the content hash, signed the signing time. */
static upki_notice *notice(upki_kind kind, const char *id, gint64 signed_at)
{
	upki_notice *n = g_new0(upki_notice, 1);
	GDateTime *t = g_date_time_new_from_unix_utc(signed_at), *end = g_date_time_add_months(t, 1);

	n->kind = kind;
	n->verdict = UPKI_VERDICT_GENUINE;
	n->message_id = g_strdup_printf("%s@notice.test", id);
	n->content_hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1);
	n->from = g_strdup("ca-support@ml.secom-sts.co.jp");
	n->to = g_strdup(WHO);
	n->sig = g_new0(upki_smime_result, 1);
	n->sig->status = UPKI_SIG_PASS;
	n->sig->signing_time = signed_at;
	if (kind == UPKI_KIND_CERT_ISSUE || kind == UPKI_KIND_PIN_ISSUE) {
		n->url = g_strdup_printf("%s%s%s", URL, TOKEN, id);
		n->deadline = g_date_time_format(end, "%Y-%m-%d");
	} else {
		n->dn = g_strdup(DN);
		n->serial = g_strdup_printf("serial-%s", id);
	}
	g_date_time_unref(t);
	g_date_time_unref(end);
	return n;
}

static void record(upki_ledger *l, upki_notice *n, const char *source, guint64 offset, gboolean want_added)
{
	GError *err = NULL;
	gboolean added = !want_added;

	g_assert_true(upki_ledger_record(l, n, source, offset, &added, &err));
	g_assert_no_error(err);
	g_assert_cmpint(added, ==, want_added);
	upki_notice_free(n);
}

static upki_ledger_report *report(upki_ledger *l, gint64 as_of)
{
	upki_ledger_policy p = { .as_of = as_of };
	GError *err = NULL;
	upki_ledger_report *r = upki_ledger_report_build(l, &p, &err);

	g_assert_no_error(err);
	g_assert_nonnull(r);
	return r;
}

static const upki_ledger_job *job_of(const upki_ledger_report *r, const char *id)
{
	char *url = g_strdup_printf("%s%s%s", URL, TOKEN, id);
	char *job = upki_spool_job_id(url);
	const upki_ledger_job *found = NULL;

	for (guint i = 0; i < r->jobs->len && !found; i++)
		if (strcmp(((upki_ledger_job *)g_ptr_array_index(r->jobs, i))->job_id, job) == 0)
			found = g_ptr_array_index(r->jobs, i);
	g_assert_nonnull(found);
	g_free(url);
	g_free(job);
	return found;
}

static const upki_ledger_cert *cert_of(const upki_ledger_report *r, const char *id)
{
	char *serial = g_strdup_printf("serial-%s", id);
	const upki_ledger_cert *found = NULL;

	for (guint i = 0; i < r->certs->len && !found; i++)
		if (strcmp(((upki_ledger_cert *)g_ptr_array_index(r->certs, i))->serial, serial) == 0)
			found = g_ptr_array_index(r->certs, i);
	g_assert_nonnull(found);
	g_free(serial);
	return found;
}

static void test_file(void)
{
	char *path = temp_path();
	GError *err = NULL;
	upki_ledger *l = upki_ledger_open(path, &err);
	struct stat st;
	sqlite3 *db = NULL;

	g_assert_no_error(err);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	upki_ledger_close(l);
	/* The version is in the file; a newer one is refused, by name. */
	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	sqlite3_stmt *q = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_column_int(q, 0), ==, UPKI_LEDGER_SCHEMA_VERSION);
	sqlite3_finalize(q);
	g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
	l = upki_ledger_open(path, &err);
	g_assert_null(l);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_INTERNAL);
	g_assert_nonnull(strstr(err->message, "newer"));
	g_clear_error(&err);
	remove_ledger(path);
}

static void test_idempotent(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	upki_ledger_report *r = NULL;
	upki_notice *other = NULL;

	record(l, notice(UPKI_KIND_CERT_ISSUE, "a", T0), "b.mbox", 500, TRUE);
	record(l, notice(UPKI_KIND_CERT_ISSUE, "a", T0), "b.mbox", 500, FALSE);
	/* Seen again earlier in the archive: one notice, at the lower place. */
	record(l, notice(UPKI_KIND_CERT_ISSUE, "a", T0), "b.mbox", 100, FALSE);
	record(l, notice(UPKI_KIND_CERT_ISSUE, "a", T0), "c.mbox", 0, FALSE);
	/* The same Message-ID over other signed content is another notice. */
	other = notice(UPKI_KIND_CERT_ISSUE, "a", T0);
	g_free(other->content_hash);
	other->content_hash = g_strdup("ff");
	record(l, other, "b.mbox", 900, TRUE);
	/* A not-notice is never recorded. */
	other = notice(UPKI_KIND_CERT_ISSUE, "n", T0);
	other->verdict = UPKI_VERDICT_NOT_NOTICE;
	record(l, other, "b.mbox", 1000, FALSE);
	r = report(l, T0 + DAY);
	g_assert_cmpuint(r->events->len, ==, 2);
	g_assert_cmpstr(((upki_ledger_event *)g_ptr_array_index(r->events, 0))->source, ==, "b.mbox");
	g_assert_cmpuint(((upki_ledger_event *)g_ptr_array_index(r->events, 0))->offset, ==, 100);
	/* One URL, one job, however many notices carry it. */
	g_assert_cmpuint(r->jobs->len, ==, 1);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}

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

#define THREADS 8
#define PER_THREAD 60

typedef struct writer {
	upki_ledger *l;
	guint k;
} writer;

/* Every thread records the same PER_THREAD notices, at its own offsets. */
static gpointer write_all(gpointer data)
{
	writer *w = data;

	for (guint i = 0; i < PER_THREAD; i++) {
		char *id = g_strdup_printf("n%u", i);
		upki_notice *n = notice(UPKI_KIND_CERT_ISSUE, id, T0 + i);
		g_assert_true(upki_ledger_record(w->l, n, "big.mbox", (guint64)(w->k * 1000 + i), NULL, NULL));
		upki_notice_free(n);
		g_free(id);
	}
	return NULL;
}

static void test_threads(void)
{
	char *path = temp_path();
	upki_ledger *l = upki_ledger_open(path, NULL);
	writer ws[THREADS];
	GThread *ts[THREADS];
	upki_ledger_report *r = NULL;

	for (guint k = 0; k < THREADS; k++) {
		ws[k] = (writer){ .l = l, .k = THREADS - k };
		ts[k] = g_thread_new("writer", write_all, &ws[k]);
	}
	for (guint k = 0; k < THREADS; k++)
		g_thread_join(ts[k]);
	r = report(l, T0 + DAY);
	g_assert_cmpuint(r->events->len, ==, PER_THREAD);
	/* Whatever order they ran in, the lowest offset is kept. */
	for (guint i = 0; i < r->events->len; i++)
		g_assert_cmpuint(((upki_ledger_event *)g_ptr_array_index(r->events, i))->offset, ==, 1000 + i);
	upki_ledger_report_free(r);
	upki_ledger_close(l);
	remove_ledger(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ledger/file", test_file);
	g_test_add_func("/ledger/idempotent", test_idempotent);
	g_test_add_func("/ledger/job-states", test_job_states);
	g_test_add_func("/ledger/fetches", test_fetches);
	g_test_add_func("/ledger/cert-states", test_cert_states);
	g_test_add_func("/ledger/suspicious-apart", test_suspicious_apart);
	g_test_add_func("/ledger/html", test_html);
	g_test_add_func("/ledger/threads", test_threads);
	return g_test_run();
}

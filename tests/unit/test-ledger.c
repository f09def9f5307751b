/* test-ledger.c - parser/ledger.c: the file (0600, schema version, a
 * newer one refused, a version 1 file upgraded), idempotent records
 * (re-records, lowest place kept, threads) and fetches.
 */
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test-ledger-util.h"

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

/* The schema of version 1, as it shipped: a file written then. */
static const char v1_schema[] =
	"CREATE TABLE notices(message_id TEXT NOT NULL, content_hash TEXT NOT NULL, kind TEXT NOT NULL,"
	" signed_at INTEGER, date TEXT, recipient TEXT, sender TEXT, dn TEXT, serial TEXT,"
	" old_serial TEXT, job_id TEXT, url_where TEXT, url_host TEXT, deadline TEXT,"
	" reasons TEXT, source TEXT NOT NULL, offset INTEGER NOT NULL,"
	" PRIMARY KEY(message_id, content_hash));"
	"CREATE TABLE suspicious AS SELECT * FROM notices WHERE 0;"
	"CREATE TABLE fetches(job_id TEXT NOT NULL, what TEXT NOT NULL,"
	" at INTEGER NOT NULL, serial TEXT, PRIMARY KEY(job_id, what));"
	"CREATE INDEX notices_job ON notices(job_id);"
	"PRAGMA user_version=1;";

static gint64 one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	gint64 v = -1;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_type(q, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A version 1 file opened by this code: upgraded in place (version 2,
 * fetches.action, no notices_job index), its rows kept and still keying
 * new records. */
static void test_upgrade_v1(void)
{
	char *path = temp_path();
	char *url = g_strdup_printf("%s%s%s", URL, TOKEN, "old");
	char *job = upki_spool_job_id(url);
	char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "old", -1);
	char *rows = g_strdup_printf(
		"INSERT INTO notices(message_id, content_hash, kind, signed_at, recipient, job_id, deadline,"
		" source, offset) VALUES('old@notice.test', '%s', 'cert-issue', %d, '" WHO "', '%s',"
		" '2026-12-02', 'old.mbox', 5);"
		"INSERT INTO fetches VALUES('%s', 'certificate', %d, '4242');", hash, T0, job, job, T0 + 60);
	sqlite3 *db = NULL;
	GError *err = NULL;
	upki_ledger *l = NULL;
	upki_ledger_report *r = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, rows, NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);

	l = upki_ledger_open(path, &err);
	g_assert_no_error(err);
	/* the old notice is the same notice: not added again */
	record(l, notice(UPKI_KIND_CERT_ISSUE, "old", T0), "new.mbox", 0, FALSE);
	g_assert_true(upki_ledger_record_fetch(l, job, "pin", T0 + 30, NULL, "retrieve", &err));
	g_assert_no_error(err);
	r = report(l, T0 + DAY);
	g_assert_cmpuint(r->jobs->len, ==, 1);
	g_assert_cmpstr(job_of(r, "old")->state, ==, "retrieved");
	g_assert_cmpstr(job_of(r, "old")->serial, ==, "4242");
	g_assert_cmpstr(job_of(r, "old")->source, ==, "new.mbox");
	upki_ledger_report_free(r);
	upki_ledger_close(l);

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(one_int(db, "PRAGMA user_version"), ==, UPKI_LEDGER_SCHEMA_VERSION);
	g_assert_cmpint(UPKI_LEDGER_SCHEMA_VERSION, ==, 2);
	g_assert_cmpint(one_int(db, "SELECT count(*) FROM fetches"), ==, 2);
	/* the version 1 row has no action; the new one has */
	g_assert_cmpint(one_int(db, "SELECT action FROM fetches WHERE what = 'certificate'"), ==, -2);
	g_assert_cmpint(one_int(db, "SELECT count(*) FROM fetches WHERE action = 'retrieve'"), ==, 1);
	/* version 2 has no index on notices(job_id) */
	g_assert_cmpint(one_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'notices_job'"), ==, 0);
	sqlite3_close(db);
	/* opened again: nothing to upgrade, nothing lost */
	l = upki_ledger_open(path, &err);
	g_assert_no_error(err);
	upki_ledger_close(l);
	g_free(rows);
	g_free(hash);
	g_free(job);
	g_free(url);
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
	g_test_add_func("/ledger/upgrade-v1", test_upgrade_v1);
	g_test_add_func("/ledger/idempotent", test_idempotent);
	g_test_add_func("/ledger/threads", test_threads);
	return g_test_run();
}

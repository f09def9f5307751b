/* ledger.c - the ledger's database: the file, its schema and version,
 * idempotent records of notices and fetches, the rows read back.
 *
 * The schema is upki-fetch's family (fetch/state.c): WAL, a file made
 * 0600 before SQLite opens it.  A batch scan writes hundreds of notices
 * a second, so records are grouped into transactions of BATCH rows
 * (synchronous=NORMAL in WAL keeps every committed batch consistent
 * after a crash; what a crash loses, a re-scan adds again, once).
 * Nothing here holds a URL: its host + path and the spool's job id only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/error.h"
#include "upki/reason.h"
#include "upki/spool.h"
#include "upki/url.h"
#include "ledger-private.h"

#define BATCH 256

/* Both tables of notices have the same columns: suspicious ones are
 * apart so that no query over states can mix them in. */
#define NOTICE_COLUMNS                                                                            \
	"(message_id TEXT NOT NULL, content_hash TEXT NOT NULL, kind TEXT NOT NULL,"             \
	" signed_at INTEGER, date TEXT, recipient TEXT, sender TEXT, dn TEXT, serial TEXT,"      \
	" old_serial TEXT, job_id TEXT, url_where TEXT, url_host TEXT, deadline TEXT,"          \
	" reasons TEXT, source TEXT NOT NULL, offset INTEGER NOT NULL,"                          \
	" PRIMARY KEY(message_id, content_hash))"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS notices" NOTICE_COLUMNS ";"
	"CREATE TABLE IF NOT EXISTS suspicious" NOTICE_COLUMNS ";"
	"CREATE TABLE IF NOT EXISTS fetches(job_id TEXT NOT NULL, what TEXT NOT NULL,"
	" at INTEGER NOT NULL, serial TEXT, action TEXT, PRIMARY KEY(job_id, what));";

/* What each version adds to the one before: upgrades[v] takes a file of
 * version v to v + 1, in the same transaction as the version's bump.
 * Version 2: which upki-fetch action ran (fetches.action); no index on
 * notices(job_id), which no query used and every record paid for. */
static const char *const upgrades[UPKI_LEDGER_SCHEMA_VERSION] = {
	[1] = "ALTER TABLE fetches ADD COLUMN action TEXT;DROP INDEX IF EXISTS notices_job;",
};

static gboolean db_fail(sqlite3 *db, GError **error, const char *what)
{
	g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "ledger: %s: %s", what,
		    db ? sqlite3_errmsg(db) : "out of memory");
	return FALSE;
}

/* SQLite would make the file with the umask's mode: it exists, 0600,
 * before SQLite sees it (its -wal and -shm files take the same mode). */
static gboolean create_private(const char *path, GError **error)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || fchmod(fd, 0600) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "ledger %s: %s", path,
			    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static gint user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	gint v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Creates the schema of a new file or upgrades an older one; refuses
 * one a newer program wrote (its states could mean what this one does
 * not know).  The version is read inside the write transaction: two
 * programs opening one old file upgrade it once. */
static gboolean ensure_schema(sqlite3 *db, const char *path, GError **error)
{
	GString *sql = NULL;
	gboolean ok = FALSE;
	gint v = -1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, error, path);
	v = user_version(db);
	if (v < 0) {
		db_fail(db, error, path);
		goto out;
	}
	if (v > UPKI_LEDGER_SCHEMA_VERSION) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL,
			    "ledger %s: schema version %d is newer than this program's %d", path, v,
			    UPKI_LEDGER_SCHEMA_VERSION);
		goto out;
	}
	sql = g_string_new(NULL);
	/* a new file gets the whole schema; an old one its upgrades first */
	for (gint i = MAX(v, 1); v > 0 && i < UPKI_LEDGER_SCHEMA_VERSION; i++)
		g_string_append(sql, upgrades[i]);
	g_string_append_printf(sql, "%sPRAGMA user_version=%d;COMMIT;", schema, UPKI_LEDGER_SCHEMA_VERSION);
	ok = sqlite3_exec(db, sql->str, NULL, NULL, NULL) == SQLITE_OK;
	if (!ok)
		db_fail(db, error, path);
out:
	if (!ok)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (sql)
		g_string_free(sql, TRUE);
	return ok;
}

upki_ledger *upki_ledger_open(const char *path, GError **error)
{
	upki_ledger *l = g_new0(upki_ledger, 1);

	g_mutex_init(&l->lock);
	if (!create_private(path, error))
		goto fail;
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		db_fail(l->db, error, path);
		goto fail;
	}
	sqlite3_busy_timeout(l->db, 10000);
	if (sqlite3_exec(l->db, "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		db_fail(l->db, error, path);
		goto fail;
	}
	if (!ensure_schema(l->db, path, error))
		goto fail;
	return l;
fail:
	upki_ledger_close(l);
	return NULL;
}

static gboolean commit_locked(upki_ledger *l, GError **error)
{
	if (l->pending == 0)
		return TRUE;
	l->pending = 0;
	if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(l->db, error, "commit");
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	return TRUE;
}

gboolean upki_ledger_commit(upki_ledger *l, GError **error)
{
	gboolean ok;

	g_mutex_lock(&l->lock);
	ok = commit_locked(l, error);
	g_mutex_unlock(&l->lock);
	return ok;
}

void upki_ledger_close(upki_ledger *l)
{
	if (!l)
		return;
	if (l->db)
		commit_locked(l, NULL);
	for (gsize i = 0; i < 2; i++) {
		sqlite3_finalize(l->insert[i]);
		sqlite3_finalize(l->lower[i]);
	}
	sqlite3_close(l->db);
	g_mutex_clear(&l->lock);
	g_free(l);
}

/* A transaction is open before a write; the BATCH-th write commits it. */
static gboolean begin_locked(upki_ledger *l, GError **error)
{
	if (l->pending > 0)
		return TRUE;
	if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(l->db, error, "begin");
	return TRUE;
}

static gboolean wrote_locked(upki_ledger *l, GError **error)
{
	if (++l->pending < BATCH)
		return TRUE;
	return commit_locked(l, error);
}

/* "host/path" of a URL: where it leads, without its query (the token). */
static char *url_where(const char *url)
{
	const char *p = strstr(url, "://");
	gsize len = 0;

	p = p ? p + 3 : url;
	len = strcspn(p, "?#");
	return g_strndup(p, len);
}

/* The key of a message with no signature (only a suspicious one is):
 * who sent it when and where it leads, hashed; never the URL itself.
 * Not the Subject: the milter tags a suspicious one's (SubjectTag)
 * before delivery, and its copy and the mailbox's are one notice. */
static char *unsigned_hash(const upki_notice *n)
{
	char *redacted = upki_url_redact(n->url);
	char *text = g_strdup_printf("%s\n%s\n%s", n->from ? n->from : "", n->date ? n->date : "",
				     redacted ? redacted : "");
	char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);

	g_free(redacted);
	g_free(text);
	return hash;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The values of one notice's row, computed once per record and bound
 * without copies (SQLITE_STATIC: they outlive the statement's step). */
typedef struct values {
	const upki_notice *n;
	char *hash, *job, *where, *host, *reasons;
	const char *source;
	guint64 offset;
} values;

/* The host of a genuine notice's URL is where its path begins: the URL
 * policy let it through only with the service's host exactly (no user,
 * port or folding).  Any other URL is parsed for its real host. */
static char *host_of(const upki_notice *n, const char *where)
{
	if (n->verdict == UPKI_VERDICT_GENUINE)
		return g_strndup(where, strcspn(where, "/"));
	return upki_url_get_host(n->url);
}

static void values_fill(values *v, const upki_notice *n, const char *source, guint64 offset)
{
	v->n = n;
	v->hash = n->content_hash ? g_strdup(n->content_hash) : unsigned_hash(n);
	v->job = n->url ? upki_spool_job_id(n->url) : NULL;
	v->where = n->url ? url_where(n->url) : NULL;
	v->host = n->url ? host_of(n, v->where) : NULL;
	v->reasons = n->reasons ? upki_reason_join(n->reasons, " ") : NULL;
	v->source = source;
	v->offset = offset;
}

static void values_clear(values *v)
{
	g_free(v->hash);
	g_free(v->job);
	g_free(v->where);
	g_free(v->host);
	g_free(v->reasons);
}

/* The values bound to ?1 ... ?17 (a statement uses the ones it names). */
static void bind_values(sqlite3_stmt *st, const values *v)
{
	const upki_notice *n = v->n;

	bind_text(st, 1, n->message_id ? n->message_id : "");
	bind_text(st, 2, v->hash);
	bind_text(st, 3, upki_kind_to_string(n->kind) ? upki_kind_to_string(n->kind) : "none");
	if (n->sig && n->sig->signing_time >= 0)
		sqlite3_bind_int64(st, 4, n->sig->signing_time);
	else
		sqlite3_bind_null(st, 4);
	bind_text(st, 5, n->date);
	bind_text(st, 6, n->to);
	bind_text(st, 7, n->from);
	bind_text(st, 8, n->dn);
	bind_text(st, 9, n->serial);
	bind_text(st, 10, n->old_serial);
	bind_text(st, 11, v->job);
	bind_text(st, 12, v->where);
	bind_text(st, 13, v->host);
	bind_text(st, 14, n->deadline);
	bind_text(st, 15, v->reasons);
	bind_text(st, 16, v->source);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)v->offset);
}

/* Prepared once per connection and table ([0] notices, [1] suspicious). */
#define INSERT_SQL(table)                                                                          \
	"INSERT INTO " table "(message_id, content_hash, kind, signed_at, date, recipient, sender, dn," \
	" serial, old_serial, job_id, url_where, url_host, deadline, reasons, source, offset)"      \
	" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"                       \
	" ON CONFLICT(message_id, content_hash) DO NOTHING"
/* Seen before: the lowest place wins, whatever order threads ran in. */
#define LOWER_SQL(table)                                                                           \
	"UPDATE " table " SET source = ?16, offset = ?17 WHERE message_id = ?1 AND content_hash = ?2" \
	" AND (source, offset) > (?16, ?17)"
static const char *const insert_sql[2] = { INSERT_SQL("notices"), INSERT_SQL("suspicious") };
static const char *const lower_sql[2] = { LOWER_SQL("notices"), LOWER_SQL("suspicious") };

/* The statement in *slot, prepared from sql on first use. */
static sqlite3_stmt *statement(upki_ledger *l, sqlite3_stmt **slot, const char *sql)
{
	if (!*slot && sqlite3_prepare_v2(l->db, sql, -1, slot, NULL) != SQLITE_OK)
		*slot = NULL;
	return *slot;
}

/* Runs st over v; *changes the rows it touched.  Every parameter is
 * bound again next time: no clearing. */
static gboolean run_bound(upki_ledger *l, sqlite3_stmt *st, const values *v, int *changes, GError **error)
{
	gboolean ok = FALSE;

	if (!st)
		return db_fail(l->db, error, "record");
	bind_values(st, v);
	ok = sqlite3_step(st) == SQLITE_DONE;
	*changes = sqlite3_changes(l->db);
	if (!ok)
		db_fail(l->db, error, "record");
	sqlite3_reset(st);
	return ok;
}

static gboolean record_locked(upki_ledger *l, const upki_notice *n, const char *source, guint64 offset,
			      gboolean *added, GError **error)
{
	guint t = n->verdict == UPKI_VERDICT_GENUINE ? 0 : 1;
	values v;
	int changes = 0;
	gboolean ok = FALSE;

	values_fill(&v, n, source, offset);
	if (!begin_locked(l, error) ||
	    !run_bound(l, statement(l, &l->insert[t], insert_sql[t]), &v, &changes, error))
		goto out;
	if (added)
		*added = changes > 0;
	if (changes == 0 && !run_bound(l, statement(l, &l->lower[t], lower_sql[t]), &v, &changes, error))
		goto out;
	ok = wrote_locked(l, error);
out:
	values_clear(&v);
	return ok;
}

gboolean upki_ledger_record(upki_ledger *l, const upki_notice *n, const char *source, guint64 offset,
			    gboolean *added, GError **error)
{
	gboolean ok = TRUE;

	if (added)
		*added = FALSE;
	if (n->verdict == UPKI_VERDICT_NOT_NOTICE)
		return TRUE;
	g_mutex_lock(&l->lock);
	ok = record_locked(l, n, source ? source : "", offset, added, error);
	g_mutex_unlock(&l->lock);
	return ok;
}

gboolean upki_ledger_record_fetch(upki_ledger *l, const char *job_id, const char *what, gint64 at,
				  const char *serial, const char *action, GError **error)
{
	sqlite3_stmt *st = NULL;
	gboolean ok = FALSE;

	g_mutex_lock(&l->lock);
	if (!begin_locked(l, error))
		goto out;
	if (sqlite3_prepare_v2(l->db, "INSERT INTO fetches(job_id, what, at, serial, action)"
				      " VALUES(?1,?2,?3,?4,?5)"
				      " ON CONFLICT(job_id, what) DO NOTHING", -1, &st, NULL) != SQLITE_OK) {
		db_fail(l->db, error, "fetch");
		goto out;
	}
	bind_text(st, 1, job_id);
	bind_text(st, 2, what);
	sqlite3_bind_int64(st, 3, at);
	bind_text(st, 4, serial);
	bind_text(st, 5, action);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(l->db, error, "fetch");
		goto out;
	}
	ok = wrote_locked(l, error);
out:
	sqlite3_finalize(st);
	g_mutex_unlock(&l->lock);
	return ok;
}

/* ---- reading back ---- */

static char *column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

/* The text columns of a row, in the SELECT's order (ledger_read_rows):
 * what row_read fills and row_free frees. */
#define ROW_TEXT(f) offsetof(ledger_row, f)
static const gsize row_text[] = { ROW_TEXT(message_id), ROW_TEXT(kind), ROW_TEXT(date),
				  ROW_TEXT(recipient), ROW_TEXT(sender), ROW_TEXT(dn), ROW_TEXT(serial),
				  ROW_TEXT(old_serial), ROW_TEXT(job_id), ROW_TEXT(url_where),
				  ROW_TEXT(url_host), ROW_TEXT(deadline), ROW_TEXT(reasons), ROW_TEXT(source) };

static void row_free(gpointer data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(row_text); i++)
		g_free(G_STRUCT_MEMBER(char *, data, row_text[i]));
	g_free(data);
}

static ledger_row *row_read(sqlite3_stmt *st)
{
	ledger_row *r = g_new0(ledger_row, 1);

	for (gsize i = 0; i < G_N_ELEMENTS(row_text); i++)
		G_STRUCT_MEMBER(char *, r, row_text[i]) = column_text(st, (int)i);
	r->signed_at = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 14);
	r->offset = (guint64)sqlite3_column_int64(st, 15);
	return r;
}

GPtrArray *ledger_read_rows(upki_ledger *l, const char *table, GError **error)
{
	char *sql = g_strdup_printf(
		"SELECT message_id, kind, date, recipient, sender, dn, serial, old_serial, job_id,"
		" url_where, url_host, deadline, reasons, source, signed_at, offset FROM %s"
		" ORDER BY COALESCE(signed_at, -1), date, source, offset", table);
	sqlite3_stmt *st = NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			g_ptr_array_add(rows, row_read(st));
	if (rc != SQLITE_DONE) {
		db_fail(l->db, error, table);
		g_clear_pointer(&rows, g_ptr_array_unref);
	}
	sqlite3_finalize(st);
	g_free(sql);
	return rows;
}

static void fetch_free(gpointer data)
{
	ledger_fetch *f = data;

	g_free(f->job_id);
	g_free(f->what);
	g_free(f->serial);
	g_free(f);
}

GPtrArray *ledger_read_fetches(upki_ledger *l, GError **error)
{
	sqlite3_stmt *st = NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func(fetch_free);
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(l->db, "SELECT job_id, what, serial, at FROM fetches ORDER BY at, job_id", -1,
			       &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ledger_fetch *f = g_new0(ledger_fetch, 1);
			f->job_id = column_text(st, 0);
			f->what = column_text(st, 1);
			f->serial = column_text(st, 2);
			f->at = sqlite3_column_int64(st, 3);
			g_ptr_array_add(rows, f);
		}
	if (rc != SQLITE_DONE) {
		db_fail(l->db, error, "fetches");
		g_clear_pointer(&rows, g_ptr_array_unref);
	}
	sqlite3_finalize(st);
	return rows;
}

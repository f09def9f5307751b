/* state.c - upki-fetch's state database (SQLite).
 *
 * The spool says where a job is (new/, cur/, done/, failed/); this says
 * what happened to it: attempts, the last error, when to try again, the
 * ZIP a cert-issue job downloaded, the PINs pin-issue jobs fetched and
 * the certificates installed.  Every write is one transaction in WAL
 * mode with synchronous=FULL: once a function here returns TRUE the
 * change survives a crash, which is what lets the queue mark a job done
 * before it moves the file.  The file is created 0600 before SQLite opens
 * it (its -wal and -shm files take the same mode): it holds access PINs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "upki/error.h"
#include "retrieve.h"
#include "upki-fetch.h"

struct uf_state {
	sqlite3 *db;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	" status INTEGER NOT NULL, attempts INTEGER NOT NULL, next_try INTEGER NOT NULL,"
	" last_error TEXT, zip_path TEXT, updated INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pins(email TEXT NOT NULL, dn TEXT NOT NULL, pin TEXT NOT NULL,"
	" name TEXT, job_id TEXT NOT NULL, recorded INTEGER NOT NULL, PRIMARY KEY(email, dn));"
	"CREATE TABLE IF NOT EXISTS installed(job_id TEXT NOT NULL, serial TEXT NOT NULL,"
	" subject TEXT, issuer TEXT, not_after TEXT, p12_path TEXT, receipt_path TEXT,"
	" PRIMARY KEY(job_id, serial));"
	/* which pin-issue jobs have their PINs in: a rerun after a crash
	 * between the commit and the job's own row must not download again */
	"CREATE TABLE IF NOT EXISTS pin_jobs(job_id TEXT PRIMARY KEY, records INTEGER NOT NULL,"
	" recorded INTEGER NOT NULL);";

static gboolean db_fail(uf_state *s, GError **error, const char *what)
{
	g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "state database: %s: %s", what,
		    sqlite3_errmsg(s->db));
	return FALSE;
}

/* The file exists and is 0600 before SQLite sees it: SQLite would make it
 * with the umask's idea of a mode. */
static gboolean create_private(const char *path, GError **error)
{
	char *dir = g_path_get_dirname(path);
	int fd = -1;

	g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || fchmod(fd, 0600) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "state database %s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

uf_state *uf_state_open(const char *path, GError **error)
{
	uf_state *s = g_new0(uf_state, 1);

	if (!create_private(path, error))
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		db_fail(s, error, path);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, error, path);
		goto fail;
	}
	return s;
fail:
	uf_state_close(s);
	return NULL;
}

void uf_state_close(uf_state *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	g_free(s);
}

static sqlite3_stmt *prepare(uf_state *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static char *column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

void uf_job_row_clear(uf_job_row *row)
{
	g_free(row->last_error);
	g_free(row->zip_path);
	memset(row, 0, sizeof *row);
}

gboolean uf_state_get(uf_state *s, const char *id, uf_job_row *row, GError **error)
{
	sqlite3_stmt *st = prepare(s, "SELECT status, attempts, next_try, last_error, zip_path "
				      "FROM jobs WHERE id = ?");
	int rc = 0;
	gboolean found = FALSE;

	memset(row, 0, sizeof *row);
	if (!st)
		return db_fail(s, error, "read");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row->status = (uf_job_status)sqlite3_column_int(st, 0);
		row->attempts = (guint)sqlite3_column_int(st, 1);
		row->next_try = sqlite3_column_int64(st, 2);
		row->last_error = column_text(st, 3);
		row->zip_path = column_text(st, 4);
		found = TRUE;
	} else if (rc != SQLITE_DONE) {
		db_fail(s, error, "read");
	}
	sqlite3_finalize(st);
	return found;
}

gboolean uf_state_put(uf_state *s, const char *id, const char *kind, const uf_job_row *row,
		      GError **error)
{
	sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO jobs(id, kind, status, attempts, "
				      "next_try, last_error, zip_path, updated) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, strftime('%s','now'))");
	gboolean ok = FALSE;

	if (!st)
		return db_fail(s, error, "write");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, row->status);
	sqlite3_bind_int(st, 4, (int)row->attempts);
	sqlite3_bind_int64(st, 5, row->next_try);
	sqlite3_bind_text(st, 6, row->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->zip_path, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		db_fail(s, error, "write");
	sqlite3_finalize(st);
	return ok;
}

static gboolean exec_sql(uf_state *s, const char *sql, GError **error)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return TRUE;
	return db_fail(s, error, sql);
}

static gboolean insert_pin(uf_state *s, sqlite3_stmt *st, const char *job_id,
			   const fetch_pin_record *r)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, r->email ? r->email : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->dn ? r->dn : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->pin ? r->pin : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, job_id, -1, SQLITE_STATIC);
	(void)s;
	return sqlite3_step(st) == SQLITE_DONE;
}

static gboolean mark_pin_job(uf_state *s, const char *job_id, guint count, GError **error)
{
	sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO pin_jobs(job_id, records, recorded) "
				      "VALUES (?, ?, strftime('%s','now'))");
	gboolean ok = FALSE;

	if (st) {
		sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)count);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		db_fail(s, error, "record PINs");
	sqlite3_finalize(st);
	return ok;
}

gboolean uf_state_pins_recorded(uf_state *s, const char *job_id)
{
	sqlite3_stmt *st = prepare(s, "SELECT 1 FROM pin_jobs WHERE job_id = ?");
	gboolean yes = FALSE;

	if (!st)
		return FALSE;
	sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

gboolean uf_state_add_pins(uf_state *s, const char *job_id, GPtrArray *records, GError **error)
{
	sqlite3_stmt *st = NULL;
	gboolean ok = FALSE;

	if (!exec_sql(s, "BEGIN IMMEDIATE", error))
		return FALSE;
	st = prepare(s, "INSERT OR REPLACE INTO pins(email, dn, pin, name, job_id, recorded) "
			"VALUES (lower(?), ?, ?, ?, ?, strftime('%s','now'))");
	if (!st) {
		db_fail(s, error, "record PINs");
		goto out;
	}
	for (guint i = 0; i < records->len; i++)
		if (!insert_pin(s, st, job_id, g_ptr_array_index(records, i))) {
			db_fail(s, error, "record PINs");
			goto out;
		}
	if (!mark_pin_job(s, job_id, records->len, error))
		goto out;
	/* a certificate ZIP that waited for its PIN is worth opening now */
	if (!exec_sql(s, "UPDATE jobs SET next_try = 0 WHERE status = 0 AND zip_path IS NOT NULL",
		      error))
		goto out;
	ok = exec_sql(s, "COMMIT", error);
out:
	sqlite3_finalize(st);
	if (!ok)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ok;
}

static char *one_text(uf_state *s, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = prepare(s, sql);
	char *out = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = column_text(st, 0);
	sqlite3_finalize(st);
	return out;
}

char *uf_state_pin(uf_state *s, const char *email, const char *dn)
{
	char *pin = NULL;

	if (!email)
		return NULL;
	if (dn)
		pin = one_text(s, "SELECT pin FROM pins WHERE email = lower(?) AND dn = ?", email, dn);
	/* the two files spell a DN their own way; one PIN for the address is
	 * unambiguous, and a wrong PIN only fails to open the file */
	if (!pin)
		pin = one_text(s, "SELECT pin FROM pins WHERE email = lower(?) "
				  "GROUP BY email HAVING count(*) = 1", email, NULL);
	return pin;
}

char *uf_state_installed_serial(uf_state *s, const char *job_id)
{
	return one_text(s, "SELECT serial FROM installed WHERE job_id = ? AND serial != ''"
			   " ORDER BY serial LIMIT 1", job_id, NULL);
}

gboolean uf_state_add_installed(uf_state *s, const char *job_id, GPtrArray *installed,
				GError **error)
{
	sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO installed(job_id, serial, subject, "
				      "issuer, not_after, p12_path, receipt_path) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?)");
	gboolean ok = TRUE;

	if (!st)
		return db_fail(s, error, "record installs");
	for (guint i = 0; ok && installed && i < installed->len; i++) {
		const fetch_installed *in = g_ptr_array_index(installed, i);
		const char *v[] = { job_id, in->serial ? in->serial : "", in->subject, in->issuer,
				    in->not_after, in->p12_path, in->receipt_path };
		sqlite3_reset(st);
		for (int k = 0; k < (int)G_N_ELEMENTS(v); k++)
			sqlite3_bind_text(st, k + 1, v[k], -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		db_fail(s, error, "record installs");
	sqlite3_finalize(st);
	return ok;
}

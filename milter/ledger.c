/* ledger.c - upki-milter's side of the certificate ledger (upki/ledger.h).
 *
 * Every genuine and suspicious notice the milter decides on is recorded
 * in the Ledger file, with the same library call as upki-scan's (so the
 * milter's copy and the mailbox's are one notice: Message-ID + signature
 * hash), as "milter:QUEUEID" at offset 0.  One connection for the whole
 * process behind a mutex: libmilter runs a thread per connection, and
 * SQLite has one writer anyway; its 10 s busy timeout bounds the wait
 * for another process (upki-scan, upki-fetch) holding the write lock.
 * The connection is opened on first use, after privileges are dropped
 * (the file is then the run-as user's), and again whenever a reload
 * names another file or a write failed.  A failure is logged and never
 * changes the verdict or the action: the ledger is a record for the
 * office, a re-scan of the mailbox fills what it missed.
 */
#include "upki/ledger.h"
#include "upki-milter.h"

static GMutex lock;
static upki_ledger *ledger;  /* open on open_path, or NULL */
static char *open_path;

static void close_locked(void)
{
	upki_ledger_close(ledger);
	ledger = NULL;
	g_clear_pointer(&open_path, g_free);
}

/* The connection for path, opened (or reopened) when needed. */
static upki_ledger *ledger_for(const char *path, const char *qid)
{
	GError *err = NULL;

	if (ledger && g_strcmp0(open_path, path) == 0)
		return ledger;
	close_locked();
	ledger = upki_ledger_open(path, &err);
	if (!ledger) {
		um_log(LOG_ERR, qid, "ledger not written (the mail is not affected): %s", err->message);
		g_error_free(err);
		return NULL;
	}
	open_path = g_strdup(path);
	return ledger;
}

void um_ledger_record(const um_conf *c, const um_result *r, const char *qid)
{
	const upki_notice *n = r->notice;
	const char *path = c->cfg->ledger;
	char *source = NULL;
	GError *err = NULL;
	upki_ledger *l = NULL;

	if (!path || !n || n->verdict == UPKI_VERDICT_NOT_NOTICE || r->action == UM_ACT_TEMPFAIL)
		return;
	source = g_strdup_printf("milter:%s", qid ? qid : "NOQUEUE");
	g_mutex_lock(&lock);
	l = ledger_for(path, qid);
	if (l && (!upki_ledger_record(l, n, source, 0, NULL, &err) || !upki_ledger_commit(l, &err))) {
		um_log(LOG_ERR, qid, "ledger not written (the mail is not affected): %s", err->message);
		g_clear_error(&err);
		/* the next message starts on a fresh connection */
		close_locked();
	}
	g_mutex_unlock(&lock);
	g_free(source);
}

void um_ledger_close(void)
{
	g_mutex_lock(&lock);
	close_locked();
	g_mutex_unlock(&lock);
}

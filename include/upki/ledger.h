/* ledger.h - the certificate lifecycle: every notice seen, in SQLite,
 * and the state of every certificate and retrieval job derived from it.
 *
 * The certificate office's question is "where does every certificate
 * stand?", not "is this one mail genuine?".  The ledger records each
 * genuine notice once (keyed by Message-ID and the notice's content hash,
 * notice.h: a re-scan or a second copy adds nothing), and suspicious
 * ones apart with their reasons, never mixed into the states.  A
 * retrieval URL is kept as host + path and the spool's job id
 * (spool.h), never the URL or its token.  docs/ledger.md has the schema
 * and the states.  The file is created 0600 (it names people and their
 * certificates); upki-scan, upki-milter and upki-fetch share one.
 *
 * One connection per upki_ledger, behind a mutex: one upki_ledger may be
 * shared by threads (upki-scan -j N), each call is one step of one writer.
 */
#ifndef UPKI_LEDGER_H
#define UPKI_LEDGER_H

#include <glib.h>
#include "upki/notice.h"

/* PRAGMA user_version of the schema this library writes.  A file of a
 * newer version is refused; an older one is upgraded when opened. */
#define UPKI_LEDGER_SCHEMA_VERSION 2

typedef struct upki_ledger upki_ledger;

/* Opens (creating it 0600, with its schema) the ledger at path.  NULL
 * with a G_FILE_ERROR or UPKI_ERROR_INTERNAL naming the file.  Close
 * with upki_ledger_close(), which commits what is pending. */
upki_ledger *upki_ledger_open(const char *path, GError **error);
void upki_ledger_close(upki_ledger *l);

/* Records n when it is genuine or suspicious (a not-notice is not
 * recorded: *added FALSE, TRUE returned).  source and offset say where
 * the message is ("scan:FILE" or "milter:QUEUEID", and its byte offset);
 * when the same notice is seen again, the lowest (source, offset) is
 * kept, so that the order of -j N threads changes nothing.  Writes go
 * into a transaction committed every few hundred records and by
 * upki_ledger_commit()/close: a batch pays one fsync per batch.
 * *added (may be NULL) TRUE when the notice is new.  FALSE with
 * UPKI_ERROR_INTERNAL when SQLite fails. */
gboolean upki_ledger_record(upki_ledger *l, const upki_notice *n, const char *source, guint64 offset,
			    gboolean *added, GError **error);

/* What upki-fetch did with a job: what is "pin" (the access PIN was
 * fetched), "certificate" (the certificate was downloaded; serial when
 * known), "kept", "handed-off" or "failed"; action the upki-fetch
 * action that ran ("retrieve", "keep", "exec", "webhook") or NULL.  at
 * is unix time.  Idempotent per (job_id, what): the first record stays.
 * Only "certificate" and "pin" change a job's state. */
gboolean upki_ledger_record_fetch(upki_ledger *l, const char *job_id, const char *what, gint64 at,
				  const char *serial, const char *action, GError **error);

/* Commits the pending writes (a daemon calls it after each message). */
gboolean upki_ledger_commit(upki_ledger *l, GError **error);

/* ---- the derived states (ledger-state.c) ---- */

typedef struct upki_ledger_policy {
	gint64 as_of;      /* the states as of this unix time; 0: now */
	guint soon_days;   /* a deadline within this many days needs action; 0: 7 */
	guint stall_days;  /* PIN issued, no certificate after this many days: stalled; 0: 14 */
} upki_ledger_policy;

/* One retrieval job: a cert-issue or pin-issue notice's URL. */
typedef struct upki_ledger_job {
	char *job_id;       /* spool.h's id of the URL */
	char *where;        /* host + path of the URL, no query */
	char *kind;         /* "cert-issue" | "pin-issue" */
	char *recipient;    /* To of the notice, or NULL */
	gint64 signed_at;   /* signing time (unix) */
	char *deadline;     /* YYYY-MM-DD, or NULL */
	const char *state;  /* "issue-accepted" | "pin-issued" | "retrieved" | "expired-unused" | "stalled" */
	const char *action; /* "deadline-soon" | "expired-unused" | "stalled" | NULL: nothing to do */
	char *serial;       /* retrieved: the certificate's serial when known */
	char *source;       /* where the notice was first seen */
	guint64 offset;
} upki_ledger_job;

/* One certificate: DN + serial. */
typedef struct upki_ledger_cert {
	char *dn;
	char *serial;
	const char *state;  /* "retrieved" | "renewed" | "replaced" | "revoked" */
	const char *action; /* "revoked-not-reissued" | NULL */
	gint64 since;       /* signing time of the notice that set the state */
	char *old_serial;   /* renewed: the serial it replaced */
	char *new_serial;   /* replaced: the serial that replaced it */
} upki_ledger_cert;

/* One genuine notice, in time order: the timeline. */
typedef struct upki_ledger_event {
	gint64 signed_at;
	char *kind;
	char *dn, *serial, *old_serial; /* or NULL */
	char *job_id;                   /* or NULL */
	char *source;
	guint64 offset;
} upki_ledger_event;

/* One suspicious notice, with its reasons. */
typedef struct upki_ledger_suspect {
	gint64 signed_at;   /* -1 when unsigned */
	char *date;         /* Date header (ISO 8601) or NULL */
	char *kind;
	char *message_id;
	char *from;
	char *reasons;      /* tokens, space-separated */
	char *url_host;     /* host of its retrieval URL, or NULL */
	char *source;
	guint64 offset;
} upki_ledger_suspect;

typedef struct upki_ledger_report {
	upki_ledger_policy policy; /* as used: zeros filled in */
	GPtrArray *jobs;      /* upki_ledger_job*, by signing time */
	GPtrArray *certs;     /* upki_ledger_cert*, by DN then serial */
	GPtrArray *events;    /* upki_ledger_event*, by signing time */
	GPtrArray *suspects;  /* upki_ledger_suspect*, by date */
} upki_ledger_report;

/* Reads the ledger and derives every state as of p->as_of (p NULL: the
 * defaults).  NULL with UPKI_ERROR_INTERNAL when SQLite fails.  Free
 * with upki_ledger_report_free(). */
upki_ledger_report *upki_ledger_report_build(upki_ledger *l, const upki_ledger_policy *p, GError **error);
void upki_ledger_report_free(upki_ledger_report *r);

/* ---- the report as text and JSON (ledger-report.c), HTML (ledger-html.c) ---- */

/* The report as one JSON document (docs/ledger.md has the schema) and
 * as text for a person: summary, needing action, timeline, suspicious.
 * Never a URL or token.  Caller frees. */
char *upki_ledger_report_json(const upki_ledger_report *r);
char *upki_ledger_report_text(const upki_ledger_report *r);

/* The report as one self-contained HTML page (ledger-html.c): Japanese
 * and English, an inline SVG chart of the notices per month, sortable
 * tables, print styles; no external asset.  Every count is an element
 * with data-key="GROUP.KEY" (summary.notices, jobs.retrieved, ...).
 * Caller frees. */
char *upki_ledger_report_html(const upki_ledger_report *r);

#endif

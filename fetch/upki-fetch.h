/* upki-fetch.h - the modules of upki-fetch, the spool consumer.
 *
 * conf.c    the configuration file, one table (keys, defaults, help)
 * log.c     syslog, and a copy on stderr in the foreground
 * state.c   the SQLite state database: attempts, next try, PINs, installs
 * spool.c   the directories: new/ -> cur/ -> done/ | failed/, tmp/ cleanup
 * job.c     one job: read, pick the action, apply its outcome to the state
 * action-*.c  exec, webhook, keep, retrieve (the last calls retrieve.h)
 * ledger.c  what each job came to, in the certificate ledger (Ledger)
 * daemon.c  -f: inotify on new/, periodic rescan, signals
 * stats.c   the counters and the StatsFile (Prometheus textfile)
 *
 * Everything runs on one thread; a pass over the spool holds an flock on
 * the spool directory, so two upki-fetch processes never work the same job.
 */
#ifndef UPKI_FETCH_H
#define UPKI_FETCH_H

#include <stdio.h>
#include <syslog.h>
#include <glib.h>

#include "upki/ledger.h"

#define UF_NAME "upki-fetch"
#define UF_VERSION "0.1"
/* SYSCONFDIR/upki-fetch.conf (upki_config_sysconfdir(); Makefile: SYSCONFDIR) */
#define UF_CONF_NAME "upki-fetch.conf"
#define UF_EX_TEMPFAIL 75

typedef enum { UF_ACT_RETRIEVE, UF_ACT_EXEC, UF_ACT_WEBHOOK, UF_ACT_KEEP } uf_action;

/* What one attempt of an action came to (retrieve.h's fetch_outcome, for
 * every action). */
typedef enum { UF_OK, UF_RETRY, UF_FAIL } uf_outcome;

/* The configuration, read-only once loaded.  Strings owned. */
typedef struct uf_conf {
	char *path;            /* the file it came from, NULL: defaults */
	char *shared_file;     /* the shared system file asked for (upki-milter.conf), NULL: none */
	gboolean shared_read;  /* ... and it was read */
	char *shared_note;     /* why it could not be read (it exists), NULL: no trouble */
	char *shared_used;     /* the keys it gave ("Spool"), blank-separated; NULL or "": none */
	char *spool_from;      /* the file Spool came from, NULL: the built-in default */
	char *spool;
	char *state_file;
	char *ledger;          /* the certificate ledger, or NULL */
	char *output_dir;
	char *cert_action_name, *pin_action_name;
	uf_action cert_action, pin_action;
	char *exec_command;
	gchar **exec_argv;     /* exec_command split (g_shell_parse_argv, no shell run) */
	guint exec_timeout;
	char *webhook_url;
	char *webhook_secret_file;
	char *webhook_ca_file;
	guint webhook_timeout;
	guint8 *webhook_key;   /* secret: the decoded whsec_ key, never logged */
	gsize webhook_key_len;
	guint max_attempts;
	guint retry_delay;
	guint retry_max_delay;
	guint rescan_interval;
	char *service_host;
	char *service_ca_file;
	char *cert_ca_file;
	char *connect_to;
	guint connect_timeout;
	guint request_timeout;
	guint64 max_body_size;
	guint max_zip_entries;
	guint64 max_zip_size;
	guint64 max_job_size;
	char *syslog_facility;
	char *stats_file;      /* StatsFile: the Prometheus textfile, NULL: none */
} uf_conf;

/* conf.c.  NULL path: defaults only.  shared: the shared system file
 * (upki-milter.conf), whose Spool is taken when path does not set it;
 * NULL: none; absent or unreadable: not used (shared_note says the
 * latter).  NULL with a GError "FILE:LINE: ..." when a key is unknown, a
 * value bad, or the keys do not fit together (an action without what it
 * needs, a secret file readable by others).  Free with uf_conf_free(). */
uf_conf *uf_conf_load(const char *path, const char *shared, GError **error);
void uf_conf_free(uf_conf *c);
uf_action uf_conf_action_for(const uf_conf *c, const char *kind);
const char *uf_action_name(uf_action a);

/* log.c.  Lines never hold a token, a PIN or a password: callers pass a
 * job id, a kind, host and path, an outcome.  Control characters become '?'. */
int uf_log_facility(const char *name);
void uf_log_open(int facility, gboolean to_stderr);
void uf_log(int prio, const char *job_id, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* state.c: the database.  One handle, owned by the caller of open. */
typedef struct uf_state uf_state;

typedef enum { UF_JOB_PENDING, UF_JOB_DONE, UF_JOB_FAILED } uf_job_status;

typedef struct uf_job_row {
	uf_job_status status;
	guint attempts;
	gint64 next_try;   /* unix time; 0: now */
	char *last_error;  /* owned */
	char *zip_path;    /* cert-issue retrieve: the downloaded ZIP, owned */
} uf_job_row;

/* Creates the file 0600 (whatever the umask) and the tables when missing. */
uf_state *uf_state_open(const char *path, GError **error);
void uf_state_close(uf_state *s);
/* FALSE when the job has no row yet (row zeroed: pending, 0 attempts). */
gboolean uf_state_get(uf_state *s, const char *id, uf_job_row *row, GError **error);
void uf_job_row_clear(uf_job_row *row);
/* Inserts or replaces the row of id; durable when it returns TRUE. */
gboolean uf_state_put(uf_state *s, const char *id, const char *kind, const uf_job_row *row,
		      GError **error);
/* Records the PINs of a pin-issue job (fetch_pin_record*) and makes every
 * cert-issue job waiting with a ZIP due now, in one transaction that
 * also notes the job as done with its PINs (uf_state_pins_recorded). */
gboolean uf_state_add_pins(uf_state *s, const char *job_id, GPtrArray *records, GError **error);
/* TRUE when uf_state_add_pins() committed the PINs of job_id. */
gboolean uf_state_pins_recorded(uf_state *s, const char *job_id);
/* The PIN for (email, dn); an email alone when it names one PIN.  Caller
 * frees (a secret: g_free after use, never logged). */
char *uf_state_pin(uf_state *s, const char *email, const char *dn);
/* The (lowest) serial installed for job_id, NULL when none.  Caller frees. */
char *uf_state_installed_serial(uf_state *s, const char *job_id);
/* Records what fetch_certs_install wrote (fetch_installed*). */
gboolean uf_state_add_installed(uf_state *s, const char *job_id, GPtrArray *installed,
				GError **error);

/* spool.c: the directories.  Paths built from conf->spool. */
typedef struct uf_spool_pass {
	guint taken, done, failed, waiting, errors;
	gint64 next_due; /* earliest retry of a job in cur/, G_MAXINT64 when none */
} uf_spool_pass;

gboolean uf_spool_prepare(const char *dir, GError **error);
/* Moves complete jobs from new/ to cur/ (names kept). */
void uf_spool_take_new(const char *dir, uf_spool_pass *p);
/* The job names (<id>.json) in cur/, pin-issue order is the caller's. */
GPtrArray *uf_spool_list_cur(const char *dir);
/* Moves cur/<name> to done/ or failed/ durably. */
gboolean uf_spool_finish(const char *dir, const char *name, gboolean done, GError **error);
/* Removes tmp/ files older than max_age seconds. */
void uf_spool_clean_tmp(const char *dir, gint64 now, gint64 max_age);
/* Blocks until this process holds the spool's lock; -1 on error. */
int uf_spool_lock(const char *dir, GError **error);
void uf_spool_unlock(int fd);
/* Writes data to path durably: path.tmp (0600, fsync), rename, fsync of
 * the directory.  FALSE with errno set and no tmp file left. */
gboolean uf_write_durable(const char *path, const char *data, gsize len);
gboolean uf_sync_dir(const char *dir);

/* job.c: the parsed job (versions 1 and 2 of docs/spool.md). */
typedef struct uf_job {
	char *id, *kind, *url, *recipient; /* url: a secret, never logged */
	char *json;     /* the file's text without its final newline */
	char *path;     /* cur/<id>.json */
	char *host, *url_path; /* what logs may show of the URL */
	gint version;
} uf_job;

uf_job *uf_job_read(const char *path, gsize max_size, GError **error);
void uf_job_free(uf_job *j);

typedef struct uf_ctx {
	const uf_conf *conf;
	uf_state *state;
	gint64 now;      /* time of the pass */
	upki_ledger *ledger; /* Ledger, open for the pass (uf_ledger_open), or NULL */
} uf_ctx;

/* ledger.c: opens conf->ledger into c->ledger for a pass (NULL when
 * unset or it fails: logged), and closes it committed. */
void uf_ledger_open(uf_ctx *c);
void uf_ledger_close(uf_ctx *c);
/* Records a decided job (done, else failed) once its row is committed:
 * what it came to, the serial a retrieved certificate has, the action. */
void uf_ledger_note(const uf_ctx *c, const uf_job *j, gboolean done);

/* One pass over the spool: take new jobs, run every job that is due. */
gboolean uf_pass(uf_ctx *c, uf_spool_pass *p, GError **error);

/* The actions.  *error (caller frees) never holds a secret. */
uf_outcome uf_action_exec(const uf_ctx *c, const uf_job *j, char **error);
uf_outcome uf_action_webhook(const uf_ctx *c, const uf_job *j, char **error);
uf_outcome uf_action_keep(const uf_ctx *c, const uf_job *j, char **error);
/* retrieve: row is the job's state; the action may set row->zip_path. */
uf_outcome uf_action_retrieve(const uf_ctx *c, const uf_job *j, uf_job_row *row, char **error);

/* webhook signature (Standard Webhooks): "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>".  Caller frees. */
char *uf_webhook_signature(const guint8 *key, gsize key_len, const char *id, gint64 ts,
			   const char *body, gsize body_len);
/* The key of a "whsec_<base64>" secret; NULL when malformed.  Caller frees. */
guint8 *uf_webhook_decode_secret(const char *text, gsize *len);

/* stats.c: the counters (one thread: plain integers). */
typedef enum { UF_ERR_STATE = 0, UF_ERR_SPOOL, UF_ERR_COUNT } uf_stats_where;

void uf_stats_start(void);
/* A job's outcome once committed (after MaxAttempts: UF_RETRY is retried);
 * kind NULL or unknown: an invalid job. */
void uf_stats_job(const char *kind, uf_outcome o);
/* One attempt of an action, as it answered. */
void uf_stats_action(uf_action a, uf_outcome o);
void uf_stats_error(uf_stats_where w);
/* A pass over the spool ended (p: its tallies, NULL when it failed). */
void uf_stats_pass(gboolean ok, const uf_spool_pass *p);
void uf_stats_reload(gboolean ok);
/* The counters in Prometheus' text format.  Caller frees. */
char *uf_stats_render(gsize *len);
/* Writes path (NULL: nothing) atomically; a failure is logged, at most hourly. */
void uf_stats_flush(const char *path);
/* -n: the StatsFile's directory exists and this user may write it. */
gboolean uf_stats_check(const uf_conf *c, GError **error);

/* daemon.c: -f.  Returns the exit status. */
int uf_daemon_run(const char *conf_path, uf_conf *conf);

#endif

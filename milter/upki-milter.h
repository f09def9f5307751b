/* upki-milter.h - the pieces of upki-milter and what each promises.
 *
 * conf.c      the loaded configuration, reference-counted and swapped
 *             whole on SIGHUP (a message keeps the one it started with);
 * policy.c    the per-message decision: what the end of headers asks for,
 *             and at the end of the message the header edits, the action
 *             and the log line (shared by the callbacks and by -t);
 * callbacks.c the libmilter callbacks and the connection/message contexts;
 * check.c     -n: what the daemon will use at run time (directories, user);
 * socket.c    a unix socket: refuse a live one, remove only our own;
 * daemon.c    socket, privileges, pid file, signals;
 * msgtest.c   -t FILE: the same per-message logic without an MTA;
 * log.c       syslog, and stderr with -f; every message line names its queue id;
 * stats.c     the counters (atomic, any thread) and the StatsFile (main thread).
 * ledger.c    the Ledger file: each notice recorded, a failure only logged.
 * The message itself is libupki's business: nothing here parses mail.
 */
#ifndef UPKI_MILTER_H
#define UPKI_MILTER_H

#include <glib.h>
#include <syslog.h>

#include "upki/annotate.h"
#include "upki/config.h"
#include "upki/notice.h"
#include "upki/peerlist.h"
#include "upki/prefilter.h"
#include "upki/wrap.h"

#define UPKI_MILTER_VERSION "0.1.0"
#define UPKI_MILTER_NAME "upki-milter"
/* the system file every program reads (SYSCONFDIR/upki-milter.conf) */
#define UPKI_MILTER_DEFAULT_CONF upki_config_system_file()

/* ---- log.c ---- */

/* facility: a syslog facility number; to_stderr: copy every line to
 * stderr (-f), unless stderr is the journal (JOURNAL_STREAM names it):
 * then syslog only.  Safe to call again (reload). */
void um_log_open(int facility, gboolean to_stderr);
/* stderr only, no syslog (-t). */
void um_log_open_stderr(void);
void um_log_close(void);
/* Facility number of a name, -1 when unknown. */
int um_log_facility(const char *name);
/* One line "QID: text"; qid NULL: a line of the daemon's own (start,
 * stop, reload), without a queue id; a message without one passes
 * "NOQUEUE".  Control
 * characters in the text are replaced so that nothing a message holds
 * can forge a log line. */
void um_log(int prio, const char *qid, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The command line's own lines, on stderr only (the log may not be open
 * yet: bad arguments, a config that does not load, a missing library):
 * "upki-milter: text", and "upki-milter: warning: text". */
void um_msg_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void um_msg_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* ---- conf.c ---- */

typedef enum {
	UM_FAIL_INTERNAL = 0, /* the filter itself failed (library, MTA call) */
	UM_FAIL_OVERSIZED,    /* over MaxMessageSize: not examined */
	UM_FAIL_PARSE,        /* not a message libupki can read */
	UM_FAIL_SPOOL,        /* a genuine notice's job could not be written */
	UM_FAIL_COUNT
} um_failure;

typedef enum { UM_ON_FAIL_ACCEPT = 0, UM_ON_FAIL_TEMPFAIL } um_on_fail;
typedef enum { UM_ON_SUSP_MARK = 0, UM_ON_SUSP_QUARANTINE, UM_ON_SUSP_REJECT } um_on_susp;

/* Everything a message needs, read-only once built; shared by the
 * messages that started under it. */
typedef struct um_conf {
	gint refs;
	char *path;                  /* file read, or NULL for built-in defaults */
	upki_config *cfg;
	upki_smime_verifier *verifier;
	upki_options opts;           /* verify at now, StaleDays, MaxMessageSize */
	upki_annotate_options annotate;
	char *authserv_id;           /* AuthservID or the host name */
	int facility;
	um_on_fail on_fail[UM_FAIL_COUNT];
	um_on_susp on_suspicious;
	upki_prefilter *prefilter;   /* "can this message matter?", shared with upki-scan */
	gboolean accept_at_eoh;      /* EarlyAccept headers: decide on the header block alone */
	gboolean log_why;            /* LogLevel debug: say why a message passed early */
	upki_wrapper *wrapper;       /* Annotate wrap: templates loaded; NULL: headers mode */
	upki_peerlist *peers;        /* PeerList: peers passed unexamined; NULL: none */
} um_conf;

/* Loads path (NULL: the default file, whose absence means defaults),
 * then sets the overrides (NULL or "Key", "value", ..., NULL: the
 * command line's -p, -u, -P), checks it all and builds the verifier.
 * NULL with a GError naming the file and, where there is one, the line. */
um_conf *um_conf_load(const char *path, char *const *overrides, GError **error);
um_conf *um_conf_ref(um_conf *c);
void um_conf_unref(um_conf *c);

/* The configuration new messages start with.  install takes over the
 * caller's reference; the old one is freed when its last message ends. */
void um_conf_install(um_conf *c);
um_conf *um_conf_acquire(void); /* a reference: release with um_conf_unref */

const char *um_failure_name(um_failure f);

/* A GError "FILE:LINE: text" at the line that last set key in path
 * ("FILE: text" when no line does).  Always FALSE. */
gboolean um_conf_fail_at(const char *path, const char *key, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* The path of a unix-domain socket spec, NULL for inet ones. */
const char *um_socket_path(const char *spec);

/* ---- check.c ---- */

/* -n: the socket's directory, the Spool and the Ledger's directory exist
 * and are usable by the user the daemon will run as.  FALSE with the line of the key. */
gboolean um_conf_check_runtime(const um_conf *c, GError **error);

/* ---- policy.c ---- */

typedef enum {
	UM_EOH_ACCEPT = 0, /* cannot be a notice, nothing to remove: pass, body unseen */
	UM_EOH_STRIP,      /* not a candidate, but forged headers of ours to remove at EOM */
	UM_EOH_BODY,       /* a candidate: buffer the body and decide at EOM */
	UM_EOH_SCAN,       /* ordinary headers: buffer the body, the prefilter decides at EOM */
	UM_EOH_PEER        /* a PeerList peer: not examined, forged headers of ours to remove at EOM */
} um_eoh_step;

/* What the header block (ending in its empty line) asks for. */
um_eoh_step um_policy_eoh(const um_conf *c, const char *hdr, gsize len);
/* The debug line (LogLevel debug) for a message passed at UM_EOH_ACCEPT. */
void um_policy_log_eoh_accept(const um_conf *c, const char *qid);
/* A message from a PeerList peer: UM_EOH_ACCEPT (pass now, body unseen)
 * or UM_EOH_PEER (X-UPKI-Notice or our Authentication-Results arrived
 * with it: removed at EOM, still without analysis). */
um_eoh_step um_policy_eoh_peer(const um_conf *c, const char *hdr, gsize len);
/* The debug line for a PeerList message passed at the end of the header. */
void um_policy_log_peer_accept(const um_conf *c, const char *qid, const char *peer);

typedef enum {
	UM_ACT_ACCEPT = 0, /* continue: apply the edits (if any), deliver */
	UM_ACT_QUARANTINE, /* apply the edits and quarantine (hold) */
	UM_ACT_REJECT,     /* 550 5.7.1 reply, no edits */
	UM_ACT_TEMPFAIL    /* 451 4.7.0 reply, no edits */
} um_action;

typedef struct um_result {
	um_action action;
	GPtrArray *edits;    /* upki_header_edit*, in the order to apply */
	char *reason;        /* quarantine reason / reply text; NULL for accept */
	upki_notice *notice; /* NULL when not analysed (failure, strip only) */
	gboolean failed;     /* failure is set */
	um_failure failure;
	char *error;         /* what went wrong, for the log (no secrets) */
	gboolean handoff;    /* a genuine cert-issue/pin-issue for the spool */
	const char *recipient; /* the envelope recipient for the job, borrowed; NULL: To */
	gboolean exempt;     /* a PeerList peer's message: not examined (step UM_EOH_PEER) */
	const char *peer;    /* with exempt: the peer's address for the log, borrowed */
	gint64 usec;         /* wall time spent in the analysis and decision */
	gint64 cpu_usec;     /* CPU time of the same (the thread's own); 0 unless a log line shows it */
	gboolean early;      /* passed without analysis: the prefilter ruled it out */
	upki_prefilter_why why; /* which stage, for the debug line */
	gboolean log_why;    /* LogLevel debug */
	GBytes *body;        /* Annotate wrap: the new body (edits are then the wrap's) */
	GPtrArray *headers_edits; /* with body: the headers-mode edits to fall back to */
	char *wrap_note;     /* why a notice to wrap got headers only, for the log */
} um_result;

/* The decision at the end of a message.  msg holds the header block and
 * (unless oversized or step is UM_EOH_STRIP) the body. */
um_result *um_policy_eom(const um_conf *c, const char *msg, gsize len, um_eoh_step step,
			 gboolean oversized);

/* The decision when the filter failed outside the analysis (an MTA call
 * failed): the failure policy with no edits. */
um_action um_policy_on_failure(const um_conf *c, um_failure f);

/* The spool hand-off of a genuine notice (when Spool is set), before
 * anything is sent to the MTA.  A failure is logged; with OnSpoolError
 * tempfail it returns FALSE and r->action is then tempfail (the MTA
 * retries; a job the retry finds written is not written twice).
 * dry_run: only say which job it would be. */
gboolean um_policy_handoff(const um_conf *c, um_result *r, const char *qid,
			   gboolean dry_run, char **job_id);

/* The one log line of a decision. */
void um_policy_log(const um_result *r, const char *qid, const char *job_id);

void um_result_free(um_result *r);

/* "accept", "quarantine", "reject", "tempfail". */
const char *um_action_name(um_action a);

/* The SMTP reply of a rejection and a temporary failure. */
#define UM_REJECT_RCODE "550"
#define UM_REJECT_XCODE "5.7.1"
#define UM_TEMPFAIL_RCODE "451"
#define UM_TEMPFAIL_XCODE "4.7.0"

/* ---- wrap.c ---- */

/* Annotate wrap: gives a notice to wrap its wrapped form (r->edits and
 * r->body, the headers-mode edits kept in r->headers_edits), or says in
 * r->wrap_note why it stays in headers mode. */
void um_wrap_decide(const um_conf *c, um_result *r, const char *msg, gsize len);
/* Back to headers mode before anything is sent (the MTA does not allow
 * body changes); why goes to the log. */
void um_wrap_fall_back(um_result *r, const char *why);
struct smfi_str;
/* smfi_replacebody in chunks of at most 64 KiB, one uninterrupted run. */
gboolean um_wrap_replace_body(struct smfi_str *ctx, GBytes *body);

/* ---- stats.c ---- */

typedef enum { UM_SPOOL_WRITTEN = 0, UM_SPOOL_EXISTING, UM_SPOOL_FAILED, UM_SPOOL_COUNT } um_spool_result;

/* The counters: any thread, no lock. */
void um_stats_start(void);                 /* the start time gauge */
void um_stats_result(const um_result *r);  /* a message decided at its end, as acted on */
void um_stats_eoh_accept(void);            /* passed at the end of the header (EarlyAccept headers) */
void um_stats_exempt_accept(void);         /* a PeerList message passed at the end of the header */
void um_stats_refused(void);               /* deferred while stopping */
void um_stats_spool(um_spool_result s);    /* a spool hand-off (failed also counts spool-error) */
void um_stats_reload(gboolean ok);         /* a SIGHUP reload */
/* The counters in Prometheus' text format.  Caller frees. */
char *um_stats_render(gsize *len);
/* Writes path (NULL: nothing) atomically; a failure is logged, at most
 * hourly.  Main thread only. */
void um_stats_flush(const char *path);
/* ---- ledger.c ---- */

/* Records r's notice (genuine or suspicious; not when the action is
 * tempfail: the retry records it) in c's Ledger as "milter:QID", and
 * commits.  A failure is logged and the connection reopened for the
 * next message; nothing is returned because nothing may depend on it. */
void um_ledger_record(const um_conf *c, const um_result *r, const char *qid);
/* Closes the connection (at the stop). */
void um_ledger_close(void);

/* ---- callbacks.c ---- */

struct smfiDesc;
/* The filter description handed to smfi_register. */
struct smfiDesc *um_callbacks_desc(void);
/* Messages between their first header and their end (for SIGTERM). */
gint um_callbacks_in_flight(void);
/* From now on, messages that begin get a temporary failure (SIGTERM). */
void um_callbacks_drain(void);

/* ---- msgtest.c ---- */

/* -t FILE: prints one line per header change and a last line with the
 * action.  Returns the exit status (0, or 1 when the file is unreadable). */
int um_msgtest_run(const um_conf *c, const char *file);

/* ---- socket.c ---- */

/* TRUE when a unix-domain socket at path answers a connect. */
gboolean um_socket_live(const char *path);
/* After the socket is made: remember which file is ours. */
void um_socket_claim(const char *path);
/* TRUE while the path still holds the socket this process made. */
gboolean um_socket_ours(void);
/* Before smfi_stop(): when the path holds another instance's socket,
 * keep libmilter from unlinking it. */
void um_socket_before_stop(void);
/* Unlinks the socket if it is still ours; forgets it either way. */
void um_socket_remove(void);

/* ---- daemon.c ---- */

typedef struct um_daemon_args {
	const char *conf_path;  /* -c, NULL: default */
	char **overrides;       /* -p, -u, -P as "Key", "value" pairs, NULL-terminated */
	gboolean foreground;    /* -f */
} um_daemon_args;

/* Runs the milter until SIGTERM/SIGINT; returns the exit status. */
int um_daemon_run(const um_daemon_args *a, um_conf *c);

#endif

/* config.h - the configuration file shared by all front ends.
 *
 * "Key value" lines, '#' comments, blank lines ignored; keys are
 * case-insensitive.  One table (upki_config_keys) drives parsing,
 * defaults, validation, `upki-milter -n` and the man page; an unknown key
 * or a bad value is an error naming the file and line.  Every front end
 * reads the same file and uses the keys that apply to it: the system file
 * (upki_config_system_file()) by default, and upki-scan a user's file
 * over it (upki_config_merge_file(); upki-scan(1) FILES).
 */
#ifndef UPKI_CONFIG_H
#define UPKI_CONFIG_H

#include <glib.h>
#include "upki/notice.h"
#include "upki/profile.h"

typedef enum {
	UPKI_CFG_STRING,
	UPKI_CFG_UINT,     /* decimal */
	UPKI_CFG_MODE,     /* octal file mode */
	UPKI_CFG_SIZE,     /* bytes, suffix k/K, m/M, g/G allowed */
	UPKI_CFG_CHOICE,   /* one of a '|'-separated list */
	UPKI_CFG_PROFILE,  /* extends the profile (may repeat) */
	UPKI_CFG_SET       /* words of a '|'-separated list, or "none", separated by ',' or blanks */
} upki_config_type;

typedef struct upki_config_key {
	const char *name;
	upki_config_type type;
	const char *def;      /* default as text, NULL: unset */
	const char *choices;  /* UPKI_CFG_CHOICE: "mark|quarantine|reject" */
	gsize offset;         /* offset of the field in upki_config (not PROFILE) */
	const char *help;
} upki_config_key;

typedef struct upki_config {
	char *socket;
	guint socket_mode;
	char *user_id;
	char *pid_file;
	char *syslog_facility;
	char *authserv_id;
	char *trust_anchor_file;
	char *trust_anchor_dir;
	guint stale_days;
	guint64 max_message_size;
	guint max_mime_depth;
	guint max_mime_parts;
	guint64 max_text_size;
	char *subject_tag;
	char *on_suspicious;
	char *reject_text;    /* OnSuspicious reject: the SMTP reply text (milter) */
	char *on_internal_error;
	char *on_oversized;
	char *on_parse_error;
	char *on_spool_error;
	char *spool;
	char *ledger;         /* the certificate ledger (milter, upki-scan --filter), or NULL */
	char *annotate;
	char *verify_time;    /* "signing" | "now" (upki-scan batch; delivery always checks now) */
	char *early_accept;   /* "body" | "headers" (milter) */
	char *log_level;      /* "info" | "debug" (milter) */
	char *template_dir;   /* Annotate wrap: the instruction templates */
	char *wrap_verdicts;  /* Annotate wrap: which verdicts are wrapped (wrap.h) */
	char *wrap_contact;   /* Annotate wrap: whom a recipient of a suspicious notice asks */
	char *peer_list;      /* PeerList: peers passed unexamined (milter, upki/peerlist.h) */
	char *stats_file;     /* StatsFile: the Prometheus textfile (milter) */
	upki_profile *profile; /* built-in profile plus Sender, RetrievalHost, Kind* keys */
} upki_config;

/* The key table, terminated by an entry whose name is NULL. */
const upki_config_key *upki_config_keys(void);

/* A config holding every default.  Caller frees with upki_config_free(). */
upki_config *upki_config_new(void);
void upki_config_free(upki_config *c);

/* Sets one key from text (as the file would).  FALSE with UPKI_ERROR_CONFIG
 * for an unknown key or a bad value. */
gboolean upki_config_set(upki_config *c, const char *key, const char *value, GError **error);

/* Defaults, then the file at path.  NULL with a GError that names the
 * file and line ("FILE:LINE: unknown key 'Foo'"). */
upki_config *upki_config_load(const char *path, GError **error);

/* The lines of the file at path over what c holds already: a key set
 * again replaces the lower file's value, a key that may repeat (Kind*,
 * UrlLabel) adds to it, a key the file leaves out keeps its value.
 * FALSE with a GError: G_FILE_ERROR when the file cannot be read (so a
 * caller can tell a missing file, G_FILE_ERROR_NOENT, or an unreadable
 * one, G_FILE_ERROR_ACCES, from a broken one), else UPKI_ERROR_CONFIG
 * naming this file and line.  After FALSE c may hold part of the file:
 * the caller discards it. */
gboolean upki_config_merge_file(upki_config *c, const char *path, GError **error);

/* The system-wide file every program reads by default:
 * SYSCONFDIR/upki-milter.conf (Makefile: SYSCONFDIR, default /etc). */
const char *upki_config_system_file(void);
/* SYSCONFDIR itself, for a front end's own file beside it. */
const char *upki_config_sysconfdir(void);

/* Fills *o for mail being delivered now (upki-milter, `upki-scan
 * --filter`): the signer must be valid now, a signing time older than
 * StaleDays is stale, messages over MaxMessageSize are refused
 * (UPKI_ERROR_TOO_LARGE).  The one place that policy is made, so the
 * front ends cannot drift apart; a front end may change a field after
 * (the milter enforces the size itself).  o->profile points into c and
 * o->verifier is verifier: both must outlive o. */
void upki_config_delivery_options(const upki_config *c, const upki_smime_verifier *verifier,
				  upki_options *o);

/* Copies the budgets of the MIME walk (MaxMimeDepth, MaxMimeParts,
 * MaxTextSize) into o->limits; the delivery options include them. */
void upki_config_limits(const upki_config *c, upki_options *o);

/* The value the file at path gives key (its last "key value" line),
 * without judging any other line: for a front end whose config failed
 * to load and that must still know, say, its AuthservID.  NULL when the
 * file cannot be read or does not set key.  Caller frees. */
char *upki_config_peek(const char *path, const char *key);

#endif

/* config.c - the "Key value" configuration file, driven by one table.
 *
 * The table below is the single place a key is defined: its type, default,
 * allowed values and help text.  Parsing, defaults, `-n` and the man page
 * all come from it, so they cannot drift apart.  Keys that extend the
 * profile (Kind*, *Label) may repeat; every other key set twice keeps the
 * last value, as in OpenDKIM.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "upki/config.h"
#include "upki/error.h"

#define OFF(f) offsetof(upki_config, f)

/* make install puts the templates here (Makefile: PREFIX) */
#ifndef UPKI_TEMPLATE_DIR
#define UPKI_TEMPLATE_DIR "/usr/local/share/upki-notice/templates"
#endif

/* the system file's folder (Makefile: SYSCONFDIR) */
#ifndef UPKI_SYSCONFDIR
#define UPKI_SYSCONFDIR "/etc"
#endif

static const upki_config_key keys[] = {
	{ "Socket", UPKI_CFG_STRING, "local:/run/upki-milter/upki-milter.sock", NULL, OFF(socket),
	  "Socket the milter listens on: unix:/path, local:/path, inet:port@host, inet6:port@host." },
	{ "SocketMode", UPKI_CFG_MODE, "0660", NULL, OFF(socket_mode),
	  "Permissions of a unix-domain socket (octal)." },
	{ "UserID", UPKI_CFG_STRING, NULL, NULL, OFF(user_id),
	  "user[:group] to run as once the socket exists." },
	{ "PidFile", UPKI_CFG_STRING, NULL, NULL, OFF(pid_file),
	  "File to write the daemon's process id to." },
	{ "SyslogFacility", UPKI_CFG_STRING, "mail", NULL, OFF(syslog_facility),
	  "Syslog facility of the daemon's log lines." },
	{ "AuthservID", UPKI_CFG_STRING, NULL, NULL, OFF(authserv_id),
	  "authserv-id in Authentication-Results (default: the host name)." },
	{ "Sender", UPKI_CFG_PROFILE, "ca-support@ml.secom-sts.co.jp", NULL, 0,
	  "From address of genuine notices." },
	{ "RetrievalHost", UPKI_CFG_PROFILE, "scia.secomtrust.net", NULL, 0,
	  "The only host a retrieval URL may name." },
	{ "KindSubject", UPKI_CFG_PROFILE, NULL, NULL, 0,
	  "KIND TITLE: one more subject title (after the [UPKI] tag) for a kind; may repeat." },
	{ "KindFile", UPKI_CFG_PROFILE, NULL, NULL, 0,
	  "KIND FILE: one more retrieval page a kind's URL may name; may repeat." },
	{ "KindMarker", UPKI_CFG_PROFILE, NULL, NULL, 0,
	  "KIND TEXT: one more text whose presence in the signed body confirms a kind; may repeat." },
	{ "UrlLabel", UPKI_CFG_PROFILE, NULL, NULL, 0,
	  "Text that introduces a retrieval URL in the body; may repeat." },
	{ "TrustAnchorFile", UPKI_CFG_STRING, NULL, NULL, OFF(trust_anchor_file),
	  "PEM file of trusted roots (default: the system store)." },
	{ "TrustAnchorDir", UPKI_CFG_STRING, NULL, NULL, OFF(trust_anchor_dir),
	  "Hashed directory of trusted roots (default: the system store)." },
	{ "VerifyTime", UPKI_CFG_CHOICE, "signing", "signing|now", OFF(verify_time),
	  "upki-scan batch: check the signer at the signing time (archives) or now." },
	{ "StaleDays", UPKI_CFG_UINT, "35", NULL, OFF(stale_days),
	  "Milter and upki-scan --filter: a notice signed longer ago than this is suspicious (stale); 0: off." },
	{ "MaxMessageSize", UPKI_CFG_SIZE, "4M", NULL, OFF(max_message_size),
	  "Largest message examined; larger ones pass unchanged (OnOversized)." },
	{ "MaxMimeDepth", UPKI_CFG_UINT, "32", NULL, OFF(max_mime_depth),
	  "Deepest MIME nesting examined; a notice nested deeper is suspicious (too-complex)." },
	{ "MaxMimeParts", UPKI_CFG_UINT, "1000", NULL, OFF(max_mime_parts),
	  "Most MIME parts examined; a notice with more is suspicious (too-complex)." },
	{ "MaxTextSize", UPKI_CFG_SIZE, "8M", NULL, OFF(max_text_size),
	  "Most decoded text examined per message; a notice with more is suspicious (too-complex)." },
	{ "SubjectTag", UPKI_CFG_STRING, "[要注意] ", NULL, OFF(subject_tag),
	  "Prefix added to the Subject of suspicious notices." },
	{ "OnSuspicious", UPKI_CFG_CHOICE, "mark", "mark|quarantine|reject", OFF(on_suspicious),
	  "Milter action for a suspicious notice." },
	{ "RejectText", UPKI_CFG_STRING, "Rejected: this message imitates a UPKI certificate notice",
	  NULL, OFF(reject_text),
	  "OnSuspicious reject: the text of the 550 5.7.1 reply (printable ASCII, no '%'); the "
	  "failed checks go to the log, never to the sender." },
	{ "OnInternalError", UPKI_CFG_CHOICE, "accept", "accept|tempfail", OFF(on_internal_error),
	  "Milter action when the filter itself fails." },
	{ "OnOversized", UPKI_CFG_CHOICE, "accept", "accept|tempfail", OFF(on_oversized),
	  "Milter action for a message over MaxMessageSize." },
	{ "OnParseError", UPKI_CFG_CHOICE, "accept", "accept|tempfail", OFF(on_parse_error),
	  "Milter action for a message that cannot be parsed." },
	{ "OnSpoolError", UPKI_CFG_CHOICE, "tempfail", "accept|tempfail", OFF(on_spool_error),
	  "Milter action when a genuine notice's job cannot be written to the Spool: tempfail "
	  "(the MTA retries, the one-time URL is not lost) or accept (delivered, the job is lost)." },
	{ "Spool", UPKI_CFG_STRING, NULL, NULL, OFF(spool),
	  "Spool directory for the fetch hand-off (unset: no hand-off)." },
	{ "Ledger", UPKI_CFG_STRING, NULL, NULL, OFF(ledger),
	  "Milter and upki-scan --filter: the certificate ledger (SQLite, created 0600) every genuine "
	  "and suspicious notice is recorded in (docs/ledger.md); unset: none. A failed write is "
	  "logged and never changes what happens to the mail." },
	{ "Annotate", UPKI_CFG_CHOICE, "headers", "headers|wrap", OFF(annotate),
	  "Milter and upki-scan --filter: add headers only, or wrap the notice in a message that "
	  "tells the recipient what to do (WrapVerdicts, TemplateDir, WrapContact)." },
	{ "WrapVerdicts", UPKI_CFG_SET, "genuine-issue,genuine-other,suspicious",
	  "genuine-issue|genuine-other|suspicious", OFF(wrap_verdicts),
	  "Annotate wrap: which notices are wrapped (the others get headers only): genuine "
	  "cert-issue and pin-issue, the other genuine kinds, suspicious ones; or none." },
	{ "TemplateDir", UPKI_CFG_STRING, UPKI_TEMPLATE_DIR, NULL, OFF(template_dir),
	  "Annotate wrap: directory of the instruction templates, checked when the config is loaded." },
	{ "WrapContact", UPKI_CFG_STRING, NULL, NULL, OFF(wrap_contact),
	  "Annotate wrap: whom the recipient of a suspicious notice should tell (an address or a "
	  "desk); required when suspicious notices are wrapped." },
	{ "EarlyAccept", UPKI_CFG_CHOICE, "body", "body|headers", OFF(early_accept),
	  "Milter: pass ordinary mail once the body shows no marker (same verdict as upki-scan), "
	  "or at the end of the header (faster; misses look-alike links behind an ordinary "
	  "Subject and From)." },
	{ "LogLevel", UPKI_CFG_CHOICE, "info", "info|debug", OFF(log_level),
	  "Milter: debug adds a line for every message passed early, saying which stage ruled it out." },
	{ "PeerList", UPKI_CFG_STRING, NULL, NULL, OFF(peer_list),
	  "Milter: addresses and networks (IPv4, IPv6, CIDR; file:/path for a list) whose mail is "
	  "passed without examination; forged X-UPKI-Notice headers are still removed." },
	{ "StatsFile", UPKI_CFG_STRING, NULL, NULL, OFF(stats_file),
	  "Milter: counters in Prometheus' text format, replaced atomically every minute, on "
	  "SIGUSR1 and at exit (node_exporter's textfile collector); unset: none." },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const upki_config_key *upki_config_keys(void)
{
	return keys;
}

static const upki_config_key *find_key(const char *name)
{
	for (const upki_config_key *k = keys; k->name; k++)
		if (g_ascii_strcasecmp(k->name, name) == 0)
			return k;
	return NULL;
}

static gboolean parse_uint(const char *v, int base, guint64 max, guint64 *out)
{
	char *end = NULL;

	if (!*v || *v == '-' || *v == '+')
		return FALSE;
	errno = 0;
	guint64 n = g_ascii_strtoull(v, &end, base);
	if (errno || *end || n > max)
		return FALSE;
	*out = n;
	return TRUE;
}

static gboolean parse_size(const char *v, guint64 *out)
{
	char *num = g_strdup(v);
	gsize len = strlen(num);
	guint64 mult = 1;
	gboolean ok = FALSE;

	if (len > 0) {
		switch (g_ascii_tolower(num[len - 1])) {
		case 'k': mult = 1024; break;
		case 'm': mult = 1024 * 1024; break;
		case 'g': mult = 1024 * 1024 * 1024; break;
		}
		if (mult > 1)
			num[len - 1] = '\0';
	}
	guint64 n = 0;
	if (parse_uint(num, 10, G_MAXUINT64 / mult, &n)) {
		*out = n * mult;
		ok = TRUE;
	}
	g_free(num);
	return ok;
}

static gboolean choice_ok(const char *choices, const char *v)
{
	gchar **list = g_strsplit(choices, "|", -1);
	gboolean ok = g_strv_contains((const gchar *const *)list, v);

	g_strfreev(list);
	return ok;
}

/* "KIND REST": splits off the kind; FALSE when the kind is unknown. */
static gboolean split_kind(const char *v, upki_kind *kind, const char **rest)
{
	const char *sp = strpbrk(v, " \t");
	char *name = NULL;

	if (!sp)
		return FALSE;
	name = g_strndup(v, sp - v);
	*kind = upki_kind_from_string(name);
	g_free(name);
	while (*sp == ' ' || *sp == '\t')
		sp++;
	*rest = sp;
	return *kind != UPKI_KIND_NONE && *sp;
}

static gboolean set_profile(upki_profile *p, const char *key, const char *v)
{
	upki_kind kind = UPKI_KIND_NONE;
	const char *rest = NULL;

	if (g_ascii_strcasecmp(key, "Sender") == 0) {
		if (!strchr(v, '@'))
			return FALSE;
		g_free(p->sender);
		p->sender = g_ascii_strdown(v, -1);
	} else if (g_ascii_strcasecmp(key, "RetrievalHost") == 0) {
		g_free(p->host);
		p->host = g_ascii_strdown(v, -1);
	} else if (g_ascii_strcasecmp(key, "UrlLabel") == 0) {
		upki_profile_add(p->url_labels, v);
	} else if (!split_kind(v, &kind, &rest)) {
		return FALSE;
	} else if (g_ascii_strcasecmp(key, "KindSubject") == 0) {
		upki_profile_add(p->subjects[kind], rest);
	} else if (g_ascii_strcasecmp(key, "KindMarker") == 0) {
		upki_profile_add(p->markers[kind], rest);
	} else {
		/* A page of the kind's own is also proof of the kind. */
		upki_profile_add(p->files[kind], rest);
		upki_profile_add(p->markers[kind], rest);
	}
	return TRUE;
}

/* words separated by ',' or blanks, each one of choices; or "none" */
static gboolean set_ok(const char *choices, const char *v)
{
	gchar **words = g_strsplit_set(v, ", \t", -1);
	guint seen = 0;
	gboolean ok = TRUE, none = FALSE;

	for (guint i = 0; ok && words[i]; i++) {
		if (!*words[i])
			continue;
		seen++;
		none = none || g_str_equal(words[i], "none");
		ok = g_str_equal(words[i], "none") || choice_ok(choices, words[i]);
	}
	g_strfreev(words);
	return ok && seen > 0 && (!none || seen == 1);
}

static gboolean set_value(upki_config *c, const upki_config_key *k, const char *v)
{
	char *field = (char *)c + k->offset;
	guint64 n = 0;

	switch (k->type) {
	case UPKI_CFG_PROFILE:
		return set_profile(c->profile, k->name, v);
	case UPKI_CFG_CHOICE:
		if (!choice_ok(k->choices, v))
			return FALSE;
		/* fall through */
	case UPKI_CFG_SET:
		if (k->type == UPKI_CFG_SET && !set_ok(k->choices, v))
			return FALSE;
		/* fall through */
	case UPKI_CFG_STRING:
		g_free(*(char **)field);
		*(char **)field = g_strdup(v);
		return TRUE;
	case UPKI_CFG_UINT:
		if (!parse_uint(v, 10, G_MAXUINT, &n))
			return FALSE;
		*(guint *)field = (guint)n;
		return TRUE;
	case UPKI_CFG_MODE:
		if (!parse_uint(v, 8, 07777, &n))
			return FALSE;
		*(guint *)field = (guint)n;
		return TRUE;
	case UPKI_CFG_SIZE:
		if (!parse_size(v, &n))
			return FALSE;
		*(guint64 *)field = n;
		return TRUE;
	}
	return FALSE;
}

gboolean upki_config_set(upki_config *c, const char *key, const char *value, GError **error)
{
	const upki_config_key *k = find_key(key);

	if (!k) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "unknown key '%s'", key);
		return FALSE;
	}
	if (!set_value(c, k, value)) {
		if (k->type == UPKI_CFG_CHOICE)
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "bad value for %s: '%s' (expected %s)", k->name, value, k->choices);
		else if (k->type == UPKI_CFG_SET)
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "bad value for %s: '%s' (expected words of %s, or none)", k->name,
				    value, k->choices);
		else
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "bad value for %s: '%s'", k->name, value);
		return FALSE;
	}
	return TRUE;
}

upki_config *upki_config_new(void)
{
	upki_config *c = g_new0(upki_config, 1);

	c->profile = upki_profile_new_default();
	for (const upki_config_key *k = keys; k->name; k++)
		if (k->def && k->type != UPKI_CFG_PROFILE)
			set_value(c, k, k->def);
	return c;
}

void upki_config_free(upki_config *c)
{
	if (!c)
		return;
	for (const upki_config_key *k = keys; k->name; k++)
		if (k->type == UPKI_CFG_STRING || k->type == UPKI_CFG_CHOICE || k->type == UPKI_CFG_SET)
			g_free(*(char **)((char *)c + k->offset));
	upki_profile_free(c->profile);
	g_free(c);
}

/* Splits "Key value" (value may hold spaces; surrounding blanks dropped). */
static gboolean split_line(char *line, char **key, char **value)
{
	char *p = line;

	while (*p && !g_ascii_isspace(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*key = line;
	*value = g_strstrip(p);
	return **value != '\0';
}

static gboolean load_lines(upki_config *c, const char *path, char *text, GError **error)
{
	guint lineno = 0;
	char *next = text;

	while (next) {
		char *line = next;
		char *nl = strchr(next, '\n');
		char *key = NULL, *value = NULL;
		GError *err = NULL;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		g_strstrip(line);
		if (!*line)
			continue;
		if (!split_line(line, &key, &value)) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "%s:%u: key '%s' has no value", path, lineno, key);
			return FALSE;
		}
		if (!upki_config_set(c, key, value, &err)) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: %s", path, lineno,
				    err->message);
			g_error_free(err);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean upki_config_merge_file(upki_config *c, const char *path, GError **error)
{
	char *text = NULL;
	gsize len = 0;
	gboolean ok = FALSE;

	if (!g_file_get_contents(path, &text, &len, error))
		goto out;
	if (memchr(text, '\0', len) || !g_utf8_validate(text, len, NULL)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s: not a UTF-8 text file", path);
		goto out;
	}
	ok = load_lines(c, path, text, error);
out:
	g_free(text);
	return ok;
}

upki_config *upki_config_load(const char *path, GError **error)
{
	upki_config *c = upki_config_new();

	if (!upki_config_merge_file(c, path, error)) {
		upki_config_free(c);
		return NULL;
	}
	return c;
}

const char *upki_config_sysconfdir(void)
{
	return UPKI_SYSCONFDIR;
}

const char *upki_config_system_file(void)
{
	return UPKI_SYSCONFDIR "/upki-milter.conf";
}

void upki_config_delivery_options(const upki_config *c, const upki_smime_verifier *verifier,
				  upki_options *o)
{
	memset(o, 0, sizeof *o);
	o->profile = c->profile;
	o->verifier = verifier;
	/* a notice delivered now is good only if its signer is good now,
	 * and a real one replayed long after it was sent is no notice */
	o->verify_time = UPKI_VERIFY_AT_NOW;
	o->stale_days = c->stale_days;
	o->max_size = (gsize)c->max_message_size;
	upki_config_limits(c, o);
}

void upki_config_limits(const upki_config *c, upki_options *o)
{
	o->limits.max_depth = c->max_mime_depth;
	o->limits.max_parts = c->max_mime_parts;
	o->limits.max_text = (gsize)c->max_text_size;
}

/* TRUE when line (trimmed, comment cut) is "key value"; *value is set. */
static gboolean line_sets(char *line, const char *key, char **value)
{
	char *k = NULL, *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	g_strstrip(line);
	if (!*line || !split_line(line, &k, value))
		return FALSE;
	return g_ascii_strcasecmp(k, key) == 0;
}

char *upki_config_peek(const char *path, const char *key)
{
	char *text = NULL, *found = NULL;
	gchar **lines = NULL;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		char *value = NULL;
		if (line_sets(lines[i], key, &value)) {
			g_free(found);
			found = g_strdup(value);
		}
	}
	g_strfreev(lines);
	g_free(text);
	return found;
}

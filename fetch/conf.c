/* conf.c - upki-fetch's configuration file, driven by one table.
 *
 * "Key value" lines as in upki-milter.conf (keys case-insensitive, '#'
 * comments).  The table is the one place a key is defined: type, default,
 * help; parsing, defaults, -n and the man page come from it.  After the
 * lines, checks that need several keys (an action without what it needs,
 * a webhook secret readable by others) point at the line of the key at
 * fault, so -n always says FILE:LINE.  Every key in the table is used:
 * a key that did nothing would be a lie to the administrator.
 *
 * The shared system file (upki-milter.conf, which upki-milter and
 * upki-scan read) gives the keys of shared_keys that this file leaves
 * out, so that the milter and the fetcher agree on one spool without
 * saying it twice: built-in default < the shared file < this file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/config.h"
#include "upki/error.h"
#include "upki-fetch.h"

typedef enum { T_STRING, T_UINT, T_SIZE, T_CHOICE } key_type;

typedef struct key {
	const char *name;
	key_type type;
	const char *def;
	const char *choices;
	gsize offset;
	const char *help;
} key;

#define OFF(f) offsetof(uf_conf, f)
#define ACTIONS "retrieve|exec|webhook|keep"

static const key keys[] = {
	{ "Spool", T_STRING, "/var/spool/upki-notice", NULL, OFF(spool),
	  "The spool directory the milter and upki-scan --spool write (docs/spool.md)." },
	{ "StateFile", T_STRING, "/var/lib/upki-fetch/state.db", NULL, OFF(state_file),
	  "SQLite database of attempts, retry times, PINs and installs; created 0600. Holds access PINs: a secret." },
	{ "Ledger", T_STRING, NULL, NULL, OFF(ledger),
	  "The certificate ledger (upki-milter's and upki-scan's Ledger) where each job's outcome is recorded; unset: none." },
	{ "OutputDir", T_STRING, "/var/lib/upki-fetch/out", NULL, OFF(output_dir),
	  "Where retrieve writes PKCS#12 files, receipts and kept ZIPs, and keep writes jobs (0700)." },
	{ "CertIssueAction", T_CHOICE, "keep", ACTIONS, OFF(cert_action_name),
	  "What to do with a cert-issue job." },
	{ "PinIssueAction", T_CHOICE, "keep", ACTIONS, OFF(pin_action_name),
	  "What to do with a pin-issue job." },
	{ "ExecCommand", T_STRING, NULL, NULL, OFF(exec_command),
	  "exec: absolute path of a program and its arguments (split like a shell would, no shell run)." },
	{ "ExecTimeout", T_UINT, "60", NULL, OFF(exec_timeout),
	  "exec: seconds before the command is killed (and the job retried)." },
	{ "WebhookURL", T_STRING, NULL, NULL, OFF(webhook_url),
	  "webhook: https:// URL the job is POSTed to." },
	{ "WebhookSecretFile", T_STRING, NULL, NULL, OFF(webhook_secret_file),
	  "webhook: file (0600 or 0400) holding the secret as whsec_<base64>." },
	{ "WebhookCAFile", T_STRING, NULL, NULL, OFF(webhook_ca_file),
	  "webhook: PEM anchors for the receiver's certificate (default: the system store)." },
	{ "WebhookTimeout", T_UINT, "30", NULL, OFF(webhook_timeout),
	  "webhook: seconds for the whole request." },
	{ "MaxAttempts", T_UINT, "10", NULL, OFF(max_attempts),
	  "Attempts before a job goes to failed/." },
	{ "RetryDelay", T_UINT, "300", NULL, OFF(retry_delay),
	  "Seconds before the first retry; doubles per attempt up to RetryMaxDelay." },
	{ "RetryMaxDelay", T_UINT, "21600", NULL, OFF(retry_max_delay),
	  "Longest wait between two attempts, seconds." },
	{ "RescanInterval", T_UINT, "300", NULL, OFF(rescan_interval),
	  "-f: seconds between two full scans of the spool besides inotify." },
	{ "ServiceHost", T_STRING, "scia.secomtrust.net", NULL, OFF(service_host),
	  "retrieve: the only host ever contacted." },
	{ "ServiceCAFile", T_STRING, NULL, NULL, OFF(service_ca_file),
	  "retrieve: PEM anchors for the service's TLS certificate (default: the system store)." },
	{ "CertCAFile", T_STRING, NULL, NULL, OFF(cert_ca_file),
	  "retrieve: PEM CA downloaded certificates must chain to (default: the system store)." },
	{ "ServiceConnectTo", T_STRING, NULL, NULL, OFF(connect_to),
	  "retrieve, tests: HOST:PORT:ADDR:PORT (curl CONNECT_TO); names and checks stay the real host's." },
	{ "ConnectTimeout", T_UINT, "20", NULL, OFF(connect_timeout),
	  "retrieve: seconds to connect." },
	{ "RequestTimeout", T_UINT, "120", NULL, OFF(request_timeout),
	  "retrieve: seconds per request." },
	{ "MaxBodySize", T_SIZE, "16M", NULL, OFF(max_body_size),
	  "retrieve: largest response body." },
	{ "MaxZipEntries", T_UINT, "64", NULL, OFF(max_zip_entries),
	  "retrieve: most files in a ZIP." },
	{ "MaxZipSize", T_SIZE, "64M", NULL, OFF(max_zip_size),
	  "retrieve: most bytes of a ZIP's files together, uncompressed." },
	{ "MaxJobSize", T_SIZE, "64k", NULL, OFF(max_job_size),
	  "Largest job file read from the spool." },
	{ "SyslogFacility", T_STRING, "mail", NULL, OFF(syslog_facility),
	  "Syslog facility of the log lines." },
	{ "StatsFile", T_STRING, NULL, NULL, OFF(stats_file),
	  "Counters in Prometheus' text format, replaced atomically every minute, on SIGUSR1 and "
	  "at exit (node_exporter's textfile collector); unset: none." },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

#define NKEYS (G_N_ELEMENTS(keys) - 1)

/* Keys the shared file gives when this file does not set them (the same
 * name and meaning in upki-milter.conf(5)). */
static const char *const shared_keys[] = { "Spool", "Ledger", NULL };

/* The line each key was last set on, for errors found after parsing. */
typedef struct loading {
	const char *path;
	guint line[NKEYS];
} loading;

static const key *find_key(const char *name, gsize *index)
{
	for (gsize i = 0; keys[i].name; i++)
		if (g_ascii_strcasecmp(keys[i].name, name) == 0) {
			*index = i;
			return &keys[i];
		}
	return NULL;
}

static gboolean parse_uint(const char *v, guint64 max, guint64 *out)
{
	char *end = NULL;
	guint64 n = 0;

	if (!g_ascii_isdigit(*v))
		return FALSE;
	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return FALSE;
	*out = n;
	return TRUE;
}

static gboolean parse_size(const char *v, guint64 *out)
{
	char *num = g_strdup(v);
	gsize len = strlen(num);
	guint64 mult = 1, n = 0;
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
	if (parse_uint(num, G_MAXUINT64 / mult, &n)) {
		*out = n * mult;
		ok = TRUE;
	}
	g_free(num);
	return ok;
}

static gboolean set_value(uf_conf *c, const key *k, const char *v)
{
	char *field = (char *)c + k->offset;
	guint64 n = 0;
	gchar **list = NULL;
	gboolean ok = FALSE;

	switch (k->type) {
	case T_CHOICE:
		list = g_strsplit(k->choices, "|", -1);
		ok = g_strv_contains((const gchar *const *)list, v);
		g_strfreev(list);
		if (!ok)
			return FALSE;
		/* fall through */
	case T_STRING:
		g_free(*(char **)field);
		*(char **)field = g_strdup(v);
		return TRUE;
	case T_UINT:
		if (!parse_uint(v, G_MAXUINT, &n))
			return FALSE;
		*(guint *)field = (guint)n;
		return TRUE;
	case T_SIZE:
		if (!parse_size(v, &n))
			return FALSE;
		*(guint64 *)field = n;
		return TRUE;
	}
	return FALSE;
}

static gboolean fail_at(const loading *l, const char *keyname, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static gboolean fail_at(const loading *l, const char *keyname, GError **error, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	gsize i = 0;
	guint line = keyname && find_key(keyname, &i) ? l->line[i] : 0;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line)
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: %s", l->path, line, msg);
	else
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s: %s",
			    l->path ? l->path : "defaults", msg);
	g_free(msg);
	return FALSE;
}

static gboolean load_line(uf_conf *c, loading *l, char *line, guint lineno, GError **error)
{
	char *hash = strchr(line, '#'), *value = line;
	const key *k = NULL;
	gsize i = 0;

	if (hash)
		*hash = '\0';
	g_strstrip(line);
	if (!*line)
		return TRUE;
	while (*value && !g_ascii_isspace(*value))
		value++;
	if (*value)
		*value++ = '\0';
	g_strstrip(value);
	k = find_key(line, &i);
	if (!k) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: unknown key '%s'", l->path,
			    lineno, line);
		return FALSE;
	}
	if (!*value || !set_value(c, k, value)) {
		if (k->choices)
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "%s:%u: bad value for %s: '%s' (expected %s)", l->path, lineno,
				    k->name, value, k->choices);
		else
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: bad value for %s: '%s'",
				    l->path, lineno, k->name, value);
		return FALSE;
	}
	l->line[i] = lineno;
	return TRUE;
}

static gboolean load_file(uf_conf *c, loading *l, GError **error)
{
	char *text = NULL;
	gsize len = 0;
	gchar **lines = NULL;
	gboolean ok = TRUE;

	if (!g_file_get_contents(l->path, &text, &len, error))
		return FALSE;
	if (memchr(text, '\0', len) || !g_utf8_validate(text, len, NULL)) {
		g_free(text);
		return fail_at(l, NULL, error, "not a UTF-8 text file");
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; ok && lines[i]; i++)
		ok = load_line(c, l, lines[i], i + 1, error);
	g_strfreev(lines);
	g_free(text);
	return ok;
}

static uf_action action_of(const char *name)
{
	if (g_strcmp0(name, "retrieve") == 0)
		return UF_ACT_RETRIEVE;
	if (g_strcmp0(name, "exec") == 0)
		return UF_ACT_EXEC;
	if (g_strcmp0(name, "webhook") == 0)
		return UF_ACT_WEBHOOK;
	return UF_ACT_KEEP;
}

static gboolean uses(const uf_conf *c, uf_action a)
{
	return c->cert_action == a || c->pin_action == a;
}

/* The action key that names a (for errors). */
static const char *action_key(const uf_conf *c, uf_action a)
{
	return c->cert_action == a ? "CertIssueAction" : "PinIssueAction";
}

static gboolean check_exec(uf_conf *c, const loading *l, GError **error)
{
	GError *err = NULL;

	if (!uses(c, UF_ACT_EXEC))
		return TRUE;
	if (!c->exec_command)
		return fail_at(l, action_key(c, UF_ACT_EXEC), error, "action exec needs ExecCommand");
	if (!g_shell_parse_argv(c->exec_command, NULL, &c->exec_argv, &err)) {
		fail_at(l, "ExecCommand", error, "ExecCommand: %s", err->message);
		g_error_free(err);
		return FALSE;
	}
	if (!g_path_is_absolute(c->exec_argv[0]) || access(c->exec_argv[0], X_OK) != 0)
		return fail_at(l, "ExecCommand", error, "ExecCommand: %s is not an absolute path to "
			       "an executable", c->exec_argv[0]);
	if (c->exec_timeout == 0)
		return fail_at(l, "ExecTimeout", error, "ExecTimeout must be at least 1");
	return TRUE;
}

/* The secret file must be the daemon's alone: it signs what receivers trust. */
static gboolean load_secret(uf_conf *c, const loading *l, GError **error)
{
	struct stat st;
	char *text = NULL;
	gboolean ok = FALSE;

	if (stat(c->webhook_secret_file, &st) != 0)
		return fail_at(l, "WebhookSecretFile", error, "WebhookSecretFile %s: %s",
			       c->webhook_secret_file, g_strerror(errno));
	if (st.st_mode & 077)
		return fail_at(l, "WebhookSecretFile", error, "WebhookSecretFile %s: readable by "
			       "others (mode %04o), wanted 0600", c->webhook_secret_file,
			       (unsigned)(st.st_mode & 07777));
	if (!g_file_get_contents(c->webhook_secret_file, &text, NULL, NULL))
		return fail_at(l, "WebhookSecretFile", error, "WebhookSecretFile %s: cannot read it",
			       c->webhook_secret_file);
	c->webhook_key = uf_webhook_decode_secret(g_strstrip(text), &c->webhook_key_len);
	ok = c->webhook_key != NULL;
	if (!ok)
		fail_at(l, "WebhookSecretFile", error, "WebhookSecretFile %s: not whsec_<base64>",
			c->webhook_secret_file);
	memset(text, 0, strlen(text));
	g_free(text);
	return ok;
}

static gboolean check_webhook(uf_conf *c, const loading *l, GError **error)
{
	if (!uses(c, UF_ACT_WEBHOOK))
		return TRUE;
	if (!c->webhook_url || !c->webhook_secret_file)
		return fail_at(l, action_key(c, UF_ACT_WEBHOOK), error,
			       "action webhook needs WebhookURL and WebhookSecretFile");
	if (!g_str_has_prefix(c->webhook_url, "https://") || !c->webhook_url[8])
		return fail_at(l, "WebhookURL", error, "WebhookURL must be an https:// URL");
	if (c->webhook_ca_file && access(c->webhook_ca_file, R_OK) != 0)
		return fail_at(l, "WebhookCAFile", error, "WebhookCAFile %s: %s", c->webhook_ca_file,
			       g_strerror(errno));
	return load_secret(c, l, error);
}

/* HOST:PORT:ADDR:PORT, ADDR possibly [v6]; HOST empty or ServiceHost. */
static gboolean connect_to_ok(const uf_conf *c)
{
	gchar **f = g_strsplit(c->connect_to, ":", 3);
	gboolean ok = g_strv_length(f) == 3 && (!*f[0] || g_ascii_strcasecmp(f[0], c->service_host) == 0) &&
		      strrchr(f[2], ':') && g_ascii_isdigit(strrchr(f[2], ':')[1]);

	g_strfreev(f);
	return ok;
}

static gboolean check_retrieve(uf_conf *c, const loading *l, GError **error)
{
	const char *files[] = { "ServiceCAFile", "CertCAFile" };
	const char *paths[] = { c->service_ca_file, c->cert_ca_file };

	if (!uses(c, UF_ACT_RETRIEVE))
		return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++)
		if (paths[i] && access(paths[i], R_OK) != 0)
			return fail_at(l, files[i], error, "%s %s: %s", files[i], paths[i],
				       g_strerror(errno));
	if (c->connect_to && !connect_to_ok(c))
		return fail_at(l, "ServiceConnectTo", error,
			       "ServiceConnectTo must be HOST:PORT:ADDR:PORT with HOST %s",
			       c->service_host);
	return TRUE;
}

static gboolean check(uf_conf *c, const loading *l, GError **error)
{
	c->cert_action = action_of(c->cert_action_name);
	c->pin_action = action_of(c->pin_action_name);
	if (uf_log_facility(c->syslog_facility) < 0)
		return fail_at(l, "SyslogFacility", error, "SyslogFacility: unknown facility '%s'",
			       c->syslog_facility);
	if (c->max_attempts == 0)
		return fail_at(l, "MaxAttempts", error, "MaxAttempts must be at least 1");
	if (c->retry_max_delay < c->retry_delay)
		return fail_at(l, "RetryMaxDelay", error, "RetryMaxDelay is below RetryDelay");
	if (c->rescan_interval == 0)
		return fail_at(l, "RescanInterval", error, "RescanInterval must be at least 1");
	if (!g_path_is_absolute(c->spool) || !g_path_is_absolute(c->state_file) ||
	    !g_path_is_absolute(c->output_dir))
		return fail_at(l, "Spool", error, "Spool, StateFile and OutputDir must be absolute paths");
	if (c->stats_file && !g_path_is_absolute(c->stats_file))
		return fail_at(l, "StatsFile", error, "StatsFile must be an absolute path");
	if (c->ledger && !g_path_is_absolute(c->ledger))
		return fail_at(l, "Ledger", error, "Ledger must be an absolute path");
	return check_exec(c, l, error) && check_webhook(c, l, error) && check_retrieve(c, l, error);
}

/* The keys of shared_keys that this file left out, from the shared file
 * (the last line that sets each, as upki-milter reads it; its other
 * lines are the milter's business).  An absent file is no error; one
 * that cannot be read is noted in c->shared_note. */
static gboolean load_shared(uf_conf *c, const loading *l, GError **error)
{
	GString *used = g_string_new(NULL);

	if (access(c->shared_file, R_OK) != 0) {
		if (errno != ENOENT)
			c->shared_note = g_strdup_printf("cannot read %s (%s); its shared keys are "
							 "not used", c->shared_file, g_strerror(errno));
		g_string_free(used, TRUE);
		return TRUE;
	}
	c->shared_read = TRUE;
	for (gsize j = 0; shared_keys[j]; j++) {
		gsize i = 0;
		const key *k = find_key(shared_keys[j], &i);
		char *v = l->line[i] ? NULL : upki_config_peek(c->shared_file, k->name);
		if (!v)
			continue;
		if (!set_value(c, k, v) || ((k->offset == OFF(spool) || k->offset == OFF(ledger)) && !g_path_is_absolute(v))) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s: bad value for %s: "
				    "'%s' (an absolute path)", c->shared_file, k->name, v);
			g_free(v);
			g_string_free(used, TRUE);
			return FALSE;
		}
		g_string_append_printf(used, "%s%s", used->len ? " " : "", k->name);
		g_free(v);
	}
	c->shared_used = g_string_free(used, FALSE);
	return TRUE;
}

/* The file Spool came from, NULL: the built-in default. */
static const char *spool_origin(const uf_conf *c, const loading *l)
{
	gsize i = 0;

	find_key("Spool", &i);
	if (l->line[i])
		return l->path;
	if (c->shared_used && strstr(c->shared_used, "Spool"))
		return c->shared_file;
	return NULL;
}

uf_conf *uf_conf_load(const char *path, const char *shared, GError **error)
{
	uf_conf *c = g_new0(uf_conf, 1);
	loading l = { .path = path };

	for (const key *k = keys; k->name; k++)
		if (k->def)
			set_value(c, k, k->def);
	c->path = g_strdup(path);
	c->shared_file = g_strdup(shared);
	if ((path && !load_file(c, &l, error)) || (shared && !load_shared(c, &l, error)) ||
	    !check(c, &l, error)) {
		uf_conf_free(c);
		return NULL;
	}
	c->spool_from = g_strdup(spool_origin(c, &l));
	return c;
}

void uf_conf_free(uf_conf *c)
{
	if (!c)
		return;
	for (const key *k = keys; k->name; k++)
		if (k->type == T_STRING || k->type == T_CHOICE)
			g_free(*(char **)((char *)c + k->offset));
	g_strfreev(c->exec_argv);
	if (c->webhook_key)
		memset(c->webhook_key, 0, c->webhook_key_len);
	g_free(c->webhook_key);
	g_free(c->path);
	g_free(c->shared_file);
	g_free(c->shared_note);
	g_free(c->shared_used);
	g_free(c->spool_from);
	g_free(c);
}

uf_action uf_conf_action_for(const uf_conf *c, const char *kind)
{
	return g_strcmp0(kind, "pin-issue") == 0 ? c->pin_action : c->cert_action;
}

const char *uf_action_name(uf_action a)
{
	static const char *const names[] = { "retrieve", "exec", "webhook", "keep" };

	return a <= UF_ACT_KEEP ? names[a] : "keep";
}

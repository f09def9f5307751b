/* conf.c - the milter's configuration as one read-only, counted object.
 *
 * libupki's table (parser/config.c) parses the file; this adds what only
 * the milter checks (syslog facility, socket spec, user, authserv-id) and
 * builds the verifier, so that `-n` and a SIGHUP reload find every error
 * before anything is replaced.  A message takes a reference at its first
 * header and drops it at its end: a reload never changes the rules in the
 * middle of a message, and the old configuration goes away with the last
 * message that used it.
 */
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "upki/error.h"
#include "upki-milter.h"

static GMutex current_lock;
static um_conf *current;

const char *um_failure_name(um_failure f)
{
	static const char *const names[UM_FAIL_COUNT] = {
		[UM_FAIL_INTERNAL] = "internal-error",
		[UM_FAIL_OVERSIZED] = "oversized",
		[UM_FAIL_PARSE] = "parse-error",
		[UM_FAIL_SPOOL] = "spool-error",
	};
	return f < UM_FAIL_COUNT ? names[f] : "internal-error";
}

/* The line that last set key in path, 0 when none (errors found after
 * parsing still point at a line, as parse errors do). */
static guint key_line(const char *path, const char *key)
{
	char *text = NULL;
	gchar **lines = NULL;
	guint found = 0;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];
		gsize klen = strlen(key);
		while (*l == ' ' || *l == '\t')
			l++;
		if (g_ascii_strncasecmp(l, key, klen) == 0 && (l[klen] == ' ' || l[klen] == '\t'))
			found = i + 1;
	}
	g_strfreev(lines);
	g_free(text);
	return found;
}

gboolean um_conf_fail_at(const char *path, const char *key, GError **error, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	guint line = key_line(path, key);

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line)
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: %s", path, line, msg);
	else
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s: %s", path ? path : "defaults",
			    msg);
	g_free(msg);
	return FALSE;
}

const char *um_socket_path(const char *spec)
{
	if (g_str_has_prefix(spec, "unix:") || g_str_has_prefix(spec, "local:"))
		return strchr(spec, ':') + 1;
	return spec[0] == '/' ? spec : NULL;
}

static gboolean socket_ok(const char *spec)
{
	const char *at = NULL;

	if (g_str_has_prefix(spec, "unix:") || g_str_has_prefix(spec, "local:"))
		return strchr(spec, ':')[1] == '/';
	if (spec[0] == '/')
		return TRUE;
	if (!g_str_has_prefix(spec, "inet:") && !g_str_has_prefix(spec, "inet6:"))
		return FALSE;
	spec = strchr(spec, ':') + 1;
	at = strchr(spec, '@');
	if (at == spec)
		return FALSE;
	for (const char *p = spec; *p && p != at; p++)
		if (!g_ascii_isdigit(*p))
			return FALSE;
	return atoi(spec) > 0 && atoi(spec) < 65536;
}

static gboolean user_ok(const char *spec, char **why)
{
	gchar **parts = g_strsplit(spec, ":", 2);
	gboolean ok = FALSE;

	if (!*parts[0] || !getpwnam(parts[0])) {
		*why = g_strdup_printf("UserID: no user '%s'", parts[0]);
		goto out;
	}
	if (parts[1] && (!*parts[1] || !getgrnam(parts[1]))) {
		*why = g_strdup_printf("UserID: no group '%s'", parts[1]);
		goto out;
	}
	ok = TRUE;
out:
	g_strfreev(parts);
	return ok;
}

/* An SMTP reply line is at most 512 octets with its code; libmilter
 * treats '%' specially and refuses CR and LF. */
#define MAX_REPLY_TEXT 400

static gboolean reply_text_ok(const char *t)
{
	if (!t || strlen(t) > MAX_REPLY_TEXT)
		return FALSE;
	for (; *t; t++)
		if (*t < 0x20 || *t > 0x7e || *t == '%')
			return FALSE;
	return TRUE;
}

static char *host_name(void)
{
	char buf[256] = "";

	if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0])
		return g_strdup("localhost");
	return g_strdup(buf);
}

/* Checks what libupki's table cannot know and fills the derived fields. */
static gboolean finish(um_conf *c, GError **error)
{
	upki_config *cfg = c->cfg;
	char *why = NULL;

	c->facility = um_log_facility(cfg->syslog_facility);
	if (c->facility < 0)
		return um_conf_fail_at(c->path, "SyslogFacility", error, "SyslogFacility: unknown facility '%s'",
			       cfg->syslog_facility);
	if (!socket_ok(cfg->socket))
		return um_conf_fail_at(c->path, "Socket", error,
			       "Socket: '%s' is not unix:/path, local:/path, inet:port@host or "
			       "inet6:port@host", cfg->socket);
	if (cfg->user_id && !user_ok(cfg->user_id, &why)) {
		um_conf_fail_at(c->path, "UserID", error, "%s", why);
		g_free(why);
		return FALSE;
	}
	if (!reply_text_ok(cfg->reject_text))
		return um_conf_fail_at(c->path, "RejectText", error,
				       "RejectText: printable ASCII only, at most %d characters, no '%%' "
				       "(it is an SMTP reply)", MAX_REPLY_TEXT);
	c->authserv_id = cfg->authserv_id ? g_strdup(cfg->authserv_id) : host_name();
	if (!upki_annotate_authserv_id_ok(c->authserv_id))
		return um_conf_fail_at(c->path, "AuthservID", error,
			       "AuthservID: '%s' is not a valid authserv-id (a host name is)",
			       c->authserv_id);
	if (cfg->stats_file && !g_path_is_absolute(cfg->stats_file))
		return um_conf_fail_at(c->path, "StatsFile", error, "StatsFile: '%s' is not an absolute path",
				       cfg->stats_file);
	c->on_suspicious = g_str_equal(cfg->on_suspicious, "reject") ? UM_ON_SUSP_REJECT
			   : g_str_equal(cfg->on_suspicious, "quarantine") ? UM_ON_SUSP_QUARANTINE
			   : UM_ON_SUSP_MARK;
	c->on_fail[UM_FAIL_INTERNAL] = g_str_equal(cfg->on_internal_error, "tempfail");
	c->on_fail[UM_FAIL_OVERSIZED] = g_str_equal(cfg->on_oversized, "tempfail");
	c->on_fail[UM_FAIL_PARSE] = g_str_equal(cfg->on_parse_error, "tempfail");
	c->on_fail[UM_FAIL_SPOOL] = g_str_equal(cfg->on_spool_error, "tempfail");
	return TRUE;
}

/* Each error names its own line: with both keys set, the directory is
 * tried alone; if it fails, its error is the TrustAnchorDir line's, else
 * the file is what is wrong. */
static gboolean build_verifier(um_conf *c, GError **error)
{
	const char *file = c->cfg->trust_anchor_file, *dir = c->cfg->trust_anchor_dir;
	const char *key = file ? "TrustAnchorFile" : "TrustAnchorDir";
	upki_smime_verifier *probe = NULL;
	GError *err = NULL, *dir_err = NULL;

	c->verifier = upki_smime_verifier_new(file, dir, &err);
	if (c->verifier)
		return TRUE;
	if (file && dir) {
		probe = upki_smime_verifier_new(NULL, dir, &dir_err);
		if (!probe) {
			key = "TrustAnchorDir";
			g_error_free(err);
			err = dir_err;
		}
		upki_smime_verifier_free(probe);
	}
	um_conf_fail_at(c->path, key, error, "trust anchors: %s", err->message);
	g_error_free(err);
	return FALSE;
}

/* Annotate wrap: the templates are checked now, so that -n and a reload
 * refuse a broken one (its file and line in the message). */
static gboolean build_wrapper(um_conf *c, GError **error)
{
	GError *err = NULL;

	if (!g_str_equal(c->cfg->annotate, "wrap"))
		return TRUE;
	c->wrapper = upki_wrapper_new(c->cfg, c->authserv_id, &err);
	if (c->wrapper)
		return TRUE;
	um_conf_fail_at(c->path, "Annotate", error, "Annotate wrap: %s", err->message);
	g_error_free(err);
	return FALSE;
}

/* PeerList is read (its files included) when the configuration is: -n
 * names a bad entry, a reload rereads the files. */
static gboolean build_peers(um_conf *c, GError **error)
{
	GError *err = NULL;

	if (!c->cfg->peer_list)
		return TRUE;
	c->peers = upki_peerlist_new(c->cfg->peer_list, &err);
	if (c->peers)
		return TRUE;
	um_conf_fail_at(c->path, "PeerList", error, "%s", err->message);
	g_error_free(err);
	return FALSE;
}

static gboolean set_overrides(um_conf *c, char *const *overrides, GError **error)
{
	GError *err = NULL;

	for (guint i = 0; overrides && overrides[i] && overrides[i + 1]; i += 2) {
		if (!upki_config_set(c->cfg, overrides[i], overrides[i + 1], &err)) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "command line: %s",
				    err->message);
			g_error_free(err);
			return FALSE;
		}
	}
	return TRUE;
}

um_conf *um_conf_load(const char *path, char *const *overrides, GError **error)
{
	um_conf *c = g_new0(um_conf, 1);

	c->refs = 1;
	/* the default file may be absent (defaults); a named one must exist */
	if (!path && !g_file_test(UPKI_MILTER_DEFAULT_CONF, G_FILE_TEST_EXISTS))
		c->cfg = upki_config_new();
	else {
		c->path = g_strdup(path ? path : UPKI_MILTER_DEFAULT_CONF);
		c->cfg = upki_config_load(c->path, error);
	}
	if (!c->cfg || !set_overrides(c, overrides, error) || !finish(c, error) ||
	    !build_peers(c, error) || !build_verifier(c, error) || !build_wrapper(c, error)) {
		um_conf_unref(c);
		return NULL;
	}
	/* the same delivery-time policy as upki-scan --filter */
	upki_config_delivery_options(c->cfg, c->verifier, &c->opts);
	/* the milter enforces the limit itself while buffering */
	c->opts.max_size = 0;
	c->prefilter = upki_prefilter_new(c->cfg->profile);
	c->accept_at_eoh = g_str_equal(c->cfg->early_accept, "headers");
	c->log_why = g_str_equal(c->cfg->log_level, "debug");
	c->annotate.authserv_id = c->authserv_id;
	c->annotate.subject_tag = c->cfg->subject_tag;
	return c;
}

um_conf *um_conf_ref(um_conf *c)
{
	g_atomic_int_inc(&c->refs);
	return c;
}

void um_conf_unref(um_conf *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->refs))
		return;
	upki_prefilter_free(c->prefilter);
	upki_peerlist_free(c->peers);
	upki_wrapper_free(c->wrapper);
	upki_smime_verifier_free(c->verifier);
	upki_config_free(c->cfg);
	g_free(c->authserv_id);
	g_free(c->path);
	g_free(c);
}

void um_conf_install(um_conf *c)
{
	um_conf *old = NULL;

	g_mutex_lock(&current_lock);
	old = current;
	current = c;
	g_mutex_unlock(&current_lock);
	um_conf_unref(old);
}

um_conf *um_conf_acquire(void)
{
	um_conf *c = NULL;

	g_mutex_lock(&current_lock);
	if (current)
		c = um_conf_ref(current);
	g_mutex_unlock(&current_lock);
	return c;
}

/* conf.c - the config files upki-scan reads, one over the other (conf.h):
 * the driver's helper; it calls msg.c only.
 *
 * Without --config: the system file (upki_config_system_file(), the one
 * upki-milter reads; UPKI_SYSTEM_CONFIG names another, for tests), then
 * the user's own file (XDG_CONFIG_HOME, default ~/.config, then
 * upki-notice/upki.conf) over it; either may be absent.  With --config
 * FILE (repeatable): those files alone, in order, each of which must
 * exist: the same rule as upki-milter -c and upki-fetch -c, a file named
 * is the whole config.  A later file's key wins; keys that may repeat add.
 *
 * A default file the user may not read (the system one made 0640, a HOME
 * that is someone else's) is said once on stderr and the run goes on
 * without it: a procmail filter must still mark mail.  Any other error
 * in any file stops the setup, naming the file and line.  The
 * library never reads the environment: this file does, for the paths.
 */
#include <string.h>

#include "upki/error.h"
#include "conf.h"
#include "msg.h"

const char *scan_conf_system_file(void)
{
	const char *env = g_getenv("UPKI_SYSTEM_CONFIG");

	return env && *env ? env : upki_config_system_file();
}

char *scan_conf_user_file(void)
{
	return g_build_filename(g_get_user_config_dir(), "upki-notice", "upki.conf", NULL);
}

/* The files to read, in order: (path, must exist) pairs. */
static GPtrArray *layers(const scan_args *a, GArray *required)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	gboolean yes = TRUE, no = FALSE;

	if (a->config && a->config[0]) {
		for (guint i = 0; a->config[i]; i++) {
			g_ptr_array_add(files, g_strdup(a->config[i]));
			g_array_append_val(required, yes);
		}
		return files;
	}
	g_ptr_array_add(files, g_strdup(scan_conf_system_file()));
	g_array_append_val(required, no);
	g_ptr_array_add(files, scan_conf_user_file());
	g_array_append_val(required, no);
	return files;
}

/* One layer onto cfg.  FALSE only for an error that stops the setup. */
static gboolean merge(upki_config *cfg, const char *path, gboolean required, gboolean system,
		      GPtrArray *read)
{
	GError *err = NULL;

	if (upki_config_merge_file(cfg, path, &err)) {
		g_ptr_array_add(read, g_strdup(path));
		return TRUE;
	}
	if (!required && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		g_error_free(err);
		return TRUE;
	}
	if (!required && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ACCES)) {
		scan_msg("warning: %s; going on without the %s config", err->message,
			 system ? "system" : "user's");
		g_error_free(err);
		return TRUE;
	}
	scan_msg("%s", err->message);
	g_error_free(err);
	return FALSE;
}

upki_config *scan_conf_load(const scan_args *a, GPtrArray *read)
{
	GArray *required = g_array_new(FALSE, FALSE, sizeof(gboolean));
	GPtrArray *files = layers(a, required);
	gboolean defaults = !(a->config && a->config[0]);
	upki_config *cfg = upki_config_new();

	for (guint i = 0; i < files->len; i++) {
		if (!merge(cfg, files->pdata[i], g_array_index(required, gboolean, i),
			   defaults && i == 0, read)) {
			upki_config_free(cfg);
			cfg = NULL;
			break;
		}
		/* An archive scan hands off only when asked: --spool, or a Spool
		 * in a file named by --config, as before there were defaults. */
		if (defaults && !a->filter)
			g_clear_pointer(&cfg->spool, g_free);
	}
	g_ptr_array_unref(files);
	g_array_unref(required);
	return cfg;
}

char *scan_conf_peek(const scan_args *a, const char *key)
{
	GArray *required = g_array_new(FALSE, FALSE, sizeof(gboolean));
	GPtrArray *files = layers(a, required);
	char *found = NULL;

	for (guint i = 0; i < files->len; i++) {
		char *v = upki_config_peek(files->pdata[i], key);
		if (v) {
			g_free(found);
			found = v;
		}
	}
	g_ptr_array_unref(files);
	g_array_unref(required);
	return found;
}

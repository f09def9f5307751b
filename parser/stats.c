/* stats.c - Prometheus text format and the atomic write of the file
 * node_exporter's textfile collector reads (include/upki/stats.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "upki/stats.h"

static gboolean name_chars_ok(const char *name, gboolean colon)
{
	if (!name || !*name || g_ascii_isdigit(*name))
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && !(colon && *p == ':'))
			return FALSE;
	return TRUE;
}

gboolean upki_stats_name_ok(const char *name)
{
	return name_chars_ok(name, TRUE);
}

gboolean upki_stats_label_ok(const char *name)
{
	/* names beginning with "__" are the server's own */
	return name_chars_ok(name, FALSE) && !g_str_has_prefix(name, "__");
}

/* HELP text: backslash and newline escaped (quotes stay). */
static void escape_help(GString *out, const char *help)
{
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

void upki_stats_escape_label(GString *out, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

void upki_stats_family(GString *out, const char *name, upki_stats_type type, const char *help)
{
	g_return_if_fail(upki_stats_name_ok(name));
	g_return_if_fail(type != UPKI_STATS_COUNTER || g_str_has_suffix(name, "_total"));
	g_string_append_printf(out, "# HELP %s ", name);
	escape_help(out, help ? help : "");
	g_string_append_printf(out, "\n# TYPE %s %s\n", name,
			       type == UPKI_STATS_COUNTER ? "counter" : "gauge");
}

void upki_stats_sample(GString *out, const char *name, const char *const *labels, guint64 value)
{
	g_return_if_fail(upki_stats_name_ok(name));
	g_string_append(out, name);
	for (guint i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
		g_return_if_fail(upki_stats_label_ok(labels[i]));
		g_string_append_printf(out, "%s%s=\"", i == 0 ? "{" : ",", labels[i]);
		upki_stats_escape_label(out, labels[i + 1]);
		g_string_append_c(out, '"');
	}
	if (labels && labels[0] && labels[1])
		g_string_append_c(out, '}');
	g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", value);
}

static gboolean fail(const char *path, int err, const char *what, GError **error)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s: %s", path, what,
		    g_strerror(err));
	return FALSE;
}

static gboolean write_all(int fd, const char *text, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return FALSE;
		}
		text += n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean upki_stats_write_file(const char *path, const char *text, gsize len, GError **error)
{
	char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
	char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	int fd = -1, dfd = -1, err = 0;
	const char *what = NULL;
	gboolean ok = FALSE;

	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		what = "cannot create a temporary file beside it";
		g_clear_pointer(&tmp, g_free);
		goto out;
	}
	/* the umask (upki-fetch runs under 077) would hide the counters
	 * from node_exporter, which runs as a user of its own */
	if (fchmod(fd, 0644) != 0 || !write_all(fd, text, len) || fsync(fd) != 0) {
		err = errno;
		what = "cannot write it";
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = errno;
		what = "cannot write it";
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err = errno;
		what = "cannot rename the temporary file over it";
		goto out;
	}
	g_clear_pointer(&tmp, g_free);
	/* the rename itself survives a crash only once the directory is synced */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ok = TRUE;
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		g_unlink(tmp);
	if (!ok)
		fail(path, err, what, error);
	g_free(tmp);
	g_free(dir);
	g_free(base);
	return ok;
}

upki_stats_note upki_stats_writer_put(upki_stats_writer *w, const char *path, const char *text,
				      gsize len, gint64 now, GError **error)
{
	GError *err = NULL;
	gboolean was_failing = w->failing;

	if (upki_stats_write_file(path, text, len, &err)) {
		w->failing = FALSE;
		return was_failing ? UPKI_STATS_RECOVERED : UPKI_STATS_QUIET;
	}
	w->failing = TRUE;
	if (was_failing && now - w->last_said < UPKI_STATS_FAIL_SECONDS) {
		g_error_free(err);
		return UPKI_STATS_QUIET;
	}
	w->last_said = now;
	g_propagate_error(error, err);
	return UPKI_STATS_FAILED;
}

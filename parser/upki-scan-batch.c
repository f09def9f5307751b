/* upki-scan-batch.c - the walk over PATH arguments.
 *
 * Today each PATH is one message file (or stdin); mbox, Maildir,
 * directories and -j come with the batch work (issue 4).  Reading is
 * bounded by MaxMessageSize so a huge file is refused without being
 * loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki-scan.h"

/* Reads all of fd, but never more than max bytes (+1 to tell "over"). */
static GByteArray *read_bounded(int fd, gsize max, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s",
				    g_strerror(errno));
			g_byte_array_unref(buf);
			return NULL;
		}
		if (n == 0)
			return buf;
		g_byte_array_append(buf, chunk, (guint)n);
		if (max && buf->len > max)
			return buf;
	}
}

static GByteArray *read_input(const char *path, gsize max, GError **error)
{
	gboolean is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	GByteArray *buf = NULL;

	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s", g_strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
			    "is a directory (give message files)");
		goto out;
	}
	buf = read_bounded(fd, max, error);
out:
	if (!is_stdin)
		close(fd);
	return buf;
}

static void scan_one(scanner *s, const char *path, GString *out)
{
	upki_report_where w = { .source = path, .index = 0, .offset = 0 };
	GError *err = NULL;
	GByteArray *buf = read_input(path, s->opts.max_size, &err);
	upki_notice *n = NULL;

	if (!buf) {
		scan_format_error(s, &w, err->message, out);
		goto out;
	}
	n = upki_notice_analyze((const char *)buf->data, buf->len, &s->opts, &err);
	if (!n) {
		scan_format_error(s, &w, err->message, out);
		goto out;
	}
	scan_format_notice(s, n, &w, out);
out:
	upki_notice_free(n);
	if (buf)
		g_byte_array_unref(buf);
	g_clear_error(&err);
}

int scan_batch_run(scanner *s)
{
	char *stdin_only[] = { "-", NULL };
	char **paths = s->a->paths && s->a->paths[0] ? s->a->paths : stdin_only;
	GString *out = g_string_new(NULL);

	if (s->a->format == FORMAT_CSV && !s->a->check)
		g_string_append_printf(out, "%s\n", upki_report_csv_header());
	for (char **p = paths; *p; p++) {
		scan_one(s, *p, out);
		fwrite(out->str, 1, out->len, stdout);
		g_string_truncate(out, 0);
	}
	g_string_free(out, TRUE);
	return s->worst;
}

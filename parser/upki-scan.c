/* upki-scan - recognise, check and report UPKI notices in saved mail.
 *
 * A thin front end: it reads each message, hands the bytes to libupki and
 * prints what comes back.  Exit codes are an interface (DESIGN.md,
 * upki-scan(1)): with --check 0 genuine, 1 not a notice, 2 suspicious;
 * always 3 when an input could not be analysed, 4 for a usage or
 * configuration error, 5 for an internal error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/config.h"
#include "upki/mime.h"
#include "upki/notice.h"
#include "upki/report.h"

enum {
	EXIT_GENUINE = 0,
	EXIT_NOT_NOTICE = 1,
	EXIT_SUSPICIOUS = 2,
	EXIT_INPUT = 3,
	EXIT_USAGE = 4,
	EXIT_INTERNAL = 5,
};

#define UPKI_VERSION "0.1.0"

typedef struct args {
	char *format;
	char *config;
	char *ca_file;
	char *ca_dir;
	char *verify_time;
	gboolean check;
	gboolean version;
	char **paths;
} args;

typedef struct scanner {
	args *a;
	upki_config *cfg;
	upki_smime_verifier *verifier;
	upki_options opts;
	int worst;   /* highest exit code so far */
} scanner;

static gboolean parse_args(int argc, char **argv, args *a)
{
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &a->format, "Output format: json (default) or text", "FMT" },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &a->config, "Read keys from this config file (upki-milter.conf(5))", "FILE" },
		{ "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_file, "Trusted roots (PEM) instead of the system store", "FILE" },
		{ "ca-dir", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_dir, "Hashed directory of trusted roots", "DIR" },
		{ "verify-time", 0, 0, G_OPTION_ARG_STRING, &a->verify_time, "Check the signer at the signing time (default) or now", "signing|now" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &a->check, "Print nothing; exit 0 genuine, 1 not a notice, 2 suspicious, 3+ error", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &a->version, "Print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->paths, NULL, "[FILE|-]..." },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("[FILE|-]...");
	GError *err = NULL;
	gboolean ok = FALSE;

	g_option_context_set_summary(ctx, "Recognise and check UPKI certificate notices in mail messages.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "upki-scan: %s (try --help)\n", err->message);
		goto out;
	}
	if (a->format && strcmp(a->format, "json") && strcmp(a->format, "text")) {
		fprintf(stderr, "upki-scan: unknown --format '%s' (json or text)\n", a->format);
		goto out;
	}
	ok = TRUE;
out:
	g_clear_error(&err);
	g_option_context_free(ctx);
	return ok;
}

static gboolean setup(scanner *s)
{
	args *a = s->a;
	GError *err = NULL;

	s->cfg = a->config ? upki_config_load(a->config, &err) : upki_config_new();
	if (s->cfg && a->verify_time && !upki_config_set(s->cfg, "VerifyTime", a->verify_time, &err)) {
		fprintf(stderr, "upki-scan: --verify-time: %s\n", err->message);
		goto fail;
	}
	if (!s->cfg) {
		fprintf(stderr, "upki-scan: %s\n", err->message);
		goto fail;
	}
	const char *ca_file = a->ca_file ? a->ca_file : s->cfg->trust_anchor_file;
	const char *ca_dir = a->ca_dir ? a->ca_dir : s->cfg->trust_anchor_dir;
	s->verifier = upki_smime_verifier_new(ca_file, ca_dir, &err);
	if (!s->verifier) {
		fprintf(stderr, "upki-scan: trust store: %s\n", err->message);
		goto fail;
	}
	s->opts.profile = s->cfg->profile;
	s->opts.verifier = s->verifier;
	s->opts.verify_time = strcmp(s->cfg->verify_time, "now") == 0 ? UPKI_VERIFY_AT_NOW
									: UPKI_VERIFY_AT_SIGNING;
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	return TRUE;
fail:
	g_clear_error(&err);
	return FALSE;
}

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

static int verdict_code(upki_verdict v)
{
	switch (v) {
	case UPKI_VERDICT_GENUINE: return EXIT_GENUINE;
	case UPKI_VERDICT_SUSPICIOUS: return EXIT_SUSPICIOUS;
	case UPKI_VERDICT_NOT_NOTICE: break;
	}
	return EXIT_NOT_NOTICE;
}

static void report_error(scanner *s, const upki_report_where *w, const char *msg, int code)
{
	fprintf(stderr, "upki-scan: %s: %s\n", w->source, msg);
	if (!s->a->check && (!s->a->format || strcmp(s->a->format, "json") == 0)) {
		char *line = upki_report_json_error(w, msg);
		printf("%s\n", line);
		g_free(line);
	}
	s->worst = MAX(s->worst, code);
}

static void report_notice(scanner *s, const upki_notice *n, const upki_report_where *w)
{
	char *out = NULL;

	s->worst = MAX(s->worst, s->a->check ? verdict_code(n->verdict) : 0);
	if (s->a->check)
		return;
	if (s->a->format && strcmp(s->a->format, "text") == 0) {
		out = upki_report_text(n, w);
		fputs(out, stdout);
	} else {
		out = upki_report_json(n, w);
		printf("%s\n", out);
	}
	g_free(out);
}

static void scan_one(scanner *s, const char *path)
{
	upki_report_where w = { .source = path, .index = 0, .offset = 0 };
	GError *err = NULL;
	GByteArray *buf = read_input(path, s->opts.max_size, &err);
	upki_notice *n = NULL;

	if (!buf) {
		report_error(s, &w, err->message, EXIT_INPUT);
		goto out;
	}
	n = upki_notice_analyze((const char *)buf->data, buf->len, &s->opts, &err);
	if (!n) {
		report_error(s, &w, err->message,
			     err->domain == UPKI_ERROR && err->code == UPKI_ERROR_INTERNAL ? EXIT_INTERNAL
											 : EXIT_INPUT);
		goto out;
	}
	report_notice(s, n, &w);
out:
	upki_notice_free(n);
	if (buf)
		g_byte_array_unref(buf);
	g_clear_error(&err);
}

int main(int argc, char **argv)
{
	args a = { 0 };
	scanner s = { .a = &a };
	int code = EXIT_USAGE;

	if (!parse_args(argc, argv, &a))
		goto out;
	if (a.version) {
		printf("upki-scan %s\n", UPKI_VERSION);
		code = 0;
		goto out;
	}
	if (!setup(&s))
		goto out;
	upki_mime_init();
	if (!a.paths || !a.paths[0]) {
		scan_one(&s, "-");
	} else {
		for (char **p = a.paths; *p; p++)
			scan_one(&s, *p);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "upki-scan: write error on standard output: %s\n", g_strerror(errno));
		s.worst = MAX(s.worst, EXIT_INTERNAL);
	}
	code = s.worst;
out:
	upki_smime_verifier_free(s.verifier);
	upki_config_free(s.cfg);
	g_free(a.format);
	g_free(a.config);
	g_free(a.ca_file);
	g_free(a.ca_dir);
	g_free(a.verify_time);
	g_strfreev(a.paths);
	return code;
}

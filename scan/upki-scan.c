/* upki-scan - recognise, check and report UPKI notices in saved mail.
 *
 * A thin front end: options and configuration here, the walk over PATH
 * arguments in batch.c, the procmail filter in
 * filter.c; everything about a message is libupki's.  Exit
 * codes are an interface (DESIGN.md, upki-scan(1)): with --check 0
 * genuine, 1 not a notice, 2 suspicious; 3 when an input could not be
 * analysed, 4 for a usage or configuration error, 5 for an internal one.
 */
#include <errno.h>
#include <string.h>

#include "upki/mime.h"
#include "scan.h"

static gboolean parse_format(scan_args *a)
{
	static const struct { const char *name; scan_format f; } formats[] = {
		{ "json", FORMAT_JSON }, { "text", FORMAT_TEXT }, { "csv", FORMAT_CSV },
	};

	if (!a->format_name)
		return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
		if (strcmp(formats[i].name, a->format_name) == 0) {
			a->format = formats[i].f;
			return TRUE;
		}
	}
	fprintf(stderr, "upki-scan: unknown --format '%s' (json, text or csv)\n", a->format_name);
	return FALSE;
}

/* "-j2" as make takes it: GOption reads it as -j and -2, then wants the
 * next argument as the number.  Up to "--" only. */
static GPtrArray *split_attached_jobs(int argc, char **argv)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	gboolean options = TRUE;

	for (int i = 0; i < argc; i++) {
		const char *v = argv[i];
		if (g_str_equal(v, "--"))
			options = FALSE;
		if (options && i > 0 && v[0] == '-' && v[1] == 'j' && g_ascii_isdigit(v[2])) {
			g_ptr_array_add(out, g_strdup("-j"));
			g_ptr_array_add(out, g_strdup(v + 2));
		} else {
			g_ptr_array_add(out, g_strdup(v));
		}
	}
	return out;
}

static gboolean parse_args(int argc, char **argv, scan_args *a)
{
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &a->format_name, "Output format: json (default), text or csv", "FMT" },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &a->config, "Read keys from this config file (upki-milter.conf(5))", "FILE" },
		{ "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_file, "Trusted roots (PEM) instead of the system store", "FILE" },
		{ "ca-dir", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_dir, "Hashed directory of trusted roots", "DIR" },
		{ "verify-time", 0, 0, G_OPTION_ARG_STRING, &a->verify_time, "Check the signer at the signing time (default) or now", "signing|now" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &a->check, "Print nothing; exit 0 genuine, 1 not a notice, 2 suspicious, 3+ error", NULL },
		{ "filter", 0, 0, G_OPTION_ARG_NONE, &a->filter, "Read one message on stdin, write it annotated on stdout", NULL },
		{ "annotate", 0, 0, G_OPTION_ARG_STRING, &a->annotate, "With --filter: add headers only, or wrap notices with instructions (Annotate)", "headers|wrap" },
		{ "spool", 0, 0, G_OPTION_ARG_FILENAME, &a->spool, "Hand genuine cert-issue and pin-issue notices to this spool", "DIR" },
		{ "notices-only", 0, 0, G_OPTION_ARG_NONE, &a->notices_only, "Leave out messages that are not notices", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "Scan this many files in parallel", "N" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "No progress or summary on stderr", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &a->version, "Print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->paths, NULL, "[PATH|-]..." },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("[PATH|-]...");
	GPtrArray *args = NULL;
	GError *err = NULL;
	gboolean ok = FALSE;

	g_option_context_set_summary(ctx, "Recognise and check UPKI certificate notices in mail: a message "
				     "file, an mbox, a Maildir or a directory of them; none or - reads one "
				     "message from standard input.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	args = split_attached_jobs(argc, argv);
	argc = (int)args->len;
	g_ptr_array_add(args, NULL);
	/* GOption takes what it parses out of the array: keep the strings
	 * to free in a copy of it. */
	argv = g_memdup2(args->pdata, args->len * sizeof(char *));
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "upki-scan: %s (try --help)\n", err->message);
		goto out;
	}
	if (!parse_format(a))
		goto out;
	if (a->jobs < 0 || a->jobs > 256) {
		fprintf(stderr, "upki-scan: -j wants a number from 1 to 256\n");
		goto out;
	}
	ok = TRUE;
out:
	g_clear_error(&err);
	g_option_context_free(ctx);
	if (args) {
		g_free(argv);
		g_ptr_array_unref(args);
	}
	return ok;
}

static gboolean setup(scanner *s)
{
	scan_args *a = s->a;
	GError *err = NULL;

	s->cfg = a->config ? upki_config_load(a->config, &err) : upki_config_new();
	if (!s->cfg) {
		fprintf(stderr, "upki-scan: %s\n", err->message);
		goto fail;
	}
	if (a->verify_time && !upki_config_set(s->cfg, "VerifyTime", a->verify_time, &err)) {
		fprintf(stderr, "upki-scan: --verify-time: %s\n", err->message);
		goto fail;
	}
	if (!scan_wrap_setup(s))
		goto fail;
	const char *ca_file = a->ca_file ? a->ca_file : s->cfg->trust_anchor_file;
	const char *ca_dir = a->ca_dir ? a->ca_dir : s->cfg->trust_anchor_dir;
	s->verifier = upki_smime_verifier_new(ca_file, ca_dir, &err);
	if (!s->verifier) {
		fprintf(stderr, "upki-scan: trust store: %s\n", err->message);
		goto fail;
	}
	/* The bench's and the tests' reference: every signature decoded and
	 * every chain built afresh. */
	if (g_getenv("UPKI_SCAN_NO_CACHE"))
		upki_smime_verifier_set_caching(s->verifier, FALSE);
	if (a->filter) {
		/* delivery: the milter's policy, from the same helper; only an
		 * explicit --verify-time changes when the signer is checked */
		upki_config_delivery_options(s->cfg, s->verifier, &s->opts);
		if (a->verify_time && strcmp(a->verify_time, "signing") == 0)
			s->opts.verify_time = UPKI_VERIFY_AT_SIGNING;
		return TRUE;
	}
	s->opts.profile = s->cfg->profile;
	s->opts.verifier = s->verifier;
	s->opts.verify_time = strcmp(s->cfg->verify_time, "now") == 0 ? UPKI_VERIFY_AT_NOW
									: UPKI_VERIFY_AT_SIGNING;
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	upki_config_limits(s->cfg, &s->opts);
	return TRUE;
fail:
	g_clear_error(&err);
	return FALSE;
}

void scan_note_code(scanner *s, int code)
{
	g_mutex_lock(&s->lock);
	s->worst = MAX(s->worst, code);
	g_mutex_unlock(&s->lock);
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

void scan_format_error(scanner *s, const upki_report_where *w, const char *msg, GString *out)
{
	char *line = NULL;

	fprintf(stderr, "upki-scan: %s: %s\n", w->source, msg);
	scan_note_code(s, EXIT_INPUT);
	if (s->a->check || s->a->format != FORMAT_JSON)
		return;
	line = upki_report_json_error(w, msg);
	g_string_append_printf(out, "%s\n", line);
	g_free(line);
}

void scan_format_notice(scanner *s, const upki_notice *n, const upki_report_where *w, GString *out)
{
	char *text = NULL;

	if (s->a->check) {
		scan_note_code(s, verdict_code(n->verdict));
		return;
	}
	if (s->a->notices_only && n->verdict == UPKI_VERDICT_NOT_NOTICE)
		return;
	switch (s->a->format) {
	case FORMAT_TEXT:
		text = upki_report_text(n, w);
		g_string_append(out, text);
		break;
	case FORMAT_CSV:
		text = upki_report_csv(n, w);
		g_string_append_printf(out, "%s\n", text);
		break;
	case FORMAT_JSON:
		text = upki_report_json(n, w);
		g_string_append_printf(out, "%s\n", text);
		break;
	}
	g_free(text);
}

/* TRUE when the command line names --filter (before "--"), even one
 * that did not parse: such a caller expects the message back. */
static gboolean asks_filter(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--filter") == 0)
			return TRUE;
	return FALSE;
}

/* The FILE of --config=FILE or --config FILE in a command line that did
 * not parse (GOption then sets nothing), NULL when none. */
static char *config_arg(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (g_str_has_prefix(argv[i], "--config="))
			return g_strdup(argv[i] + strlen("--config="));
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return g_strdup(argv[i + 1]);
	}
	return NULL;
}

/* --filter without a working setup: forged verdicts are still removed.
 * Defaults stand in for a config that did not load; its AuthservID is
 * still looked for, so our own Authentication-Results can be known. */
static int filter_fallback(scanner *s, const char *why)
{
	if (!s->cfg) {
		s->cfg = upki_config_new();
		s->cfg->authserv_id = upki_config_peek(s->a->config, "AuthservID");
	}
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	return scan_filter_strip(s, why);
}

int main(int argc, char **argv)
{
	scan_args a = { 0 };
	scanner s = { .a = &a };
	int code = EXIT_USAGE;

	g_mutex_init(&s.lock);
	if (!parse_args(argc, argv, &a)) {
		if (asks_filter(argc, argv)) {
			g_free(a.config);
			a.config = config_arg(argc, argv);
			code = filter_fallback(&s, "bad command line (see above)");
		}
		goto out;
	}
	if (a.version) {
		printf("upki-scan %s\n", UPKI_VERSION);
		code = 0;
		goto out;
	}
	if (!setup(&s)) {
		/* A filter never loses mail, not even to its own broken setup. */
		if (a.filter)
			code = filter_fallback(&s, "setup failed (see above)");
		goto out;
	}
	upki_mime_init();
	code = a.filter ? scan_filter_run(&s) : scan_batch_run(&s);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "upki-scan: write error on standard output: %s\n", g_strerror(errno));
		if (!a.filter)
			code = MAX(code, EXIT_INTERNAL);
	}
out:
	upki_wrapper_free(s.wrapper);
	upki_smime_verifier_free(s.verifier);
	upki_config_free(s.cfg);
	g_free(a.format_name);
	g_free(a.config);
	g_free(a.ca_file);
	g_free(a.ca_dir);
	g_free(a.verify_time);
	g_free(a.spool);
	g_free(a.annotate);
	g_strfreev(a.paths);
	g_mutex_clear(&s.lock);
	return code;
}

/* upki-scan - recognise, check and report UPKI notices in saved mail.
 *
 * The driver, the top of scan/ (scan.h draws the rest): options,
 * configuration and trust store here, set up once into a read-only
 * scan_ctx; then the batch runner (batch.c) or the procmail filter
 * (filter.c); the exit code at the end (code.h says what each means).
 * Everything about a message is libupki's.
 */
#include <errno.h>
#include <string.h>

#include "upki/mime.h"
#include "msg.h"
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
	scan_msg("unknown --format '%s' (json, text or csv)", a->format_name);
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
		scan_msg("%s (try --help)", err->message);
		goto out;
	}
	if (!parse_format(a))
		goto out;
	if (a->jobs < 0 || a->jobs > 256) {
		scan_msg("-j wants a number from 1 to 256");
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

/* What the driver owns for a run; a scan_ctx is made from it. */
typedef struct scan_setup {
	upki_config *cfg;
	upki_smime_verifier *verifier;
	upki_options opts;
	upki_wrapper *wrapper; /* Annotate wrap; NULL: headers mode */
} scan_setup;

/* --filter: the milter's delivery policy, from the same helper; only an
 * explicit --verify-time changes when the signer is checked. */
static void delivery_options(const scan_args *a, scan_setup *s)
{
	upki_config_delivery_options(s->cfg, s->verifier, &s->opts);
	if (a->verify_time && strcmp(a->verify_time, "signing") == 0)
		s->opts.verify_time = UPKI_VERIFY_AT_SIGNING;
}

/* A batch: the config's policy for archives.  A ruled-out message's
 * not-notice line is printed unless --notices-only or --check leaves it
 * out: only then does it need its header fields. */
static void batch_options(const scan_args *a, scan_setup *s)
{
	s->opts.profile = s->cfg->profile;
	s->opts.verifier = s->verifier;
	s->opts.verify_time = strcmp(s->cfg->verify_time, "now") == 0 ? UPKI_VERIFY_AT_NOW
									: UPKI_VERIFY_AT_SIGNING;
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	upki_config_limits(s->cfg, &s->opts);
	s->opts.ruled_out_fields = !a->notices_only && !a->check;
}

static gboolean setup(const scan_args *a, scan_setup *s)
{
	GError *err = NULL;

	s->cfg = a->config ? upki_config_load(a->config, &err) : upki_config_new();
	if (!s->cfg) {
		scan_msg("%s", err->message);
		goto fail;
	}
	if (a->verify_time && !upki_config_set(s->cfg, "VerifyTime", a->verify_time, &err)) {
		scan_msg("--verify-time: %s", err->message);
		goto fail;
	}
	if (!scan_wrap_setup(a, s->cfg, &s->wrapper))
		goto fail;
	const char *ca_file = a->ca_file ? a->ca_file : s->cfg->trust_anchor_file;
	const char *ca_dir = a->ca_dir ? a->ca_dir : s->cfg->trust_anchor_dir;
	s->verifier = upki_smime_verifier_new(ca_file, ca_dir, &err);
	if (!s->verifier) {
		scan_msg("trust store: %s", err->message);
		goto fail;
	}
	/* The bench's and the tests' reference: every signature decoded and
	 * every chain built afresh. */
	if (g_getenv("UPKI_SCAN_NO_CACHE"))
		upki_smime_verifier_set_caching(s->verifier, FALSE);
	if (a->filter)
		delivery_options(a, s);
	else
		batch_options(a, s);
	return TRUE;
fail:
	g_clear_error(&err);
	return FALSE;
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
static int filter_fallback(const scan_args *a, scan_setup *s, scan_code *code, const char *why)
{
	scan_ctx ctx = { .a = a, .code = code };

	if (!s->cfg) {
		s->cfg = upki_config_new();
		s->cfg->authserv_id = upki_config_peek(a->config, "AuthservID");
	}
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	ctx.cfg = s->cfg;
	ctx.opts = s->opts;
	return scan_filter_strip(&ctx, why);
}

/* The run itself, on the context made from the setup. */
static int run(const scan_args *a, const scan_setup *s, scan_code *code)
{
	scan_ctx ctx = { .a = a, .cfg = s->cfg, .opts = s->opts, .code = code, .wrapper = s->wrapper };

	return a->filter ? scan_filter_run(&ctx) : scan_batch_run(&ctx);
}

int main(int argc, char **argv)
{
	scan_args a = { 0 };
	scan_setup s = { 0 };
	scan_code *worst = scan_code_new();
	int code = EXIT_USAGE;

	if (!parse_args(argc, argv, &a)) {
		if (asks_filter(argc, argv)) {
			g_free(a.config);
			a.config = config_arg(argc, argv);
			code = filter_fallback(&a, &s, worst, "bad command line (see above)");
		}
		goto out;
	}
	if (a.version) {
		printf("upki-scan %s\n", UPKI_VERSION);
		code = 0;
		goto out;
	}
	if (!setup(&a, &s)) {
		/* A filter never loses mail, not even to its own broken setup. */
		if (a.filter)
			code = filter_fallback(&a, &s, worst, "setup failed (see above)");
		goto out;
	}
	upki_mime_init();
	code = run(&a, &s, worst);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		scan_msg("write error on standard output: %s", g_strerror(errno));
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
	scan_code_free(worst);
	return code;
}

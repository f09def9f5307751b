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
#include <unistd.h>

#include <glib/gstdio.h>

#include "upki/fastpath.h"
#include "upki/mime.h"
#include "conf.h"
#include "ledger.h"
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

/* --report[=text|json|html]: the value is optional, so GOption hands it to a
 * callback (data: the scan_args, the main group's user data). */
static gboolean parse_report(const char *name, const char *value, gpointer data, GError **error)
{
	scan_args *a = data;

	(void)name;
	if (!value || strcmp(value, "text") == 0)
		a->report = REPORT_TEXT;
	else if (strcmp(value, "json") == 0)
		a->report = REPORT_JSON;
	else if (strcmp(value, "html") == 0)
		a->report = REPORT_HTML;
	else {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "unknown --report '%s' (text, json or html)", value);
		return FALSE;
	}
	return TRUE;
}

/* --as-of: a day (its end, UTC) or an ISO 8601 date-time. */
static gboolean parse_as_of(scan_args *a)
{
	GDateTime *t = NULL;
	char *full = NULL;

	if (!a->as_of)
		return TRUE;
	full = strlen(a->as_of) == 10 ? g_strdup_printf("%sT23:59:59Z", a->as_of) : g_strdup(a->as_of);
	t = g_date_time_new_from_iso8601(full, NULL);
	g_free(full);
	if (!t) {
		scan_msg("--as-of wants YYYY-MM-DD or an ISO 8601 date-time, not '%s'", a->as_of);
		return FALSE;
	}
	a->as_of_time = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return TRUE;
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
		{ "config", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->config, "Read keys from this config file instead of the system and your own (upki-milter.conf(5)); may repeat, later files win", "FILE" },
		{ "check-config", 'n', 0, G_OPTION_ARG_NONE, &a->check_config, "Check the config files and the trust store, print the files read, and exit (0 good, 4 bad)", NULL },
		{ "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_file, "Trusted roots (PEM) instead of the system store", "FILE" },
		{ "ca-dir", 0, 0, G_OPTION_ARG_FILENAME, &a->ca_dir, "Hashed directory of trusted roots", "DIR" },
		{ "verify-time", 0, 0, G_OPTION_ARG_STRING, &a->verify_time, "Check the signer at the signing time (default) or now", "signing|now" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &a->check, "Print nothing; exit 0 genuine, 1 not a notice, 2 suspicious, 3+ error", NULL },
		{ "filter", 0, 0, G_OPTION_ARG_NONE, &a->filter, "Read one message on stdin, write it annotated on stdout", NULL },
		{ "annotate", 0, 0, G_OPTION_ARG_STRING, &a->annotate, "With --filter: add headers only, or wrap notices with instructions (Annotate)", "headers|wrap" },
		{ "spool", 0, 0, G_OPTION_ARG_FILENAME, &a->spool, "Hand genuine cert-issue and pin-issue notices to this spool", "DIR" },
		{ "ledger", 0, 0, G_OPTION_ARG_FILENAME, &a->ledger, "Record every notice in this SQLite ledger (shared with upki-milter and upki-fetch)", "FILE" },
		{ "report", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer)parse_report, "Print where every certificate stands (from the ledger and/or PATHs) instead of a line per message", "text|json|html" },
		{ "as-of", 0, 0, G_OPTION_ARG_STRING, &a->as_of, "The report's states as of this day or time (default: now)", "DATE" },
		{ "notices-only", 0, 0, G_OPTION_ARG_NONE, &a->notices_only, "Leave out messages that are not notices", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "Scan this many files in parallel", "N" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "No progress or summary on stderr", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &a->version, "Print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->paths, NULL, "[PATH|-]..." },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("[PATH|-]...");
	GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, a, NULL);
	GPtrArray *args = NULL;
	GError *err = NULL;
	gboolean ok = FALSE;

	g_option_context_set_summary(ctx, "Recognise and check UPKI certificate notices in mail: a message "
				     "file, an mbox, a Maildir or a directory of them; none or - reads one "
				     "message from standard input.");
	g_option_group_add_entries(main_group, entries);
	g_option_context_set_main_group(ctx, main_group);
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
	if (!parse_format(a) || !parse_as_of(a))
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
	upki_ledger *ledger;   /* --ledger, or a temporary one for --report alone */
	char *temp_ledger;     /* that temporary file's path, removed at the end */
	GPtrArray *read;       /* the config files read, in order (conf.h) */
} scan_setup;

/* --ledger FILE, or for --report without one a file of the run's own. */
static gboolean open_ledger(const scan_args *a, scan_setup *s)
{
	GError *err = NULL;
	const char *path = a->ledger;

	if (!path && a->report) {
		int fd = g_file_open_tmp("upki-ledger-XXXXXX", &s->temp_ledger, &err);
		if (fd < 0)
			goto fail;
		close(fd);
		path = s->temp_ledger;
	}
	if (!path)
		return TRUE;
	s->ledger = upki_ledger_open(path, &err);
	if (s->ledger)
		return TRUE;
fail:
	scan_msg("%s", err->message);
	g_clear_error(&err);
	return FALSE;
}

/* --filter: --ledger, else the Ledger of the file --config names (a
 * procmail user's own record) - never a file read by default: the
 * system's names the office's ledger, which a user's filter may not
 * write.  The mail never waits on it: a ledger that does not open is a
 * line on stderr, and the message goes through. */
static void open_filter_ledger(const scan_args *a, scan_setup *s)
{
	GError *err = NULL;
	const char *path = a->ledger ? a->ledger : a->config ? s->cfg->ledger : NULL;

	if (!path)
		return;
	s->ledger = upki_ledger_open(path, &err);
	if (!s->ledger) {
		scan_msg("--filter: ledger not written (the message is not affected): %s", err->message);
		g_clear_error(&err);
	}
}

static void close_ledger(scan_setup *s)
{
	upki_ledger_close(s->ledger);
	if (!s->temp_ledger)
		return;
	/* SQLite's WAL files of the temporary ledger go with it. */
	for (gsize i = 0; i < 3; i++) {
		char *p = g_strconcat(s->temp_ledger, (const char *[]){ "", "-wal", "-shm" }[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_free(s->temp_ledger);
}

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

	s->read = g_ptr_array_new_with_free_func(g_free);
	s->cfg = scan_conf_load(a, s->read);
	if (!s->cfg)
		goto fail;
	if (a->verify_time && !upki_config_set(s->cfg, "VerifyTime", a->verify_time, &err)) {
		scan_msg("--verify-time: %s", err->message);
		goto fail;
	}
	if (!scan_wrap_setup(a, s->cfg, s->read->len ? g_ptr_array_index(s->read, s->read->len - 1) : NULL,
			     &s->wrapper))
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
	if (g_getenv("UPKI_SCAN_NO_CACHE")) {
		upki_smime_verifier_set_caching(s->verifier, FALSE);
		upki_fast_paths_set(FALSE);
	}
	if (a->filter)
		delivery_options(a, s);
	else
		batch_options(a, s);
	if (a->filter)
		open_filter_ledger(a, s);
	else if (!a->check_config && !open_ledger(a, s))
		goto fail;
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

/* The FILEs of --config=FILE or --config FILE in a command line that did
 * not parse (GOption then sets nothing), NULL when none. */
static char **config_arg(int argc, char **argv)
{
	GPtrArray *files = g_ptr_array_new();

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (g_str_has_prefix(argv[i], "--config="))
			g_ptr_array_add(files, g_strdup(argv[i] + strlen("--config=")));
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			g_ptr_array_add(files, g_strdup(argv[++i]));
	}
	if (!files->len) {
		g_ptr_array_free(files, TRUE);
		return NULL;
	}
	g_ptr_array_add(files, NULL);
	return (char **)g_ptr_array_free(files, FALSE);
}

/* --filter without a working setup: forged verdicts are still removed.
 * Defaults stand in for a config that did not load; its AuthservID is
 * still looked for, so our own Authentication-Results can be known. */
static int filter_fallback(const scan_args *a, scan_setup *s, scan_code *code, const char *why)
{
	scan_ctx ctx = { .a = a, .code = code };

	if (!s->cfg) {
		s->cfg = upki_config_new();
		s->cfg->authserv_id = scan_conf_peek(a, "AuthservID");
	}
	s->opts.max_size = (gsize)s->cfg->max_message_size;
	ctx.cfg = s->cfg;
	ctx.opts = s->opts;
	return scan_filter_strip(&ctx, why);
}

/* -n: the files read, in order, and the verdict on the setup. */
static int check_config(const scan_setup *s)
{
	for (guint i = 0; i < s->read->len; i++)
		printf("upki-scan: read %s\n", (const char *)g_ptr_array_index(s->read, i));
	if (!s->read->len)
		printf("upki-scan: no config file read (built-in defaults)\n");
	printf("upki-scan: configuration OK\n");
	return 0;
}

/* The run itself, on the context made from the setup. */
static int run(const scan_args *a, const scan_setup *s, scan_code *code)
{
	scan_ctx ctx = { .a = a, .cfg = s->cfg, .opts = s->opts, .code = code, .wrapper = s->wrapper,
			 .ledger = s->ledger };
	/* --report --ledger=FILE and no PATH: the ledger as it stands. */
	gboolean ledger_only = a->report && a->ledger && !(a->paths && a->paths[0]);

	if (a->filter)
		return scan_filter_run(&ctx);
	if (!ledger_only)
		scan_batch_run(&ctx);
	if (a->report)
		scan_ledger_report(&ctx);
	return scan_code_get(code);
}

int main(int argc, char **argv)
{
	scan_args a = { 0 };
	scan_setup s = { 0 };
	scan_code *worst = scan_code_new();
	int code = EXIT_USAGE;

	if (!parse_args(argc, argv, &a)) {
		if (asks_filter(argc, argv)) {
			g_strfreev(a.config);
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
		if (a.filter && !a.check_config)
			code = filter_fallback(&a, &s, worst, "setup failed (see above)");
		goto out;
	}
	if (a.check_config) {
		code = check_config(&s);
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
	close_ledger(&s);
	upki_wrapper_free(s.wrapper);
	upki_smime_verifier_free(s.verifier);
	upki_config_free(s.cfg);
	if (s.read)
		g_ptr_array_unref(s.read);
	g_free(a.format_name);
	g_strfreev(a.config);
	g_free(a.ca_file);
	g_free(a.ca_dir);
	g_free(a.verify_time);
	g_free(a.spool);
	g_free(a.annotate);
	g_free(a.ledger);
	g_free(a.as_of);
	g_strfreev(a.paths);
	scan_code_free(worst);
	return code;
}

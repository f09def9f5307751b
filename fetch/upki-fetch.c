/* upki-fetch - consumes the spool that upki-milter and upki-scan --spool
 * write: per kind, retrieve the certificate or PIN from the service, run
 * a program, POST a signed webhook, or keep the job in OutputDir.
 *
 * This file is the command line.  Exit status: -n: 0 good, 1 bad;
 * --once: 0 every job done, 75 some wait for a retry, 1 a job failed or
 * the spool could not be worked; 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "upki/config.h"
#include "upki-fetch.h"

typedef struct options {
	char *conf_path;       /* -c FILE, else SYSCONFDIR/upki-fetch.conf (owned) */
	gboolean explicit_conf, once, foreground, check_only, version;
} options;

/* The shared system file: upki-milter's (UPKI_SYSTEM_CONFIG names
 * another, for tests; the library never reads the environment). */
static const char *shared_file(void)
{
	const char *env = g_getenv("UPKI_SYSTEM_CONFIG");

	return env && *env ? env : upki_config_system_file();
}

static char *default_conf(void)
{
	return g_build_filename(upki_config_sysconfdir(), UF_CONF_NAME, NULL);
}

static void usage(FILE *f)
{
	char *def = default_conf();

	fprintf(f, "usage: %s [-c FILE] [--once] [-f] [-n] [-V]\n"
		"  -c FILE   configuration (default %s; absent: defaults); Spool, when it\n"
		"            is not set there, comes from %s\n"
		"  --once    work the spool once and exit (0 done, 75 retries pending, 1 failed)\n"
		"  -f        run as a daemon in the foreground, log to stderr as well\n"
		"  -n        check the configuration and exit (0 good, 1 bad)\n"
		"  -V        print the version and exit\n",
		UF_NAME, def, shared_file());
	g_free(def);
}

static gboolean parse_args(int argc, char **argv, options *o)
{
	static const struct option longs[] = {
		{ "once", no_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c = 0;

	while ((c = getopt_long(argc, argv, "c:fnVh", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			g_free(o->conf_path);
			o->conf_path = g_strdup(optarg);
			o->explicit_conf = TRUE;
			break;
		case 'o': o->once = TRUE; break;
		case 'f': o->foreground = TRUE; break;
		case 'n': o->check_only = TRUE; break;
		case 'V': o->version = TRUE; break;
		case 'h': usage(stdout); exit(0);
		default: return FALSE;
		}
	}
	if (!o->conf_path)
		o->conf_path = default_conf();
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", UF_NAME, argv[optind]);
		return FALSE;
	}
	if (o->once && o->foreground) {
		fprintf(stderr, "%s: --once and -f exclude each other\n", UF_NAME);
		return FALSE;
	}
	return TRUE;
}

static uf_conf *load(const options *o)
{
	GError *err = NULL;
	/* the default file may be absent (defaults); a named one must exist */
	const char *path = o->explicit_conf || access(o->conf_path, F_OK) == 0 ? o->conf_path : NULL;
	uf_conf *c = uf_conf_load(path, shared_file(), &err);

	if (!c) {
		fprintf(stderr, "%s: %s\n", UF_NAME, err->message);
		g_error_free(err);
	} else if (c->shared_note) {
		fprintf(stderr, "%s: warning: %s\n", UF_NAME, c->shared_note);
	}
	return c;
}

/* -n: the files read, where the spool comes from, the verdict. */
static void check_only(const uf_conf *c)
{
	if (c->shared_read)
		printf("%s: read %s (shared keys: %s)\n", UF_NAME, c->shared_file,
		       c->shared_used && *c->shared_used ? c->shared_used : "none set");
	if (c->path)
		printf("%s: read %s\n", UF_NAME, c->path);
	printf("%s: Spool %s (%s)\n", UF_NAME, c->spool, c->spool_from ? c->spool_from : "default");
	printf("%s: configuration OK\n", c->path ? c->path : "defaults");
}

static int once(uf_conf *conf)
{
	GError *err = NULL;
	uf_state *st = uf_state_open(conf->state_file, &err);
	uf_ctx c = { .conf = conf, .state = st };
	uf_spool_pass p = { 0 };
	gboolean passed = FALSE;
	int rc = 1;

	if (!st || !uf_pass(&c, &p, &err)) {
		uf_log(LOG_ERR, NULL, "%s", err->message);
		g_error_free(err);
		goto out;
	}
	passed = TRUE;
	uf_log(LOG_INFO, NULL, "pass: %u taken, %u done, %u failed, %u waiting, %u errors", p.taken,
	       p.done, p.failed, p.waiting, p.errors);
	rc = p.failed || p.errors ? 1 : p.waiting ? UF_EX_TEMPFAIL : 0;
out:
	uf_stats_pass(passed, passed ? &p : NULL);
	/* this run's counts: a timer that runs --once gets its last run */
	uf_stats_flush(conf->stats_file);
	uf_state_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	options o = { 0 };
	uf_conf *conf = NULL;
	int rc = 1;

	if (!parse_args(argc, argv, &o)) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (o.version) {
		printf("%s %s\n", UF_NAME, UF_VERSION);
		rc = 0;
		goto out;
	}
	conf = load(&o);
	if (!conf)
		goto out;
	if (o.check_only) {
		GError *err = NULL;
		rc = uf_stats_check(conf, &err) ? 0 : 1;
		if (rc == 0)
			check_only(conf);
		else
			fprintf(stderr, "%s: %s\n", UF_NAME, err->message);
		g_clear_error(&err);
		uf_conf_free(conf);
		goto out;
	}
	/* every file written holds a URL, a PIN or a certificate */
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	uf_log_open(uf_log_facility(conf->syslog_facility), o.once || o.foreground);
	uf_stats_start();
	if (conf->shared_note)
		uf_log(LOG_WARNING, NULL, "%s", conf->shared_note);
	if (o.once) {
		rc = once(conf);
		uf_conf_free(conf);
	} else if (!o.foreground && daemon(0, 0) != 0) {
		fprintf(stderr, "%s: cannot detach: %s\n", UF_NAME, strerror(errno));
		uf_conf_free(conf);
	} else {
		rc = uf_daemon_run(o.explicit_conf ? o.conf_path : conf->path, conf);
	}
	curl_global_cleanup();
out:
	g_free(o.conf_path);
	return rc;
}

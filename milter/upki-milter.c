/* upki-milter - marks genuine UPKI certificate notices and flags
 * look-alikes, as a milter for Postfix and Sendmail.
 *
 * This file is the command line: options, -V, -n (check the config),
 * -t FILE (the per-message logic on a file), or the daemon (daemon.c).
 * Exit status: 0 good; 1 a bad configuration, unreadable file or a
 * daemon that could not start; 2 a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upki/mime.h"
#include "upki-milter.h"

typedef struct options {
	um_daemon_args d;
	GPtrArray *overrides; /* "Key", "value" pairs from -p, -u, -P */
	gboolean check_only;  /* -n */
	const char *test_file; /* -t */
	gboolean version;     /* -V */
	char *conf_abs;       /* -c made absolute (owns d.conf_path) */
} options;

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-c FILE] [-p SOCKET] [-u USER[:GROUP]] [-P PIDFILE] [-f] [-n] "
		"[-t FILE] [-V]\n"
		"  -c FILE     configuration (default %s; absent: defaults)\n"
		"  -p SOCKET   unix:/path, local:/path, inet:port@host, inet6:port@host\n"
		"  -u USER     run as USER[:GROUP] once the socket exists\n"
		"  -P PIDFILE  write the process id here\n"
		"  -f          stay in the foreground, log to stderr as well\n"
		"  -n          check the configuration and exit (0 good, 1 bad)\n"
		"  -t FILE     print the header changes for a message file and exit\n"
		"  -V          print the version and exit\n",
		UPKI_MILTER_NAME, UPKI_MILTER_DEFAULT_CONF);
}

static void override(options *o, const char *key, const char *value)
{
	g_ptr_array_add(o->overrides, g_strdup(key));
	g_ptr_array_add(o->overrides, g_strdup(value));
}

static gboolean parse_args(int argc, char **argv, options *o)
{
	int c = 0;

	while ((c = getopt(argc, argv, "c:p:u:P:fnt:Vh")) != -1) {
		switch (c) {
		case 'c':
			/* absolute: a daemon works in "/", where a SIGHUP reload
			 * would not find a path relative to the start */
			g_free(o->conf_abs);
			o->conf_abs = g_canonicalize_filename(optarg, NULL);
			o->d.conf_path = o->conf_abs;
			break;
		case 'p': override(o, "Socket", optarg); break;
		case 'u': override(o, "UserID", optarg); break;
		case 'P': override(o, "PidFile", optarg); break;
		case 'f': o->d.foreground = TRUE; break;
		case 'n': o->check_only = TRUE; break;
		case 't': o->test_file = optarg; break;
		case 'V': o->version = TRUE; break;
		case 'h': usage(stdout); exit(0);
		default: return FALSE;
		}
	}
	if (optind != argc) {
		um_msg_error("unexpected argument '%s'", argv[optind]);
		return FALSE;
	}
	return TRUE;
}

static um_conf *load(const options *o)
{
	GError *err = NULL;
	um_conf *c = um_conf_load(o->d.conf_path, o->d.overrides, &err);

	if (!c) {
		um_msg_error("%s", err->message);
		g_error_free(err);
	}
	return c;
}

int main(int argc, char **argv)
{
	options o = { { 0 }, g_ptr_array_new_with_free_func(g_free), FALSE, NULL, FALSE, NULL };
	um_conf *c = NULL;
	GError *err = NULL;
	int rc = 1;

	if (!parse_args(argc, argv, &o)) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	g_ptr_array_add(o.overrides, NULL);
	o.d.overrides = (char **)o.overrides->pdata;
	if (o.version) {
		printf("%s %s\n", UPKI_MILTER_NAME, UPKI_MILTER_VERSION);
		rc = 0;
		goto out;
	}
	/* Before any thread: GMime and libxml2 set themselves up lazily
	 * otherwise.  A daemon needs libcurl and libxml2 for every notice:
	 * without them it does not start. */
	upki_mime_init();
	if (!upki_notice_load_libraries(&err)) {
		um_msg_error("%s", err->message);
		rc = 1;
		goto out;
	}
	c = load(&o);
	if (!c)
		goto out;
	if (o.check_only && !um_conf_check_runtime(c, &err)) {
		fprintf(stderr, "%s: %s\n", UPKI_MILTER_NAME, err->message);
		rc = 1;
	} else if (o.check_only) {
		printf("%s: configuration OK (%s)\n", UPKI_MILTER_NAME,
		       c->path ? c->path : "built-in defaults");
		rc = 0;
	} else if (o.test_file) {
		um_log_open_stderr();
		rc = um_msgtest_run(c, o.test_file);
	} else {
		rc = um_daemon_run(&o.d, c);
	}
out:
	g_clear_error(&err);
	um_conf_unref(c);
	g_ptr_array_unref(o.overrides);
	g_free(o.conf_abs);
	return rc;
}

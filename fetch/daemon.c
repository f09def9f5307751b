/* daemon.c - upki-fetch -f: the spool consumer as a long-running process.
 *
 * One thread, one poll(): inotify on new/ (a writer's link() is an
 * IN_CREATE; IN_Q_OVERFLOW and any other event just mean "look again"),
 * a signalfd for SIGTERM, SIGINT and SIGHUP, and a timeout that is the
 * earlier of RescanInterval and the next retry that falls due.  Every
 * wake-up is a full pass, so a lost event costs at most one interval.
 * Signals are blocked outside poll(): a pass in progress always ends
 * before the process does (the unit's stop timeout covers ExecTimeout).
 * SIGHUP rereads the configuration; a bad file is logged and the old one
 * kept.  The StatsFile is written at the start, every STATS_INTERVAL
 * seconds (a wake-up of its own: it starts no pass), on SIGUSR1 and at
 * the exit.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "upki-fetch.h"

/* Seconds between two writes of the StatsFile; the tests shorten it
 * with UPKI_STATS_INTERVAL (not a key: a minute suits every scrape). */
#define STATS_INTERVAL 60

typedef struct loop {
	const char *conf_path;
	uf_conf *conf;
	uf_state *state;
	int ino;     /* inotify, -1 when the watch could not be set */
	int sig;
	gint64 next_due; /* from the last pass: the earliest retry in cur/ */
	gint64 pass_at;  /* monotonic seconds: the next pass, at the latest */
	gint64 stats_at; /* monotonic seconds: the next write of the StatsFile */
	gint64 stats_interval;
} loop;

static gint64 mono(void)
{
	return g_get_monotonic_time() / G_USEC_PER_SEC;
}

static void watch(loop *l)
{
	char *new_dir = g_build_filename(l->conf->spool, "new", NULL);

	if (l->ino >= 0)
		close(l->ino);
	l->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->ino >= 0 && inotify_add_watch(l->ino, new_dir, IN_CREATE | IN_MOVED_TO) < 0) {
		uf_log(LOG_WARNING, NULL, "no inotify on %s (%s): rescanning every %us", new_dir,
		       g_strerror(errno), l->conf->rescan_interval);
		close(l->ino);
		l->ino = -1;
	}
	g_free(new_dir);
}

static void pass(loop *l)
{
	uf_ctx c = { .conf = l->conf, .state = l->state };
	uf_spool_pass p;
	GError *err = NULL;

	l->next_due = G_MAXINT64;
	if (!uf_pass(&c, &p, &err)) {
		uf_log(LOG_ERR, NULL, "%s", err->message);
		g_error_free(err);
		uf_stats_pass(FALSE, NULL);
	} else {
		l->next_due = p.next_due;
		uf_stats_pass(TRUE, &p);
	}
	l->pass_at = mono() + l->conf->rescan_interval;
	if (l->next_due != G_MAXINT64)
		l->pass_at = MIN(l->pass_at, mono() + MAX(l->next_due - g_get_real_time() / G_USEC_PER_SEC, 1));
}

static gboolean reload(loop *l)
{
	GError *err = NULL;
	uf_conf *fresh = uf_conf_load(l->conf_path, l->conf->shared_file, &err);
	uf_state *st = fresh ? uf_state_open(fresh->state_file, &err) : NULL;

	uf_stats_reload(st != NULL);
	if (!st) {
		uf_log(LOG_ERR, NULL, "reload refused, old configuration kept: %s", err->message);
		g_error_free(err);
		uf_conf_free(fresh);
		return FALSE;
	}
	uf_state_close(l->state);
	uf_conf_free(l->conf);
	l->conf = fresh;
	l->state = st;
	uf_log_open(uf_log_facility(fresh->syslog_facility), TRUE);
	watch(l);
	uf_log(LOG_INFO, NULL, "configuration reloaded");
	return TRUE;
}

static int timeout_ms(loop *l)
{
	gint64 wait = MIN(l->pass_at, l->stats_at) - mono();

	return (int)MAX(wait, 0) * 1000;
}

static void drain(int fd)
{
	char buf[4096];

	while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
		;
}

/* TRUE to go on; *work: a pass is wanted. */
static gboolean on_signal(loop *l, gboolean *work)
{
	struct signalfd_siginfo si;

	if (read(l->sig, &si, sizeof si) != (ssize_t)sizeof si)
		return TRUE;
	if (si.ssi_signo == SIGUSR1) {
		uf_stats_flush(l->conf->stats_file);
		return TRUE;
	}
	if (si.ssi_signo == SIGHUP) {
		reload(l);
		*work = TRUE;
		return TRUE;
	}
	uf_log(LOG_INFO, NULL, "stopping on signal %u", si.ssi_signo);
	return FALSE;
}

static void run(loop *l)
{
	for (gboolean go = TRUE; go;) {
		struct pollfd fds[2] = { { .fd = l->sig, .events = POLLIN }, { .fd = l->ino, .events = POLLIN } };
		int n = poll(fds, l->ino >= 0 ? 2 : 1, timeout_ms(l));
		gboolean work = FALSE;
		if (n < 0 && errno != EINTR) {
			uf_log(LOG_ERR, NULL, "poll: %s", g_strerror(errno));
			return;
		}
		if (n > 0 && (fds[0].revents & POLLIN))
			go = on_signal(l, &work);
		if (n > 0 && l->ino >= 0 && (fds[1].revents & POLLIN)) {
			drain(l->ino);
			work = TRUE;
		}
		if (go && (work || mono() >= l->pass_at))
			pass(l);
		if (go && mono() >= l->stats_at) {
			uf_stats_flush(l->conf->stats_file);
			l->stats_at = mono() + l->stats_interval;
		}
	}
}

int uf_daemon_run(const char *conf_path, uf_conf *conf)
{
	loop l = { .conf_path = conf_path, .conf = conf, .ino = -1, .sig = -1 };
	GError *err = NULL;
	sigset_t set;
	int rc = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l.sig = signalfd(-1, &set, SFD_CLOEXEC);
	l.state = uf_state_open(conf->state_file, &err);
	if (!l.state || l.sig < 0) {
		uf_log(LOG_ERR, NULL, "cannot start: %s", err ? err->message : g_strerror(errno));
		g_clear_error(&err);
		goto out;
	}
	if (!uf_spool_prepare(conf->spool, &err)) {
		uf_log(LOG_ERR, NULL, "cannot start: %s", err->message);
		g_clear_error(&err);
		goto out;
	}
	watch(&l);
	uf_log(LOG_INFO, NULL, "started: spool %s, cert-issue %s, pin-issue %s", conf->spool,
	       uf_action_name(conf->cert_action), uf_action_name(conf->pin_action));
	l.stats_interval = g_getenv("UPKI_STATS_INTERVAL") ? atoi(g_getenv("UPKI_STATS_INTERVAL")) : 0;
	if (l.stats_interval <= 0)
		l.stats_interval = STATS_INTERVAL;
	pass(&l);
	uf_stats_flush(l.conf->stats_file);
	l.stats_at = mono() + l.stats_interval;
	run(&l);
	/* the last counts */
	uf_stats_flush(l.conf->stats_file);
	rc = 0;
out:
	if (l.ino >= 0)
		close(l.ino);
	if (l.sig >= 0)
		close(l.sig);
	uf_state_close(l.state);
	uf_conf_free(l.conf);
	return rc;
}

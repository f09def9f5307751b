/* daemon.c - from a loaded configuration to a running milter.
 *
 * Order matters: the socket is made under umask 077 and only then given
 * SocketMode and the run-as group, the pid file is written, and then
 * root is given up for good (supplementary groups, gid, uid).  libmilter
 * runs its loop in a thread of its own; the main thread keeps the
 * signals.  libmilter's own signal thread treats SIGHUP as "stop", so
 * SIGHUP, SIGTERM and SIGINT are caught here by handlers that are never
 * blocked in the main thread (the kernel gives a process signal to the
 * main thread first when it can take it): SIGHUP builds a new
 * configuration and swaps it in for new messages, or logs why not and
 * keeps the old one.  SIGTERM lets the messages in flight finish (new
 * ones get a temporary failure meanwhile) and only then stops libmilter:
 * Debian's libmilter runs sessions on a worker pool that smfi_stop()
 * halts at once, messages in flight included.  systemd (Type=notify)
 * is told READY=1 once the socket listens, RELOADING=1 and READY=1
 * around a reload and STOPPING=1 at SIGTERM; without NOTIFY_SOCKET
 * these do nothing.  The StatsFile is written by the main thread too:
 * at the start, every STATS_INTERVAL seconds, on SIGUSR1 (caught the
 * same way: libmilter does not handle it, and its default would kill
 * the process) and once more at a clean exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <systemd/sd-daemon.h>

#include "upki/spool.h"
#include "upki-milter.h"

/* How long SIGTERM waits for messages in flight. */
#define DRAIN_SECONDS 30
/* Seconds between two writes of the StatsFile; the tests shorten it
 * with UPKI_STATS_INTERVAL (not a key: a minute suits every scrape). */
#define STATS_INTERVAL 60

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGHUP ? 'H' : sig == SIGUSR1 ? 'U' : 'T';

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: a stop or reload is already queued */
	}
	errno = saved;
}

static gboolean catch_signals(void)
{
	struct sigaction sa;

	if (pipe(sig_pipe) != 0)
		return FALSE;
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return TRUE;
}

typedef struct run_as {
	gboolean set;
	char *user;
	uid_t uid;
	gid_t gid;
} run_as;

static gboolean resolve_user(const char *spec, run_as *ra)
{
	gchar **parts = NULL;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	gboolean ok = FALSE;

	if (!spec)
		return TRUE;
	parts = g_strsplit(spec, ":", 2);
	pw = getpwnam(parts[0]);
	if (!pw) {
		um_log(LOG_ERR, NULL, "UserID: no user '%s'", parts[0]);
		goto out;
	}
	ra->set = TRUE;
	ra->user = g_strdup(parts[0]);
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	if (parts[1]) {
		gr = getgrnam(parts[1]);
		if (!gr) {
			um_log(LOG_ERR, NULL, "UserID: no group '%s'", parts[1]);
			goto out;
		}
		ra->gid = gr->gr_gid;
	}
	ok = TRUE;
out:
	g_strfreev(parts);
	return ok;
}

static gboolean open_socket(const char *spec, const um_conf *c, const run_as *ra)
{
	const char *path = um_socket_path(spec);
	mode_t old = 0;
	int rc = 0;

	if (smfi_setconn((char *)spec) != MI_SUCCESS || smfi_register(*um_callbacks_desc()) != MI_SUCCESS) {
		um_log(LOG_ERR, NULL, "cannot set up the milter on %s", spec);
		return FALSE;
	}
	if (path && um_socket_live(path)) {
		um_log(LOG_ERR, NULL, "socket %s is in use: another milter answers on it "
		       "(stop that one first, or set another Socket)", path);
		return FALSE;
	}
	/* nobody may connect before the mode and group are right */
	old = umask(077);
	rc = smfi_opensocket(true);
	umask(old);
	if (rc != MI_SUCCESS) {
		um_log(LOG_ERR, NULL, "cannot open socket %s (in use, or no such directory?)", spec);
		return FALSE;
	}
	if (!path)
		return TRUE;
	um_socket_claim(path);
	if (ra->set && geteuid() == 0 && chown(path, ra->uid, ra->gid) != 0) {
		um_log(LOG_ERR, NULL, "chown %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (chmod(path, (mode_t)c->cfg->socket_mode) != 0) {
		um_log(LOG_ERR, NULL, "chmod %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static gboolean write_pid_file(const char *path)
{
	FILE *f = NULL;

	if (!path)
		return TRUE;
	f = fopen(path, "w");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		um_log(LOG_ERR, NULL, "pid file %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* Root is given up for good: groups first, while still allowed. */
static gboolean drop_privileges(const run_as *ra)
{
	if (!ra->set) {
		if (geteuid() == 0)
			um_log(LOG_WARNING, NULL, "running as root: set UserID (or -u) to a user of its own");
		return TRUE;
	}
	if (geteuid() != 0) {
		if (getuid() == ra->uid)
			return TRUE;
		um_log(LOG_ERR, NULL, "UserID %s: only root can change user", ra->user);
		return FALSE;
	}
	if (initgroups(ra->user, ra->gid) != 0 || setgid(ra->gid) != 0 || setuid(ra->uid) != 0) {
		um_log(LOG_ERR, NULL, "cannot become %s: %s", ra->user, g_strerror(errno));
		return FALSE;
	}
	if (ra->uid != 0 && setuid(0) == 0) {
		um_log(LOG_ERR, NULL, "root privileges could be regained: stopping");
		return FALSE;
	}
	return TRUE;
}

static gboolean go_background(void)
{
	pid_t pid = fork();
	int fd = -1;

	if (pid < 0) {
		um_log(LOG_ERR, NULL, "fork: %s", g_strerror(errno));
		return FALSE;
	}
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") != 0)
		return FALSE;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return TRUE;
}

static void *milter_thread(void *arg)
{
	int *rc = arg;
	char c = 'E';

	*rc = smfi_main();
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the main loop also notices the stop through SIGTERM */
	}
	return NULL;
}

/* systemd (Type=notify) hears of the reload from its start to its end,
 * a failed one included: the old configuration is still serving. */
static void reload(const um_daemon_args *a, gboolean foreground)
{
	GError *err = NULL;
	um_conf *c = NULL;

	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	c = um_conf_load(a->conf_path, a->overrides, &err);
	um_stats_reload(c != NULL);
	if (!c) {
		um_log(LOG_ERR, NULL, "reload failed, keeping the running configuration: %s",
		       err->message);
		sd_notify(0, "READY=1\nSTATUS=reload failed, running the old configuration");
		g_error_free(err);
		return;
	}
	um_log_open(c->facility, foreground);
	um_conf_install(c);
	um_log(LOG_INFO, NULL, "configuration reloaded from %s (Socket, UserID and PidFile "
	       "need a restart)", c->path ? c->path : "built-in defaults");
	sd_notify(0, "READY=1\nSTATUS=configuration reloaded");
}

static void drain(void)
{
	for (int i = 0; i < DRAIN_SECONDS * 50 && um_callbacks_in_flight() > 0; i++)
		g_usleep(20 * 1000);
	if (um_callbacks_in_flight() > 0)
		um_log(LOG_WARNING, NULL, "exiting with %d message(s) still in flight",
		       um_callbacks_in_flight());
}

/* smfi_stop() sets libmilter's stop flag and then waits for its
 * listener, which notices the flag only when its poll times out (3-5 s
 * here).  A connection of our own, made from another thread while
 * smfi_stop() waits, wakes it at once; best effort: without it the stop
 * just takes that long. */
static void wake_listener(const char *spec)
{
	const char *path = um_socket_path(spec);
	gboolean six = g_str_has_prefix(spec, "inet6:");
	char *port = NULL, *host = NULL;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int fd = -1;

	if (path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (strlen(path) >= sizeof sun.sun_path)
			return;
		strcpy(sun.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
			/* nothing to do: libmilter stops on its own */
		}
		goto out;
	}
	if (!six && !g_str_has_prefix(spec, "inet:"))
		return;
	port = g_strdup(strchr(spec, ':') + 1);
	host = strchr(port, '@');
	if (host)
		*host++ = '\0';
	/* a wildcard listener is reached on loopback */
	if (!host || !*host || g_str_equal(host, "0.0.0.0") || g_str_equal(host, "::") || g_str_equal(host, "*"))
		host = six ? "::1" : "127.0.0.1";
	hints.ai_family = six ? AF_INET6 : AF_INET;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		goto out;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		/* as above */
	}
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	g_free(port);
}

static gint listener_gone;

static gpointer waker(gpointer spec)
{
	for (int i = 1; i <= 5 && !g_atomic_int_get(&listener_gone); i++) {
		g_usleep((gulong)i * 20 * 1000);
		wake_listener(spec);
	}
	return NULL;
}

static gint64 stats_interval(void)
{
	const char *v = g_getenv("UPKI_STATS_INTERVAL");
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 ? n : STATS_INTERVAL;
}

/* The StatsFile of the configuration in force (reloads may change it). */
static void write_stats(void)
{
	um_conf *c = um_conf_acquire();

	if (c)
		um_stats_flush(c->cfg->stats_file);
	um_conf_unref(c);
}

/* The next signal, or 0 when the stats are due first. */
static char next_event(gint64 *due, gint64 interval)
{
	struct pollfd p = { .fd = sig_pipe[0], .events = POLLIN };
	gint64 now = g_get_monotonic_time() / 1000;
	char c = 0;
	int n = 0;

	if (now >= *due) {
		*due = now + interval * 1000;
		return 0;
	}
	n = poll(&p, 1, (int)MIN(*due - now, G_MAXINT));
	if (n <= 0)
		return n < 0 && errno != EINTR ? 'E' : 'W';
	n = (int)read(sig_pipe[0], &c, 1);
	if (n < 0 && errno == EINTR)
		return 'W';
	return n <= 0 ? 'E' : c;
}

/* Reads signals until libmilter's loop has ended; returns the waker
 * started on SIGTERM, if any (the caller joins it). */
static GThread *signal_loop(const um_daemon_args *a, const char *spec)
{
	GThread *w = NULL;
	gboolean stopping = FALSE;
	gint64 interval = stats_interval(), due = 0;
	char c = 0;

	for (;;) {
		c = next_event(&due, interval);
		if (c == 'W')
			continue;
		if (c == 'E')
			return w;
		if (c == 0 || c == 'U') {
			write_stats();
		} else if (c == 'H' && !stopping) {
			reload(a, a->foreground);
		} else if (c == 'T' && !stopping) {
			stopping = TRUE;
			sd_notify(0, "STOPPING=1\nSTATUS=stopping, finishing the messages in flight");
			um_log(LOG_INFO, NULL, "stopping: %d message(s) in flight", um_callbacks_in_flight());
			um_callbacks_drain();
			drain();
			um_socket_before_stop();
			/* a path taken over since leads to the other instance */
			if (!um_socket_path(spec) || um_socket_ours())
				w = g_thread_new("waker", waker, (gpointer)spec);
			smfi_stop();
		}
	}
}

static gboolean start(const um_daemon_args *a, um_conf *c, const char *spec, run_as *ra)
{
	GError *err = NULL;

	if (!resolve_user(c->cfg->user_id, ra) || !open_socket(spec, c, ra))
		return FALSE;
	if (!a->foreground && !go_background())
		return FALSE;
	if (!write_pid_file(c->cfg->pid_file) || !drop_privileges(ra))
		return FALSE;
	if (c->cfg->spool && !upki_spool_prepare(c->cfg->spool, &err)) {
		um_log(LOG_WARNING, NULL, "Spool %s: %s (hand-offs will fail until fixed)",
		       c->cfg->spool, err->message);
		g_error_free(err);
	}
	return TRUE;
}

int um_daemon_run(const um_daemon_args *a, um_conf *c)
{
	const char *spec = c->cfg->socket;
	const char *pid_file = c->cfg->pid_file;
	run_as ra = { 0 };
	GThread *waker_thread = NULL;
	pthread_t tid;
	sigset_t block, old;
	int rc = 1;

	um_log_open(c->facility, a->foreground);
	um_conf_install(um_conf_ref(c));
	um_stats_start();
	if (!catch_signals() || !start(a, c, spec, &ra))
		goto out;
	/* the milter's threads start with these blocked; the main thread takes them */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&tid, NULL, milter_thread, &rc) != 0) {
		um_log(LOG_ERR, NULL, "cannot start the milter thread");
		goto out;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	um_log(LOG_INFO, NULL, "%s %s listening on %s", UPKI_MILTER_NAME, UPKI_MILTER_VERSION, spec);
	/* the socket listens since smfi_opensocket(): an MTA started after
	 * this (Before=postfix.service) finds it; MAINPID for a forked start */
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s\nMAINPID=%lu", spec, (unsigned long)getpid());
	waker_thread = signal_loop(a, spec);
	pthread_join(tid, NULL);
	g_atomic_int_set(&listener_gone, 1);
	if (waker_thread)
		g_thread_join(waker_thread);
	/* the last counts, messages drained at SIGTERM included */
	write_stats();
	um_log(LOG_INFO, NULL, "stopped");
	if (pid_file)
		unlink(pid_file);
out:
	/* libmilter leaves the socket file behind when running as root;
	 * only the one this process made goes (socket.c) */
	um_socket_remove();
	um_ledger_close();
	um_conf_install(NULL);
	g_free(ra.user);
	return rc == MI_SUCCESS ? 0 : 1;
}

/* action-exec.c - the `exec` action: the job handed to a program.
 *
 * ExecCommand is split into argv when the configuration loads (no shell
 * ever runs it, so nothing in a job can become a command).  The program
 * gets the job JSON on stdin (the job file itself, opened before fork),
 * an environment of PATH, UPKI_JOB_ID and UPKI_KIND only (the daemon's
 * own environment may hold anything), /dev/null as stdout and stderr (a
 * script that echoes its input must not put the URL in our journal), its
 * own process group so that a timeout kills everything it started.
 * Exit 0: done; 75 (EX_TEMPFAIL) or a timeout: retry; anything else:
 * failed.  The program must be idempotent by UPKI_JOB_ID: after a crash
 * between its success and our commit it runs again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "upki-fetch.h"

static void child(const uf_conf *conf, int in, int null, char **env)
{
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	execve(conf->exec_argv[0], conf->exec_argv, env);
	_exit(127);
}

/* Waits up to timeout seconds; kills the group past it.  -1: timed out. */
static int wait_child(pid_t pid, guint timeout)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout * G_USEC_PER_SEC;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -2;
		if (g_get_monotonic_time() >= deadline)
			break;
		g_usleep(10000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static uf_outcome judge(const uf_conf *conf, int status, char **error)
{
	if (status == -1) {
		*error = g_strdup_printf("exec: %s timed out after %us", conf->exec_argv[0],
					 conf->exec_timeout);
		return UF_RETRY;
	}
	if (status == -2) {
		*error = g_strdup_printf("exec: cannot wait for %s", conf->exec_argv[0]);
		return UF_RETRY;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return UF_OK;
	if (WIFEXITED(status))
		*error = g_strdup_printf("exec: %s exited with status %d", conf->exec_argv[0],
					 WEXITSTATUS(status));
	else
		*error = g_strdup_printf("exec: %s killed by signal %d", conf->exec_argv[0],
					 WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == UF_EX_TEMPFAIL ? UF_RETRY : UF_FAIL;
}

uf_outcome uf_action_exec(const uf_ctx *c, const uf_job *j, char **error)
{
	char *env[] = { g_strdup("PATH=/usr/local/bin:/usr/bin:/bin"),
			g_strconcat("UPKI_JOB_ID=", j->id, NULL),
			g_strconcat("UPKI_KIND=", j->kind, NULL), NULL };
	int in = open(j->path, O_RDONLY | O_CLOEXEC), null = open("/dev/null", O_RDWR | O_CLOEXEC);
	uf_outcome o = UF_RETRY;
	pid_t pid = -1;

	if (in < 0 || null < 0) {
		*error = g_strdup_printf("exec: cannot open the job or /dev/null: %s", g_strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		*error = g_strdup_printf("exec: fork: %s", g_strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(c->conf, in, null, env);
	o = judge(c->conf, wait_child(pid, c->conf->exec_timeout), error);
out:
	if (in >= 0)
		close(in);
	if (null >= 0)
		close(null);
	for (int i = 0; env[i]; i++)
		g_free(env[i]);
	return o;
}

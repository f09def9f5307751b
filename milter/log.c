/* log.c - the milter's log: syslog, and a copy on stderr with -f
 * (not when stderr is the journal: it has the syslog lines already);
 * stderr alone for -t, so that test runs never reach the mail log; and
 * the command line's lines on stderr (um_msg_error(), um_msg_warn()).
 *
 * Every line about a message starts with the MTA's queue id so that it
 * can be matched with the MTA's own log; the daemon's own lines (start,
 * stop, reload) have none.  Text that came from a message (reasons are
 * fixed tokens, but URLs are not) is never trusted to be one line:
 * control characters become '?', so a message cannot forge a log line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "upki-milter.h"

static gboolean copy_to_stderr;
static gboolean to_syslog;
static GMutex stderr_lock;

static const struct { const char *name; int facility; } facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int um_log_facility(const char *name)
{
	for (gsize i = 0; name && i < G_N_ELEMENTS(facilities); i++)
		if (g_ascii_strcasecmp(facilities[i].name, name) == 0)
			return facilities[i].facility;
	return -1;
}

/* systemd sets JOURNAL_STREAM to "device:inode" of the stream it gave
 * us; stderr is the journal only while it is still that file. */
static gboolean stderr_is_journal(void)
{
	const char *js = g_getenv("JOURNAL_STREAM");
	unsigned long long dev = 0, ino = 0;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
		return FALSE;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void um_log_open(int facility, gboolean to_stderr)
{
	/* stderr into the journal would repeat every syslog line there;
	 * syslog is kept, since it carries the facility to mail.log */
	copy_to_stderr = to_stderr && !stderr_is_journal();
	to_syslog = TRUE;
	closelog();
	openlog(UPKI_MILTER_NAME, LOG_PID | LOG_NDELAY, facility);
}

void um_log_open_stderr(void)
{
	copy_to_stderr = TRUE;
	to_syslog = FALSE;
	closelog();
}

void um_log_close(void)
{
	closelog();
}

static void defuse(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_DEBUG: return "debug";
	default: return "info";
	}
}

void um_log(int prio, const char *qid, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	defuse(text);
	/* "%s" always: the text may hold '%' from a URL; a daemon line
	 * (qid NULL) has no queue id to show */
	if (to_syslog)
		syslog(prio, "%s%s%s", qid ? qid : "", qid ? ": " : "", text);
	if (copy_to_stderr) {
		g_mutex_lock(&stderr_lock);
		fprintf(stderr, "%s: %s: %s%s%s\n", UPKI_MILTER_NAME, prio_name(prio),
			qid ? qid : "", qid ? ": " : "", text);
		fflush(stderr);
		g_mutex_unlock(&stderr_lock);
	}
	g_free(text);
}

static void msg_v(const char *level, const char *fmt, va_list ap)
{
	char *text = g_strdup_vprintf(fmt, ap);

	g_mutex_lock(&stderr_lock);
	fprintf(stderr, "%s: %s%s\n", UPKI_MILTER_NAME, level, text);
	fflush(stderr);
	g_mutex_unlock(&stderr_lock);
	g_free(text);
}

void um_msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_v("", fmt, ap);
	va_end(ap);
}

void um_msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_v("warning: ", fmt, ap);
	va_end(ap);
}

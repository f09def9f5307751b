/* log.c - the milter's log: syslog, and a copy on stderr with -f; and
 * the command line's lines on stderr (um_msg_error(), um_msg_warn()).
 *
 * Every line starts with the MTA's queue id so that it can be matched
 * with the MTA's own log.  Text that came from a message (reasons are
 * fixed tokens, but URLs are not) is never trusted to be one line:
 * control characters become '?', so a message cannot forge a log line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "upki-milter.h"

static gboolean copy_to_stderr;
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

void um_log_open(int facility, gboolean to_stderr)
{
	copy_to_stderr = to_stderr;
	closelog();
	openlog(UPKI_MILTER_NAME, LOG_PID | LOG_NDELAY, facility);
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
	/* "%s" always: the text may hold '%' from a URL */
	syslog(prio, "%s: %s", qid ? qid : "NOQUEUE", text);
	if (copy_to_stderr) {
		g_mutex_lock(&stderr_lock);
		fprintf(stderr, "%s: %s: %s: %s\n", UPKI_MILTER_NAME, prio_name(prio),
			qid ? qid : "NOQUEUE", text);
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

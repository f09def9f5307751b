/* log.c - upki-fetch's log: syslog, and a copy on stderr in the
 * foreground and with --once.
 *
 * Every line starts with the job id (a hash of the URL, safe to show) so
 * that a job can be followed from the milter's log to its outcome.  What
 * callers pass is a kind, a host and path, an outcome, an error text that
 * the action built without secrets; control characters still become '?'
 * so that nothing a receiver or a site sent can forge a log line.
 */
#include <stdarg.h>
#include <string.h>

#include "upki-fetch.h"

static gboolean copy_to_stderr;

static const struct { const char *name; int facility; } facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int uf_log_facility(const char *name)
{
	for (gsize i = 0; name && i < G_N_ELEMENTS(facilities); i++)
		if (g_ascii_strcasecmp(facilities[i].name, name) == 0)
			return facilities[i].facility;
	return -1;
}

void uf_log_open(int facility, gboolean to_stderr)
{
	copy_to_stderr = to_stderr;
	closelog();
	openlog(UF_NAME, LOG_PID | LOG_NDELAY, facility);
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

void uf_log(int prio, const char *job_id, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	syslog(prio, "%s: %s", job_id ? job_id : "-", text);
	if (copy_to_stderr) {
		fprintf(stderr, "%s: %s: %s: %s\n", UF_NAME, prio_name(prio), job_id ? job_id : "-",
			text);
		fflush(stderr);
	}
	g_free(text);
}

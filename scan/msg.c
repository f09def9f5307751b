/* msg.c - upki-scan's lines on standard error (msg.h).
 *
 * Owns stderr: its lock, and whether a status line is shown.  The lock
 * is recursive so that a writer holding it (scan_msg_begin()) can still
 * report a failure of its own with scan_msg().
 */
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

#define PREFIX "upki-scan: "

static GRecMutex lock;
static gboolean status_shown; /* under lock */

/* Caller holds the lock. */
static void erase_status(void)
{
	if (!status_shown)
		return;
	fputs("\r\033[K", stderr);
	status_shown = FALSE;
}

static char *vline(const char *fmt, va_list ap)
{
	char *text = g_strdup_vprintf(fmt, ap);
	char *line = g_strconcat(PREFIX, text, "\n", NULL);

	g_free(text);
	return line;
}

char *scan_msg_line(const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	va_start(ap, fmt);
	line = vline(fmt, ap);
	va_end(ap);
	return line;
}

void scan_msg_text(const char *text)
{
	g_rec_mutex_lock(&lock);
	erase_status();
	fputs(text, stderr);
	g_rec_mutex_unlock(&lock);
}

void scan_msg(const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	va_start(ap, fmt);
	line = vline(fmt, ap);
	va_end(ap);
	scan_msg_text(line);
	g_free(line);
}

void scan_msg_begin(void)
{
	g_rec_mutex_lock(&lock);
	erase_status();
}

void scan_msg_end(void)
{
	g_rec_mutex_unlock(&lock);
}

void scan_msg_status(const char *line)
{
	g_rec_mutex_lock(&lock);
	if (!line) {
		erase_status();
	} else {
		fprintf(stderr, "\r%s\033[K", line);
		fflush(stderr);
		status_shown = TRUE;
	}
	g_rec_mutex_unlock(&lock);
}

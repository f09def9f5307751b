/* progress.c - the progress line and the summary of a batch.
 *
 * Both go to stderr, never stdout (which carries the results).  The
 * progress line is drawn only when stderr is a terminal and neither
 * --quiet nor --check was given: a "\r" line redrawn a few times a
 * second and erased at the end, so logs and pipes never see it.  Lines
 * written on stderr meanwhile (errors) go through batch_stderr(), which
 * erases the progress line first.  Nothing here names a URL or a token.
 */
#include <stdarg.h>
#include <unistd.h>

#include "batch.h"

#define DRAW_EVERY (250 * G_TIME_SPAN_MILLISECOND)
#define MB 1e6

void progress_start(batch *b)
{
	b->started = g_get_monotonic_time();
	b->last_draw = b->started;
}

static double seconds_since(gint64 start)
{
	return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* Caller holds b->lock. */
static void erase_line(batch *b)
{
	if (!b->line_shown)
		return;
	fputs("\r\033[K", stderr);
	b->line_shown = FALSE;
}

static void format_eta(char *buf, gsize len, double seconds)
{
	guint64 s = seconds > 0 && seconds < 1e7 ? (guint64)seconds : 0;

	if (seconds <= 0 || seconds >= 1e7)
		g_snprintf(buf, len, "--:--");
	else if (s >= 3600)
		g_snprintf(buf, len, "%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (guint)(s / 60 % 60),
			   (guint)(s % 60));
	else
		g_snprintf(buf, len, "%u:%02u", (guint)(s / 60), (guint)(s % 60));
}

/* Caller holds b->lock. */
static void draw(batch *b)
{
	guint64 done = atomic_load(&b->done_bytes);
	guint64 msgs = atomic_load(&b->done_messages);
	double secs = seconds_since(b->started);
	double rate = secs > 0 ? (double)done / secs : 0;
	char eta[32];

	format_eta(eta, sizeof eta, rate > 0 && b->total_bytes > done ? (double)(b->total_bytes - done) / rate : 0);
	fprintf(stderr, "\r%.1f/%.1f MB  %" G_GUINT64_FORMAT " messages  %.1f MB/s  ETA %s\033[K",
		(double)done / MB, (double)b->total_bytes / MB, msgs, rate / MB, eta);
	fflush(stderr);
	b->line_shown = TRUE;
}

void progress_tick(batch *b)
{
	gint64 now;

	if (!b->show_progress)
		return;
	now = g_get_monotonic_time();
	if (now - b->last_draw < DRAW_EVERY)
		return;
	g_mutex_lock(&b->lock);
	b->last_draw = now;
	draw(b);
	g_mutex_unlock(&b->lock);
}

void progress_finish(batch *b)
{
	g_mutex_lock(&b->lock);
	erase_line(b);
	g_mutex_unlock(&b->lock);
}

void batch_stderr(batch *b, const char *fmt, ...)
{
	va_list ap;

	g_mutex_lock(&b->lock);
	erase_line(b);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	g_mutex_unlock(&b->lock);
}

void batch_stderr_records(batch *b, out_buf *o, guint64 base)
{
	g_mutex_lock(&b->lock);
	erase_line(b);
	out_buf_write(o, stderr, base);
	g_mutex_unlock(&b->lock);
}

void counts_merge(batch *b, const scan_counts *c)
{
	g_mutex_lock(&b->lock);
	b->totals.messages += c->messages;
	b->totals.errors += c->errors;
	for (int v = 0; v < 3; v++)
		for (int k = 0; k < UPKI_KIND_COUNT; k++)
			b->totals.verdicts[v][k] += c->verdicts[v][k];
	g_mutex_unlock(&b->lock);
}

/* "genuine 3 (cert-issue 2, pin-issue 1)" */
static void summary_verdict(GString *out, const scan_counts *t, upki_verdict v)
{
	guint64 sum = 0;
	gboolean first = TRUE;

	for (int k = 0; k < UPKI_KIND_COUNT; k++)
		sum += t->verdicts[v][k];
	g_string_append_printf(out, "%s %" G_GUINT64_FORMAT, upki_verdict_to_string(v), sum);
	if (sum == 0 || v == UPKI_VERDICT_NOT_NOTICE)
		return;
	g_string_append(out, " (");
	for (int k = 0; k < UPKI_KIND_COUNT; k++) {
		if (!t->verdicts[v][k])
			continue;
		const char *name = upki_kind_to_string((upki_kind)k);
		g_string_append_printf(out, "%s%s %" G_GUINT64_FORMAT, first ? "" : ", ",
				       name ? name : "no-kind", t->verdicts[v][k]);
		first = FALSE;
	}
	g_string_append_c(out, ')');
}

void progress_summary(batch *b)
{
	const scan_counts *t = &b->totals;
	double secs = seconds_since(b->started);
	guint64 bytes = atomic_load(&b->done_bytes);
	GString *line = g_string_new(NULL);

	g_string_append_printf(line, "upki-scan: %" G_GUINT64_FORMAT " messages, ", t->messages);
	summary_verdict(line, t, UPKI_VERDICT_GENUINE);
	g_string_append(line, ", ");
	summary_verdict(line, t, UPKI_VERDICT_SUSPICIOUS);
	g_string_append(line, ", ");
	summary_verdict(line, t, UPKI_VERDICT_NOT_NOTICE);
	g_string_append_printf(line, ", errors %" G_GUINT64_FORMAT "\n", t->errors);
	g_string_append_printf(line, "upki-scan: %" G_GUINT64_FORMAT " bytes in %u inputs, %.2f s, %.1f MB/s\n",
			       bytes, b->inputs->len, secs, secs > 0 ? (double)bytes / MB / secs : 0.0);
	batch_stderr(b, "%s", line->str);
	g_string_free(line, TRUE);
}

/* progress.c - the progress line and the summary of a batch
 * (progress.h): the output side; it calls msg.c only.
 *
 * Both go to stderr, never stdout (which carries the results).  The
 * progress line is drawn only when stderr is a terminal and neither
 * --quiet nor --check was given: a "\r" line redrawn a few times a
 * second and erased at the end, so logs and pipes never see it.  It is
 * msg.c's status line, so a message written meanwhile erases it first.
 * Nothing here names a URL or a token.
 */
#include <stdatomic.h>

#include "msg.h"
#include "progress.h"

#define DRAW_EVERY (250 * G_TIME_SPAN_MILLISECOND)
#define MB 1e6

struct scan_progress {
	guint64 total_bytes;    /* on disk, all inputs */
	gboolean show;          /* a line is drawn */
	gboolean inline_draw;   /* -j 1: the scanning thread draws it */
	gint64 started;         /* monotonic, microseconds */
	atomic_uint_fast64_t done_bytes;
	atomic_uint_fast64_t done_messages;
	GMutex lock;            /* guards last_draw and totals */
	gint64 last_draw;
	scan_counts totals;
};

scan_progress *progress_new(guint64 total_bytes, gboolean show, gboolean inline_draw)
{
	scan_progress *p = g_new0(scan_progress, 1);

	p->total_bytes = total_bytes;
	p->show = show;
	p->inline_draw = inline_draw;
	atomic_init(&p->done_bytes, 0);
	atomic_init(&p->done_messages, 0);
	g_mutex_init(&p->lock);
	p->started = g_get_monotonic_time();
	p->last_draw = p->started;
	return p;
}

void progress_free(scan_progress *p)
{
	if (!p)
		return;
	g_mutex_clear(&p->lock);
	g_free(p);
}

gboolean progress_shown(const scan_progress *p)
{
	return p->show;
}

void progress_add_bytes(scan_progress *p, guint64 bytes)
{
	atomic_fetch_add(&p->done_bytes, bytes);
}

void progress_add_message(scan_progress *p)
{
	atomic_fetch_add(&p->done_messages, 1);
}

static double seconds_since(gint64 start)
{
	return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
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

static void draw(scan_progress *p)
{
	guint64 done = atomic_load(&p->done_bytes);
	guint64 msgs = atomic_load(&p->done_messages);
	double secs = seconds_since(p->started);
	double rate = secs > 0 ? (double)done / secs : 0;
	char eta[32];
	char *line = NULL;

	format_eta(eta, sizeof eta, rate > 0 && p->total_bytes > done ? (double)(p->total_bytes - done) / rate : 0);
	line = g_strdup_printf("%.1f/%.1f MB  %" G_GUINT64_FORMAT " messages  %.1f MB/s  ETA %s",
			       (double)done / MB, (double)p->total_bytes / MB, msgs, rate / MB, eta);
	scan_msg_status(line);
	g_free(line);
}

void progress_tick(scan_progress *p)
{
	gint64 now;

	if (!p->show)
		return;
	now = g_get_monotonic_time();
	g_mutex_lock(&p->lock);
	if (now - p->last_draw >= DRAW_EVERY) {
		p->last_draw = now;
		draw(p);
	}
	g_mutex_unlock(&p->lock);
}

void progress_poll(scan_progress *p)
{
	if (p->inline_draw)
		progress_tick(p);
}

void progress_finish(scan_progress *p)
{
	if (p->show)
		scan_msg_status(NULL);
}

void progress_merge(scan_progress *p, const scan_counts *c)
{
	g_mutex_lock(&p->lock);
	p->totals.messages += c->messages;
	p->totals.errors += c->errors;
	for (int v = 0; v < 3; v++)
		for (int k = 0; k < UPKI_KIND_COUNT; k++)
			p->totals.verdicts[v][k] += c->verdicts[v][k];
	g_mutex_unlock(&p->lock);
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

void progress_summary(scan_progress *p, guint inputs)
{
	scan_counts t;
	double secs = seconds_since(p->started);
	guint64 bytes = atomic_load(&p->done_bytes);
	GString *line = g_string_new(NULL);

	g_mutex_lock(&p->lock);
	t = p->totals;
	g_mutex_unlock(&p->lock);
	g_string_append_printf(line, "%" G_GUINT64_FORMAT " messages, ", t.messages);
	summary_verdict(line, &t, UPKI_VERDICT_GENUINE);
	g_string_append(line, ", ");
	summary_verdict(line, &t, UPKI_VERDICT_SUSPICIOUS);
	g_string_append(line, ", ");
	summary_verdict(line, &t, UPKI_VERDICT_NOT_NOTICE);
	g_string_append_printf(line, ", errors %" G_GUINT64_FORMAT, t.errors);
	scan_msg("%s", line->str);
	scan_msg("%" G_GUINT64_FORMAT " bytes in %u inputs, %.2f s, %.1f MB/s", bytes, inputs, secs,
		 secs > 0 ? (double)bytes / MB / secs : 0.0);
	g_string_free(line, TRUE);
}

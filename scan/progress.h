/* progress.h - the figures of a batch: the progress line and the
 * summary (progress.c).
 *
 * A scan_progress is owned by the batch runner and shared, through its
 * functions only, by the threads of -j: every function is thread-safe.
 * Output side: calls msg.c only.
 */
#ifndef UPKI_SCAN_PROGRESS_H
#define UPKI_SCAN_PROGRESS_H

#include "upki/notice.h"

/* What one input (or part) counted; merged into the run's totals. */
typedef struct scan_counts {
	guint64 messages;
	guint64 errors;
	guint64 verdicts[3][UPKI_KIND_COUNT]; /* [upki_verdict][upki_kind] */
} scan_counts;

typedef struct scan_progress scan_progress;

/* total_bytes: all inputs on disk.  show: draw a progress line (stderr
 * is a terminal, neither --quiet nor --check).  inline_draw: the
 * scanning thread draws it (-j 1), else the writer does (progress_tick()).
 * Starts the clock.  Free with progress_free(). */
scan_progress *progress_new(guint64 total_bytes, gboolean show, gboolean inline_draw);
void progress_free(scan_progress *p);

/* TRUE when a line is drawn: only then are messages counted as they go
 * (and positions worth telling). */
gboolean progress_shown(const scan_progress *p);

/* bytes more of the inputs are done. */
void progress_add_bytes(scan_progress *p, guint64 bytes);
/* One more message is done (call only when progress_shown()). */
void progress_add_message(scan_progress *p);

/* From a scanning thread: redraws the line if it is due and this
 * thread draws it (-j 1). */
void progress_poll(scan_progress *p);
/* From the writer: redraws the line if it is due (a few times a second). */
void progress_tick(scan_progress *p);
/* Clears the line for good (end of the scan). */
void progress_finish(scan_progress *p);

/* Adds one input's counts to the totals. */
void progress_merge(scan_progress *p, const scan_counts *c);
/* The summary on stderr: totals, bytes, inputs, time. */
void progress_summary(scan_progress *p, guint inputs);

#endif

/* out.h - what one input or part of a batch writes, kept until its
 * turn (out.c).
 *
 * Output side: calls spool.c (the deferred jobs) and msg.c (kept stderr
 * lines) only.
 */
#ifndef UPKI_SCAN_OUT_H
#define UPKI_SCAN_OUT_H

#include <stdio.h>

#include "scan.h"

/* No index in a record (format.h's G_MAXSIZE). */
#define NO_INDEX G_MAXSIZE

/* Lines kept until their turn: in memory, then in an unlinked temporary
 * file.  direct: straight to stdout (-j 1).  local: the lines of a part
 * whose first index is not known yet, kept as records that say where
 * their index is (NO_INDEX: nowhere); the writer adds the base. */
typedef struct out_buf {
	GString *mem;
	FILE *spill;
	gboolean direct;
	gboolean local;
} out_buf;

void out_buf_init(out_buf *o, gboolean direct, gboolean local);
/* Takes the lines (one record when local, its index at index_at) and
 * empties *lines. */
void out_buf_add(out_buf *o, GString *lines, gsize index_at);
/* Writes everything to f, local indexes moved up by base, then frees. */
void out_buf_write(out_buf *o, FILE *f, guint64 base);

/* All an input or part hands to the writer: its stdout lines, and when
 * local its stderr lines and the spool jobs of its notices (their
 * source label holds the index). */
typedef struct part_out {
	out_buf lines;
	out_buf errors;  /* local only */
	GPtrArray *jobs; /* local only: deferred spool jobs */
	gboolean local;
} part_out;

void part_out_init(part_out *po, gboolean direct, gboolean local);
/* Keeps n (taken) to be spooled when the part is written. */
void part_out_defer_job(part_out *po, upki_notice *n, const upki_report_where *w);
/* Writes lines, stderr lines and spool jobs with base added to their
 * indexes, then frees them. */
void part_out_write(part_out *po, const scan_ctx *ctx, const char *source, guint64 base);

#endif

/* format.h - the lines upki-scan writes for a message (format.c).
 *
 * Result lines on stdout in the format of --format, the JSON error line
 * of a message that has no verdict, and the matching line on stderr.
 * Output side: calls msg.c only.  Nothing here writes: the lines go to
 * a GString (or a string) for out.c to write in turn.
 */
#ifndef UPKI_SCAN_FORMAT_H
#define UPKI_SCAN_FORMAT_H

#include "scan.h"

/* The CSV header line (with its newline) into out, when the run prints CSV. */
void scan_format_head(const scan_ctx *ctx, GString *out);

/* One result, the way the options ask, into out (nothing with --check,
 * or for not-notice with --notices-only). */
void scan_format_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w, GString *out);

/* The {source,index,offset,error} line of a message without a verdict
 * (JSON only; nothing with --check). */
void scan_format_error(const scan_ctx *ctx, const upki_report_where *w, const char *msg, GString *out);

/* The stderr line for it: "upki-scan: SOURCE: MSG", with "message N at
 * offset O" in an mbox.  g_free() it. */
char *scan_format_stderr_line(const upki_report_where *w, gboolean in_mbox, const char *msg);

typedef enum {
	SCAN_LINE_NOTICE, /* scan_format_notice() */
	SCAN_LINE_ERROR,  /* scan_format_error() */
	SCAN_LINE_STDERR  /* scan_format_stderr_line() in an mbox */
} scan_line;

/* Where the index is in such a line for source path (G_MAXSIZE: the
 * line has none).  The bytes before it depend on the source only, which
 * is the same for every line of a part of a split mbox. */
gsize scan_format_index_at(const scan_ctx *ctx, scan_line line, const char *path);

#endif

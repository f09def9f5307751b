/* spool.h - upki-scan's side of the hand-off to upki-fetch (spool.c).
 *
 * Output side: calls msg.c and code.c only.
 */
#ifndef UPKI_SCAN_SPOOL_H
#define UPKI_SCAN_SPOOL_H

#include "scan.h"

/* Hands a genuine cert-issue or pin-issue notice to the spool of
 * --spool (or the Spool key); does nothing for any other notice or
 * without a spool.  FALSE after a failed write, with a line on stderr
 * and EXIT_INTERNAL noted.  Call it once per analysed message. */
gboolean scan_spool_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w);
/* TRUE when scan_spool_notice() would write a job for n. */
gboolean scan_spool_wanted(const scan_ctx *ctx, const upki_notice *n);

/* The filter's hand-off: what became of it. */
typedef enum {
	SCAN_SPOOL_OK,          /* job written, already there, or none wanted */
	SCAN_SPOOL_NOT_OURS,    /* not permitted (EACCES, EPERM) on a spool the user
				 * does not own, such as the milter's 0700 one: no
				 * hand-off is ours to make; the mail is marked as
				 * without a spool */
	SCAN_SPOOL_FAILED,      /* any other failure (full disk, I/O error, a spool
				 * of the user's own that refuses them): the job
				 * would be lost; OnSpoolError decides */
} scan_spool_result;

/* --filter: hands n to the spool as scan_spool_notice() does, and says
 * which case a failure is; the line on stderr (never the URL) is
 * written here, once.  Notes no exit code: the filter decides. */
scan_spool_result scan_spool_filter(const scan_ctx *ctx, const upki_notice *n);

#endif

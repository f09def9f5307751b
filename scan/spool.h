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

#endif

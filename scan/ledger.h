/* ledger.h - upki-scan's side of the certificate ledger (ledger.c):
 * --ledger records, --report prints.
 *
 * Output side: calls msg.c and code.c only.
 */
#ifndef UPKI_SCAN_LEDGER_H
#define UPKI_SCAN_LEDGER_H

#include "upki/report.h"
#include "scan.h"

/* Records a genuine or suspicious notice in ctx->ledger (nothing without
 * one, or for a not-notice).  Thread-safe.  FALSE after a failed write,
 * with a line on stderr and EXIT_INTERNAL noted. */
gboolean scan_ledger_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w);

/* --filter: records n as "filter" (offset 0).  A failure is a line on
 * stderr, nothing more: the message goes out annotated as ever, and the
 * exit status stays 0 (a filter's status is about the mail). */
void scan_ledger_filter_notice(const scan_ctx *ctx, const upki_notice *n);

/* Prints the report of ctx->ledger on stdout in the --report format,
 * as of --as-of.  FALSE (a line on stderr, EXIT_INTERNAL noted) when the
 * ledger cannot be read. */
gboolean scan_ledger_report(const scan_ctx *ctx);

#endif

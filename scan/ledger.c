/* ledger.c - upki-scan's side of the certificate ledger (ledger.h):
 * the output side, called by source.c (each notice) and the driver (the
 * report after the batch); it calls msg.c and code.c only.
 *
 * The ledger itself, its states and the report's text are libupki's
 * (upki/ledger.h); this file only says where a notice was and what a
 * failure looks like on stderr.  The ledger is shared by the threads
 * of -j N: libupki serialises the writes (one connection, one writer).
 */
#include "upki/ledger.h"
#include "ledger.h"
#include "msg.h"

gboolean scan_ledger_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w)
{
	GError *err = NULL;
	gboolean ok = TRUE;

	if (!ctx->ledger)
		return TRUE;
	ok = upki_ledger_record(ctx->ledger, n, w->source, w->offset, NULL, &err);
	if (!ok) {
		scan_msg("%s: %s", w->source, err->message);
		scan_code_note(ctx->code, EXIT_INTERNAL);
	}
	g_clear_error(&err);
	return ok;
}

void scan_ledger_filter_notice(const scan_ctx *ctx, const upki_notice *n)
{
	GError *err = NULL;

	if (ctx->ledger && !upki_ledger_record(ctx->ledger, n, "filter", 0, NULL, &err)) {
		scan_msg("--filter: ledger not written (the message is not affected): %s", err->message);
		g_clear_error(&err);
	}
}

gboolean scan_ledger_report(const scan_ctx *ctx)
{
	upki_ledger_policy p = { .as_of = ctx->a->as_of_time };
	GError *err = NULL;
	upki_ledger_report *r = NULL;
	char *text = NULL;
	gboolean ok = FALSE;

	if (!upki_ledger_commit(ctx->ledger, &err))
		goto out;
	r = upki_ledger_report_build(ctx->ledger, &p, &err);
	if (!r)
		goto out;
	switch (ctx->a->report) {
	case REPORT_JSON:
		text = upki_ledger_report_json(r);
		break;
	case REPORT_HTML:
		text = upki_ledger_report_html(r);
		break;
	default:
		text = upki_ledger_report_text(r);
		break;
	}
	fputs(text, stdout);
	if (ctx->a->report == REPORT_JSON)
		fputc('\n', stdout);
	ok = TRUE;
out:
	if (!ok) {
		scan_msg("report: %s", err->message);
		scan_code_note(ctx->code, EXIT_INTERNAL);
	}
	g_clear_error(&err);
	g_free(text);
	upki_ledger_report_free(r);
	return ok;
}

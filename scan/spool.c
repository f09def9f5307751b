/* spool.c - upki-scan's side of the hand-off to upki-fetch (spool.h):
 * the output side, called by source.c, out.c (deferred jobs) and the
 * filter; it calls msg.c and code.c only.
 *
 * Scan mode and the filter both end up here, so a notice becomes the
 * same job whichever way upki-scan met it.  The job file itself is
 * libupki's business (upki/spool.h); this file only decides the source
 * label and what a failure looks like on stderr (never the URL: it is a
 * one-time secret).
 */
#include "upki/spool.h"
#include "msg.h"
#include "spool.h"

static const char *spool_dir(const scan_ctx *ctx)
{
	return ctx->a->spool ? ctx->a->spool : ctx->cfg->spool;
}

gboolean scan_spool_wanted(const scan_ctx *ctx, const upki_notice *n)
{
	const char *dir = spool_dir(ctx);

	return dir && *dir && upki_spool_eligible(n);
}

gboolean scan_spool_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w)
{
	const char *dir = spool_dir(ctx);
	char *source = NULL, *job_id = NULL;
	gboolean existed = FALSE, ok = TRUE;
	GError *err = NULL;

	if (!scan_spool_wanted(ctx, n))
		return TRUE;
	source = ctx->a->filter ? g_strdup("filter:stdin")
				: g_strdup_printf("scan:%s#%" G_GUINT64_FORMAT, w->source, w->index);
	ok = upki_spool_write(dir, n, source, &job_id, &existed, &err);
	if (!ok) {
		scan_msg("%s: %s", w->source, err->message);
		scan_code_note(ctx->code, EXIT_INTERNAL);
	}
	g_clear_error(&err);
	g_free(job_id);
	g_free(source);
	return ok;
}

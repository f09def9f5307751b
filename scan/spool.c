/* spool.c - upki-scan's side of the hand-off to upki-fetch (spool.h):
 * the output side, called by source.c, out.c (deferred jobs) and the
 * filter; it calls msg.c and code.c only.
 *
 * Scan mode and the filter both end up here, so a notice becomes the
 * same job whichever way upki-scan met it.  The job file itself is
 * libupki's business (upki/spool.h); this file only decides the source
 * label and what a failure looks like on stderr (never the URL: it is a
 * one-time secret).  For the filter it also tells a spool that is not
 * ours to write (the milter's, which already has the job) from a
 * hand-off that failed (the job would be lost).
 */
#include <sys/stat.h>
#include <unistd.h>

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

/* A refusal (EACCES, EPERM) on a spool owned by someone else, or not
 * there to stat: the user was never meant to write it.  A refusal on a
 * spool of their own is a broken hand-off like a full disk. */
static gboolean not_ours(const char *dir, const GError *err)
{
	struct stat st;

	if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ACCES) &&
	    !g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_PERM))
		return FALSE;
	return stat(dir, &st) != 0 || st.st_uid != geteuid();
}

scan_spool_result scan_spool_filter(const scan_ctx *ctx, const upki_notice *n)
{
	const char *dir = spool_dir(ctx);
	char *job_id = NULL;
	gboolean existed = FALSE;
	GError *err = NULL;
	scan_spool_result r = SCAN_SPOOL_OK;

	if (!scan_spool_wanted(ctx, n))
		return SCAN_SPOOL_OK;
	if (!upki_spool_write(dir, n, "filter:stdin", &job_id, &existed, &err)) {
		r = not_ours(dir, err) ? SCAN_SPOOL_NOT_OURS : SCAN_SPOOL_FAILED;
		if (r == SCAN_SPOOL_NOT_OURS)
			scan_msg("--filter: no hand-off: the spool is not ours to write (%s); "
				 "marked as without a spool", err->message);
		else
			scan_msg("--filter: hand-off failed: %s", err->message);
	}
	g_clear_error(&err);
	g_free(job_id);
	return r;
}

/* spool.c - upki-scan's side of the hand-off to upki-fetch.
 *
 * Scan mode and the filter both end up here, so a notice becomes the
 * same job whichever way upki-scan met it.  The job file itself is
 * spool.c's business; this file only decides the source label and what
 * a failure looks like on stderr (never the URL: it is a one-time
 * secret).
 */
#include "upki/spool.h"
#include "scan.h"

static const char *spool_dir(const scanner *s)
{
	return s->a->spool ? s->a->spool : s->cfg->spool;
}

gboolean scan_spool_wanted(const scanner *s, const upki_notice *n)
{
	const char *dir = spool_dir(s);

	return dir && *dir && upki_spool_eligible(n);
}

gboolean scan_spool_notice(scanner *s, const upki_notice *n, const upki_report_where *w)
{
	const char *dir = spool_dir(s);
	char *source = NULL, *job_id = NULL;
	gboolean existed = FALSE, ok = TRUE;
	GError *err = NULL;

	if (!scan_spool_wanted(s, n))
		return TRUE;
	source = s->a->filter ? g_strdup("filter:stdin")
			      : g_strdup_printf("scan:%s#%" G_GUINT64_FORMAT, w->source, w->index);
	ok = upki_spool_write(dir, n, source, &job_id, &existed, &err);
	if (!ok) {
		fprintf(stderr, "upki-scan: %s: %s\n", w->source, err->message);
		scan_note_code(s, EXIT_INTERNAL);
	}
	g_clear_error(&err);
	g_free(job_id);
	g_free(source);
	return ok;
}

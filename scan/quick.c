/* quick.c - telling cheaply that a message is no notice.
 *
 * An archive is mostly ordinary mail.  A message takes the whole
 * pipeline (GMime tree, text decoding, URL extraction, S/MIME) only when
 * libupki's prefilter (prefilter.h) cannot rule it out; its contract is
 * that whatever it rules out, the full pipeline calls not-notice, so
 * the quick path gives up nothing but the signature status of ordinary
 * signed mail ("none": its signature is not checked).  A ruled-out
 * message gets its not-notice line from the header block: with the
 * subject, from, message_id and date the full path reports (GMime reads
 * the header block alone), or, when the line will not be printed
 * (--notices-only, --check), with no parsing at all.
 * UPKI_SCAN_FULL=1 in the environment sends every message the full way
 * (the bench's and the tests' reference).
 */
#include "upki/classify.h"
#include "upki/mime.h"
#include "upki/prefilter.h"
#include "batch.h"

struct quick {
	upki_prefilter *pf;
};

quick *quick_new(const upki_profile *p)
{
	quick *q = NULL;

	if (g_getenv("UPKI_SCAN_FULL"))
		return NULL;
	q = g_new0(quick, 1);
	q->pf = upki_prefilter_new(p);
	return q;
}

void quick_free(quick *q)
{
	if (!q)
		return;
	upki_prefilter_free(q->pf);
	g_free(q);
}

/* GMime reads the header block its own way and has the last word: a
 * subject or sender it reads differently still takes the full path. */
static gboolean worth_a_look(const upki_profile *p, const char *subject, const char *from_addr)
{
	return upki_classify_subject(subject, p).kind != UPKI_KIND_NONE ||
	       upki_classify_is_sender(from_addr, p);
}

upki_notice *quick_analyze(const quick *q, const scanner *s, const char *buf, gsize len, GError **error)
{
	upki_mime *m = NULL;
	upki_notice *n = NULL;

	if (!q || (s->opts.max_size && len > s->opts.max_size))
		return upki_notice_analyze(buf, len, &s->opts, error);
	if (upki_prefilter_message(q->pf, buf, len).verdict != UPKI_PREFILTER_NO)
		return upki_notice_analyze(buf, len, &s->opts, error);
	if (s->a->notices_only || s->a->check)
		return g_new0(upki_notice, 1); /* kind none, not-notice: never printed */
	m = upki_mime_parse_headers(buf, len, error);
	if (!m)
		return NULL;
	if (worth_a_look(s->opts.profile, m->subject, m->from_addr))
		n = upki_notice_analyze(buf, len, &s->opts, error);
	else
		n = upki_notice_from_mime(m, &s->opts);
	upki_mime_free(m);
	return n;
}

/* wrap.c - Annotate wrap in the milter: the decision (policy) and the
 * body replacement (callbacks).
 *
 * libupki builds the wrapped message as header edits plus a new body
 * (upki/wrap.h).  Here the result of a notice to wrap gets both, and
 * keeps the headers-mode edits aside: a wrap that cannot be built, or
 * an MTA that does not allow body changes, falls back to them, with a
 * log line, before anything is sent.  Once sending has begun, a failed
 * MTA call defers the message (tempfail) whatever OnInternalError says:
 * accepting would deliver a half-rewritten message.
 */
#include <string.h>

#include <libmilter/mfapi.h>

#include "upki/wrap.h"
#include "upki-milter.h"

/* Postfix's limit for one body chunk from a milter (and libmilter's
 * MILTER_CHUNK_SIZE). */
#define BODY_CHUNK 65536

void um_wrap_decide(const um_conf *c, um_result *r, const char *msg, gsize len)
{
	GError *err = NULL;
	upki_wrapped *wr = NULL;

	if (!c->wrapper || !r->notice || r->action == UM_ACT_REJECT || r->action == UM_ACT_TEMPFAIL ||
	    !upki_wrapper_wants(c->wrapper, r->notice))
		return;
	wr = upki_wrap_build(c->wrapper, msg, len, r->notice, (gsize)c->cfg->max_message_size, &err);
	if (!wr) {
		r->wrap_note = g_strdup_printf("not wrapped (%s): headers only", err->message);
		g_error_free(err);
		return;
	}
	r->headers_edits = r->edits;
	r->edits = g_steal_pointer(&wr->edits);
	r->body = g_steal_pointer(&wr->body);
	upki_wrapped_free(wr);
}

void um_wrap_fall_back(um_result *r, const char *why)
{
	if (!r->body)
		return;
	g_ptr_array_unref(r->edits);
	r->edits = g_steal_pointer(&r->headers_edits);
	g_clear_pointer(&r->body, g_bytes_unref);
	g_free(r->wrap_note);
	r->wrap_note = g_strdup_printf("not wrapped (%s): headers only", why);
}

gboolean um_wrap_replace_body(SMFICTX *ctx, GBytes *body)
{
	gsize len = 0;
	const guchar *data = g_bytes_get_data(body, &len);

	/* one run of calls, nothing else in between */
	for (gsize off = 0; off < len; off += BODY_CHUNK) {
		int n = (int)MIN((gsize)BODY_CHUNK, len - off);
		if (smfi_replacebody(ctx, (unsigned char *)data + off, n) != MI_SUCCESS)
			return FALSE;
	}
	return TRUE;
}

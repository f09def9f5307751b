/* report-json.c - the JSON line of a verdict written directly.
 *
 * json-glib's builder and generator made a node and a hash table per
 * member and took ~125 k instructions a line, as much as a fifth of
 * what verifying a notice costs once the verifier's caches are warm.
 * This writes the same bytes itself: members in the builder's order, no
 * white space, integers in decimal, strings escaped as json-glib 1.6
 * escapes them (" and \ with a backslash; \b \f \n \r \t; the other
 * bytes 0x01-0x1E and 0x7F as \u00XX; 0x1F and every byte from 0x80 as
 * they are).  The builder path stays (upki_report_json_built(),
 * report-private.h) as the reference: test-report compares both on
 * every byte value and on generated notices, and with
 * upki_fast_paths_on() FALSE (upki-scan's UPKI_SCAN_NO_CACHE=1) the line
 * is built there (tests/integration/
 * fastpath-parity.sh).
 */
#include <string.h>

#include "upki/fastpath.h"
#include "upki/report.h"
#include "upki/url.h"
#include "report-private.h"

static gboolean needs_escape(guchar c)
{
	return c == '"' || c == '\\' || (c >= 0x01 && c <= 0x1e) || c == 0x7f;
}

void upki_report_json_escape(GString *s, const char *v)
{
	static const char hex[] = "0123456789abcdef";

	g_string_append_c(s, '"');
	for (const char *p = v; *p;) {
		const char *run = p;
		while (*p && !needs_escape((guchar)*p))
			p++;
		if (p > run)
			g_string_append_len(s, run, p - run);
		if (!*p)
			break;
		guchar c = (guchar)*p++;
		switch (c) {
		case '"': g_string_append(s, "\\\""); break;
		case '\\': g_string_append(s, "\\\\"); break;
		case '\b': g_string_append(s, "\\b"); break;
		case '\f': g_string_append(s, "\\f"); break;
		case '\n': g_string_append(s, "\\n"); break;
		case '\r': g_string_append(s, "\\r"); break;
		case '\t': g_string_append(s, "\\t"); break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0' };
			g_string_append(s, u);
		}
		}
	}
	g_string_append_c(s, '"');
}

/* A member: ',' unless it is the first of its object, the key. */
static void key(GString *s, const char *k)
{
	char last = s->len ? s->str[s->len - 1] : '\0';

	if (last != '{' && last != '[')
		g_string_append_c(s, ',');
	upki_report_json_escape(s, k);
	g_string_append_c(s, ':');
}

static void str_member(GString *s, const char *k, const char *v)
{
	key(s, k);
	if (v)
		upki_report_json_escape(s, v);
	else
		g_string_append(s, "null");
}

static void int_member(GString *s, const char *k, gint64 v)
{
	key(s, k);
	g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
}

static void bool_member(GString *s, const char *k, gboolean v)
{
	key(s, k);
	g_string_append(s, v ? "true" : "false");
}

static void reasons_member(GString *s, const char *k, guint64 set)
{
	gboolean first = TRUE;

	key(s, k);
	g_string_append_c(s, '[');
	for (int r = 0; r < UPKI_R_COUNT; r++) {
		if (!(set & UPKI_REASON_BIT(r)))
			continue;
		if (!first)
			g_string_append_c(s, ',');
		upki_report_json_escape(s, upki_reason_token((upki_reason)r));
		first = FALSE;
	}
	g_string_append_c(s, ']');
}

static void where_members(GString *s, const upki_report_where *w)
{
	str_member(s, "source", w->source);
	int_member(s, "index", (gint64)w->index);
	int_member(s, "offset", (gint64)w->offset);
}

static void signature_member(GString *s, const upki_smime_result *r)
{
	char *when = r ? upki_report_time_iso(r->signing_time) : NULL;

	key(s, "signature");
	g_string_append_c(s, '{');
	str_member(s, "status", upki_smime_status_token(r ? r->status : UPKI_SIG_NONE));
	str_member(s, "signer", r ? r->signer_subject : NULL);
	str_member(s, "issuer", r ? r->signer_issuer : NULL);
	str_member(s, "serial", r ? r->signer_serial : NULL);
	str_member(s, "signer_email",
		   r && r->signer_emails && r->signer_emails->len ? g_ptr_array_index(r->signer_emails, 0)
								 : NULL);
	str_member(s, "signing_time", when);
	bool_member(s, "expired_now", r && r->expired_now);
	g_string_append_c(s, '}');
	g_free(when);
}

static void urls_member(GString *s, const GPtrArray *urls)
{
	key(s, "urls");
	g_string_append_c(s, '[');
	for (guint i = 0; urls && i < urls->len; i++) {
		const upki_url_finding *f = g_ptr_array_index(urls, i);
		g_string_append(s, i ? ",{" : "{");
		str_member(s, "url", f->url);
		reasons_member(s, "reasons", f->reasons);
		bool_member(s, "signed", f->is_signed);
		bool_member(s, "html", f->from_html);
		bool_member(s, "retrieval", f->retrieval);
		g_string_append_c(s, '}');
	}
	g_string_append_c(s, ']');
}

char *upki_report_json(const upki_notice *n, const upki_report_where *w)
{
	GString *s = NULL;

	if (!upki_fast_paths_on())
		return upki_report_json_built(n, w);
	s = g_string_sized_new(1024);
	g_string_append_c(s, '{');
	where_members(s, w);
	str_member(s, "message_id", n->message_id);
	str_member(s, "kind", upki_kind_to_string(n->kind));
	str_member(s, "verdict", upki_verdict_to_string(n->verdict));
	reasons_member(s, "reasons", n->reasons);
	str_member(s, "url", n->url);
	str_member(s, "deadline", n->deadline);
	signature_member(s, n->sig);
	str_member(s, "subject", n->subject);
	str_member(s, "from", n->from);
	str_member(s, "date", n->date);
	str_member(s, "dn", n->dn);
	str_member(s, "serial", n->serial);
	str_member(s, "old_serial", n->old_serial);
	urls_member(s, n->urls);
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

char *upki_report_json_error(const upki_report_where *w, const char *error)
{
	GString *s = NULL;

	if (!upki_fast_paths_on())
		return upki_report_json_error_built(w, error);
	s = g_string_sized_new(256);
	g_string_append_c(s, '{');
	where_members(s, w);
	str_member(s, "error", error);
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

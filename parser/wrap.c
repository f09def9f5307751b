/* wrap.c - Annotate wrap: the wrapped message as header edits and a new
 * body (wrap.h).
 *
 * The instructions come from templates (template.c); this file fills in
 * values from the verdict and lays out the MIME structure.  The original
 * is attached as it came, byte for byte, so its signature still verifies
 * on the copy: mail programs show a signature's status only for the
 * outermost part, and refuse the SHA-1 signatures the service still
 * makes, so the instruction part says in words what was checked.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "annotate-private.h"
#include "template-private.h"
#include "upki/error.h"
#include "upki/wrap.h"

#define B64_LINE 76
#define MAX_LINE 998 /* RFC 5322: a longer line cannot stand in a 7bit/8bit part */

struct upki_wrapper {
	upki_templates *templates;
	guint classes;
	char *contact;
	char *authserv_id;
	char *subject_tag;
};

/* The fields of the original the outer header keeps (wrap.h). */
static const char *const kept_fields[] = {
	"From", "To", "Cc", "Date", "Message-ID", "Subject", "In-Reply-To", "References",
};

gboolean upki_wrap_parse_classes(const char *value, guint *classes)
{
	static const struct { const char *word; guint bit; } words[] = {
		{ "genuine-issue", UPKI_WRAP_GENUINE_ISSUE },
		{ "genuine-other", UPKI_WRAP_GENUINE_OTHER },
		{ "suspicious", UPKI_WRAP_SUSPICIOUS },
		{ "none", 0 },
	};
	gchar **list = g_strsplit_set(value ? value : "", ", \t", -1);
	gboolean ok = TRUE;

	*classes = 0;
	for (guint i = 0; ok && list[i]; i++) {
		gboolean known = FALSE;
		if (!*list[i])
			continue;
		for (gsize k = 0; k < G_N_ELEMENTS(words); k++) {
			if (g_str_equal(list[i], words[k].word)) {
				*classes |= words[k].bit;
				known = TRUE;
			}
		}
		ok = known;
	}
	g_strfreev(list);
	return ok;
}

void upki_wrapper_free(upki_wrapper *w)
{
	if (!w)
		return;
	upki_templates_free(w->templates);
	g_free(w->contact);
	g_free(w->authserv_id);
	g_free(w->subject_tag);
	g_free(w);
}

upki_wrapper *upki_wrapper_new(const upki_config *c, const char *authserv_id, GError **error)
{
	upki_wrapper *w = g_new0(upki_wrapper, 1);

	if (!upki_wrap_parse_classes(c->wrap_verdicts, &w->classes)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "WrapVerdicts: bad value '%s'",
			    c->wrap_verdicts);
		goto fail;
	}
	if ((w->classes & UPKI_WRAP_SUSPICIOUS) && (!c->wrap_contact || !*c->wrap_contact)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
			    "WrapContact is not set: the warning in a wrapped suspicious notice names "
			    "whom to tell (or leave suspicious out of WrapVerdicts)");
		goto fail;
	}
	if (!upki_annotate_authserv_id_ok(authserv_id)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
			    "authserv-id '%s' is not valid (a host name is): the instructions name it",
			    authserv_id ? authserv_id : "");
		goto fail;
	}
	w->templates = upki_templates_load(c->template_dir, error);
	if (!w->templates)
		goto fail;
	w->contact = g_strdup(c->wrap_contact);
	w->authserv_id = g_strdup(authserv_id);
	w->subject_tag = g_strdup(c->subject_tag);
	return w;
fail:
	upki_wrapper_free(w);
	return NULL;
}

static gboolean is_issue(upki_kind k)
{
	return k == UPKI_KIND_CERT_ISSUE || k == UPKI_KIND_PIN_ISSUE;
}

gboolean upki_wrapper_wants(const upki_wrapper *w, const upki_notice *n)
{
	if (!w || !n)
		return FALSE;
	if (n->verdict == UPKI_VERDICT_SUSPICIOUS)
		return (w->classes & UPKI_WRAP_SUSPICIOUS) != 0;
	if (n->verdict != UPKI_VERDICT_GENUINE || n->kind == UPKI_KIND_NONE)
		return FALSE;
	return (w->classes & (is_issue(n->kind) ? UPKI_WRAP_GENUINE_ISSUE : UPKI_WRAP_GENUINE_OTHER)) != 0;
}

void upki_wrapped_free(upki_wrapped *wr)
{
	if (!wr)
		return;
	if (wr->edits)
		g_ptr_array_unref(wr->edits);
	if (wr->body)
		g_bytes_unref(wr->body);
	g_free(wr);
}

static upki_tpl_id template_of(const upki_notice *n)
{
	if (n->verdict != UPKI_VERDICT_GENUINE)
		return UPKI_TPL_SUSPICIOUS;
	switch (n->kind) {
	case UPKI_KIND_CERT_ISSUE: return UPKI_TPL_CERT_ISSUE;
	case UPKI_KIND_PIN_ISSUE: return UPKI_TPL_PIN_ISSUE;
	case UPKI_KIND_CERT_RETRIEVED: return UPKI_TPL_RETRIEVED;
	case UPKI_KIND_CERT_RENEWED: return UPKI_TPL_RENEWED;
	case UPKI_KIND_CERT_REVOKED: return UPKI_TPL_REVOKED;
	default: break;
	}
	return UPKI_TPL_COUNT;
}

/* The values of one notice; strings kept in *own (freed by the caller). */
typedef struct values {
	upki_tpl_values v;
	GPtrArray *own;
	GPtrArray *lists[3];
} values;

static const char *keep(values *vs, char *s)
{
	if (s)
		g_ptr_array_add(vs->own, s);
	return s;
}

static const char *signer_email(const upki_notice *n)
{
	const GPtrArray *e = n->sig ? n->sig->signer_emails : NULL;

	for (guint i = 0; e && n->from && i < e->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(e, i), n->from) == 0)
			return g_ptr_array_index(e, i);
	return e && e->len ? g_ptr_array_index(e, 0) : NULL;
}

static char *format_time(gint64 t)
{
	GDateTime *d = t >= 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *s = d ? g_date_time_format(d, "%Y-%m-%d %H:%M:%S UTC") : NULL;

	if (d)
		g_date_time_unref(d);
	return s;
}

static void fill_values(values *vs, const upki_wrapper *w, const upki_notice *n)
{
	upki_tpl_values *v = &vs->v;
	const char *kind = upki_kind_to_string(n->kind);

	vs->own = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < 3; i++)
		vs->lists[i] = g_ptr_array_new_with_free_func(g_free);
	v->value[UPKI_PH_AUTHSERV_ID] = w->authserv_id;
	v->value[UPKI_PH_KIND] = kind ? kind : "none";
	v->value[UPKI_PH_CONTACT] = w->contact;
	if (n->verdict == UPKI_VERDICT_GENUINE) {
		v->value[UPKI_PH_SIGNER] = n->sig ? n->sig->signer_subject : NULL;
		v->value[UPKI_PH_SIGNER_EMAIL] = signer_email(n);
		v->value[UPKI_PH_ISSUER] = n->sig ? n->sig->signer_issuer : NULL;
		v->value[UPKI_PH_SIGNING_TIME] = keep(vs, format_time(n->sig ? n->sig->signing_time : -1));
		v->value[UPKI_PH_URL] = n->url;
		v->value[UPKI_PH_DEADLINE] = n->deadline;
		v->value[UPKI_PH_DN] = n->dn;
		v->value[UPKI_PH_SERIAL] = n->serial;
		v->value[UPKI_PH_OLD_SERIAL] = n->old_serial;
		return;
	}
	/* suspicious: what failed, in words, and the links made harmless */
	v->value[UPKI_PH_REASONS] = keep(vs, upki_reason_join(n->reasons & ~UPKI_REASONS_INFORMATIVE, ", "));
	for (guint r = 0; r < UPKI_R_COUNT; r++) {
		if (!(n->reasons & UPKI_REASON_BIT(r)) || (UPKI_REASON_BIT(r) & UPKI_REASONS_INFORMATIVE))
			continue;
		g_ptr_array_add(vs->lists[0], g_strdup(upki_templates_reason(w->templates, r, TRUE)));
		g_ptr_array_add(vs->lists[1], g_strdup(upki_templates_reason(w->templates, r, FALSE)));
	}
	for (guint i = 0; n->urls && i < n->urls->len; i++) {
		const upki_url_finding *f = g_ptr_array_index(n->urls, i);
		if (f->retrieval)
			g_ptr_array_add(vs->lists[2], upki_template_defang(f->url));
	}
	v->lists[UPKI_PH_REASONS_JA] = vs->lists[0];
	v->lists[UPKI_PH_REASONS_EN] = vs->lists[1];
	v->lists[UPKI_PH_LINKS] = vs->lists[2];
	/* the kind is the attacker's claim: it only picks which advice to add */
	v->lists[UPKI_PH_ADVICE_JA] = upki_templates_advice(w->templates, n->kind, TRUE);
	v->lists[UPKI_PH_ADVICE_EN] = upki_templates_advice(w->templates, n->kind, FALSE);
}

static void values_clear(values *vs)
{
	g_ptr_array_unref(vs->own);
	for (guint i = 0; i < 3; i++)
		g_ptr_array_unref(vs->lists[i]);
}

/* A boundary found nowhere in the original ("=_" cannot occur in
 * base64 or quoted-printable text). */
static char *new_boundary(const char *orig, gsize len)
{
	for (guint tries = 0; tries < 16; tries++) {
		char *b = g_strdup_printf("=_upki_%08x%08x%08x", g_random_int(), g_random_int(), g_random_int());
		if (!g_strstr_len(orig, (gssize)len, b))
			return b;
		g_free(b);
	}
	return NULL;
}

static void append_base64(GString *out, const char *text, const char *eol)
{
	char *b64 = g_base64_encode((const guchar *)text, strlen(text));
	gsize len = strlen(b64);

	for (gsize i = 0; i < len; i += B64_LINE) {
		g_string_append_len(out, b64 + i, (gssize)MIN((gsize)B64_LINE, len - i));
		g_string_append(out, eol);
	}
	g_free(b64);
}

/* The encoding the original may be labelled with unchanged: NULL when
 * none (a NUL, a line longer than RFC 5322 allows). */
static const char *original_encoding(const char *orig, gsize len)
{
	gboolean eight = FALSE;
	gsize line = 0;

	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)orig[i];
		if (c == 0)
			return NULL;
		eight = eight || c >= 0x80;
		line = c == '\n' ? 0 : line + 1;
		if (line > MAX_LINE + 1)
			return NULL;
	}
	return eight ? "8bit" : "7bit";
}

static void append_text_part(GString *out, const char *type, const char *text, const char *eol)
{
	g_string_append_printf(out, "Content-Type: %s; charset=utf-8%s", type, eol);
	g_string_append_printf(out, "Content-Transfer-Encoding: base64%s%s", eol, eol);
	append_base64(out, text, eol);
}

static GBytes *build_body(const char *orig, gsize olen, const char *text, const char *html,
			  const char *outer, const char *alt, const char *eol, GError **error)
{
	const char *cte = original_encoding(orig, olen);
	GString *b = NULL;

	if (!cte) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL,
			    "the original has a NUL or a line over %u bytes: it cannot be attached unchanged",
			    MAX_LINE);
		return NULL;
	}
	b = g_string_sized_new(olen + strlen(text) * 2 + strlen(html) * 2 + 1024);
	g_string_append_printf(b, "--%s%s", outer, eol);
	g_string_append_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"%s%s", alt, eol, eol);
	g_string_append_printf(b, "--%s%s", alt, eol);
	append_text_part(b, "text/plain", text, eol);
	g_string_append_printf(b, "--%s%s", alt, eol);
	append_text_part(b, "text/html", html, eol);
	g_string_append_printf(b, "--%s--%s", alt, eol);
	g_string_append_printf(b, "--%s%s", outer, eol);
	g_string_append_printf(b, "Content-Type: message/rfc822%s", eol);
	g_string_append_printf(b, "Content-Disposition: attachment; filename=\"original.eml\"%s", eol);
	g_string_append_printf(b, "Content-Transfer-Encoding: %s%s%s", cte, eol, eol);
	g_string_append_len(b, orig, (gssize)olen);
	/* this line end belongs to the delimiter: the part is orig exactly */
	g_string_append_printf(b, "%s--%s--%s", eol, outer, eol);
	return g_string_free_to_bytes(b);
}

static void add_edit(GPtrArray *edits, upki_edit_op op, const char *name, guint index, char *value)
{
	upki_header_edit *e = g_new0(upki_header_edit, 1);

	e->op = op;
	e->name = g_strdup(name);
	e->index = index;
	e->value = value;
	g_ptr_array_add(edits, e);
}

static void edit_free(gpointer data)
{
	upki_header_edit *e = data;

	g_free(e->name);
	g_free(e->value);
	g_free(e);
}

static gboolean kept(const char *msg, const upki_raw_field *f)
{
	for (gsize i = 0; i < G_N_ELEMENTS(kept_fields); i++)
		if (upki_raw_field_is(msg, f, kept_fields[i]))
			return TRUE;
	return FALSE;
}

/* 1-based index of line i among lines of its sort (annotate.c's rule). */
static guint index_of(const char *msg, const upki_raw_header *h, guint i)
{
	const upki_raw_line *l = &g_array_index(h->lines, upki_raw_line, i);
	const upki_raw_field *f = l->field < 0 ? NULL : &g_array_index(h->fields, upki_raw_field, l->field);
	guint index = 0;

	for (guint j = 0; j <= i; j++) {
		const upki_raw_line *o = &g_array_index(h->lines, upki_raw_line, j);
		const upki_raw_field *of = o->field < 0 ? NULL : &g_array_index(h->fields, upki_raw_field, o->field);
		if (!f)
			index += !of;
		else if (of && of->name_len == f->name_len &&
			 g_ascii_strncasecmp(msg + of->start, msg + f->start, f->name_len) == 0)
			index++;
	}
	return index;
}

/* Deletions, from the last line up: every line that is no kept field,
 * and every kept one that carries or hides a verdict of ours.  Returns
 * how many Subject fields stay. */
static guint add_deletions(GPtrArray *edits, const char *msg, const upki_raw_header *h, const char *id)
{
	guint subjects = 0;

	for (guint i = h->lines->len; i > 0; i--) {
		const upki_raw_line *l = &g_array_index(h->lines, upki_raw_line, i - 1);
		const upki_raw_field *f = l->field < 0 ? NULL : &g_array_index(h->fields, upki_raw_field, l->field);
		char *name = NULL;
		if (f && kept(msg, f) && !upki_annotate_line_is_ours(msg, h, l, id)) {
			subjects += upki_raw_field_is(msg, f, "Subject");
			continue;
		}
		if (!f) {
			add_edit(edits, UPKI_EDIT_DELETE_LINE, NULL, index_of(msg, h, i - 1), NULL);
			continue;
		}
		name = g_strndup(msg + f->start, f->name_len);
		add_edit(edits, UPKI_EDIT_DELETE, name, index_of(msg, h, i - 1), NULL);
		g_free(name);
	}
	return subjects;
}

static void add_subject(GPtrArray *edits, const upki_wrapper *w, const upki_notice *n, guint subjects)
{
	char *value = NULL;

	if (n->verdict == UPKI_VERDICT_SUSPICIOUS && w->subject_tag && *w->subject_tag)
		value = upki_annotate_tagged_subject(n->subject, w->subject_tag);
	if (value && subjects) {
		add_edit(edits, UPKI_EDIT_CHANGE, "Subject", 1, value);
		return;
	}
	/* every Subject went (it hid a verdict): the decoded one comes back */
	if (!value && !subjects && n->subject)
		value = g_mime_utils_header_encode_text(NULL, n->subject, "utf-8");
	if (value && !subjects)
		add_edit(edits, UPKI_EDIT_INSERT, "Subject", 0, value);
	else
		g_free(value);
}

static GPtrArray *build_edits(const upki_wrapper *w, const char *msg, const upki_raw_header *h,
			      const upki_notice *n, const char *outer)
{
	GPtrArray *edits = g_ptr_array_new_with_free_func(edit_free);
	guint subjects = add_deletions(edits, msg, h, w->authserv_id);

	add_subject(edits, w, n, subjects);
	/* each insertion goes on top: the last one ends up first */
	add_edit(edits, UPKI_EDIT_INSERT, "Content-Type", 0,
		 g_strdup_printf("multipart/mixed; boundary=\"%s\"", outer));
	add_edit(edits, UPKI_EDIT_INSERT, "MIME-Version", 0, g_strdup("1.0"));
	add_edit(edits, UPKI_EDIT_INSERT, "X-UPKI-Notice", 0, upki_annotate_notice_value(n));
	add_edit(edits, UPKI_EDIT_INSERT, "Authentication-Results", 0,
		 upki_annotate_auth_results_value(n, w->authserv_id));
	return edits;
}

/* Bytes the header will take once edited (a bound, for max_size). */
static gsize edits_size(const GPtrArray *edits)
{
	gsize size = 0;

	for (guint i = 0; i < edits->len; i++) {
		const upki_header_edit *e = g_ptr_array_index(edits, i);
		if (e->value)
			size += strlen(e->name) + strlen(e->value) + 8 + strlen(e->value) / 60 * 3;
	}
	return size;
}

upki_wrapped *upki_wrap_build(const upki_wrapper *w, const char *msg, gsize len,
			      const upki_notice *n, gsize max_size, GError **error)
{
	upki_raw_header *h = NULL;
	upki_tpl_id id = template_of(n);
	values vs = { 0 };
	char *text = NULL, *html = NULL, *outer = NULL, *alt = NULL;
	upki_wrapped *wr = NULL;
	const char *orig = NULL;
	gsize olen = 0;

	if (!w || !n || (n->verdict != UPKI_VERDICT_GENUINE && n->verdict != UPKI_VERDICT_SUSPICIOUS) ||
	    id == UPKI_TPL_COUNT) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "not a notice to wrap");
		return NULL;
	}
	h = upki_raw_header_scan(msg, len);
	if (h->fields->len == 0 || h->end >= len) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "no header block and body to wrap");
		goto out;
	}
	fill_values(&vs, w, n);
	text = upki_template_render(w->templates, id, UPKI_PART_TEXT, &vs.v, error);
	html = text ? upki_template_render(w->templates, id, UPKI_PART_HTML, &vs.v, error) : NULL;
	if (!html)
		goto out;
	orig = msg + h->from_line;
	olen = len - h->from_line;
	outer = new_boundary(orig, olen);
	alt = new_boundary(orig, olen);
	if (!outer || !alt) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "no boundary found that the original lacks");
		goto out;
	}
	wr = g_new0(upki_wrapped, 1);
	wr->body = build_body(orig, olen, text, html, outer, alt, h->crlf ? "\r\n" : "\n", error);
	if (!wr->body)
		goto fail;
	wr->edits = build_edits(w, msg, h, n, outer);
	if (max_size && g_bytes_get_size(wr->body) + h->end + edits_size(wr->edits) > max_size) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TOO_LARGE,
			    "the wrapped message would be larger than %" G_GSIZE_FORMAT " bytes", max_size);
		goto fail;
	}
	goto out;
fail:
	upki_wrapped_free(wr);
	wr = NULL;
out:
	if (vs.own)
		values_clear(&vs);
	g_free(text);
	g_free(html);
	g_free(outer);
	g_free(alt);
	upki_raw_header_free(h);
	return wr;
}

GString *upki_wrap_apply(const char *msg, gsize len, const upki_wrapped *wr)
{
	upki_raw_header *h = upki_raw_header_scan(msg, len);
	/* the header block alone, without the empty line that ends it */
	GString *out = upki_annotate_apply(msg, h->end, wr->edits);
	gsize blen = 0;
	const char *body = g_bytes_get_data(wr->body, &blen);

	g_string_append(out, h->crlf ? "\r\n" : "\n");
	g_string_append_len(out, body, (gssize)blen);
	upki_raw_header_free(h);
	return out;
}

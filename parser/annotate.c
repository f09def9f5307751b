/* annotate.c - the header edits a verdict makes, and their textual
 * application for `upki-scan --filter`.
 *
 * The milter and the filter share one list of edits, so they mark a
 * message the same way.  Every value written is ASCII built from fixed
 * tokens or from checked facts: nothing a message controls can add a
 * line end, a ';' or a property to our Authentication-Results.  Choices
 * (which smime= result for which failure, what ordinary mail gets) are
 * explained in docs/annotate.md.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "upki/annotate.h"
#include "upki/rawheader.h"
#include "annotate-private.h"

#define NOTICE_FIELD "X-UPKI-Notice"
#define AR_FIELD "Authentication-Results"
#define MAX_ISSUER 200
#define MAX_SERIAL 80

/* Reasons about the signature itself, given as reason= in A-R. */
#define SIG_REASONS                                                                         \
	(UPKI_REASON_BIT(UPKI_R_BAD_SIGNATURE) | UPKI_REASON_BIT(UPKI_R_UNTRUSTED_SIGNER) | \
	 UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED) | UPKI_REASON_BIT(UPKI_R_SIGNER_NOT_SENDER))

static void edit_free(gpointer data)
{
	upki_header_edit *e = data;

	g_free(e->name);
	g_free(e->value);
	g_free(e);
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

/* RFC 2045 token: what an authserv-id may be without quoting. */
gboolean upki_annotate_authserv_id_ok(const char *id)
{
	if (!id || !*id || strlen(id) > 255)
		return FALSE;
	for (const char *p = id; *p; p++)
		if (*p <= 32 || *p >= 127 || strchr("()<>@,;:\\\"/[]?=", *p))
			return FALSE;
	return TRUE;
}

/* addr-spec made of atext only: safe as an unquoted pvalue. */
static gboolean safe_address(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;

	if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > 254)
		return FALSE;
	for (const char *p = a; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr(p < at ? "!#$%&'*+-/=?^_`{|}~." : ".-@", *p))
			return FALSE;
	return TRUE;
}

static gboolean all_digits(const char *s)
{
	if (!s || !*s || strlen(s) > MAX_SERIAL)
		return FALSE;
	for (; *s; s++)
		if (!g_ascii_isdigit(*s))
			return FALSE;
	return TRUE;
}

/* The issuer as a quoted-string, or NULL when it is not plain printable
 * ASCII of a sane length (then neither issuer nor serial is given:
 * RFC 7281 wants them together). */
static char *quoted_issuer(const char *issuer)
{
	GString *q = NULL;

	if (!issuer || !*issuer || strlen(issuer) > MAX_ISSUER)
		return NULL;
	q = g_string_new("\"");
	for (const char *p = issuer; *p; p++) {
		if (*p < 32 || *p >= 127) {
			g_string_free(q, TRUE);
			return NULL;
		}
		if (*p == '"' || *p == '\\')
			g_string_append_c(q, '\\');
		g_string_append_c(q, *p);
	}
	g_string_append_c(q, '"');
	return g_string_free(q, FALSE);
}

/* The signer address to name: the one equal to From when there is one. */
static const char *signer_identifier(const upki_notice *n)
{
	const GPtrArray *emails = n->sig->signer_emails;

	if (!emails || emails->len == 0)
		return NULL;
	for (guint i = 0; n->from && i < emails->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(emails, i), n->from) == 0)
			return g_ptr_array_index(emails, i);
	return g_ptr_array_index(emails, 0);
}

static const char *smime_result(const upki_notice *n)
{
	switch (n->sig ? n->sig->status : UPKI_SIG_NONE) {
	case UPKI_SIG_PASS:
		/* a good signature by someone else than the sender */
		return n->reasons & UPKI_REASON_BIT(UPKI_R_SIGNER_NOT_SENDER) ? "policy" : "pass";
	case UPKI_SIG_BAD:
	case UPKI_SIG_UNTRUSTED:
	case UPKI_SIG_EXPIRED:
		return "fail";
	case UPKI_SIG_ERROR:
		return "permerror";
	case UPKI_SIG_NONE:
		break;
	}
	return "none";
}

static void append_properties(GString *v, const upki_notice *n)
{
	const char *id = signer_identifier(n);
	char *issuer = quoted_issuer(n->sig->signer_issuer);

	if (safe_address(id))
		g_string_append_printf(v, " body.smime-identifier=%s", id);
	if (issuer && all_digits(n->sig->signer_serial))
		g_string_append_printf(v, " body.smime-serial=%s body.smime-issuer=%s",
				       n->sig->signer_serial, issuer);
	g_free(issuer);
}

char *upki_annotate_auth_results_value(const upki_notice *n, const char *authserv_id)
{
	const char *result = NULL;
	GString *v = NULL;
	guint64 why = 0;

	if (!n || !upki_annotate_authserv_id_ok(authserv_id))
		return NULL;
	result = smime_result(n);
	v = g_string_new(NULL);
	g_string_append_printf(v, "%s; smime=%s", authserv_id, result);
	why = n->reasons & SIG_REASONS;
	if (why && (strcmp(result, "fail") == 0 || strcmp(result, "policy") == 0)) {
		char *tokens = upki_reason_join(why, ",");
		g_string_append_printf(v, " reason=\"%s\"", tokens);
		g_free(tokens);
	}
	if (n->sig && n->sig->status != UPKI_SIG_NONE && n->sig->status != UPKI_SIG_ERROR)
		append_properties(v, n);
	return g_string_free(v, FALSE);
}

char *upki_annotate_notice_value(const upki_notice *n)
{
	const char *kind = upki_kind_to_string(n->kind);
	GString *v = g_string_new(NULL);

	g_string_append_printf(v, "%s; kind=%s", upki_verdict_to_string(n->verdict), kind ? kind : "none");
	if (n->reasons) {
		char *tokens = upki_reason_join(n->reasons, ",");
		g_string_append_printf(v, "; reasons=%s", tokens);
		g_free(tokens);
	}
	return g_string_free(v, FALSE);
}

/* The authserv-id of an Authentication-Results value: its first token,
 * comments removed, unquoted. */
static char *authserv_id_of(const char *value)
{
	char *clean = upki_raw_strip_comments(value);
	char *p = g_strstrip(clean), *id = NULL;
	gsize n = 0;

	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else {
		n = strcspn(p, " \t;");
	}
	id = g_strndup(p, n);
	g_free(clean);
	return id;
}

/* An Authentication-Results value (from its first byte to end) of ours. */
static gboolean is_our_ar_value(const char *msg, gsize value, gsize end, const char *ours)
{
	gsize stop = value;
	char *text = NULL, *id = NULL;
	gboolean match = FALSE;

	/* a hidden field ends at the next line end of any kind */
	while (stop < end && msg[stop] != '\r' && msg[stop] != '\n')
		stop++;
	text = g_strndup(msg + value, stop - value);
	id = authserv_id_of(text);
	match = g_ascii_strcasecmp(id, ours) == 0;
	g_free(id);
	g_free(text);
	return match;
}

static gboolean is_our_auth_results(const char *msg, const upki_raw_field *f, const char *ours)
{
	char *value = upki_raw_field_value(msg, f);
	char *id = authserv_id_of(value);
	gboolean match = g_ascii_strcasecmp(id, ours) == 0;

	g_free(id);
	g_free(value);
	return match;
}

/* TRUE when msg[from..end) hides one of our fields (see annotate.h). */
static gboolean hides_ours(const char *msg, gsize from, gsize end, gboolean other_line,
			   const char *authserv_id)
{
	gsize at = from;

	if (upki_raw_find_hidden(msg, from, end, NOTICE_FIELD, other_line))
		return TRUE;
	while (authserv_id && (at = upki_raw_find_hidden(msg, at, end, AR_FIELD, other_line))) {
		if (is_our_ar_value(msg, at, end, authserv_id))
			return TRUE;
		/* the rest of the line after that colon is no line start */
		other_line = FALSE;
	}
	return FALSE;
}

static gboolean field_is_ours(const char *msg, const upki_raw_field *f, const char *authserv_id)
{
	if (upki_raw_field_is(msg, f, NOTICE_FIELD))
		return TRUE;
	if (authserv_id && upki_raw_field_is(msg, f, AR_FIELD) && is_our_auth_results(msg, f, authserv_id))
		return TRUE;
	return hides_ours(msg, f->value, f->end, FALSE, authserv_id);
}

/* 1-based index of line i among the lines of its sort (fields of its
 * name, or lines that are no field). */
static guint index_of(const char *msg, const upki_raw_header *h, guint i)
{
	const upki_raw_line *l = &g_array_index(h->lines, upki_raw_line, i);
	const upki_raw_field *f = l->field < 0 ? NULL : &g_array_index(h->fields, upki_raw_field, l->field);
	guint index = 0;

	for (guint j = 0; j <= i; j++) {
		const upki_raw_line *o = &g_array_index(h->lines, upki_raw_line, j);
		if (!f)
			index += o->field < 0;
		else if (o->field >= 0 &&
			 g_ascii_strncasecmp(msg + o->start, msg + f->start, f->name_len) == 0 &&
			 g_array_index(h->fields, upki_raw_field, o->field).name_len == f->name_len)
			index++;
	}
	return index;
}

/* DELETE edits for our fields and whatever hides one, from the last line
 * up: every later deletion leaves the indices of earlier ones valid.
 * authserv_id NULL: no Authentication-Results is ours. */
static void add_deletions(GPtrArray *edits, const char *msg, const upki_raw_header *h,
			  const char *authserv_id)
{
	for (guint i = h->lines->len; i > 0; i--) {
		const upki_raw_line *l = &g_array_index(h->lines, upki_raw_line, i - 1);
		const upki_raw_field *f = NULL;
		char *name = NULL;

		if (l->field < 0) {
			if (hides_ours(msg, l->start, l->end, TRUE, authserv_id))
				add_edit(edits, UPKI_EDIT_DELETE_LINE, NULL, index_of(msg, h, i - 1), NULL);
			continue;
		}
		f = &g_array_index(h->fields, upki_raw_field, l->field);
		if (!field_is_ours(msg, f, authserv_id))
			continue;
		name = g_strndup(msg + f->start, f->name_len);
		add_edit(edits, UPKI_EDIT_DELETE, name, index_of(msg, h, i - 1), NULL);
		g_free(name);
	}
}

static gboolean has_field(const char *msg, const upki_raw_header *h, const char *name)
{
	for (guint i = 0; i < h->fields->len; i++)
		if (upki_raw_field_is(msg, &g_array_index(h->fields, upki_raw_field, i), name))
			return TRUE;
	return FALSE;
}

/* The tagged Subject (RFC 2047 UTF-8 where needed), or NULL when it
 * already carries the tag. */
static char *tagged_subject(const char *subject, const char *tag)
{
	char *bare_tag = g_strstrip(g_strdup(tag));
	char *text = NULL, *encoded = NULL;

	if (subject && *bare_tag && g_str_has_prefix(subject, bare_tag))
		goto out;
	text = g_strconcat(tag, subject ? subject : "", NULL);
	encoded = g_mime_utils_header_encode_text(NULL, g_strstrip(text), "utf-8");
out:
	g_free(text);
	g_free(bare_tag);
	return encoded;
}

static void add_subject_edit(GPtrArray *edits, const char *msg, const upki_raw_header *h,
			     const upki_notice *n, const char *tag)
{
	char *value = NULL;

	if (n->verdict != UPKI_VERDICT_SUSPICIOUS || !tag || !*tag)
		return;
	value = tagged_subject(n->subject, tag);
	if (!value)
		return;
	if (has_field(msg, h, "Subject"))
		add_edit(edits, UPKI_EDIT_CHANGE, "Subject", 1, value);
	else
		add_edit(edits, UPKI_EDIT_INSERT, "Subject", 0, value);
}

GPtrArray *upki_annotate_edits(const char *msg, gsize len, const upki_notice *n,
			       const upki_annotate_options *o)
{
	GPtrArray *edits = g_ptr_array_new_with_free_func(edit_free);
	upki_raw_header *h = upki_raw_header_scan(msg, len);
	gboolean id_ok = upki_annotate_authserv_id_ok(o->authserv_id);

	add_deletions(edits, msg, h, id_ok ? o->authserv_id : NULL);
	/* ordinary mail keeps its header: nothing to say about it */
	if (!n || n->verdict == UPKI_VERDICT_NOT_NOTICE)
		goto out;
	add_subject_edit(edits, msg, h, n, o->subject_tag);
	add_edit(edits, UPKI_EDIT_INSERT, NOTICE_FIELD, 0, upki_annotate_notice_value(n));
	if (id_ok)
		add_edit(edits, UPKI_EDIT_INSERT, AR_FIELD, 0,
			 upki_annotate_auth_results_value(n, o->authserv_id));
out:
	upki_raw_header_free(h);
	return edits;
}

/* One field of the header being rewritten: the original bytes, or new text. */
typedef struct piece {
	char *name;
	gsize start, end; /* original bytes when text is NULL */
	char *text;
	gboolean has_eol;
} piece;

static void piece_clear(gpointer data)
{
	piece *p = data;

	g_free(p->name);
	g_free(p->text);
}

static GArray *pieces_of(const char *msg, const upki_raw_header *h)
{
	GArray *pieces = g_array_sized_new(FALSE, TRUE, sizeof(piece), h->lines->len + 4);

	g_array_set_clear_func(pieces, piece_clear);
	for (guint i = 0; i < h->lines->len; i++) {
		const upki_raw_line *l = &g_array_index(h->lines, upki_raw_line, i);
		const upki_raw_field *f = l->field < 0 ? NULL : &g_array_index(h->fields, upki_raw_field, l->field);
		piece p = { .name = f ? g_strndup(msg + f->start, f->name_len) : NULL, .start = l->start,
			    .end = l->end, .has_eol = f ? f->has_eol : msg[l->end - 1] == '\n' };
		g_array_append_val(pieces, p);
	}
	return pieces;
}

/* Position of the index-th (1-based) piece called name (name NULL: of
 * the lines that are no field), or -1. */
static gint find_piece(GArray *pieces, const char *name, guint index)
{
	guint seen = 0;

	for (guint i = 0; i < pieces->len; i++) {
		const char *pn = g_array_index(pieces, piece, i).name;
		gboolean same = name ? pn && g_ascii_strcasecmp(pn, name) == 0 : !pn;
		if (same && ++seen == index)
			return (gint)i;
	}
	return -1;
}

static void apply_one(GArray *pieces, const upki_header_edit *e, const char *eol)
{
	gint at = e->op == UPKI_EDIT_INSERT ? 0 : find_piece(pieces, e->name, e->index);
	piece *p = NULL;

	if (at < 0)
		return;
	switch (e->op) {
	case UPKI_EDIT_DELETE:
	case UPKI_EDIT_DELETE_LINE:
		g_array_remove_index(pieces, (guint)at);
		break;
	case UPKI_EDIT_CHANGE:
		p = &g_array_index(pieces, piece, at);
		g_free(p->text);
		p->text = upki_raw_fold(p->name, e->value ? e->value : "", eol, p->has_eol);
		break;
	case UPKI_EDIT_INSERT: {
		piece n = { .name = g_strdup(e->name), .has_eol = TRUE,
			    .text = upki_raw_fold(e->name, e->value ? e->value : "", eol, TRUE) };
		g_array_prepend_val(pieces, n);
		break;
	}
	}
}

GString *upki_annotate_apply(const char *msg, gsize len, const GPtrArray *edits)
{
	upki_raw_header *h = upki_raw_header_scan(msg, len);
	GArray *pieces = pieces_of(msg, h);
	const char *eol = h->crlf ? "\r\n" : "\n";
	GString *out = g_string_sized_new(len + 512);

	for (guint i = 0; edits && i < edits->len; i++)
		apply_one(pieces, g_ptr_array_index(edits, i), eol);
	g_string_append_len(out, msg, (gssize)h->from_line);
	for (guint i = 0; i < pieces->len; i++) {
		const piece *p = &g_array_index(pieces, piece, i);
		if (p->text)
			g_string_append(out, p->text);
		else
			g_string_append_len(out, msg + p->start, (gssize)(p->end - p->start));
	}
	g_string_append_len(out, msg + h->end, (gssize)(len - h->end));
	g_array_unref(pieces);
	upki_raw_header_free(h);
	return out;
}

gboolean upki_annotate_line_is_ours(const char *msg, const upki_raw_header *h,
				    const upki_raw_line *l, const char *authserv_id)
{
	if (l->field < 0)
		return hides_ours(msg, l->start, l->end, TRUE, authserv_id);
	return field_is_ours(msg, &g_array_index(h->fields, upki_raw_field, l->field), authserv_id);
}

char *upki_annotate_tagged_subject(const char *subject, const char *tag)
{
	return tagged_subject(subject, tag);
}

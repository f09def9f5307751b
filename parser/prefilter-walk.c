/* prefilter-walk.c - the text parts of a message, found in its bytes.
 *
 * The pipeline reads every text part (text/html as HTML, any other
 * subtype as plain text) wherever GMime finds them: in multiparts, in forwarded message/rfc822, in the content of
 * opaque signed data.  This walk finds the same parts without GMime and
 * hands each, transfer-decoded, to prefilter.c.  It may only ever read
 * more than GMime, never less, so it gives up (UPKI_PF_STRUCTURE: "may
 * matter") wherever the two could read a structure differently: a
 * header line that is no field, Content-Type or Content-Transfer-Encoding
 * twice, a Content-Type with comments or RFC 2231 parameters, a line
 * that starts with a delimiter but is none, a multipart without a
 * delimiter, an encoding it does not undo.  Opaque signed data is "may
 * matter" at once: its text is inside DER.  Every byte is read a bounded
 * number of times (once per level of nesting, at most MAX_DEPTH), and
 * reaching a limit is "may matter", never a silent stop.
 */
#include <string.h>

#include "prefilter-private.h"

#define MAX_DEPTH 16
#define MAX_ENTITIES 500
#define MAX_DECODED (16u * 1024 * 1024)
#define MAX_BOUNDARY 200

typedef struct walker {
	const upki_prefilter *pf;
	const char *buf;
	guint entities;
	gsize decoded;
	upki_prefilter_why why; /* UPKI_PF_NO_MARKER while nothing matters */
} walker;

/* The fields of an entity's header block that decide how it is read. */
typedef struct entity {
	gsize body;     /* offset of the body */
	gsize ct, ct_end;   /* value of Content-Type (0, 0: none) */
	gsize cte, cte_end; /* value of Content-Transfer-Encoding */
	guint n_ct, n_cte;
} entity;

typedef struct ctype {
	char *type, *sub; /* lower case */
	char *boundary, *charset;
} ctype;

static void ctype_clear(ctype *c)
{
	g_free(c->type);
	g_free(c->sub);
	g_free(c->boundary);
	g_free(c->charset);
	memset(c, 0, sizeof *c);
}

static gboolean give_up(walker *w, upki_prefilter_why why)
{
	if (w->why == UPKI_PF_NO_MARKER)
		w->why = why;
	return FALSE;
}

static gsize line_end(const char *b, gsize pos, gsize end)
{
	const char *nl = memchr(b + pos, '\n', end - pos);

	return nl ? (gsize)(nl - b) + 1 : end;
}

static gboolean empty_line(const char *b, gsize pos, gsize end)
{
	return b[pos] == '\n' || (b[pos] == '\r' && pos + 1 < end && b[pos + 1] == '\n');
}

/* Length of "Name" when the line at pos is "Name:" or "Name :", else 0. */
static gsize field_name(const char *b, gsize pos, gsize end)
{
	gsize i = pos, n = 0;

	while (i < end && b[i] > 32 && b[i] < 127 && b[i] != ':')
		i++;
	n = i - pos;
	while (i < end && (b[i] == ' ' || b[i] == '\t'))
		i++;
	return i < end && b[i] == ':' && n ? n : 0;
}

static void note_field(entity *e, const char *b, gsize pos, gsize n, gsize value, gsize end)
{
	if (n == 12 && g_ascii_strncasecmp(b + pos, "Content-Type", 12) == 0) {
		e->n_ct++;
		e->ct = value;
		e->ct_end = end;
	} else if (n == 25 && g_ascii_strncasecmp(b + pos, "Content-Transfer-Encoding", 25) == 0) {
		e->n_cte++;
		e->cte = value;
		e->cte_end = end;
	}
}

/* Reads the header block at [pos, end): FALSE when a line is neither a
 * field, a continuation nor the empty line. */
static gboolean read_header(const char *b, gsize pos, gsize end, entity *e)
{
	memset(e, 0, sizeof *e);
	while (pos < end) {
		gsize n = 0, next = 0, colon = 0;

		if (empty_line(b, pos, end)) {
			e->body = line_end(b, pos, end);
			return TRUE;
		}
		n = field_name(b, pos, end);
		if (!n)
			return FALSE;
		colon = (gsize)((const char *)memchr(b + pos, ':', end - pos) - b);
		next = line_end(b, pos, end);
		while (next < end && (b[next] == ' ' || b[next] == '\t'))
			next = line_end(b, next, end);
		note_field(e, b, pos, n, colon + 1, next);
		pos = next;
	}
	e->body = end; /* no body */
	return TRUE;
}

/* ---- Content-Type, read plainly or not at all ---- */

static gboolean is_tspecial(char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static const char *skip_wsp(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static char *token(const char **p)
{
	const char *s = *p;

	while (**p > 32 && **p < 127 && !is_tspecial(**p))
		(*p)++;
	return *p > s ? g_ascii_strdown(s, *p - s) : NULL;
}

/* A parameter value: a quoted string (backslash quotes a character) or
 * a run up to ';' or white space.  NULL when it is neither. */
static char *param_value(const char **p)
{
	GString *v = g_string_new(NULL);
	const char *c = *p;

	if (*c == '"') {
		for (c++; *c && *c != '"'; c++) {
			if (*c == '\\' && c[1])
				c++;
			g_string_append_c(v, *c);
		}
		if (*c != '"')
			return g_string_free(v, TRUE);
		*p = c + 1;
		return g_string_free(v, FALSE);
	}
	for (; *c && *c != ';' && *c != ' ' && *c != '\t'; c++) {
		if (*c == '"' || *c == '(')
			return g_string_free(v, TRUE);
		g_string_append_c(v, *c);
	}
	*p = c;
	return g_string_free(v, FALSE);
}

/* FALSE: not plain.  charset and boundary at most once each, never in
 * RFC 2231 form (charset*=, boundary*0=: GMime would decode them); a
 * comment after a value is not plain either. */
static gboolean parse_params(const char *p, ctype *ct)
{
	while (*(p = skip_wsp(p))) {
		char *name = NULL, *value = NULL, **slot = NULL;
		gboolean bad = FALSE;

		if (*p++ != ';')
			return FALSE;
		p = skip_wsp(p);
		if (!*p)
			return TRUE;
		name = token(&p);
		p = skip_wsp(p);
		if (name && *p == '=') {
			p = skip_wsp(p + 1);
			value = param_value(&p);
		}
		if (name && strcmp(name, "charset") == 0)
			slot = &ct->charset;
		else if (name && strcmp(name, "boundary") == 0)
			slot = &ct->boundary;
		bad = !value || (slot && *slot) || *skip_wsp(p) == '(' ||
		      (name && (g_str_has_prefix(name, "charset*") || g_str_has_prefix(name, "boundary*")));
		if (!bad && slot)
			*slot = g_steal_pointer(&value);
		g_free(value);
		g_free(name);
		if (bad)
			return FALSE;
	}
	return TRUE;
}

static gboolean parse_ctype(const char *b, gsize from, gsize to, ctype *ct)
{
	char *v = g_strndup(b + from, to - from);
	const char *p = NULL;
	gboolean ok = FALSE;

	g_strdelimit(v, "\r\n", ' ');
	p = skip_wsp(v);
	ct->type = token(&p);
	if (!ct->type || *p++ != '/')
		goto out;
	ct->sub = token(&p);
	ok = ct->sub && parse_params(p, ct);
out:
	g_free(v);
	return ok;
}

/* ---- transfer encodings ---- */

static int hexval(char c)
{
	return g_ascii_isdigit(c) ? c - '0' : g_ascii_isxdigit(c) ? g_ascii_tolower(c) - 'a' + 10 : -1;
}

/* As GMime decodes it: "=XX" (either case) a byte, '=' at a line end a
 * soft break (also with blanks before the line end: leaving characters
 * out can only join text), anything else as written. */
static GString *qp_decode(const char *s, gsize n)
{
	GString *out = g_string_sized_new(n);

	for (gsize i = 0; i < n; i++) {
		if (s[i] != '=') {
			g_string_append_c(out, s[i]);
			continue;
		}
		gsize j = i + 1;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
			j++;
		if (j >= n || s[j] == '\n') {
			i = j;
			continue;
		}
		if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			g_string_append_c(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
			continue;
		}
		g_string_append_c(out, '=');
	}
	return out;
}

static GString *base64_decode(const char *s, gsize n)
{
	GString *out = g_string_sized_new(n * 3 / 4 + 3);
	gint state = 0;
	guint save = 0;

	out->len = g_base64_decode_step(s, n, (guchar *)out->str, &state, &save);
	out->str[out->len] = '\0';
	return out;
}

typedef enum { CTE_IDENTITY, CTE_BASE64, CTE_QP, CTE_OTHER } cte_kind;

static cte_kind cte_of(const walker *w, const entity *e)
{
	char *v = NULL;
	cte_kind k = CTE_OTHER;

	if (!e->n_cte)
		return CTE_IDENTITY;
	v = g_strstrip(g_strndup(w->buf + e->cte, e->cte_end - e->cte));
	if (!*v || !g_ascii_strcasecmp(v, "7bit") || !g_ascii_strcasecmp(v, "8bit") ||
	    !g_ascii_strcasecmp(v, "binary"))
		k = CTE_IDENTITY;
	else if (!g_ascii_strcasecmp(v, "base64"))
		k = CTE_BASE64;
	else if (!g_ascii_strcasecmp(v, "quoted-printable"))
		k = CTE_QP;
	g_free(v);
	return k;
}

/* ---- the walk ---- */

static gboolean walk_entity(walker *w, gsize from, gsize to, guint depth, gboolean digest);

static gboolean walk_text(walker *w, const entity *e, const ctype *ct, gsize to)
{
	const char *body = w->buf + e->body;
	gsize n = to - e->body;
	GString *dec = NULL;
	cte_kind k = cte_of(w, e);

	if (k == CTE_OTHER)
		return give_up(w, UPKI_PF_ENCODING);
	if (k != CTE_IDENTITY) {
		dec = k == CTE_BASE64 ? base64_decode(body, n) : qp_decode(body, n);
		body = dec->str;
		n = dec->len;
	}
	w->decoded += n;
	if (w->decoded > MAX_DECODED) {
		if (dec)
			g_string_free(dec, TRUE);
		return give_up(w, UPKI_PF_LIMIT);
	}
	upki_prefilter_why why = upki_prefilter_text(w->pf, body, n, ct->charset, strcmp(ct->sub, "html") == 0);
	if (dec)
		g_string_free(dec, TRUE);
	return why == UPKI_PF_NO_MARKER || give_up(w, why);
}

/* What follows "--boundary" on a line: 0 not this boundary's line,
 * 1 a delimiter, 2 the close delimiter, -1 neither (a parser could read
 * it either way). */
static int delimiter_kind(const char *b, gsize pos, gsize end, const char *dash, gsize dlen)
{
	gsize e = line_end(b, pos, end), i = pos + dlen;
	int kind = 1;

	if (e - pos < dlen || memcmp(b + pos, dash, dlen) != 0)
		return 0;
	if (i + 1 < e && b[i] == '-' && b[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	for (; i < e; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n')
			return -1;
	return kind;
}

static gboolean walk_multipart(walker *w, const ctype *ct, gsize from, gsize to, guint depth)
{
	char *dash = NULL;
	gsize dlen = 0, part = 0;
	gboolean in_part = FALSE, ok = TRUE, seen = FALSE;

	if (!ct->boundary || !*ct->boundary || strlen(ct->boundary) > MAX_BOUNDARY)
		return give_up(w, UPKI_PF_STRUCTURE);
	dash = g_strconcat("--", ct->boundary, NULL);
	dlen = strlen(dash);
	for (gsize pos = from; ok && pos < to; pos = line_end(w->buf, pos, to)) {
		int kind = w->buf[pos] == '-' ? delimiter_kind(w->buf, pos, to, dash, dlen) : 0;
		if (kind == 0)
			continue;
		if (kind < 0) {
			ok = give_up(w, UPKI_PF_STRUCTURE);
			break;
		}
		if (in_part)
			ok = walk_entity(w, part, pos, depth + 1, strcmp(ct->sub, "digest") == 0);
		seen = TRUE;
		in_part = kind == 1;
		part = line_end(w->buf, pos, to);
		if (kind == 2)
			break; /* the epilogue is read by nobody */
	}
	if (ok && in_part)
		ok = walk_entity(w, part, to, depth + 1, strcmp(ct->sub, "digest") == 0);
	if (ok && !seen)
		ok = give_up(w, UPKI_PF_STRUCTURE);
	g_free(dash);
	return ok;
}

static gboolean walk_typed(walker *w, const entity *e, const ctype *ct, gsize to, guint depth)
{
	const char *t = ct->type, *s = ct->sub;

	if (strcmp(t, "multipart") == 0) {
		if (cte_of(w, e) != CTE_IDENTITY)
			return give_up(w, UPKI_PF_STRUCTURE);
		return walk_multipart(w, ct, e->body, to, depth);
	}
	if (strcmp(t, "message") == 0 &&
	    (strcmp(s, "rfc822") == 0 || strcmp(s, "global") == 0 || strcmp(s, "news") == 0)) {
		if (cte_of(w, e) != CTE_IDENTITY)
			return give_up(w, UPKI_PF_STRUCTURE);
		return walk_entity(w, e->body, to, depth + 1, FALSE);
	}
	if (strcmp(t, "application") == 0 && (strcmp(s, "pkcs7-mime") == 0 || strcmp(s, "x-pkcs7-mime") == 0))
		return give_up(w, UPKI_PF_OPAQUE);
	/* mime.c reads every text subtype (RFC 2046: as plain text). */
	if (strcmp(t, "text") == 0)
		return walk_text(w, e, ct, to);
	return TRUE; /* a type the pipeline never reads */
}

/* The entity at [from, to): header block, then body.  FALSE stops the
 * walk (w->why says why). */
static gboolean walk_entity(walker *w, gsize from, gsize to, guint depth, gboolean digest)
{
	entity e;
	ctype ct = { 0 };
	gboolean ok = FALSE;

	if (depth > MAX_DEPTH || ++w->entities > MAX_ENTITIES)
		return give_up(w, UPKI_PF_LIMIT);
	if (!read_header(w->buf, from, to, &e) || e.n_ct > 1 || e.n_cte > 1)
		return give_up(w, UPKI_PF_STRUCTURE);
	if (!e.n_ct) {
		ct.type = g_strdup(digest ? "message" : "text");
		ct.sub = g_strdup(digest ? "rfc822" : "plain");
	} else if (!parse_ctype(w->buf, e.ct, e.ct_end, &ct)) {
		ok = give_up(w, UPKI_PF_STRUCTURE);
		goto out;
	}
	ok = walk_typed(w, &e, &ct, to, depth);
out:
	ctype_clear(&ct);
	return ok;
}

upki_prefilter_result upki_prefilter_walk(const upki_prefilter *pf, const char *msg, gsize len)
{
	walker w = { .pf = pf, .buf = msg, .why = UPKI_PF_NO_MARKER };
	gsize start = 0;
	upki_prefilter_result r = { UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER };

	if (len >= 5 && memcmp(msg, "From ", 5) == 0)
		start = line_end(msg, 0, len);
	walk_entity(&w, start, len, 0, FALSE);
	if (w.why != UPKI_PF_NO_MARKER) {
		r.verdict = UPKI_PREFILTER_MAY;
		r.why = w.why;
	}
	return r;
}

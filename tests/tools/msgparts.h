/* msgparts.h - cuts a multipart/signed notice into the pieces the attack
 * and mutation generators (upki-attack.c, upki-mutate.c) splice: the
 * header fields, the boundary, the signed entity and the signature part.
 *
 * The cut follows RFC 2046 strictly (a delimiter is "--B" then the line
 * end) and is deliberately independent of parser/: the generators must
 * not inherit the library's reading of a message they are meant to test.
 * Static functions in a header because every tool is one .c file.
 */
#ifndef UPKI_TOOLS_MSGPARTS_H
#define UPKI_TOOLS_MSGPARTS_H

#include <string.h>
#include <glib.h>

typedef struct msgparts {
	const char *nl;      /* "\r\n" or "\n", as the base writes its lines */
	GPtrArray *fields;   /* GString*: each header field, folded lines and line end kept */
	GString *boundary;   /* of the top-level multipart/signed */
	GString *ctype;      /* the top-level Content-Type field as written */
	GString *preamble;   /* between the blank line and the first delimiter */
	GString *entity;     /* the signed bytes: first part, without the line end before "--B" */
	GString *sigpart;    /* second part, headers and body, without its final line end */
	GString *epilogue;   /* after the close delimiter line */
} msgparts;

static inline gboolean mp_name_is(const GString *field, const char *name)
{
	gsize n = strlen(name);

	return field->len > n && field->str[n] == ':' && g_ascii_strncasecmp(field->str, name, n) == 0;
}

static inline const GString *mp_field(const msgparts *m, const char *name)
{
	for (guint i = 0; i < m->fields->len; i++)
		if (mp_name_is(m->fields->pdata[i], name))
			return m->fields->pdata[i];
	return NULL;
}

/* The header block without the named fields (NULL-terminated list). */
static inline GString *mp_headers_without(const msgparts *m, const char *const *drop)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < m->fields->len; i++) {
		gboolean skip = FALSE;
		for (int d = 0; drop && drop[d]; d++)
			skip = skip || mp_name_is(m->fields->pdata[i], drop[d]);
		if (!skip)
			g_string_append_len(out, ((GString *)m->fields->pdata[i])->str,
					    ((GString *)m->fields->pdata[i])->len);
	}
	return out;
}

static inline GString *mp_boundary_of(const GString *ctype)
{
	const char *p = ctype->str;
	const char *end = ctype->str + ctype->len;

	for (; p + 9 <= end; p++)
		if (g_ascii_strncasecmp(p, "boundary=", 9) == 0)
			break;
	if (p + 9 > end)
		return NULL;
	p += 9;
	gboolean quoted = *p == '"';
	const char *v = p + quoted;
	const char *q = v;
	while (q < end && (quoted ? *q != '"' : !strchr(" \t;\r\n", *q)))
		q++;
	return q > v ? g_string_new_len(v, q - v) : NULL;
}

/* Finds "NL--B" NL starting at from; returns the offset of NL or -1. */
static inline gssize mp_find_delim(const GString *raw, gsize from, const msgparts *m, gboolean close)
{
	GString *pat = g_string_new(m->nl);
	gssize at = -1;

	g_string_append_printf(pat, "--%s%s%s", m->boundary->str, close ? "--" : "", m->nl);
	for (gsize i = from; i + pat->len <= raw->len; i++)
		if (memcmp(raw->str + i, pat->str, pat->len) == 0) {
			at = (gssize)i;
			break;
		}
	g_string_free(pat, TRUE);
	return at;
}

static inline void mp_split_fields(msgparts *m, const char *s, gsize len)
{
	gsize i = 0;

	while (i < len) {
		gsize j = i;
		/* A field runs to the line end that is not followed by a blank. */
		for (;;) {
			const char *e = memchr(s + j, '\n', len - j);
			j = e ? (gsize)(e - s) + 1 : len;
			if (j >= len || (s[j] != ' ' && s[j] != '\t'))
				break;
		}
		g_ptr_array_add(m->fields, g_string_new_len(s + i, j - i));
		i = j;
	}
}

static inline void mp_free(msgparts *m)
{
	if (!m)
		return;
	g_ptr_array_free(m->fields, TRUE);
	for (GString **g = &m->boundary; g <= &m->epilogue; g++)
		if (*g)
			g_string_free(*g, TRUE);
	g_free(m);
}

static inline void mp_free_gstring(gpointer p)
{
	g_string_free(p, TRUE);
}

/* NULL (with a message in *why) unless raw is a message whose top level
 * is a detached multipart/signed of two parts. */
static inline msgparts *mp_parse(const GString *raw, const char **why)
{
	msgparts *m = g_new0(msgparts, 1);
	const char *crlf = strstr(raw->str, "\r\n\r\n");
	const char *lf = strstr(raw->str, "\n\n");
	gboolean is_crlf = crlf && (!lf || crlf < lf);
	const char *hend = is_crlf ? crlf + 2 : lf ? lf + 1 : NULL;

	m->nl = is_crlf ? "\r\n" : "\n";
	m->fields = g_ptr_array_new_with_free_func(mp_free_gstring);
	*why = "no header block";
	if (!hend)
		goto fail;
	mp_split_fields(m, raw->str, hend - raw->str);
	*why = "no multipart/signed with a boundary at the top";
	const GString *ct = mp_field(m, "Content-Type");
	if (!ct || !g_strrstr_len(ct->str, ct->len, "ultipart/signed"))
		goto fail;
	m->ctype = g_string_new_len(ct->str, ct->len);
	m->boundary = mp_boundary_of(ct);
	if (!m->boundary)
		goto fail;
	gsize body = (hend - raw->str) + strlen(m->nl);
	/* Look for the first delimiter from the line end that ends the blank line. */
	gssize d1 = mp_find_delim(raw, body - strlen(m->nl), m, FALSE);
	gssize d2 = d1 < 0 ? -1 : mp_find_delim(raw, d1 + 1, m, FALSE);
	gssize d3 = d2 < 0 ? -1 : mp_find_delim(raw, d2 + 1, m, TRUE);
	*why = "delimiters of the multipart/signed not found";
	if (d3 < 0)
		goto fail;
	gsize dl = strlen(m->nl) + 2 + m->boundary->len + strlen(m->nl);
	/* The preamble keeps its own last line end, so that an empty one adds no line. */
	m->preamble = g_string_new_len(raw->str + body,
				       d1 >= (gssize)body ? d1 + (gssize)strlen(m->nl) - (gssize)body : 0);
	m->entity = g_string_new_len(raw->str + d1 + dl, d2 - (d1 + dl));
	m->sigpart = g_string_new_len(raw->str + d2 + dl, d3 - (d2 + dl));
	m->epilogue = g_string_new_len(raw->str + d3 + dl + 2, raw->len - (d3 + dl + 2));
	return m;
fail:
	mp_free(m);
	return NULL;
}

#endif

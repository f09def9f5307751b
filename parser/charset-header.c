/* charset-header.c - RFC 2047 encoded-words of a header turned into UTF-8.
 *
 * Our own rather than GMime's because GMime 3.2 drops the rest of a
 * Subject made of several adjacent ISO-2022-JP encoded-words (the real
 * notices do that).  Adjacent words of one charset are converted
 * together, so a character split between two words survives; every
 * conversion goes through charset.c's upki_mime_to_utf8(), which never
 * fails.  The scan is linear in the header however it is written.
 */
#include <string.h>

#include "upki/charset.h"
#include "upki/mime.h"

/* One encoded-word, "=?charset?E?text?=", found at p. */
typedef struct word {
	char *charset;
	char enc;          /* 'B' or 'Q' */
	const char *text;
	gsize text_len;
	const char *after; /* just past "?=" */
} word;

/* Parses the encoded-word at p.  On failure *resume is where the next
 * attempt may start: no word can end before a point the scan for "?="
 * already passed, and skipping there keeps hostile headers linear. */
static gboolean parse_word(const char *p, word *w, const char **resume)
{
	const char *cs = p + 2, *q = cs;

	*resume = p + 2;
	while (*q && *q != '?' && !g_ascii_isspace(*q) && q - cs <= 64)
		q++;
	if (*q != '?' || q == cs)
		return FALSE;
	char enc = g_ascii_toupper(q[1]);
	if ((enc != 'B' && enc != 'Q') || q[2] != '?')
		return FALSE;
	const char *t = q + 3, *e = t;
	while (*e && !(e[0] == '?' && e[1] == '=') && !g_ascii_isspace(*e))
		e++;
	if (e[0] != '?' || e[1] != '=') {
		*resume = e;
		return FALSE;
	}
	w->charset = g_strndup(cs, (gsize)(q - cs));
	/* RFC 2231 language suffix: "iso-2022-jp*ja". */
	char *star = strchr(w->charset, '*');
	if (star)
		*star = '\0';
	w->enc = enc;
	w->text = t;
	w->text_len = (gsize)(e - t);
	w->after = e + 2;
	return TRUE;
}

static void decode_word(const word *w, GByteArray *out)
{
	if (w->enc == 'B') {
		gint state = 0;
		guint save = 0;
		guint base = out->len;
		g_byte_array_set_size(out, base + (guint)(w->text_len / 4 * 3 + 3));
		gsize n = g_base64_decode_step(w->text, w->text_len, out->data + base, &state, &save);
		g_byte_array_set_size(out, base + (guint)n);
		return;
	}
	for (gsize i = 0; i < w->text_len; i++) {
		guchar c = (guchar)w->text[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < w->text_len && g_ascii_isxdigit(w->text[i + 1]) &&
			   g_ascii_isxdigit(w->text[i + 2])) {
			c = (guchar)(g_ascii_xdigit_value(w->text[i + 1]) * 16 +
				     g_ascii_xdigit_value(w->text[i + 2]));
			i += 2;
		}
		g_byte_array_append(out, &c, 1);
	}
}

/* Encoded bytes waiting for conversion, so that adjacent words of one
 * charset convert together. */
typedef struct pending {
	char *charset;
	GByteArray *bytes;
} pending;

static void flush(pending *pd, GString *out)
{
	if (!pd->charset)
		return;
	char *u = upki_mime_to_utf8((const char *)pd->bytes->data, pd->bytes->len, pd->charset);
	g_string_append(out, u);
	g_free(u);
	g_clear_pointer(&pd->charset, g_free);
	g_byte_array_set_size(pd->bytes, 0);
}

static void append_literal(GString *out, const char *s, gsize len)
{
	if (!len)
		return;
	char *u = upki_mime_to_utf8(s, len, NULL);
	g_string_append(out, u);
	g_free(u);
}

static gboolean only_space(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t')
			return FALSE;
	return TRUE;
}

/* Next "=?" from p on, or NULL.  (strstr would do, but instrumented
 * builds check the whole rest of the string on every call.) */
static const char *next_word_start(const char *p)
{
	for (; *p; p++)
		if (p[0] == '=' && p[1] == '?')
			return p;
	return NULL;
}

/* Folding (CR/LF and the white space after it) becomes one space. */
static char *unfold(const char *raw)
{
	char *s = g_malloc(strlen(raw) + 1), *o = s;

	for (const char *p = raw; *p; p++) {
		if (*p != '\r' && *p != '\n') {
			*o++ = *p;
			continue;
		}
		while (p[1] == '\r' || p[1] == '\n' || p[1] == ' ' || p[1] == '\t')
			p++;
		*o++ = ' ';
	}
	*o = '\0';
	return s;
}

char *upki_header_decode(const char *raw)
{
	char *s = NULL;
	GString *out = NULL;
	pending pd = { NULL, NULL };
	const char *p, *lit;
	gboolean after_word = FALSE;

	if (!raw)
		return NULL;
	s = unfold(raw);
	out = g_string_sized_new(strlen(s));
	pd.bytes = g_byte_array_new();
	for (p = lit = s; (p = next_word_start(p));) {
		word w;
		const char *resume = NULL;
		if (!parse_word(p, &w, &resume)) {
			p = resume;
			continue;
		}
		/* White space between two encoded-words is not text (RFC 2047 6.2). */
		if (!(after_word && only_space(lit, p))) {
			flush(&pd, out);
			append_literal(out, lit, (gsize)(p - lit));
		}
		if (pd.charset && g_ascii_strcasecmp(pd.charset, w.charset) != 0)
			flush(&pd, out);
		if (!pd.charset)
			pd.charset = g_strdup(w.charset);
		decode_word(&w, pd.bytes);
		g_free(w.charset);
		after_word = TRUE;
		p = lit = w.after;
	}
	flush(&pd, out);
	append_literal(out, lit, strlen(lit));
	g_byte_array_unref(pd.bytes);
	g_free(s);
	/* Decoded words may carry line ends of their own (Q "=0A"). */
	for (gsize i = 0; i < out->len; i++)
		if (out->str[i] == '\n' || out->str[i] == '\r' || out->str[i] == '\t')
			out->str[i] = ' ';
	return g_strstrip(g_string_free(out, FALSE));
}

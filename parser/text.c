/* text.c - blanks, trimming and line ends of decoded text (see text.h). */
#include <string.h>

#include "text-private.h"

gboolean upki_text_is_blank(gunichar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == 0x3000 || c == 0xA0;
}

void upki_text_trim(const char **start, const char **end)
{
	while (*start < *end && upki_text_is_blank(g_utf8_get_char(*start)))
		*start = g_utf8_next_char(*start);
	while (*end > *start) {
		const char *prev = g_utf8_prev_char(*end);
		if (!upki_text_is_blank(g_utf8_get_char(prev)))
			break;
		*end = prev;
	}
}

char *upki_text_prepare(const char *text)
{
	const char *t = text ? text : "";
	/* Valid text (nearly all) is copied as make_valid would copy it, at a
	 * fraction of the cost; one without CR needs no second pass. */
	char *valid = g_utf8_validate(t, -1, NULL) ? g_strdup(t) : g_utf8_make_valid(t, -1);
	char *w = valid;

	if (!strchr(valid, '\r'))
		return valid;
	for (const char *r = valid; *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	return valid;
}

/* Letters and marks that render as nothing, beside category Cf. */
static gboolean is_invisible_other(gunichar c)
{
	return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0
	       || c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180F)
	       || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF)
	       || c == 0x2028 || c == 0x2029;
}

gboolean upki_text_is_hidden_control(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_FORMAT:
		return TRUE;
	case G_UNICODE_CONTROL:
		return !(c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r');
	default:
		return is_invisible_other(c);
	}
}

gboolean upki_text_has_hidden_controls(const char *s, gssize len)
{
	const char *end = NULL;

	if (!s)
		return FALSE;
	end = s + (len < 0 ? (gssize)strlen(s) : len);
	while (s < end) {
		gunichar c = g_utf8_get_char_validated(s, end - s);
		if (c >= (gunichar)-2) {
			s++;
			continue;
		}
		if (upki_text_is_hidden_control(c))
			return TRUE;
		s = g_utf8_next_char(s);
	}
	return FALSE;
}

#define MAX_MARK_RUN 30 /* UAX #15 stream-safe text format */

/* ASCII without NUL: every normalisation form leaves it as it is. */
static gboolean plain_ascii(const char *s, gssize len, gsize *n)
{
	gsize i = 0;

	for (; len < 0 ? s[i] != '\0' : i < (gsize)len; i++)
		if ((guchar)s[i] >= 0x80 || s[i] == '\0')
			return FALSE;
	*n = i;
	return TRUE;
}

char *upki_text_normalize(const char *s, gssize len, GNormalizeMode mode)
{
	gsize n = 0;

	if (s && plain_ascii(s, len, &n))
		return g_strndup(s, n);
	char *valid = g_utf8_make_valid(s ? s : "", s ? len : 0);
	GString *safe = g_string_sized_new(strlen(valid));
	char *nfkc = NULL;
	guint run = 0;

	for (const char *c = valid; *c; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);
		run = g_unichar_combining_class(u) ? run + 1 : 0;
		if (run <= MAX_MARK_RUN)
			g_string_append_unichar(safe, u);
	}
	nfkc = g_utf8_normalize(safe->str, (gssize)safe->len, mode);
	g_string_free(safe, TRUE);
	g_free(valid);
	return nfkc ? nfkc : g_strdup("");
}

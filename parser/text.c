/* text.c - blanks, trimming and line ends of decoded text (see text.h). */
#include "upki/text.h"

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
	char *valid = g_utf8_make_valid(text ? text : "", -1);
	char *w = valid;

	for (const char *r = valid; *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	return valid;
}

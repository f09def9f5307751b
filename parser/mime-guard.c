/* mime-guard.c - input that would take GMime down, made harmless first.
 *
 * GMime 3.2 parses address headers (From, To, Cc ...) as soon as a
 * message is built, and parses a group inside a group by recursion:
 * "To: g: g: g: ..." a few hundred thousand times deep overflows the
 * stack (a crash, not an error).  No real address list holds more than a
 * handful of groups, so in the copy GMime reads, the colons beyond a
 * bound become spaces.  The copy keeps every offset, so the signed bytes
 * (cut from the original) are untouched.
 */
#include <string.h>

#include "mime-guard-private.h"

#define MAX_COLONS 64

static const char *const address_fields[] = {
	"from", "sender", "reply-to", "to", "cc", "bcc",
	"resent-from", "resent-sender", "resent-reply-to", "resent-to", "resent-cc", "resent-bcc",
};

/* Length of the "Name:" that starts an address field at p, or 0. */
static gsize address_field_at(const char *p, gsize left)
{
	for (gsize i = 0; i < G_N_ELEMENTS(address_fields); i++) {
		gsize n = strlen(address_fields[i]), j = n;
		if (n >= left || g_ascii_strncasecmp(p, address_fields[i], n) != 0)
			continue;
		while (j < left && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j < left && p[j] == ':')
			return j + 1;
	}
	return 0;
}

static gsize line_end(const char *buf, gsize len, gsize pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	return nl ? (gsize)(nl - buf) + 1 : len;
}

/* End of the field starting at pos: its line and the continuation lines. */
static gsize field_end(const char *buf, gsize len, gsize pos)
{
	gsize end = line_end(buf, len, pos);

	while (end < len && (buf[end] == ' ' || buf[end] == '\t'))
		end = line_end(buf, len, end);
	return end;
}

/* No field can hold more colons than the whole message: most messages
 * have fewer than the bound in all, and need no look at their fields. */
static gboolean few_colons(const char *buf, gsize len)
{
	guint n = 0;

	for (const char *p = buf, *end = buf + len; (p = memchr(p, ':', (gsize)(end - p))); p++)
		if (++n > MAX_COLONS)
			return FALSE;
	return TRUE;
}

char *upki_mime_guard(const char *buf, gsize len)
{
	char *copy = NULL;

	if (!buf || few_colons(buf, len))
		return NULL;
	for (gsize pos = 0; pos < len;) {
		gsize name = address_field_at(buf + pos, len - pos);
		gsize end = name ? field_end(buf, len, pos) : line_end(buf, len, pos);
		guint colons = 0;

		for (gsize i = pos + name; name && i < end; i++) {
			if (buf[i] != ':' || ++colons <= MAX_COLONS)
				continue;
			if (!copy)
				copy = g_memdup2(buf, len);
			copy[i] = ' ';
		}
		pos = end;
	}
	return copy;
}

/* rawheader.c - where the fields of a header block start and end, in bytes.
 *
 * Only positions are found here; nothing is decoded, so an edit made
 * from them (annotate.c) leaves every other byte of the message as it
 * was.  The header block ends at its first empty line, as procmail,
 * GMime and mail user agents end it; a line that is no field is kept
 * as a line of its own and does not end the block: otherwise a forged
 * field after it would escape every edit and still be shown.
 */
#include <string.h>

#include "upki/rawheader.h"

#define FOLD_COLUMNS 78

static gsize line_end(const char *buf, gsize len, gsize pos)
{
	const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
	return nl ? (gsize)(nl - buf) + 1 : len;
}

static gboolean is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static gboolean is_empty_line(const char *buf, gsize len, gsize pos)
{
	return buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n');
}

/* A byte of a field name: anything printable but the colon; 8-bit bytes
 * too, since MTAs and MUAs take such a line for a field as well. */
static gboolean is_name_byte(guchar c)
{
	return c > 32 && c != 127 && c != ':';
}

/* Length of the field name at pos up to its colon (0: not a field line);
 * *colon gets the colon's offset.  Obsolete syntax allows spaces before
 * the colon ("Subject :"); they are not part of the name. */
static gsize field_name(const char *buf, gsize len, gsize pos, gsize *colon)
{
	gsize i = pos, name_len;

	while (i < len && is_name_byte((guchar)buf[i]))
		i++;
	name_len = i - pos;
	while (i < len && is_wsp(buf[i]))
		i++;
	if (name_len == 0 || i >= len || buf[i] != ':')
		return 0;
	*colon = i;
	return name_len;
}

static gboolean has_lone_cr(const char *msg, gsize pos, gsize next)
{
	for (const char *cr = memchr(msg + pos, '\r', next - pos); cr;
	     cr = memchr(cr + 1, '\r', (gsize)(msg + next - (cr + 1))))
		if ((gsize)(cr - msg) + 1 >= next || cr[1] != '\n')
			return TRUE;
	return FALSE;
}

/* A line readers may take differently: no plain "Name:" with a name of
 * printable ASCII (8-bit bytes, white space before the colon, no colon),
 * a continuation with nothing to continue or of white space only (some
 * end the header there), a CR that ends no line (some start a new field
 * after it). */
static gboolean line_is_odd(const char *msg, gsize pos, gsize next, gboolean first)
{
	gsize i = pos;

	if (has_lone_cr(msg, pos, next))
		return TRUE;
	if (is_wsp(msg[pos])) {
		while (i < next && is_wsp(msg[i]))
			i++;
		return first || i == next || is_empty_line(msg, next, i);
	}
	while (i < next && msg[i] > 32 && msg[i] < 127 && msg[i] != ':')
		i++;
	return i == pos || i >= next || msg[i] != ':';
}

gsize upki_raw_header_block_end(const char *msg, gsize start, gsize end, gboolean *odd)
{
	gsize pos = start;

	while (pos < end && !is_empty_line(msg, end, pos)) {
		gsize next = line_end(msg, end, pos);
		if (odd && line_is_odd(msg, pos, next, pos == start))
			*odd = TRUE;
		pos = next;
	}
	return pos;
}

gsize upki_raw_header_block_len(const char *msg, gsize len)
{
	return upki_raw_header_block_end(msg, 0, len, NULL);
}

static gboolean has_8bit(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if ((guchar)s[i] >= 128)
			return TRUE;
	return FALSE;
}

/* The line at pos with its continuation lines, up to end (the block's). */
static gsize logical_line_end(const char *msg, gsize end, gsize pos)
{
	gsize e = line_end(msg, end, pos);

	while (e < end && is_wsp(msg[e]))
		e = line_end(msg, end, e);
	return e;
}

static void add_line(upki_raw_header *h, const char *msg, gsize pos, gsize next)
{
	upki_raw_line l = { .start = pos, .end = next, .field = -1 };
	upki_raw_field f = { .start = pos, .end = next };
	gsize colon = 0;

	/* a first line that starts with white space continues nothing */
	f.name_len = is_wsp(msg[pos]) ? 0 : field_name(msg, next, pos, &colon);
	if (f.name_len == 0) {
		h->odd = TRUE;
		g_array_append_val(h->lines, l);
		return;
	}
	f.value = colon + 1;
	f.has_eol = msg[next - 1] == '\n';
	h->odd = h->odd || has_8bit(msg + pos, f.name_len);
	l.field = (gint)h->fields->len;
	g_array_append_val(h->fields, f);
	g_array_append_val(h->lines, l);
}

upki_raw_header *upki_raw_header_scan(const char *msg, gsize len)
{
	upki_raw_header *h = g_new0(upki_raw_header, 1);
	gsize pos = 0;

	h->fields = g_array_new(FALSE, TRUE, sizeof(upki_raw_field));
	h->lines = g_array_new(FALSE, TRUE, sizeof(upki_raw_line));
	h->end = upki_raw_header_block_len(msg, len);
	if (len >= 5 && memcmp(msg, "From ", 5) == 0)
		pos = h->from_line = line_end(msg, h->end, 0);
	{
		gsize first = line_end(msg, len, pos);
		h->crlf = first >= 2 && msg[first - 1] == '\n' && msg[first - 2] == '\r';
	}
	upki_raw_header_block_end(msg, pos, h->end, &h->odd);
	while (pos < h->end) {
		gsize next = logical_line_end(msg, h->end, pos);
		add_line(h, msg, pos, next);
		pos = next;
	}
	return h;
}

void upki_raw_header_free(upki_raw_header *h)
{
	if (!h)
		return;
	g_array_unref(h->fields);
	g_array_unref(h->lines);
	g_free(h);
}

gboolean upki_raw_field_is(const char *msg, const upki_raw_field *f, const char *name)
{
	return strlen(name) == f->name_len && g_ascii_strncasecmp(msg + f->start, name, f->name_len) == 0;
}

/* Offset after the colon when msg[pos..end) starts with "name[WSP]*:", else 0. */
static gsize name_at(const char *msg, gsize pos, gsize end, const char *name)
{
	gsize n = strlen(name), i = pos + n;

	if (end - pos < n || g_ascii_strncasecmp(msg + pos, name, n) != 0)
		return 0;
	while (i < end && is_wsp(msg[i]))
		i++;
	return i < end && msg[i] == ':' ? i + 1 : 0;
}

gsize upki_raw_find_hidden(const char *msg, gsize from, gsize end, const char *name,
			   gboolean other_line)
{
	for (gsize i = from; i < end; i++) {
		gboolean bare_cr = i > from && msg[i - 1] == '\r' && msg[i] != '\n';
		gboolean line_start = other_line && (i == from || msg[i - 1] == '\n');
		gsize at = i, hit = 0;

		if (!bare_cr && !line_start)
			continue;
		/* only the start of a line that is no field may be indented:
		 * elsewhere white space makes a continuation */
		while (line_start && at < end && is_wsp(msg[at]))
			at++;
		hit = name_at(msg, at, end, name);
		if (hit)
			return hit;
	}
	return 0;
}

char *upki_raw_field_value(const char *msg, const upki_raw_field *f)
{
	GString *v = g_string_sized_new(f->end - f->value);

	for (gsize i = f->value; i < f->end; i++)
		if (msg[i] != '\r' && msg[i] != '\n')
			g_string_append_c(v, msg[i]);
	return g_strstrip(g_string_free(v, FALSE));
}

char *upki_raw_strip_comments(const char *value)
{
	GString *out = g_string_sized_new(strlen(value));
	guint depth = 0;
	gboolean quoted = FALSE;

	for (const char *p = value; *p; p++) {
		if (*p == '\\' && p[1] && (quoted || depth)) {
			if (!depth)
				g_string_append_len(out, p, 2);
			p++;
			continue;
		}
		if (!depth && *p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '(') {
			depth++;
			continue;
		} else if (!quoted && depth && *p == ')') {
			depth--;
			/* a comment separates like white space does */
			if (!depth)
				g_string_append_c(out, ' ');
			continue;
		}
		if (!depth)
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* The words of value for folding: split at single spaces; a second space
 * in a row belongs to the next word, so unfolding gives value back. */
static GPtrArray *fold_words(const char *value)
{
	GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
	const char *p = value;

	while (*p) {
		const char *start = p;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		g_ptr_array_add(words, g_strndup(start, (gsize)(p - start)));
		if (*p == ' ')
			p++;
	}
	return words;
}

char *upki_raw_fold(const char *name, const char *value, const char *eol, gboolean final_eol)
{
	GString *out = g_string_new(name);
	char *clean = g_strdup(value);
	GPtrArray *words = NULL;
	gsize line_start = 0;

	g_string_append_c(out, ':');
	/* a value never carries its own line ends into the output */
	g_strdelimit(clean, "\r\n", ' ');
	words = fold_words(clean);
	for (guint i = 0; i < words->len; i++) {
		const char *w = g_ptr_array_index(words, i);
		gsize column = out->len - line_start;
		if (i > 0 && column + 1 + strlen(w) > FOLD_COLUMNS) {
			g_string_append(out, eol);
			line_start = out->len;
		}
		g_string_append_c(out, ' ');
		g_string_append(out, w);
	}
	if (final_eol)
		g_string_append(out, eol);
	g_ptr_array_unref(words);
	g_free(clean);
	return g_string_free(out, FALSE);
}

gboolean upki_raw_header_plausible(const char *hdr, gsize len)
{
	gsize i = 0;

	while (i < len && hdr[i] > ' ' && hdr[i] < 127 && hdr[i] != ':')
		i++;
	return i > 0 && i < len && hdr[i] == ':' && !memchr(hdr, '\0', len);
}

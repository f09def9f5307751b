/* mime-headers.c - subject, From, Message-ID and Date of a message.
 *
 * From a GMime message (upki_mime_parse), or, when only the header block
 * is asked for (upki_mime_parse_headers: every line of a batch scan, the
 * milter's end of header), from the bytes: building a GMimeMessage makes
 * a GObject per header and costs ~280 k instructions a message, nearly
 * all of a batch scan that prints every message, and GLib 2.74's
 * GObject locks keep threads from scaling on it.  The byte path reads
 * each field with the parser GMimeMessage itself applies to it
 * (internet_address_list_parse on the raw From value,
 * g_mime_utils_header_decode_date and g_mime_utils_decode_message_id on
 * the unfolded value), and gives up for GMime whenever the block is not
 * written plainly: a line that is no field or a field name with 8-bit
 * bytes (upki_raw_header.odd), obsolete "Name :" syntax,
 * one of these fields twice (GMime joins From fields and keeps the
 * last Date), an encoded-word in Date or Message-ID, or a From with
 * more colons than mime-guard.c lets through.
 */
#include <string.h>

#include "upki/charset.h"
#include "upki/rawheader.h"
#include "upki/reason.h"
#include "mime-private.h"

/* mime-guard.c defuses address fields with more colons than this. */
#define PLAIN_COLONS 16

/* An addr-spec worth reporting: local@domain, no white space or controls. */
static gboolean plausible_addr(const char *a)
{
	const char *at = a ? strrchr(a, '@') : NULL;

	if (!at || at == a || !at[1])
		return FALSE;
	for (; *a; a++)
		if ((guchar)*a <= ' ' || *a == 0x7f)
			return FALSE;
	return TRUE;
}

static guint count_mailboxes(InternetAddressList *l, guint depth)
{
	guint n = 0;
	int len = l && depth < 4 ? internet_address_list_length(l) : 0;

	for (int i = 0; i < len; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			n++;
		else if (INTERNET_ADDRESS_IS_GROUP(a))
			n += count_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
					     depth + 1);
	}
	return n;
}

/* GMime 3.2 keeps only the first of adjacent ISO-2022-JP encoded-words
 * in a display name too: for the plain "phrase <addr>" form, decode the
 * phrase ourselves; anything fancier keeps GMime's reading. */
static char *display_name(const char *raw, InternetAddress *first)
{
	const char *gmime = internet_address_get_name(first);
	char *name = NULL;

	if (raw) {
		gsize n = strcspn(raw, ",;:\"<");
		if (raw[n] == '<') {
			char *phrase = g_strndup(raw, n);
			name = upki_header_decode(phrase);
			g_free(phrase);
		}
	}
	if (name && *name)
		return name;
	g_free(name);
	return gmime && *gmime ? g_strdup(gmime) : NULL;
}

/* GMime's loose reading drops what it cannot parse: "a@b.jp@evil.example"
 * and "a@b.jp;x@evil.example" are one mailbox a@b.jp to it, another
 * address or two to a mail program.  The From of a notice is written
 * plainly: "addr", "<addr>" or "phrase <addr>", one '@' outside quoted
 * strings and comments, no list, group or route; anything else is two
 * readings of who sent it. */
static gboolean from_is_plain(const char *raw)
{
	char *flat = raw ? upki_raw_strip_comments(raw) : NULL;
	gboolean quoted = FALSE, ok = flat != NULL;
	guint at = 0, lt = 0, gt = 0;
	const char *p = flat;

	for (; ok && *p; p++) {
		if (*p == '\\' && quoted && p[1]) {
			p++;
			continue;
		}
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (gt && !g_ascii_isspace(*p))
			ok = FALSE; /* text after "<addr>" */
		else if (*p == '@')
			ok = ++at == 1;
		else if (*p == '<')
			ok = ++lt == 1;
		else if (*p == '>')
			ok = ++gt == 1 && lt == 1;
		else if (*p == ',' || *p == ';' || *p == ':')
			ok = FALSE;
	}
	ok = ok && !quoted && at == 1 && lt == gt;
	if (ok && !lt) {
		/* a bare addr-spec: nothing around it */
		g_strstrip(flat);
		for (p = flat; ok && *p; p++)
			ok = !g_ascii_isspace(*p);
	}
	g_free(flat);
	return ok;
}

static void fill_from(upki_mime *m, InternetAddressList *l, const char *raw)
{
	InternetAddress *first = NULL;

	m->from_count = count_mailboxes(l, 0);
	if (!l || internet_address_list_length(l) < 1)
		return;
	first = internet_address_list_get_address(l, 0);
	/* A group ("undisclosed:;") names no sender. */
	if (!INTERNET_ADDRESS_IS_MAILBOX(first))
		return;
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first));
	if (plausible_addr(addr))
		m->from_addr = g_ascii_strdown(addr, -1);
	if (m->from_count == 1 && !from_is_plain(raw))
		m->findings |= UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE);
	m->from_name = display_name(raw, first);
}

/* The first To mailbox, for the spool job's recipient. */
static void fill_to(upki_mime *m, InternetAddressList *l)
{
	for (int i = 0; l && i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		const char *addr = INTERNET_ADDRESS_IS_MAILBOX(a)
					   ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) : NULL;
		if (addr && plausible_addr(addr)) {
			m->to_addr = g_ascii_strdown(addr, -1);
			return;
		}
	}
}

void upki_mime_fill_headers(upki_mime *m, GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *subject = g_mime_header_list_get_header(hl, "Subject");
	GMimeHeader *from = g_mime_header_list_get_header(hl, "From");
	const char *id = g_mime_message_get_message_id(msg);
	GDateTime *date = g_mime_message_get_date(msg);

	/* Our own decoder: GMime 3.2 truncates the real notices' Subject. */
	if (subject)
		m->subject = upki_header_decode(g_mime_header_get_raw_value(subject));
	fill_from(m, g_mime_message_get_from(msg), from ? g_mime_header_get_raw_value(from) : NULL);
	fill_to(m, g_mime_message_get_to(msg));
	if (id && *id)
		m->message_id = g_strdup(id);
	if (date)
		m->date = g_date_time_ref(date);
}


/* ---- from the bytes --------------------------------------------------- */

typedef struct wanted {
	const upki_raw_field *subject, *from, *date, *id;
} wanted;

static gboolean pick(const char *hdr, const upki_raw_field *f, const char *name, const upki_raw_field **slot)
{
	if (!upki_raw_field_is(hdr, f, name))
		return TRUE;
	if (*slot)
		return FALSE; /* twice: GMime's choice */
	*slot = f;
	return TRUE;
}

/* The four fields, each once at most; FALSE when the block is not plain. */
static gboolean find_fields(const char *hdr, gsize len, const upki_raw_header *h, wanted *w)
{
	if (h->from_line || h->end != len || h->odd)
		return FALSE;
	for (guint i = 0; i < h->fields->len; i++) {
		const upki_raw_field *f = &g_array_index(h->fields, upki_raw_field, i);
		if (f->value != f->start + f->name_len + 1)
			return FALSE; /* "Name :" */
		if (!pick(hdr, f, "Subject", &w->subject) || !pick(hdr, f, "From", &w->from) ||
		    !pick(hdr, f, "Date", &w->date) || !pick(hdr, f, "Message-Id", &w->id))
			return FALSE;
	}
	return TRUE;
}

static char *raw_value(const char *hdr, const upki_raw_field *f)
{
	return f ? g_strndup(hdr + f->value, f->end - f->value) : NULL;
}

static guint count_char(const char *s, char c)
{
	guint n = 0;

	for (; s && *s; s++)
		n += *s == c;
	return n;
}

static void fill_from_raw(upki_mime *m, const char *raw)
{
	GMimeParserOptions *opts = NULL;
	InternetAddressList *l = NULL;

	if (!raw)
		return;
	opts = upki_mime_parser_options();
	l = internet_address_list_parse(opts, raw);
	fill_from(m, l, raw);
	if (l)
		g_object_unref(l);
	g_mime_parser_options_free(opts);
}

upki_mime *upki_mime_headers_from_raw(const char *hdr, gsize len)
{
	upki_raw_header *h = upki_raw_header_scan(hdr, len);
	wanted w = { NULL, NULL, NULL, NULL };
	char *from = NULL, *date = NULL, *id = NULL, *subject = NULL;
	upki_mime *m = NULL;

	if (!find_fields(hdr, len, h, &w))
		goto out;
	from = raw_value(hdr, w.from);
	date = w.date ? upki_raw_field_value(hdr, w.date) : NULL;
	id = w.id ? upki_raw_field_value(hdr, w.id) : NULL;
	if (count_char(from, ':') > PLAIN_COLONS || (date && strstr(date, "=?")) || (id && strstr(id, "=?")))
		goto out;
	m = upki_mime_new();
	subject = raw_value(hdr, w.subject);
	/* Our own decoder, as for a GMime message. */
	m->subject = subject ? upki_header_decode(subject) : NULL;
	fill_from_raw(m, from);
	if (id) {
		char *decoded = g_mime_utils_decode_message_id(id);
		if (decoded && *decoded)
			m->message_id = g_strdup(decoded);
		g_free(decoded);
	}
	if (date)
		m->date = g_mime_utils_header_decode_date(date);
out:
	g_free(subject);
	g_free(id);
	g_free(date);
	g_free(from);
	upki_raw_header_free(h);
	return m;
}

/* ---- headers readers disagree on ---------------------------------------- */

/* Parameters named twice ("boundary=a; boundary=b"), or a boundary in
 * RFC 2231 form next to or instead of a plain one: readers pick
 * different values, so they would cut or decode the parts differently. */
static gboolean params_ambiguous(const char *raw)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gboolean ambiguous = FALSE, quoted = FALSE;
	const char *p = raw ? strchr(raw, ';') : NULL;

	while (p && *p && !ambiguous) {
		p += strspn(p, "; \t\r\n");
		gsize n = strcspn(p, "=; \t\r\n");
		const char *star = memchr(p, '*', n);
		char *name = g_ascii_strdown(p, (gssize)(star ? (gsize)(star - p) : n));
		gboolean first = !star || star[1] == '=' || (star[1] == '0' && (star[2] == '=' || star[2] == '*'));
		if (*name && first && !g_hash_table_add(seen, name))
			ambiguous = TRUE;
		else if (!*name || !first)
			g_free(name);
		ambiguous |= star && n >= 8 && g_ascii_strncasecmp(p, "boundary", 8) == 0;
		for (p += n; *p && (quoted || *p != ';'); p++) {
			if (*p == '\\' && quoted && p[1])
				p++;
			else if (*p == '"')
				quoted = !quoted;
		}
	}
	g_hash_table_unref(seen);
	return ambiguous;
}

gboolean upki_mime_headers_ambiguous(GMimeObject *o, gboolean top)
{
	static const char *const structural[] = { "Content-Type", "Content-Transfer-Encoding",
						  "Content-Disposition", "MIME-Version" };
	static const char *const shown[] = { "From", "Subject", "Date", "Sender", "Reply-To" };
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	int n = hl ? g_mime_header_list_get_count(hl) : 0;
	guint seen[G_N_ELEMENTS(structural) + G_N_ELEMENTS(shown)] = { 0 };
	gboolean ambiguous = FALSE;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		if (name && (g_ascii_strcasecmp(name, "Content-Type") == 0 ||
			     g_ascii_strcasecmp(name, "Content-Disposition") == 0) &&
		    params_ambiguous(g_mime_header_get_raw_value(h)))
			ambiguous = TRUE;
		for (gsize k = 0; name && k < G_N_ELEMENTS(seen); k++) {
			const char *want = k < G_N_ELEMENTS(structural) ? structural[k]
					   : shown[k - G_N_ELEMENTS(structural)];
			if ((top || k < G_N_ELEMENTS(structural)) && g_ascii_strcasecmp(name, want) == 0 &&
			    ++seen[k] > 1)
				ambiguous = TRUE;
		}
	}
	return ambiguous;
}

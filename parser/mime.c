/* mime.c - raw message bytes in, the facts the pipeline needs out.
 *
 * GMime builds the tree; this module walks it and hands out decoded
 * header values, every readable text part as UTF-8 in document order, and
 * for every S/MIME signature the bytes it covers, cut from the raw input
 * (mime-signed.c).  Hostile input is expected: the walk is bounded in
 * depth, in parts and in decoded text, and nothing here asserts on what a
 * message holds.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "upki/charset.h"
#include "upki/error.h"
#include "mime-guard-private.h"
#include "upki/mime.h"
#include "upki/rawheader.h"
#include "upki/reason.h"
#include "upki/smime.h"
#include "mime-bounds-private.h"
#include "mime-private.h"

#define MAX_DEPTH 32                   /* nesting the walk follows */
#define MAX_NODES 1000                 /* MIME entities looked at per message */
#define MAX_TEXT (8u * 1024 * 1024)    /* decoded text kept per message */
/* (defaults of upki_mime_limits; the config keys MaxMimeDepth,
 * MaxMimeParts and MaxTextSize change them) */

static gpointer init_once(gpointer data)
{
	(void)data;
	g_mime_init();
	return NULL;
}

void upki_mime_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, init_once, NULL);
}

static void text_free(gpointer data)
{
	upki_text *t = data;

	g_free(t->text);
	g_free(t);
}

static void signed_free(gpointer data)
{
	upki_signed *s = data;

	if (s->content)
		g_bytes_unref(s->content);
	if (s->signature)
		g_bytes_unref(s->signature);
	g_free(s);
}

upki_mime *upki_mime_new(void)
{
	upki_mime *m = g_new0(upki_mime, 1);

	m->texts = g_ptr_array_new_with_free_func(text_free);
	m->signeds = g_ptr_array_new_with_free_func(signed_free);
	return m;
}

void upki_mime_free(upki_mime *m)
{
	if (!m)
		return;
	g_free(m->subject);
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m->to_addr);
	g_free(m->message_id);
	if (m->date)
		g_date_time_unref(m->date);
	g_ptr_array_unref(m->texts);
	g_ptr_array_unref(m->signeds);
	g_free(m);
}

/* ---- input checks ---------------------------------------------------- */

/* Offset just past a leading mbox "From " line, or 0. */
static gsize skip_mbox_from(const char *buf, gsize len)
{
	if (len < 5 || memcmp(buf, "From ", 5) != 0)
		return 0;
	const char *nl = memchr(buf, '\n', len);
	return nl ? (gsize)(nl - buf) + 1 : len;
}

/* "Name:" with a field name of printable ASCII (RFC 5322 ftext); the
 * obsolete syntax allows white space before the colon. */
static gboolean starts_with_field(const char *buf, gsize len)
{
	gsize i = 0;

	while (i < len && buf[i] >= 33 && buf[i] <= 126 && buf[i] != ':')
		i++;
	if (i == 0)
		return FALSE;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i < len && buf[i] == ':';
}

static gboolean check_message(const char *buf, gsize len, GError **error)
{
	const char *why = NULL;
	gsize i = 0;

	while (i < len && g_ascii_isspace(buf[i]))
		i++;
	if (i == len)
		why = "empty input";
	else if (memchr(buf, '\0', upki_raw_header_block_len(buf, len)))
		why = "NUL byte in the header block";
	else if (!starts_with_field(buf, len))
		why = "no header field";
	if (!why)
		return TRUE;
	g_set_error(error, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE, "not a mail message: %s", why);
	return FALSE;
}

/* ---- GMime plumbing --------------------------------------------------- */

GMimeParserOptions *upki_mime_parser_options(void)
{
	static const char *fallback[] = { "UTF-8", "CP932", "EUC-JP", NULL };
	GMimeParserOptions *o = g_mime_parser_options_new();

	/* GMime's loose RFC 2047 mode rescans the rest of a header value for
	 * every "=?" (quadratic: 1 MiB of Subject took 74 s); strict is linear,
	 * and the headers we report go through our own lenient decoder. */
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_STRICT);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(o, fallback);
	return o;
}

static GMimeParser *parser_for(const char *buf, gsize len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(buf, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);

	g_object_unref(s);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	return p;
}

/* Transfer-decoded content of a leaf part (QP, base64 ... undone). */
static GBytes *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *s = NULL;
	GByteArray *a = NULL;

	if (!dw)
		return g_bytes_new(NULL, 0);
	s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, s);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	g_object_unref(s);
	return g_byte_array_free_to_bytes(a);
}

/* ---- the walk --------------------------------------------------------- */

typedef struct walker {
	upki_mime *m;
	GMimeParserOptions *opts;
	gsize text_bytes;
	guint nodes;
	guint max_depth, max_nodes;
	gsize max_text;
} walker;

/* The buffer the offsets of the current tree refer to (the message, or
 * signed content parsed on its own), and where in it the entity being
 * walked lies by the strict reading of mime-bounds.c. */
typedef struct scope {
	const char *raw;
	gsize len;
} scope;

static void walk(walker *w, const scope *sc, GMimeObject *o, upki_span span, int signed_by,
		 guint depth);

static void finding(walker *w, upki_reason r)
{
	w->m->findings |= UPKI_REASON_BIT(r);
}

/* Below a place where the readings differ nothing is checked any more
 * (the message is ambiguous already), so that no part is scanned twice:
 * each strict scan covers only its own part, and the work stays linear. */
static const upki_span unknown_span = { G_MAXSIZE, G_MAXSIZE };

static gboolean span_known(upki_span span)
{
	return span.start != G_MAXSIZE;
}

/* Every part of type text is shown by some reader (RFC 2046: unknown text
 * subtypes read as text/plain), a named attachment too: Thunderbird and
 * Apple Mail show text attachments inline, below the notice. */
static gboolean is_text(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct && g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "text") == 0;
}

/* Keeps at most max bytes of s, cutting at a character boundary. */
static void cut_utf8(char *s, gsize max)
{
	if (strlen(s) <= max)
		return;
	char *end = s + max;
	while (end > s && ((guchar)*end & 0xc0) == 0x80)
		end--;
	*end = '\0';
}

/* Decoded text beyond MAX_TEXT is not judged: the message says so. */
static void add_text(walker *w, GMimeObject *o, int signed_by)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	GBytes *raw = NULL;
	upki_text *t = NULL;
	gsize left = w->max_text - w->text_bytes, n = 0;

	if (left == 0) {
		finding(w, UPKI_R_TOO_COMPLEX);
		return;
	}
	raw = part_bytes(GMIME_PART(o));
	const char *data = g_bytes_get_data(raw, &n);
	t = g_new0(upki_text, 1);
	t->text = upki_mime_to_utf8(data, MIN(n, left), g_mime_content_type_get_parameter(ct, "charset"));
	if (n > left || strlen(t->text) > left)
		finding(w, UPKI_R_TOO_COMPLEX);
	cut_utf8(t->text, left);
	t->is_html = g_mime_content_type_is_type(ct, "text", "html");
	t->signed_by = signed_by;
	w->text_bytes += strlen(t->text);
	g_ptr_array_add(w->m->texts, t);
	g_bytes_unref(raw);
}

/* A forwarded message/rfc822 is shown with its own Subject and From
 * above its body: that text is judged too (as unsigned as the scope). */
static void add_header_text(walker *w, GMimeMessage *msg, int signed_by)
{
	static const char *const names[] = { "Subject", "From" };
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GString *all = g_string_new(NULL);

	for (gsize k = 0; hl && k < G_N_ELEMENTS(names); k++) {
		GMimeHeader *h = g_mime_header_list_get_header(hl, names[k]);
		const char *raw = h ? g_mime_header_get_raw_value(h) : NULL;
		char *v = raw ? upki_header_decode(raw) : NULL;
		if (v && *v)
			g_string_append_printf(all, "%s\n", v);
		g_free(v);
	}
	if (all->len == 0 || w->text_bytes + all->len > w->max_text) {
		if (all->len)
			finding(w, UPKI_R_TOO_COMPLEX);
		g_string_free(all, TRUE);
		return;
	}
	upki_text *t = g_new0(upki_text, 1);
	t->signed_by = signed_by;
	t->header = TRUE;
	w->text_bytes += all->len;
	t->text = g_string_free(all, FALSE);
	g_ptr_array_add(w->m->texts, t);
}

static gboolean is_smime_protocol(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *proto = ct ? g_mime_content_type_get_parameter(ct, "protocol") : NULL;

	return proto && (g_ascii_strcasecmp(proto, "application/pkcs7-signature") == 0 ||
			 g_ascii_strcasecmp(proto, "application/x-pkcs7-signature") == 0);
}

/* Offset of the entity's first header line in the scope, -1 if unknown. */
static gint64 entity_offset(GMimeObject *o)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	gint64 best = -1;
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		gint64 off = g_mime_header_get_offset(g_mime_header_list_get_header_at(hl, i));
		if (off >= 0 && (best < 0 || off < best))
			best = off;
	}
	return best;
}

/* Where the strict reading puts the body of the entity in span. */
static gsize body_of(walker *w, const scope *sc, upki_span span)
{
	gboolean odd = FALSE;
	gsize body = 0;

	if (!span_known(span))
		return G_MAXSIZE;
	body = upki_mime_bounds_header_end(sc->raw, span, &odd);
	if (odd)
		finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
	return body;
}

/* A multipart may only be 7bit, 8bit or binary (RFC 2045 6.4); some
 * readers decode one that claims base64 or quoted-printable anyway. */
static gboolean identity_encoding(GMimeObject *o)
{
	const char *cte = g_mime_object_get_header(o, "Content-Transfer-Encoding");
	char *v = cte ? g_strstrip(g_ascii_strdown(cte, -1)) : NULL;
	gboolean ok = !v || !strcmp(v, "7bit") || !strcmp(v, "8bit") || !strcmp(v, "binary");

	g_free(v);
	return ok;
}

/* The parts of multipart mp by the strict reading, checked against
 * GMime's: the same number of parts, each child's header inside the
 * span found for it.  Returns the spans (caller unrefs), NULL when the
 * two readings differ (then the message is ambiguous). */
static GArray *child_spans(walker *w, const scope *sc, GMimeMultipart *mp, upki_span span)
{
	upki_mime_bounds b = { 0 };
	gsize body = 0;
	int n = g_mime_multipart_get_count(mp);
	GArray *spans = NULL;

	if (!span_known(span))
		return NULL;
	if (!identity_encoding(GMIME_OBJECT(mp)))
		finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
	body = body_of(w, sc, span);
	upki_mime_bounds_scan(sc->raw, body, span.end, g_mime_multipart_get_boundary(mp), &b);
	if (b.ambiguous || (int)b.parts->len != n)
		goto out;
	for (int i = 0; i < n; i++) {
		upki_span *c = &g_array_index(b.parts, upki_span, i);
		gint64 off = entity_offset(g_mime_multipart_get_part(mp, i));
		gboolean odd = FALSE;
		if (off >= 0 && ((guint64)off < c->start ||
				 (guint64)off >= upki_mime_bounds_header_end(sc->raw, *c, &odd)))
			goto out;
	}
	spans = g_steal_pointer(&b.parts);
out:
	if (!spans)
		finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
	upki_mime_bounds_clear(&b);
	return spans;
}

static upki_span span_at(GArray *spans, int i)
{
	return spans && i < (int)spans->len ? g_array_index(spans, upki_span, i) : unknown_span;
}

static void walk_children(walker *w, const scope *sc, GMimeMultipart *mp, GArray *spans,
			  int from, int signed_by, guint depth)
{
	int n = g_mime_multipart_get_count(mp);

	for (int i = from; i < n; i++)
		walk(w, sc, g_mime_multipart_get_part(mp, i), span_at(spans, i), signed_by, depth + 1);
}

/* The parts of a multipart/alternative stand for one another, and a
 * mail program shows one of them (the last it can): an unsigned
 * alternative beside a signed one replaces the notice on screen. */
static void check_alternatives(walker *w, GMimeMultipart *mp, guint first_text)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));

	if (!ct || !g_mime_content_type_is_type(ct, "multipart", "alternative"))
		return;
	for (guint i = first_text + 1; i < w->m->texts->len; i++) {
		const upki_text *a = g_ptr_array_index(w->m->texts, first_text);
		const upki_text *b = g_ptr_array_index(w->m->texts, i);
		if (a->signed_by != b->signed_by) {
			finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
			return;
		}
	}
}

static void walk_multipart(walker *w, const scope *sc, GMimeMultipart *mp, upki_span span,
			   int signed_by, guint depth)
{
	GArray *spans = child_spans(w, sc, mp, span);
	guint first_text = w->m->texts->len;

	walk_children(w, sc, mp, spans, 0, signed_by, depth);
	check_alternatives(w, mp, first_text);
	if (spans)
		g_array_unref(spans);
}

/* Parses content (exactly the bytes a signature covers) as an entity of
 * its own and walks it as signed by signature index. */
static void walk_content(walker *w, GBytes *content, int index, guint depth)
{
	gsize n = 0;
	const char *data = g_bytes_get_data(content, &n);
	scope inner = { data, n };
	upki_span all = { 0, n };
	char *guarded = upki_mime_guard(data, n);
	GMimeParser *parser = parser_for(guarded ? guarded : data, n);
	GMimeObject *entity = g_mime_parser_construct_part(parser, w->opts);

	if (guarded)
		finding(w, UPKI_R_TOO_COMPLEX);
	if (entity)
		walk(w, &inner, entity, all, index, depth + 1);
	if (entity)
		g_object_unref(entity);
	g_object_unref(parser);
	g_free(guarded);
}

/* Verify, then parse: the text under a signature is parsed from the very
 * bytes handed to OpenSSL (cut by the strict reading), never taken from
 * GMime's tree.  When the readings differ the message is ambiguous, and
 * GMime's view of the parts is walked too, as unsigned, so that what a
 * reader might show is still judged. */
static void walk_signed(walker *w, const scope *sc, GMimeMultipart *mp, upki_span span,
			int signed_by, guint depth)
{
	int n = g_mime_multipart_get_count(mp);
	GMimeObject *sig = n >= 2 ? g_mime_multipart_get_part(mp, 1) : NULL;
	GArray *spans = child_spans(w, sc, mp, span);
	upki_signed *s = NULL;

	if (!sig || !GMIME_IS_PART(sig)) {
		walk_children(w, sc, mp, spans, 0, signed_by, depth);
		goto out;
	}
	if (n != 2)
		finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
	s = g_new0(upki_signed, 1);
	s->signature = part_bytes(GMIME_PART(sig));
	/* Without a strict reading, an empty content makes the signature
	 * fail rather than pass on a guess. */
	s->content = spans ? upki_mime_bounds_to_crlf(sc->raw, g_array_index(spans, upki_span, 0))
			   : g_bytes_new(NULL, 0);
	g_ptr_array_add(w->m->signeds, s);
	if (spans)
		walk_content(w, s->content, (int)w->m->signeds->len - 1, depth);
	else
		walk(w, sc, g_mime_multipart_get_part(mp, 0), unknown_span, -1, depth + 1);
	/* Parts after the signature are not covered by it. */
	walk_children(w, sc, mp, spans, 2, signed_by, depth);
out:
	if (spans)
		g_array_unref(spans);
}

static gboolean is_opaque_signed(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *type = NULL, *name = NULL;

	if (!ct || !(g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
		     g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime")))
		return FALSE;
	type = g_mime_content_type_get_parameter(ct, "smime-type");
	if (type)
		return g_ascii_strcasecmp(type, "signed-data") == 0;
	name = g_mime_part_get_filename(GMIME_PART(o));
	return name && strlen(name) >= 4 && g_ascii_strcasecmp(name + strlen(name) - 4, ".p7m") == 0;
}

/* Opaque signed data carries its content inside the signature: that
 * content is what is verified, and what is parsed. */
static void walk_opaque(walker *w, GMimeObject *o, guint depth)
{
	upki_signed *s = g_new0(upki_signed, 1);
	GBytes *content = NULL;

	s->opaque = TRUE;
	s->signature = part_bytes(GMIME_PART(o));
	g_ptr_array_add(w->m->signeds, s);
	content = upki_smime_get_content(s->signature);
	if (content)
		walk_content(w, content, (int)w->m->signeds->len - 1, depth);
	if (content)
		g_bytes_unref(content);
}

/* A limit reached is a finding: what lies beyond it is not judged. */
static gboolean within_limits(walker *w, guint depth)
{
	if (depth <= w->max_depth && ++w->nodes <= w->max_nodes)
		return TRUE;
	finding(w, UPKI_R_TOO_COMPLEX);
	return FALSE;
}

static void walk(walker *w, const scope *sc, GMimeObject *o, upki_span span, int signed_by,
		 guint depth)
{
	if (!o || !within_limits(w, depth))
		return;
	if (upki_mime_headers_ambiguous(o, FALSE))
		finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		upki_span inner = span_known(span) ? (upki_span){ body_of(w, sc, span), span.end }
						   : unknown_span;
		if (msg) {
			if (upki_mime_headers_ambiguous(GMIME_OBJECT(msg), TRUE))
				finding(w, UPKI_R_AMBIGUOUS_STRUCTURE);
			add_header_text(w, msg, signed_by);
			walk(w, sc, g_mime_message_get_mime_part(msg), inner, signed_by, depth + 1);
		}
	} else if (GMIME_IS_MULTIPART_SIGNED(o) && is_smime_protocol(o)) {
		walk_signed(w, sc, GMIME_MULTIPART(o), span, signed_by, depth);
	} else if (GMIME_IS_MULTIPART(o)) {
		walk_multipart(w, sc, GMIME_MULTIPART(o), span, signed_by, depth);
	} else if (GMIME_IS_PART(o)) {
		if (is_opaque_signed(o))
			walk_opaque(w, o, depth);
		else if (is_text(o))
			add_text(w, o, signed_by);
	}
}

/* ---- entry points ----------------------------------------------------- */

static upki_mime *parse(const char *buf, gsize len, gboolean body, const upki_mime_limits *lim,
			GError **error)
{
	GMimeParserOptions *opts = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	upki_mime *m = NULL;
	char *guarded = NULL;
	gsize skip = buf ? skip_mbox_from(buf, len) : 0;

	upki_mime_init();
	if (!check_message(buf ? buf + skip : "", buf ? len - skip : 0, error))
		return NULL;
	buf += skip;
	len -= skip;
	if (!body)
		len = upki_raw_header_block_len(buf, len);
	/* The header facts alone: from the bytes when they are plain. */
	if (!body && (m = upki_mime_headers_from_raw(buf, len)))
		return m;
	/* GMime reads a defused copy; signed bytes come from the original. */
	guarded = upki_mime_guard(buf, len);
	opts = upki_mime_parser_options();
	parser = parser_for(guarded ? guarded : buf, len);
	msg = g_mime_parser_construct_message(parser, opts);
	if (!msg) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE, "not a mail message: unparseable");
		goto out;
	}
	m = upki_mime_new();
	upki_mime_fill_headers(m, msg);
	if (body) {
		walker w = { .m = m, .opts = opts,
			     .max_depth = lim && lim->max_depth ? lim->max_depth : MAX_DEPTH,
			     .max_nodes = lim && lim->max_parts ? lim->max_parts : MAX_NODES,
			     .max_text = lim && lim->max_text ? lim->max_text : MAX_TEXT };
		scope sc = { buf, len };
		upki_span all = { 0, len };
		if (guarded)
			finding(&w, UPKI_R_TOO_COMPLEX);
		if (upki_mime_headers_ambiguous(GMIME_OBJECT(msg), TRUE))
			finding(&w, UPKI_R_AMBIGUOUS_STRUCTURE);
		walk(&w, &sc, g_mime_message_get_mime_part(msg), all, -1, 0);
	}
out:
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_mime_parser_options_free(opts);
	g_free(guarded);
	return m;
}

upki_mime *upki_mime_parse(const char *buf, gsize len, GError **error)
{
	return parse(buf, len, TRUE, NULL, error);
}

upki_mime *upki_mime_parse_limited(const char *buf, gsize len, const upki_mime_limits *limits,
				   GError **error)
{
	return parse(buf, len, TRUE, limits, error);
}

upki_mime *upki_mime_parse_headers(const char *buf, gsize len, GError **error)
{
	return parse(buf, len, FALSE, NULL, error);
}

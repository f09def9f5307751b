/* upki-scan-quick.c - telling cheaply that a message is no notice.
 *
 * An archive is mostly ordinary mail, and most of its bytes are bodies
 * and attachments.  A message takes the whole pipeline (MIME tree, text
 * decoding, URL extraction, S/MIME) only when it might matter:
 *  - its raw bytes (but for attachment bodies the pipeline never reads:
 *    upki-scan-parts.c) hold a marker of the service, compared without ASCII
 *    case: "secomtrust", "secom-trust", "secom.trust", "upki-odcert",
 *    "spentrance", "acquisition url", the profile's host and path, and
 *    the retrieval labels (証明書取得...) as UTF-8, Shift_JIS, EUC-JP
 *    and ISO-2022-JP bytes; each also as it reads inside base64 text
 *    (exact case there); or
 *  - its header block has a subject that names a notice (a reply or a
 *    forward of one included), or a From that is or may be the notice
 *    sender.
 * Anything else gets its not-notice verdict from the header block: with
 * the subject, from, message_id and date the full path reports (GMime
 * parses the header block alone), or, when the line will not be printed
 * (--notices-only, --check), with no parsing at all.
 *
 * What this does not see: a look-alike link that carries none of the
 * markers as bytes (full-width letters, a bare "?p1=" on another host,
 * a punycode host alone, a marker cut by a base64 or quoted-printable
 * line break, other case in base64), in a message whose subject and
 * sender are ordinary.  The
 * full pipeline (upki-scan on the single message, the milter) does;
 * batch mode trades it for speed.  A signed ordinary message reports
 * signature status "none": its signature is not checked.
 *
 * The marker search samples the message every STRIDE bytes: every
 * marker is at least MIN_NEEDLE bytes long, so one of any STRIDE
 * consecutive positions inside an occurrence is sampled, and the 4-byte
 * gram there is in a table (one byte a hash, 128 KiB) built from the
 * markers.  Only a hit in the table costs a comparison.  A 4-byte gram
 * rather than 3 (stride 7, not 8) because 3-byte grams of the markers
 * ("com", "tru", "ion") are everyday text: verifying them cost more
 * than the extra samples.  The message is sampled four positions a
 * round, with one branch.
 */
#include <string.h>

#include "upki/charset.h"
#include "upki/classify.h"
#include "upki/mime.h"
#include "upki/rawheader.h"
#include "upki-scan-batch.h"

/* Spelled as the service writes them: the base64 forms are made from
 * these bytes and base64 keeps case. */
static const char *const fixed_markers[] = {
	"secomtrust", "secom-trust", "secom.trust", "upki-odcert", "SPEntrance", "acquisition URL",
};

#define MIN_NEEDLE 10
#define GRAM 4
#define STRIDE (MIN_NEEDLE - GRAM + 1)
#define TABLE_BITS 17
/* Shortest label run worth a marker: shorter Japanese words ("取得")
 * are everyday words (and too short for the stride). */
#define MIN_LABEL_CHARS 5

typedef struct needle {
	guint8 *bytes; /* folded (ASCII letters in lower case) unless exact */
	gsize len;
	gboolean exact; /* base64 text: case matters */
} needle;

/* Which needle has which gram where, sorted by hash: a table hit looks
 * up only the needles that can be there. */
typedef struct gram_entry {
	guint hash;
	guint needle;
	guint offset;
} gram_entry;

struct quick {
	GArray *needles;  /* needle */
	GArray *grams;    /* gram_entry, sorted by hash once built */
	guint8 table[1u << TABLE_BITS]; /* a byte a hash: no bit arithmetic per sample */
	const upki_profile *p;
};

/* Folding for the table: sets bit 5 of every byte, which merges the two
 * cases of a letter (and some punctuation pairs: harmless, a table hit
 * is only a reason to compare). */
static inline guint gram_hash_of(guint32 v)
{
	return (v * 2654435761u) >> (32 - TABLE_BITS);
}

static inline guint gram_hash(const guint8 *b)
{
	guint32 w;

	memcpy(&w, b, sizeof w);
	return gram_hash_of(w | 0x20202020u);
}

static void add_needle_as(quick *q, const char *bytes, gsize len, gboolean exact)
{
	needle n;

	if (len < MIN_NEEDLE)
		return;
	n.bytes = exact ? g_memdup2(bytes, len) : (guint8 *)g_ascii_strdown(bytes, (gssize)len);
	n.len = len;
	n.exact = exact;
	for (guint i = 0; i < q->needles->len; i++) {
		const needle *have = &g_array_index(q->needles, needle, i);
		if (have->len == len && have->exact == exact && memcmp(have->bytes, n.bytes, len) == 0) {
			g_free(n.bytes);
			return;
		}
	}
	/* Every gram a sampled position can land on: offsets 0 .. len-GRAM. */
	for (gsize o = 0; o + GRAM <= len; o++) {
		gram_entry e = { gram_hash(n.bytes + o), q->needles->len, (guint)o };
		q->table[e.hash] = 1;
		g_array_append_val(q->grams, e);
	}
	g_array_append_val(q->needles, n);
}

/* The base64 text that bytes turn into wherever they sit in a base64
 * body: for each of the three alignments, the characters that depend
 * on these bytes only.  Most Japanese mail is UTF-8 or ISO-2022-JP in
 * base64, so this is where a forwarded look-alike link usually hides. */
static void add_base64(quick *q, const char *bytes, gsize len)
{
	for (gsize a = 0; a < 3; a++) {
		guint8 *padded = g_malloc0(a + len + 3);
		memcpy(padded + a, bytes, len);
		char *b64 = g_base64_encode(padded, a + len + 3);
		gsize from = (8 * a + 5) / 6, to = (8 * (a + len)) / 6;
		add_needle_as(q, b64 + from, to - from, TRUE);
		g_free(b64);
		g_free(padded);
	}
}

/* A marker as written, and as it looks inside base64. */
static void add_needle(quick *q, const char *bytes, gsize len)
{
	add_needle_as(q, bytes, len, FALSE);
	add_base64(q, bytes, len);
}

/* ISO-2022-JP without its escape sequences: the JIS bytes as they sit
 * between ESC $ B and ESC ( B in a 7bit body. */
static void add_jis(quick *q, const char *run)
{
	gsize n = 0;
	char *jis = g_convert(run, -1, "ISO-2022-JP", "UTF-8", NULL, &n, NULL);
	GString *bare = g_string_new(NULL);

	for (gsize i = 0; jis && i < n; i++) {
		if (jis[i] == 0x1b) {
			i += 2;
			continue;
		}
		g_string_append_c(bare, jis[i]);
	}
	add_needle(q, bare->str, bare->len);
	g_string_free(bare, TRUE);
	g_free(jis);
}

static void add_label_run(quick *q, const char *run)
{
	static const char *const charsets[] = { "CP932", "EUC-JP" };

	if (g_utf8_strlen(run, -1) < MIN_LABEL_CHARS)
		return;
	add_needle(q, run, strlen(run));
	for (gsize i = 0; i < G_N_ELEMENTS(charsets); i++) {
		gsize n = 0;
		char *conv = g_convert(run, -1, charsets[i], "UTF-8", NULL, &n, NULL);
		if (conv)
			add_needle(q, conv, n);
		g_free(conv);
	}
	add_jis(q, run);
}

/* Each run of non-ASCII characters of a label becomes a marker. */
static void add_label(quick *q, const char *label)
{
	GString *run = g_string_new(NULL);

	for (const char *c = label;; c = g_utf8_next_char(c)) {
		if (*c && (guchar)*c >= 0x80) {
			g_string_append_unichar(run, g_utf8_get_char(c));
			continue;
		}
		add_label_run(q, run->str);
		g_string_truncate(run, 0);
		if (!*c)
			break;
	}
	g_string_free(run, TRUE);
}

static gint compare_grams(gconstpointer a, gconstpointer b)
{
	guint x = ((const gram_entry *)a)->hash, y = ((const gram_entry *)b)->hash;

	return x < y ? -1 : x > y;
}

quick *quick_new(const upki_profile *p)
{
	quick *q = NULL;

	if (g_getenv("UPKI_SCAN_FULL"))
		return NULL;
	q = g_new0(quick, 1);
	q->p = p;
	q->needles = g_array_new(FALSE, FALSE, sizeof(needle));
	q->grams = g_array_new(FALSE, FALSE, sizeof(gram_entry));
	for (gsize i = 0; i < G_N_ELEMENTS(fixed_markers); i++)
		add_needle(q, fixed_markers[i], strlen(fixed_markers[i]));
	if (p->host)
		add_needle(q, p->host, strlen(p->host));
	if (p->path_prefix)
		add_needle(q, p->path_prefix, strlen(p->path_prefix));
	for (guint i = 0; p->url_labels && i < p->url_labels->len; i++)
		add_label(q, g_ptr_array_index(p->url_labels, i));
	g_array_sort(q->grams, compare_grams);
	return q;
}

void quick_free(quick *q)
{
	if (!q)
		return;
	for (guint i = 0; i < q->needles->len; i++)
		g_free(g_array_index(q->needles, needle, i).bytes);
	g_array_unref(q->needles);
	g_array_unref(q->grams);
	g_free(q);
}

static gboolean needle_at(const needle *n, const guint8 *p)
{
	if (n->exact)
		return memcmp(p, n->bytes, n->len) == 0;
	for (gsize i = 0; i < n->len; i++)
		if (g_ascii_tolower(p[i]) != n->bytes[i])
			return FALSE;
	return TRUE;
}

/* A table hit at pos (gram hash h): the needles with that gram, each
 * compared where it would have to start. */
static gboolean verify(const quick *q, const guint8 *buf, gsize len, gsize pos, guint h)
{
	const gram_entry *g = (const gram_entry *)(void *)q->grams->data;
	guint lo = 0, hi = q->grams->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		if (g[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < q->grams->len && g[lo].hash == h; lo++) {
		const needle *n = &g_array_index(q->needles, needle, g[lo].needle);
		if (pos >= g[lo].offset && pos - g[lo].offset + n->len <= len &&
		    needle_at(n, buf + pos - g[lo].offset))
			return TRUE;
	}
	return FALSE;
}

static inline gboolean in_table(const quick *q, guint h)
{
	return q->table[h];
}

static gboolean hit_at(const quick *q, const guint8 *buf, gsize len, gsize i)
{
	guint h = gram_hash(buf + i);

	return in_table(q, h) && verify(q, buf, len, i, h);
}

static gboolean has_marker(const quick *q, const guint8 *buf, gsize len)
{
	gsize i = 0;

	if (len < MIN_NEEDLE)
		return FALSE;
	/* Four samples a round with one branch: the hashes and table
	 * lookups overlap, and a table hit is rare. */
	for (; i + 3 * STRIDE + GRAM <= len; i += 4 * STRIDE) {
		if (!(in_table(q, gram_hash(buf + i)) | in_table(q, gram_hash(buf + i + STRIDE)) |
		      in_table(q, gram_hash(buf + i + 2 * STRIDE)) | in_table(q, gram_hash(buf + i + 3 * STRIDE))))
			continue;
		for (gsize k = 0; k < 4; k++)
			if (hit_at(q, buf, len, i + k * STRIDE))
				return TRUE;
	}
	/* The last sample must reach the last gram: len-GRAM. */
	for (;; i += STRIDE) {
		if (i + GRAM > len)
			i = len - GRAM;
		if (hit_at(q, buf, len, i))
			return TRUE;
		if (i == len - GRAM)
			return FALSE;
	}
}

/* ---- the header block without GMime ---- */

/* Length of the header block (up to the empty line), after a leading
 * mbox "From " line that mime.c would skip too. */
static gsize header_block(const char *buf, gsize len, gsize *skip)
{
	gsize p = 0;

	*skip = 0;
	if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
		const char *nl = memchr(buf, '\n', len);
		*skip = p = nl ? (gsize)(nl - buf) + 1 : len;
	}
	while (p < len) {
		if (buf[p] == '\n' || (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n'))
			return p - *skip;
		const char *nl = memchr(buf + p, '\n', len - p);
		p = nl ? (gsize)(nl - buf) + 1 : len;
	}
	return len - *skip;
}

/* The raw value of the first field called name (unfolded by the
 * decoder later), or NULL. */
static char *raw_field(const char *h, gsize len, const char *name)
{
	gsize nlen = strlen(name);

	for (gsize p = 0; p < len;) {
		const char *nl = memchr(h + p, '\n', len - p);
		gsize end = nl ? (gsize)(nl - h) + 1 : len;
		if (end - p > nlen && g_ascii_strncasecmp(h + p, name, nlen) == 0 && h[p + nlen] == ':') {
			gsize v = p + nlen + 1, e = end;
			while (e < len && (h[e] == ' ' || h[e] == '\t')) {
				nl = memchr(h + e, '\n', len - e);
				e = nl ? (gsize)(nl - h) + 1 : len;
			}
			return g_strndup(h + v, e - v);
		}
		p = end;
	}
	return NULL;
}

/* Stricter than upki_notice_headers_may_matter(): a reply or forward of
 * a notice also takes the full path, since that is where look-alike
 * links get passed around (samples/fwd-lookalike.eml). */
static gboolean worth_a_look(const upki_profile *p, const char *subject, const char *from_addr)
{
	return upki_classify_subject(subject, p).kind != UPKI_KIND_NONE ||
	       upki_classify_is_sender(from_addr, p);
}

/* TRUE when the raw header block says the message cannot be a notice. */
static gboolean headers_say_no(const quick *q, const char *h, gsize len)
{
	char *raw_subject = raw_field(h, len, "Subject");
	char *raw_from = raw_field(h, len, "From");
	char *subject = upki_header_decode(raw_subject);
	gboolean sender = raw_from && upki_classify_from_may_be_sender(raw_from, strlen(raw_from), q->p);
	gboolean no = !worth_a_look(q->p, subject, sender ? q->p->sender : NULL);

	g_free(subject);
	g_free(raw_from);
	g_free(raw_subject);
	return no;
}

static gboolean look_for_marker(const char *p, gsize len, gconstpointer q)
{
	return has_marker(q, (const guint8 *)p, len);
}

upki_notice *quick_analyze(const quick *q, const scanner *s, const char *buf, gsize len, GError **error)
{
	upki_mime *m = NULL;
	upki_notice *n = NULL;
	gsize skip = 0, hlen = 0;

	if (!q || (s->opts.max_size && len > s->opts.max_size))
		return upki_notice_analyze(buf, len, &s->opts, error);
	hlen = header_block(buf, len, &skip);
	if (parts_any_text(buf, len, skip + hlen, look_for_marker, q))
		return upki_notice_analyze(buf, len, &s->opts, error);
	if (!upki_raw_header_plausible(buf + skip, hlen) || !headers_say_no(q, buf + skip, hlen))
		return upki_notice_analyze(buf, len, &s->opts, error);
	if (s->a->notices_only || s->a->check)
		return g_new0(upki_notice, 1); /* kind none, not-notice: never printed */
	m = upki_mime_parse_headers(buf, len, error);
	if (!m)
		return NULL;
	/* GMime reads the From address its own way: it has the last word. */
	if (worth_a_look(s->opts.profile, m->subject, m->from_addr))
		n = upki_notice_analyze(buf, len, &s->opts, error);
	else
		n = upki_notice_from_mime(m, &s->opts);
	upki_mime_free(m);
	return n;
}

/* charset.c - any bytes a mail may carry, turned into UTF-8 that never fails.
 *
 * Japanese mail arrives as ISO-2022-JP (often with Microsoft's extra
 * characters, which strict converters reject), Shift_JIS meaning CP932,
 * EUC-JP, UTF-8, or unlabelled 8-bit bytes.  Everything here returns
 * text: a charset iconv does not know is guessed, bytes that do not
 * convert become U+FFFD, and the rest of the text is kept.  Encoded-words
 * in headers are charset-header.c's.
 */
#include <errno.h>
#include <string.h>

#include "upki/charset.h"
#include "upki/mime.h"
#include "charset-private.h"
#include "tpool-private.h"

#define REPLACEMENT "\xEF\xBF\xBD"
#define ESC 0x1b

typedef upki_charset_family cs_family;

/* The converters tried first for each Japanese family: upki_charset_first()
 * tells prefilter-fold.c, so the two cannot drift apart. */
#define FIRST_ISO2022JP "ISO-2022-JP-2"
#define FIRST_SJIS "CP932"
#define FIRST_EUCJP "EUC-JP-MS"

static cs_family family_of(const char *charset)
{
	static const struct { const char *name; cs_family f; } names[] = {
		{ "utf-8", CS_UTF8 }, { "utf8", CS_UTF8 },
		{ "iso-2022-jp", CS_ISO2022JP }, { "iso2022jp", CS_ISO2022JP },
		{ "csiso2022jp", CS_ISO2022JP }, { "iso-2022-jp-1", CS_ISO2022JP },
		{ "iso-2022-jp-2", CS_ISO2022JP }, { "iso-2022-jp-3", CS_ISO2022JP },
		{ "cp50220", CS_ISO2022JP }, { "cp50221", CS_ISO2022JP }, { "cp50222", CS_ISO2022JP },
		{ "shift_jis", CS_SJIS }, { "shift-jis", CS_SJIS }, { "sjis", CS_SJIS },
		{ "x-sjis", CS_SJIS }, { "ms_kanji", CS_SJIS }, { "cp932", CS_SJIS },
		{ "windows-31j", CS_SJIS }, { "csshiftjis", CS_SJIS }, { "ms932", CS_SJIS },
		{ "euc-jp", CS_EUCJP }, { "eucjp", CS_EUCJP }, { "x-euc-jp", CS_EUCJP },
		{ "cseucpkdfmtjapanese", CS_EUCJP }, { "euc-jp-ms", CS_EUCJP },
		/* Labels that promise nothing: Japanese senders put 8-bit or
		 * JIS text under them often enough that guessing is better. */
		{ "us-ascii", CS_GUESS }, { "ascii", CS_GUESS }, { "unknown-8bit", CS_GUESS },
		{ "x-unknown", CS_GUESS }, { "default", CS_GUESS },
	};

	if (!charset || !*charset)
		return CS_GUESS;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(charset, names[i].name) == 0)
			return names[i].f;
	return CS_OTHER;
}

/* iconv_open() looks the charset up, references its gconv module and
 * allocates a state: thousands of instructions, paid per encoded header
 * and text part, and a dlopen()/dlclose() of the module whenever no other
 * descriptor holds it.  So each thread keeps its descriptors (to UTF-8,
 * by charset name as written) and resets them before use.  The cache is
 * bounded, since names come from the mail: past CD_CACHE_MAX a
 * descriptor is opened and closed for the one conversion. */
#define CD_CACHE_MAX 16

static void cd_close(gpointer cd)
{
	if (cd != (gpointer)(GIConv)-1)
		g_iconv_close((GIConv)cd);
}

static void cd_cache_free(gpointer table)
{
	g_hash_table_destroy(table);
}

/* Descriptors outlive their thread (tpool-private.h): each is reset
 * before use. */
UPKI_TPOOL_DEFINE(cd_cache_pool, cd_cache_release, cd_cache_free)

static GPrivate cd_cache_key = G_PRIVATE_INIT(cd_cache_release);

/* A reset descriptor from UTF-8 to from, or (GIConv)-1 when iconv does
 * not know from.  *owned: the caller closes it (cache full). */
static GIConv cd_get(const char *from, gboolean *owned)
{
	GHashTable *cache = g_private_get(&cd_cache_key);
	gpointer cd = NULL;

	*owned = FALSE;
	if (!cache) {
		cache = upki_tpool_take(&cd_cache_pool);
		if (!cache)
			cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cd_close);
		g_private_set(&cd_cache_key, cache);
	}
	if (g_hash_table_lookup_extended(cache, from, NULL, &cd)) {
		if ((GIConv)cd != (GIConv)-1)
			g_iconv((GIConv)cd, NULL, NULL, NULL, NULL);
		return (GIConv)cd;
	}
	cd = (gpointer)g_iconv_open("UTF-8", from);
	if (g_hash_table_size(cache) < CD_CACHE_MAX)
		g_hash_table_insert(cache, g_strdup(from), cd);
	else
		*owned = (GIConv)cd != (GIConv)-1;
	return (GIConv)cd;
}

static void cd_put(GIConv cd, gboolean owned)
{
	if (owned)
		g_iconv_close(cd);
}

/* Converts all of buf with cd into out.  With strict, FALSE at the first
 * byte iconv rejects (or a sequence cut off at the end); otherwise such
 * bytes become U+FFFD and the conversion goes on. */
static gboolean run_iconv(GIConv cd, const char *buf, gsize len, gboolean strict, GString *out)
{
	char chunk[4096];
	char *in = (char *)buf;
	gsize inleft = len;

	while (inleft > 0) {
		char *o = chunk;
		gsize oleft = sizeof chunk;
		gsize r = g_iconv(cd, &in, &inleft, &o, &oleft);
		int err = errno;

		g_string_append_len(out, chunk, (gssize)(o - chunk));
		if (r != (gsize)-1 || err == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a sequence cut off at the end. */
		if (strict)
			return FALSE;
		g_string_append(out, REPLACEMENT);
		in++;
		inleft--;
		g_iconv(cd, NULL, NULL, NULL, NULL);
	}
	char *o = chunk;
	gsize oleft = sizeof chunk;
	g_iconv(cd, NULL, NULL, &o, &oleft);
	g_string_append_len(out, chunk, (gssize)(o - chunk));
	return TRUE;
}

static char *convert_with(const char *buf, gsize len, const char *from, gboolean strict)
{
	gboolean owned = FALSE;
	GIConv cd = cd_get(from, &owned);
	GString *out = NULL;
	gboolean ok = FALSE;

	if (cd == (GIConv)-1)
		return NULL;
	out = g_string_sized_new(len + len / 2 + 16);
	ok = run_iconv(cd, buf, len, strict, out);
	cd_put(cd, owned);
	/* A NUL in the output would cut the C string short: treat as failure. */
	if (ok && strict && memchr(out->str, '\0', out->len))
		ok = FALSE;
	if (!ok) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* Strict conversion: NULL unless every byte converts. */
static char *convert_strict(const char *buf, gsize len, const char *from)
{
	return convert_with(buf, len, from, TRUE);
}

/* Conversion that never fails: bytes iconv rejects become U+FFFD.
 * NULL only when iconv does not know the charset at all. */
static char *convert_lossy(const char *buf, gsize len, const char *from)
{
	return convert_with(buf, len, from, FALSE);
}

/* JIS X 0208 row/cell to Shift_JIS; rows 0x79-0x7C (IBM extensions in
 * Microsoft's ISO-2022-JP) land where CP932 has them. */
static void jis_to_sjis(guchar j1, guchar j2, GByteArray *out)
{
	guchar s1 = (guchar)(((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0));
	guchar s2;

	if (j1 & 1)
		s2 = (guchar)(j2 + (j2 >= 0x60 ? 0x20 : 0x1f));
	else
		s2 = (guchar)(j2 + 0x7e);
	g_byte_array_append(out, &s1, 1);
	g_byte_array_append(out, &s2, 1);
}

enum jis_state { JIS_ASCII, JIS_KANJI, JIS_KANA, JIS_OTHER };

/* Reads an escape sequence at p (p[0] == ESC); returns its length and
 * sets *state, or 0 when it is no designation we know. */
static gsize jis_escape(const guchar *p, gsize left, enum jis_state *state)
{
	static const struct { const char *seq; enum jis_state st; } seqs[] = {
		{ "\033(B", JIS_ASCII }, { "\033(J", JIS_ASCII }, { "\033(H", JIS_ASCII },
		{ "\033$@", JIS_KANJI }, { "\033$B", JIS_KANJI }, { "\033$(B", JIS_KANJI },
		{ "\033&@\033$B", JIS_KANJI }, { "\033(I", JIS_KANA },
		{ "\033$(D", JIS_OTHER }, { "\033$A", JIS_OTHER }, { "\033$(C", JIS_OTHER },
		{ "\033$(O", JIS_OTHER }, { "\033$(Q", JIS_OTHER }, { "\033$(P", JIS_OTHER },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(seqs); i++) {
		gsize n = strlen(seqs[i].seq);
		if (n <= left && memcmp(p, seqs[i].seq, n) == 0) {
			*state = seqs[i].st;
			return n;
		}
	}
	return 0;
}

/* Microsoft's reading of ISO-2022-JP (CP50221): re-encode as CP932 and
 * convert that, so NEC and IBM extension characters (circled digits,
 * Roman numerals) survive.  Sets the glibc converters' failures right. */
static char *iso2022jp_as_cp932(const char *buf, gsize len)
{
	const guchar *p = (const guchar *)buf;
	GByteArray *sj = g_byte_array_sized_new((guint)len);
	char *out = NULL;
	enum jis_state st = JIS_ASCII;
	const guchar bad = 0xff; /* never valid in CP932: becomes U+FFFD */

	for (gsize i = 0; i < len;) {
		gsize n = p[i] == ESC ? jis_escape(p + i, len - i, &st) : 0;
		if (n) {
			i += n;
			continue;
		}
		if (p[i] == 0x0e || p[i] == 0x0f) { /* SO/SI: JIS X 0201 kana */
			st = p[i] == 0x0e ? JIS_KANA : JIS_ASCII;
			i++;
			continue;
		}
		if (p[i] < 0x21 || p[i] >= 0x7f || st == JIS_ASCII) {
			if (p[i] == '\n')
				st = JIS_ASCII; /* a line never continues a shift state */
			g_byte_array_append(sj, p + i, 1);
			i++;
			continue;
		}
		if (st == JIS_KANA) {
			guchar k = (guchar)(p[i] + 0x80);
			g_byte_array_append(sj, p[i] <= 0x5f ? &k : &bad, 1);
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 0x21 || p[i + 1] >= 0x7f) {
			g_byte_array_append(sj, &bad, 1);
			i++;
			continue;
		}
		if (st == JIS_KANJI)
			jis_to_sjis(p[i], p[i + 1], sj);
		else
			g_byte_array_append(sj, &bad, 1);
		i += 2;
	}
	out = convert_lossy((const char *)sj->data, sj->len, "CP932");
	g_byte_array_unref(sj);
	return out ? out : g_strdup("");
}

static char *from_iso2022jp(const char *buf, gsize len)
{
	/* JP-2 and JP-3 are supersets of plain ISO-2022-JP in glibc. */
	char *out = upki_charset_jis_plain(buf, len);

	if (!out)
		out = convert_strict(buf, len, FIRST_ISO2022JP);

	if (!out)
		out = convert_strict(buf, len, "ISO-2022-JP-3");
	if (!out)
		out = iso2022jp_as_cp932(buf, len);
	return out;
}

static gboolean has_jis_escape(const char *buf, gsize len)
{
	for (gsize i = 0; i + 2 < len; i++)
		if (buf[i] == ESC && (buf[i + 1] == '$' || buf[i + 1] == '('))
			return TRUE;
	return FALSE;
}

/* Unlabelled bytes: JIS if it has designations, UTF-8 if it is valid,
 * then the two 8-bit Japanese encodings, then Latin-1 (never fails). */
static char *guess(const char *buf, gsize len)
{
	char *out = NULL;

	if (has_jis_escape(buf, len))
		return from_iso2022jp(buf, len);
	if (g_utf8_validate_len(buf, len, NULL))
		return g_strndup(buf, len);
	if ((out = convert_strict(buf, len, "CP932")))
		return out;
	if ((out = convert_strict(buf, len, "EUC-JP")))
		return out;
	return convert_lossy(buf, len, "ISO-8859-1");
}

static char *first_strict(const char *buf, gsize len, const char *const *names)
{
	for (; *names; names++) {
		char *out = convert_strict(buf, len, *names);
		if (out)
			return out;
	}
	return NULL;
}

static char *convert_any(const char *buf, gsize len, const char *charset)
{
	static const char *const sjis[] = { FIRST_SJIS, "SHIFT_JISX0213", NULL };
	static const char *const eucjp[] = { FIRST_EUCJP, "EUC-JP", "EUC-JISX0213", NULL };
	char *out = NULL;

	switch (family_of(charset)) {
	case CS_UTF8:
		return g_utf8_make_valid(buf, (gssize)len);
	case CS_ISO2022JP:
		return from_iso2022jp(buf, len);
	case CS_SJIS:
		out = first_strict(buf, len, sjis);
		return out ? out : convert_lossy(buf, len, "CP932");
	case CS_EUCJP:
		out = first_strict(buf, len, eucjp);
		return out ? out : convert_lossy(buf, len, "EUC-JP-MS");
	case CS_OTHER:
		/* A pure-ASCII text is the same in any charset we would meet. */
		if ((out = convert_strict(buf, len, charset)))
			return out;
		if (g_utf8_validate_len(buf, len, NULL) || has_jis_escape(buf, len))
			return guess(buf, len);
		if ((out = convert_lossy(buf, len, charset)))
			return out;
		return guess(buf, len);
	case CS_GUESS:
		break;
	}
	return guess(buf, len);
}

/* CRLF and lone CR become '\n'; a NUL (which would end the C string)
 * becomes U+FFFD; any invalid UTF-8 left does too.  Consumes s. */
/* CR LF and a lone CR become LF in place (the text only gets shorter):
 * byte by byte through a GString this was a tenth of a notice's text
 * work, since the signed content always has CR LF. */
static gsize crlf_to_lf(char *s, gsize len)
{
	char *w = s, *r = s, *end = s + len;

	while (r < end) {
		char *cr = memchr(r, '\r', (gsize)(end - r));
		gsize run = (gsize)((cr ? cr : end) - r);
		if (w != r)
			memmove(w, r, run);
		w += run;
		if (!cr)
			break;
		*w++ = '\n';
		r = cr + 1 < end && cr[1] == '\n' ? cr + 2 : cr + 1;
	}
	*w = '\0';
	return (gsize)(w - s);
}

static char *normalise(char *s, gsize len)
{
	GString *out = NULL;
	char *valid = NULL;

	/* Most text has neither, and is valid already. */
	if (!memchr(s, '\r', len) && !memchr(s, '\0', len) && g_utf8_validate_len(s, len, NULL))
		return s;
	if (!memchr(s, '\0', len)) {
		len = crlf_to_lf(s, len);
		if (g_utf8_validate_len(s, len, NULL))
			return s;
		valid = g_utf8_make_valid(s, (gssize)len);
		g_free(s);
		return valid;
	}
	out = g_string_sized_new(len + 1);

	for (gsize i = 0; i < len; i++) {
		if (s[i] == '\r') {
			g_string_append_c(out, '\n');
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else if (s[i] == '\0') {
			g_string_append(out, REPLACEMENT);
		} else {
			g_string_append_c(out, s[i]);
		}
	}
	g_free(s);
	if (g_utf8_validate_len(out->str, out->len, NULL))
		return g_string_free(out, FALSE);
	valid = g_utf8_make_valid(out->str, (gssize)out->len);
	g_string_free(out, TRUE);
	return valid;
}

upki_charset_family upki_charset_family_of(const char *charset)
{
	return family_of(charset);
}

const char *upki_charset_first(upki_charset_family f)
{
	switch (f) {
	case CS_ISO2022JP:
		return FIRST_ISO2022JP;
	case CS_SJIS:
		return FIRST_SJIS;
	case CS_EUCJP:
		return FIRST_EUCJP;
	default:
		return NULL;
	}
}

char *upki_charset_convert_strict(const char *buf, gsize len, const char *from)
{
	return convert_strict(buf, len, from);
}

char *upki_mime_to_utf8(const char *buf, gsize len, const char *charset)
{
	char *out = NULL;

	if (!buf)
		return g_strdup("");
	/* In UTF-16 and UTF-32 every ASCII letter holds a NUL byte: such a
	 * text converts whole, or a reader shows what the pieces would hide. */
	if (family_of(charset) == CS_OTHER && memchr(buf, '\0', len) &&
	    (out = convert_strict(buf, len, charset)))
		return normalise(out, strlen(out));
	/* GLib's converters stop at a NUL: give them text without one and
	 * put the replacement back ourselves. */
	if (memchr(buf, '\0', len)) {
		GString *all = g_string_new(NULL);
		const char *p = buf, *end = buf + len;
		while (p < end) {
			const char *nul = memchr(p, '\0', (gsize)(end - p));
			const char *stop = nul ? nul : end;
			char *part = convert_any(p, (gsize)(stop - p), charset);
			g_string_append(all, part);
			g_free(part);
			if (nul)
				g_string_append(all, REPLACEMENT);
			p = nul ? nul + 1 : end;
		}
		gsize n = all->len;
		return normalise(g_string_free(all, FALSE), n);
	}
	out = convert_any(buf, len, charset);
	return normalise(out, strlen(out));
}

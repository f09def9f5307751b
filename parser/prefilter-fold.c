/* prefilter-fold.c - the skeleton of a text part (prefilter.c says why
 * searching it is sound), made without a conversion or a normalisation
 * per character.
 *
 * Only what a marker can hold matters in the skeleton.  So every
 * character falls in one of three classes, worked out the first time a
 * thread meets it (and again for another prefilter: the markers decide):
 *   - it folds to nothing (white space, marks, hidden controls): left out;
 *   - its fold holds no character that any marker holds: one placeholder
 *     byte, which no marker holds either, so a marker matches across it
 *     exactly as it would across the fold (neither can be inside a match);
 *   - else its exact fold.
 * The skeleton so made holds a marker where, and only where, the full
 * skeleton does.
 *
 * ISO-2022-JP, Shift_JIS and EUC-JP bytes are read here without
 * converting the text.  upki_mime_to_utf8() first converts such a text
 * strictly with one converter (charset-private.h); when every byte
 * sequence of the text converts with it, its result is what the
 * sequences convert to one by one (the encodings keep no state but
 * ISO-2022-JP's designations, which are followed here).  So the class of
 * a sequence comes from converting it alone, once per thread.  A text
 * with a sequence that does not convert, or one this reader does not
 * follow (JIS X 0212, another designation, a shift state at a line end,
 * a control byte), is handed back: the caller converts it as before.
 */
#include <string.h>

#include "text-private.h"
#include "upki/url.h"
#include "charset-private.h"
#include "prefilter-private.h"
#include "tpool-private.h"

#define PLACEHOLDER '\x01' /* a hidden control: never in a marker's skeleton */
#define ESC 0x1b
#define FOLD_CACHE_MAX 8192 /* characters beyond the BMP remembered per thread */

/* Classes in the tables: FC_FOLD + i is folds[i]. */
enum { FC_UNKNOWN = 0, FC_DROP, FC_OTHER, FC_INVALID, FC_FOLD };
#define FC_MAX 65535

typedef enum { T_UNI, T_SJIS, T_EUC, T_JIS, T_COUNT } table_id;

typedef struct fold_tables {
	guint gen;                  /* the prefilter the classes were made for */
	guint16 cls[T_COUNT][65536]; /* T_UNI by code point, the others by byte pair */
	char ascii[128];            /* fold of an ASCII byte: itself, lower case, or 0 (left out) */
	gint8 ascii_same[T_COUNT];  /* 1: printable ASCII reads as itself; -1: not; 0: not known */
	GPtrArray *folds;           /* char*: the exact folds of the classes FC_FOLD + i */
	GString *sk;                /* the skeleton, reused part after part */
} fold_tables;

/* ---- folding one character as url.c folds a URL ---- */

/* Hidden controls are left out as url.c leaves them out. */
static void fold_char_into(GString *out, gunichar c)
{
	char u[8];
	int n = g_unichar_to_utf8(c, u);
	char *nfkd = upki_text_is_hidden_control(c) ? NULL : g_utf8_normalize(u, n, G_NORMALIZE_ALL);
	char *cf = g_utf8_casefold(nfkd ? nfkd : "", -1);

	for (const char *p = cf; *p; p = g_utf8_next_char(p)) {
		gunichar d = upki_url_unconfuse(g_utf8_get_char(p));
		if (g_unichar_isspace(d) || g_unichar_ismark(d) || upki_text_is_hidden_control(d))
			continue;
		g_string_append_unichar(out, d);
	}
	g_free(cf);
	g_free(nfkd);
}

/* Characters beyond the BMP (rare) keep their folds in a hash table. */
UPKI_TPOOL_DEFINE(fold_cache_pool, fold_cache_release, g_hash_table_unref)

static GPrivate fold_cache = G_PRIVATE_INIT(fold_cache_release);

static void append_folded_astral(GString *out, gunichar c)
{
	GHashTable *t = g_private_get(&fold_cache);
	const char *hit = NULL;
	GString *f = NULL;

	if (!t) {
		t = upki_tpool_take(&fold_cache_pool);
		if (!t)
			t = g_hash_table_new_full(NULL, NULL, NULL, g_free);
		g_private_set(&fold_cache, t);
	}
	hit = g_hash_table_lookup(t, GUINT_TO_POINTER(c));
	if (hit) {
		g_string_append(out, hit);
		return;
	}
	f = g_string_new(NULL);
	fold_char_into(f, c);
	g_string_append_len(out, f->str, (gssize)f->len);
	if (g_hash_table_size(t) < FOLD_CACHE_MAX)
		g_hash_table_insert(t, GUINT_TO_POINTER(c), g_string_free(f, FALSE));
	else
		g_string_free(f, TRUE);
}

void upki_prefilter_skeleton_exact(GString *sk, const char *s, gsize n)
{
	const char *end = s + n;

	for (const char *p = s; p < end; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		if (u >= 0x10000)
			append_folded_astral(sk, u);
		else
			fold_char_into(sk, u);
	}
}

/* ---- the per-thread tables ---- */

static void tables_free(gpointer data)
{
	fold_tables *t = data;

	g_ptr_array_unref(t->folds);
	g_string_free(t->sk, TRUE);
	g_free(t);
}

/* A thread's tables outlive it (tpool-private.h): their classes depend
 * on the prefilter's generation only, which tables_for() checks. */
UPKI_TPOOL_DEFINE(tables_pool, tables_release, tables_free)

static GPrivate tables_key = G_PRIVATE_INIT(tables_release);

static gboolean is_marker_char(const upki_prefilter *pf, gunichar c)
{
	for (guint i = 0; i < pf->chars->len; i++)
		if (g_array_index(pf->chars, gunichar, i) == c)
			return TRUE;
	return FALSE;
}

/* The class of an exact fold f (consumed). */
static guint16 classify(const upki_prefilter *pf, fold_tables *t, GString *f)
{
	gboolean matters = FALSE;

	for (const char *p = f->str; *p && !matters; p = g_utf8_next_char(p))
		matters = is_marker_char(pf, g_utf8_get_char(p));
	if (!f->len || !matters) {
		guint16 c = f->len ? FC_OTHER : FC_DROP;
		g_string_free(f, TRUE);
		return c;
	}
	if (t->folds->len >= FC_MAX - FC_FOLD) {
		g_string_free(f, TRUE);
		return FC_INVALID; /* no room: T_UNI folds it each time, the others convert */
	}
	g_ptr_array_add(t->folds, g_string_free(f, FALSE));
	return (guint16)(FC_FOLD + t->folds->len - 1);
}

static void tables_reset(const upki_prefilter *pf, fold_tables *t)
{
	memset(t->cls, 0, sizeof t->cls);
	memset(t->ascii_same, 0, sizeof t->ascii_same);
	g_ptr_array_set_size(t->folds, 0);
	for (guint c = 0; c < 128; c++) {
		GString *f = g_string_new(NULL);
		fold_char_into(f, c);
		/* ASCII folds to at most one ASCII byte. */
		t->ascii[c] = f->len == 1 ? f->str[0] : 0;
		g_string_free(f, TRUE);
	}
	t->gen = pf->gen;
}

static fold_tables *tables_for(const upki_prefilter *pf)
{
	fold_tables *t = g_private_get(&tables_key);

	if (!t) {
		t = upki_tpool_take(&tables_pool);
		if (!t) {
			t = g_new0(fold_tables, 1);
			t->folds = g_ptr_array_new_with_free_func(g_free);
			t->sk = g_string_sized_new(4096);
		}
		g_private_set(&tables_key, t);
	}
	if (t->gen != pf->gen)
		tables_reset(pf, t);
	return t;
}

static guint16 uni_class(const upki_prefilter *pf, fold_tables *t, gunichar u)
{
	guint16 *slot = &t->cls[T_UNI][u];
	GString *f = NULL;

	if (*slot)
		return *slot;
	f = g_string_new(NULL);
	fold_char_into(f, u);
	*slot = classify(pf, t, f);
	return *slot;
}

/* ---- writing the skeleton ---- */

/* The skeleton being written into t->sk: while i bytes of an n-byte
 * input are read, the string holds room for len + (n - i) + 1 bytes, so
 * that a character giving at most one byte needs no check. */
typedef struct skw {
	GString *s;
	gsize len;
} skw;

static void skw_start(skw *w, GString *s, gsize n)
{
	g_string_set_size(s, n + 1);
	w->s = s;
	w->len = 0;
}

static inline void skw_put(skw *w, char c)
{
	w->s->str[w->len] = c;
	w->len += c != 0;
}

static void skw_append(skw *w, const char *f, gsize flen, gsize left)
{
	if (w->len + flen + left + 1 > w->s->len)
		g_string_set_size(w->s, w->len + flen + left + 1 + w->s->len / 2);
	memcpy(w->s->str + w->len, f, flen);
	w->len += flen;
}

static void skw_end(skw *w)
{
	g_string_truncate(w->s, w->len);
}

/* Writes what class c gives; FALSE for FC_INVALID. */
static inline gboolean skw_class(skw *w, const fold_tables *t, guint16 c, gsize left)
{
	const char *f = NULL;

	if (c == FC_DROP)
		return TRUE;
	if (c == FC_OTHER) {
		skw_put(w, PLACEHOLDER);
		return TRUE;
	}
	if (c < FC_FOLD)
		return FALSE;
	f = g_ptr_array_index(t->folds, c - FC_FOLD);
	skw_append(w, f, strlen(f), left);
	return TRUE;
}

/* ---- UTF-8 ---- */

static gunichar utf8_at(const guchar *s, gsize *i)
{
	guchar c = s[*i];
	gunichar u;

	if (c < 0xe0) {
		u = (gunichar)(c & 0x1f) << 6 | (s[*i + 1] & 0x3f);
		*i += 2;
	} else if (c < 0xf0) {
		u = (gunichar)(c & 0x0f) << 12 | (gunichar)(s[*i + 1] & 0x3f) << 6 | (s[*i + 2] & 0x3f);
		*i += 3;
	} else {
		u = (gunichar)(c & 0x07) << 18 | (gunichar)(s[*i + 1] & 0x3f) << 12 |
		    (gunichar)(s[*i + 2] & 0x3f) << 6 | (s[*i + 3] & 0x3f);
		*i += 4;
	}
	return u;
}

/* s must be valid UTF-8. */
static void sk_utf8(const upki_prefilter *pf, fold_tables *t, skw *w, const char *str, gsize n)
{
	const guchar *s = (const guchar *)str;

	for (gsize i = 0; i < n;) {
		if (s[i] < 0x80) {
			skw_put(w, t->ascii[s[i++]]);
			continue;
		}
		gunichar u = utf8_at(s, &i);
		guint16 c = u < 0x10000 ? uni_class(pf, t, u) : FC_INVALID;
		if (skw_class(w, t, c, n - i))
			continue;
		/* Beyond the BMP, or no room left in the table: fold exactly. */
		GString *f = g_string_new(NULL);
		if (u >= 0x10000)
			append_folded_astral(f, u);
		else
			fold_char_into(f, u);
		skw_append(w, f->str, f->len, n - i);
		g_string_free(f, TRUE);
	}
}

/* ---- the Japanese encodings, one byte sequence at a time ---- */

/* The bytes of sequence key in table id, as its converter reads them alone. */
static gsize sequence_bytes(table_id id, guint key, char *out)
{
	if (id == T_JIS) {
		memcpy(out, "\033$B", 3);
		out[3] = (char)(key >> 8);
		out[4] = (char)(key & 0xff);
		memcpy(out + 5, "\033(B", 3);
		return 8;
	}
	if (key < 0x100) {
		out[0] = (char)key;
		return 1;
	}
	out[0] = (char)(key >> 8);
	out[1] = (char)(key & 0xff);
	return 2;
}

static const char *converter_of(table_id id)
{
	return upki_charset_first(id == T_SJIS ? CS_SJIS : id == T_EUC ? CS_EUCJP : CS_ISO2022JP);
}

static guint16 seq_class(const upki_prefilter *pf, fold_tables *t, table_id id, guint key)
{
	guint16 *slot = &t->cls[id][key];
	char bytes[8];
	gsize n = 0;
	char *utf8 = NULL;
	GString *f = NULL;

	if (*slot)
		return *slot;
	n = sequence_bytes(id, key, bytes);
	utf8 = upki_charset_convert_strict(bytes, n, converter_of(id));
	if (!utf8 || !*utf8 || !g_utf8_validate(utf8, -1, NULL)) {
		g_free(utf8);
		return *slot = FC_INVALID;
	}
	f = g_string_new(NULL);
	upki_prefilter_skeleton_exact(f, utf8, strlen(utf8));
	g_free(utf8);
	return *slot = classify(pf, t, f);
}

/* Tab, line ends and printable ASCII: the bytes these readers take as
 * ASCII.  That the converter reads them as themselves is checked once. */
static gboolean text_ascii(guchar c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

static gboolean ascii_reads_same(fold_tables *t, table_id id)
{
	char all[100];
	gsize n = 0;
	char *out = NULL;

	if (t->ascii_same[id])
		return t->ascii_same[id] > 0;
	for (guint c = 0; c < 128; c++)
		if (text_ascii((guchar)c))
			all[n++] = (char)c;
	out = upki_charset_convert_strict(all, n, converter_of(id));
	t->ascii_same[id] = out && strlen(out) == n && memcmp(out, all, n) == 0 ? 1 : -1;
	g_free(out);
	return t->ascii_same[id] > 0;
}

static gboolean sjis_lead(guchar c)
{
	return (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
}

static gboolean sjis_trail(guchar c)
{
	return c >= 0x40 && c <= 0xfc && c != 0x7f;
}

/* The key of the multibyte sequence at s[i] (its length in *len), or 0
 * when the reader does not follow it. */
static guint mb_key(table_id id, const guchar *s, gsize i, gsize n, gsize *len)
{
	guchar c = s[i], d = i + 1 < n ? s[i + 1] : 0;

	*len = 2;
	if (id == T_SJIS) {
		if (c >= 0xa1 && c <= 0xdf) {
			*len = 1;
			return c;
		}
		return sjis_lead(c) && sjis_trail(d) ? (guint)c << 8 | d : 0;
	}
	/* EUC-JP: JIS X 0208 and half-width kana (SS2); not JIS X 0212 (SS3). */
	if (c >= 0xa1 && c <= 0xfe)
		return d >= 0xa1 && d <= 0xfe ? (guint)c << 8 | d : 0;
	return c == 0x8e && d >= 0xa1 && d <= 0xdf ? (guint)c << 8 | d : 0;
}

static gboolean sk_8bit(const upki_prefilter *pf, fold_tables *t, skw *w, table_id id, const guchar *s,
			gsize n)
{
	if (!ascii_reads_same(t, id))
		return FALSE;
	for (gsize i = 0; i < n;) {
		gsize len = 0;
		guint key = 0;

		if (s[i] < 0x80) {
			if (!text_ascii(s[i]))
				return FALSE;
			skw_put(w, t->ascii[s[i++]]);
			continue;
		}
		key = mb_key(id, s, i, n, &len);
		if (!key)
			return FALSE;
		i += len;
		if (!skw_class(w, t, seq_class(pf, t, id, key), n - i))
			return FALSE;
	}
	return TRUE;
}

/* ISO-2022-JP with ASCII and JIS X 0208 (ESC ( B, ESC $ B) only. */
static gboolean sk_jis(const upki_prefilter *pf, fold_tables *t, skw *w, const guchar *s, gsize n)
{
	gboolean kanji = FALSE;

	if (!ascii_reads_same(t, T_JIS))
		return FALSE;
	for (gsize i = 0; i < n;) {
		if (s[i] == ESC) {
			if (n - i < 3 || (s[i + 1] != '(' && s[i + 1] != '$') || s[i + 2] != 'B')
				return FALSE;
			kanji = s[i + 1] == '$';
			i += 3;
			continue;
		}
		if (!kanji) {
			if (!text_ascii(s[i]))
				return FALSE;
			skw_put(w, t->ascii[s[i++]]);
			continue;
		}
		if (n - i < 2 || s[i] < 0x21 || s[i] > 0x7e || s[i + 1] < 0x21 || s[i + 1] > 0x7e)
			return FALSE;
		guint key = (guint)s[i] << 8 | s[i + 1];
		i += 2;
		if (!skw_class(w, t, seq_class(pf, t, T_JIS, key), n - i))
			return FALSE;
	}
	return TRUE;
}

/* Which reader gives these bytes the text upki_mime_to_utf8() gives them. */
typedef enum { R_NONE, R_UTF8, R_SJIS, R_EUC, R_JIS } reader;

static reader reader_for(const char *b, gsize n, const char *charset)
{
	switch (upki_charset_family_of(charset)) {
	case CS_UTF8:
		return g_utf8_validate_len(b, n, NULL) ? R_UTF8 : R_NONE;
	case CS_SJIS:
		return R_SJIS;
	case CS_EUCJP:
		return R_EUC;
	case CS_ISO2022JP:
		return R_JIS;
	case CS_GUESS:
		/* charset.c guess(): designations, then valid UTF-8, then CP932. */
		if (memchr(b, ESC, n))
			return R_JIS;
		return g_utf8_validate_len(b, n, NULL) ? R_UTF8 : R_SJIS;
	default:
		return R_NONE;
	}
}

GString *upki_prefilter_skeleton_bytes(const upki_prefilter *pf, const char *b, gsize n, const char *charset)
{
	fold_tables *t = tables_for(pf);
	skw w;
	gboolean ok = TRUE;
	const guchar *s = (const guchar *)b;

	skw_start(&w, t->sk, n);
	switch (reader_for(b, n, charset)) {
	case R_UTF8:
		sk_utf8(pf, t, &w, b, n);
		break;
	case R_SJIS:
		ok = sk_8bit(pf, t, &w, T_SJIS, s, n);
		break;
	case R_EUC:
		ok = sk_8bit(pf, t, &w, T_EUC, s, n);
		break;
	case R_JIS:
		ok = sk_jis(pf, t, &w, s, n);
		break;
	case R_NONE:
		ok = FALSE;
		break;
	}
	skw_end(&w);
	return ok ? t->sk : NULL;
}

GString *upki_prefilter_skeleton_utf8(const upki_prefilter *pf, const char *s, gsize n)
{
	fold_tables *t = tables_for(pf);
	skw w;

	skw_start(&w, t->sk, n);
	sk_utf8(pf, t, &w, s, n);
	skw_end(&w);
	return t->sk;
}

void upki_prefilter_marker_chars(upki_prefilter *pf, const char *skeleton)
{
	for (const char *p = skeleton; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (!is_marker_char(pf, c))
			g_array_append_val(pf->chars, c);
	}
}

/* classify.c - which notice a message claims to be, from its subject,
 * sender and body markers.
 *
 * Two readings of a subject: the exact one (the service's tag, then a
 * title, as the service writes them) names a kind; the folded one (NFKC,
 * case folded, white space and invisible characters dropped) catches the
 * look-alikes a phisher writes ("［ＵＰＫＩ］", "【UPKI】", no tag at all).
 * Folding is only ever used to raise suspicion, never to accept.
 */
#include <string.h>

#include "upki/classify.h"
#include "text-private.h"
#include "classify-private.h"
#include "tpool-private.h"

/* White space runs (ASCII and U+3000, E3 80 80 in UTF-8) become one
 * ASCII space; trimmed.  Byte by byte: s is valid UTF-8, and no other
 * character's encoding contains these bytes at a character start. */
static char *collapse_space(const char *s)
{
	char *out = g_malloc(strlen(s) + 1), *o = out;
	gboolean space = FALSE;

	for (const char *p = s; *p;) {
		gsize n = (guchar)p[0] == 0xe3 && (guchar)p[1] == 0x80 && (guchar)p[2] == 0x80 ? 3
			  : g_ascii_isspace(*p) ? 1 : 0;
		if (n) {
			space = TRUE;
			p += n;
			continue;
		}
		if (space && o > out)
			*o++ = ' ';
		space = FALSE;
		n = (gsize)(g_utf8_next_char(p) - p);
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

/* Characters that NFKC and case folding leave alone, that are no white
 * space or format character, and that compose with nothing that
 * follows when the next character is one of these too: ASCII but for
 * letters and white space (handled apart), kana, CJK punctuation and
 * unified ideographs.  Most subjects are made of these only, and fold()
 * then needs no normalisation (test-classify checks every one of them
 * against the slow path). */
static gboolean fold_stable(gunichar c)
{
	/* U+302A-302F are combining tone marks: out. */
	return (c >= 0x3001 && c <= 0x3029) || (c >= 0x3030 && c <= 0x3035) ||
	       (c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fa) ||
	       (c >= 0x30fc && c <= 0x30fe) || (c >= 0x4e00 && c <= 0x9fff);
}

/* fold() of text made of ASCII and fold_stable() characters only:
 * NFKC changes no ASCII string, case folding is tolower, and the only
 * ASCII white space g_unichar_isspace() knows is " \t\n\r\f".  FALSE
 * (out undefined) for any other text. */
gboolean upki_classify_fold_fast(const char *s, GString *out)
{
	gsize start = out->len, n = strlen(s);
	char *o = NULL;

	/* Folding never lengthens such text: write in place, trim at the end. */
	g_string_set_size(out, start + n);
	o = out->str + start;
	for (const char *p = s; *p;) {
		guchar c = (guchar)*p;
		if (c < 0x80) {
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f')
				*o++ = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : (char)c;
			p++;
			continue;
		}
		/* Every fold_stable() character takes three bytes in UTF-8. */
		if ((c & 0xf0) != 0xe0 || ((guchar)p[1] & 0xc0) != 0x80 || ((guchar)p[2] & 0xc0) != 0x80)
			return FALSE;
		gunichar u = ((gunichar)(c & 0x0f) << 12) | ((gunichar)((guchar)p[1] & 0x3f) << 6) |
			     ((guchar)p[2] & 0x3f);
		if (!fold_stable(u))
			return FALSE;
		memcpy(o, p, 3);
		o += 3;
		p += 3;
	}
	g_string_truncate(out, (gsize)(o - out->str));
	return TRUE;
}

/* NFKC + case fold, then without white space or invisible (format)
 * characters, so "Ｒｅ：", "client  certificate" and a zero-width
 * joiner inside a title all compare equal to the plain text.  s is
 * valid UTF-8. */
char *upki_classify_fold_slow(const char *s)
{
	char *norm = upki_text_normalize(s, -1, G_NORMALIZE_ALL_COMPOSE); /* linear on runs of combining marks */
	char *cf = g_utf8_casefold(norm ? norm : "", -1);
	GString *out = g_string_sized_new(strlen(cf));

	for (const char *p = cf; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c) || g_unichar_type(c) == G_UNICODE_FORMAT)
			continue;
		g_string_append_unichar(out, c);
	}
	g_free(norm);
	g_free(cf);
	return g_string_free(out, FALSE);
}

static char *fold(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));

	if (upki_classify_fold_fast(s, out))
		return g_string_free(out, FALSE);
	g_string_free(out, TRUE);
	return upki_classify_fold_slow(s);
}

/* ---- the profile's strings, folded once ---- */

/* Folding a title costs more than reading a subject, and every subject
 * is compared with every title and reply marker, so each thread keeps
 * the folded strings of the last profile it classified with.  The cache
 * holds copies of the raw strings and checks them against the profile
 * on every call (a few strcmp): a profile edited, or freed and another
 * allocated at the same address (the milter's reload), is refolded,
 * never read stale.  Per thread, so no lock; GPrivate frees it when a
 * GThread ends. */
typedef struct folded_set {
	GPtrArray *raw;    /* char*: reply prefixes, then each kind's titles */
	GPtrArray *folded; /* char*: fold() of raw, same order */
	guint n_reply;
	guint title_end[UPKI_KIND_COUNT]; /* kind k's titles end here in raw */
} folded_set;

static void folded_free(gpointer data)
{
	folded_set *f = data;

	if (!f)
		return;
	g_ptr_array_unref(f->raw);
	g_ptr_array_unref(f->folded);
	g_free(f);
}

/* The set outlives its thread (tpool-private.h): folded_get() checks
 * it against the profile on every call. */
UPKI_TPOOL_DEFINE(folded_pool, folded_release, folded_free)

static GPrivate folded_cache = G_PRIVATE_INIT(folded_release);

static void folded_add(folded_set *f, const char *raw)
{
	g_ptr_array_add(f->raw, g_strdup(raw));
	g_ptr_array_add(f->folded, fold(raw));
}

static folded_set *folded_new(const upki_profile *p)
{
	folded_set *f = g_new0(folded_set, 1);

	f->raw = g_ptr_array_new_with_free_func(g_free);
	f->folded = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < p->reply_prefixes->len; i++)
		folded_add(f, g_ptr_array_index(p->reply_prefixes, i));
	f->n_reply = f->raw->len;
	for (int k = 1; k < UPKI_KIND_COUNT; k++) {
		for (guint i = 0; i < p->subjects[k]->len; i++)
			folded_add(f, g_ptr_array_index(p->subjects[k], i));
		f->title_end[k] = f->raw->len;
	}
	return f;
}

/* Where kind k's titles start in f. */
static guint title_start(const folded_set *f, int k)
{
	return k == 1 ? f->n_reply : f->title_end[k - 1];
}

static gboolean same_strings(const folded_set *f, guint from, guint to, const GPtrArray *list)
{
	if (to - from != list->len)
		return FALSE;
	for (guint i = 0; i < list->len; i++)
		if (strcmp(g_ptr_array_index(f->raw, from + i), g_ptr_array_index(list, i)) != 0)
			return FALSE;
	return TRUE;
}

static gboolean folded_fits(const folded_set *f, const upki_profile *p)
{
	if (!same_strings(f, 0, f->n_reply, p->reply_prefixes))
		return FALSE;
	for (int k = 1; k < UPKI_KIND_COUNT; k++)
		if (!same_strings(f, title_start(f, k), f->title_end[k], p->subjects[k]))
			return FALSE;
	return TRUE;
}

/* The folded strings of p, for this thread. */
static const folded_set *folded_get(const upki_profile *p)
{
	folded_set *f = g_private_get(&folded_cache);

	if (!f) {
		f = upki_tpool_take(&folded_pool);
		g_private_set(&folded_cache, f);
	}
	if (f && folded_fits(f, p))
		return f;
	folded_free(f);
	f = folded_new(p);
	g_private_set(&folded_cache, f);
	return f;
}

/* TRUE when prefix (text before the tag or title) holds a reply or
 * forward marker.  Markers that start with a letter must start a word,
 * so a list tag like "[share:12]" is no "re:". */
static gboolean has_reply_marker(const char *prefix, const folded_set *fp)
{
	char *f = fold(prefix);
	gboolean found = FALSE;

	for (guint i = 0; i < fp->n_reply && !found; i++) {
		const char *m = g_ptr_array_index(fp->folded, i);
		for (const char *hit = *m ? strstr(f, m) : NULL; hit && !found; hit = strstr(hit + 1, m)) {
			gboolean wordlike = g_ascii_isalnum(m[0]);
			found = !wordlike || hit == f || !g_ascii_isalnum(hit[-1]);
		}
	}
	g_free(f);
	return found;
}

/* Longest title of any kind that s starts with (ASCII case ignored). */
static upki_kind title_at(const char *s, const upki_profile *p, gsize *len)
{
	upki_kind best = UPKI_KIND_NONE;

	*len = 0;
	for (int k = 1; k < UPKI_KIND_COUNT; k++) {
		for (guint i = 0; i < p->subjects[k]->len; i++) {
			const char *t = g_ptr_array_index(p->subjects[k], i);
			gsize n = strlen(t);
			if (n > *len && g_ascii_strncasecmp(s, t, n) == 0) {
				best = (upki_kind)k;
				*len = n;
			}
		}
	}
	return best;
}

/* The service's own form: a tag, optional spaces, a title.  Returns the
 * kind and where the tag starts.  Each tag is looked for with strstr
 * (most subjects hold none), the first position that starts a title
 * after a tag wins. */
static upki_kind exact_match(const char *s, const upki_profile *p, gsize *tag_at)
{
	upki_kind best = UPKI_KIND_NONE;

	for (guint i = 0; i < p->tags->len; i++) {
		const char *tag = g_ptr_array_index(p->tags, i);
		gsize n = strlen(tag), tlen = 0;
		if (!n)
			continue;
		for (const char *q = strstr(s, tag); q; q = strstr(q + 1, tag)) {
			if (best != UPKI_KIND_NONE && (gsize)(q - s) >= *tag_at)
				break;
			const char *after = q + n;
			while (*after == ' ')
				after++;
			upki_kind k = title_at(after, p, &tlen);
			if (k != UPKI_KIND_NONE) {
				best = k;
				*tag_at = (gsize)(q - s);
				break;
			}
		}
	}
	return best;
}

/* Any title, folded, anywhere in the folded subject; longest wins.
 * Returns the kind and where (in folded) the title starts. */
static upki_kind folded_match(const char *subject, const folded_set *fp, gsize *at)
{
	upki_kind best = UPKI_KIND_NONE;
	gsize best_len = 0;

	for (int k = 1; k < UPKI_KIND_COUNT; k++) {
		for (guint i = title_start(fp, k); i < fp->title_end[k]; i++) {
			const char *t = g_ptr_array_index(fp->folded, i);
			const char *hit = *t ? strstr(subject, t) : NULL;
			if (hit && strlen(t) > best_len) {
				best = (upki_kind)k;
				best_len = strlen(t);
				*at = (gsize)(hit - subject);
			}
		}
	}
	return best;
}

upki_subject_match upki_classify_subject(const char *subject, const upki_profile *p)
{
	upki_subject_match r = { UPKI_KIND_NONE, FALSE, FALSE };
	char *valid = NULL, *s = NULL, *folded = NULL;
	const folded_set *fp = NULL;
	gsize at = 0;

	if (!subject || !p)
		return r;
	fp = folded_get(p);
	valid = g_utf8_make_valid(subject, -1);
	s = collapse_space(valid);
	r.kind = exact_match(s, p, &at);
	if (r.kind != UPKI_KIND_NONE) {
		char *prefix = g_strndup(s, at);
		r.reply = has_reply_marker(prefix, fp);
		g_free(prefix);
		goto out;
	}
	folded = fold(s);
	r.kind = folded_match(folded, fp, &at);
	if (r.kind == UPKI_KIND_NONE)
		goto out;
	r.lookalike = TRUE;
	folded[at] = '\0';
	r.reply = has_reply_marker(folded, fp);
out:
	g_free(valid);
	g_free(s);
	g_free(folded);
	return r;
}

gboolean upki_classify_is_sender(const char *addr, const upki_profile *p)
{
	return addr && p && p->sender && g_ascii_strcasecmp(addr, p->sender) == 0;
}

/* Comments, quotes, backslashes and white space dropped, lower case:
 * "ca-support"@..., ca-support(x)@... and a folded ca-support @ ... all
 * read as the bare address; a display name stays as text around it. */
static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static char *flatten_address(const char *raw, gsize len)
{
	char *flat = g_malloc(len + 1), *o = flat;
	gboolean quoted = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		char ch = raw[i];

		if (ch == '\\' && i + 1 < len) {
			i++;
			if (!depth)
				*o++ = lower(raw[i]);
		} else if (ch == '"' && !depth) {
			quoted = !quoted;
		} else if (ch == '(' && !quoted) {
			depth++;
		} else if (ch == ')' && !quoted && depth) {
			depth--;
		} else if (!depth && !g_ascii_isspace(ch)) {
			*o++ = lower(ch);
		}
	}
	*o = '\0';
	return flat;
}

gboolean upki_classify_from_may_be_sender(const char *raw, gsize len, const upki_profile *p)
{
	/* p->sender is lower case (profile.h), as flat is. */
	const char *sender = p ? p->sender : NULL;
	const char *at = sender ? strchr(sender, '@') : NULL;
	gsize local_len = at ? (gsize)(at - sender) : (sender ? strlen(sender) : 0);
	char *flat = NULL;
	gsize flen = 0;
	gboolean maybe = FALSE;

	if (!raw || !sender || !*sender)
		return FALSE;
	flat = flatten_address(raw, len);
	flen = strlen(flat);
	maybe = strstr(flat, "?=@") != NULL || (local_len && memmem(flat, flen, sender, local_len)) ||
		(at && at[1] && strstr(flat, at + 1));
	g_free(flat);
	return maybe;
}


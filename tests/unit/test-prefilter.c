/* test-prefilter.c - parser/prefilter.c: the header stage, the text rule
 * and the contract.  (The MIME walk over raw bytes: test-prefilter-walk.c;
 * skeletons of Japanese bytes: test-prefilter-fold.c.)
 *
 * The rows say what the prefilter must answer for small messages; the
 * differential tests hold it to its contract on every sample, the real
 * notices (skipped when absent) and some four thousand generated
 * variants (prefilter-variants.h): whatever the full pipeline calls
 * genuine or suspicious, the prefilter must not rule out.  They also
 * count how much ordinary mail it does rule out, so that a prefilter
 * saying "may matter" to everything fails too.
 */
#include <string.h>

#include "upki/mime.h"
#include "upki/notice.h"
#include "upki/prefilter.h"
#include "prefilter-variants.h"
#include "test-prefilter-util.h"

static upki_smime_verifier *test_ca;

static const pf_row rows[] = {
	{ "ordinary", H "\nsee https://www.example.org/\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "host-plain", H "\nhttps://scia.secomtrust.net.evil/x\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "marker-folded-line", H "\nhttps://secom\n   trust.example/\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "token-only", H "\nhttps://evil.example/a?p1=abc\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "punycode", H "\nhttps://xn--80ak6aa92e.com/\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "label", H "Content-Type: text/plain; charset=utf-8\n\n証明書取得ＵＲＬ\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "subject-reply", "From: a@example.org\nSubject: Re: [UPKI] クライアント証明書発行受付通知\n\nhi\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_SUBJECT },
	{ "subject-lookalike", "From: a@example.org\nSubject: 【UPKI】クライアント証明書発行受付通知\n\nhi\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_SUBJECT },
	{ "from-sender", "From: CA <ca-support@ml.secom-sts.co.jp>\nSubject: hello\n\nhi\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_FROM },
	{ "two-subjects", H "Subject: other\n\nhi\n", UPKI_PREFILTER_MAY, UPKI_PF_HEADER_BLOCK },
	{ "html-split-by-tag", H "Content-Type: text/html\n\n<a href=\"https://e.example/\">scia.<b>x</b></a>\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_HTML_LINK },
	{ "html-entity", H "Content-Type: text/html\n\n<a href=\"https://&#115;cia.example/\">x</a>\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_HTML_LINK },
	{ "html-ordinary", H "Content-Type: text/html\n\n<a href=\"https://www.example.org/\">news</a>\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
};

static void test_headers_stage(void)
{
	const char *m = H "\nscia.\n", *s = "From: ca-support@ml.secom-sts.co.jp\n\n";
	upki_prefilter_result r = upki_prefilter_headers(pf, m, strlen(m));
	g_assert_cmpint(r.verdict, ==, UPKI_PREFILTER_BODY);
	r = upki_prefilter_headers(pf, s, strlen(s));
	g_assert_cmpint(r.verdict, ==, UPKI_PREFILTER_MAY);
}

typedef struct { guint total, notices, ruled_out, ordinary; } tally;

/* The contract on one message; counts how often NO was said. */
static void hold_contract(const char *name, const char *buf, gsize len, tally *t)
{
	upki_options o = { .profile = profile, .verifier = test_ca, .verify_time = UPKI_VERIFY_AT_NOW };
	upki_prefilter_result r = upki_prefilter_message(pf, buf, len);
	upki_notice *n = upki_notice_analyze(buf, len, &o, NULL);
	gboolean matters = n && n->verdict != UPKI_VERDICT_NOT_NOTICE;

	t->total++;
	t->notices += matters;
	t->ordinary += n && !matters;
	t->ruled_out += r.verdict == UPKI_PREFILTER_NO;
	if (matters && r.verdict == UPKI_PREFILTER_NO)
		g_error("%s: %s by the pipeline but ruled out by the prefilter", name,
			upki_verdict_to_string(n->verdict));
	upki_notice_free(n);
}

static void hold_on_dir(const char *dir, tally *t)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e = NULL;

	while (d && (e = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, e, NULL), *buf = NULL;
		gsize len = 0;
		if ((g_str_has_suffix(e, ".eml") || g_str_has_suffix(e, ".txt")) &&
		    g_file_get_contents(path, &buf, &len, NULL)) {
			char *crlf = test_crlf(buf);
			hold_contract(path, buf, len, t);
			hold_contract(path, crlf, strlen(crlf), t);
			g_free(crlf);
		}
		g_free(buf);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
}

static void test_samples(void)
{
	tally t = { 0 };

	hold_on_dir("samples", &t);
	g_assert_cmpuint(t.notices, >, 20);
	g_assert_cmpuint(t.ruled_out, >, 0); /* plain-*.eml */
}

static void test_real(void)
{
	const char *d = g_getenv("UPKI_SHARED_SAMPLES");
	tally t = { 0 };

	hold_on_dir(d ? d : "../shared/upki-samples", &t);
	if (!t.total)
		g_test_skip("real notices not found (../shared/upki-samples absent)");
}

static void test_variants(void)
{
	GPtrArray *vs = variants_make();
	tally t = { 0 };

	for (guint i = 0; i < vs->len; i++) {
		const variant *v = g_ptr_array_index(vs, i);
		hold_contract(v->name, v->msg->str, v->msg->len, &t);
	}
	g_test_message("%u variants: %u genuine or suspicious, %u not-notice, %u ruled out",
		       t.total, t.notices, t.ordinary, t.ruled_out);
	g_assert_cmpuint(t.total, >, 3000);
	g_assert_cmpuint(t.notices, >, t.total / 2);
	/* the ordinary payload must mostly be ruled out, not all sent on */
	g_assert_cmpuint(t.ruled_out, >=, t.ordinary / 2);
	g_ptr_array_unref(vs);
}

/* upki_notice_analyze_prefiltered(): the verdict and header fields of
 * upki_notice_analyze() on every sample; with ruled_out_fields FALSE a
 * ruled-out message has no fields; pf NULL is the full pipeline. */
static void same_fields(const char *name, const upki_notice *a, const upki_notice *b)
{
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	if (a->verdict != b->verdict || a->kind != b->kind || g_strcmp0(a->subject, b->subject) ||
	    g_strcmp0(a->from, b->from) || g_strcmp0(a->message_id, b->message_id) || g_strcmp0(a->date, b->date))
		g_error("%s: the prefiltered analysis differs from the full one", name);
}

static void analyze_both(const char *name, const char *buf, gsize len, guint *ruled_out)
{
	upki_options o = { .profile = profile, .verifier = test_ca, .verify_time = UPKI_VERIFY_AT_NOW,
			   .ruled_out_fields = TRUE };
	upki_notice *full = upki_notice_analyze(buf, len, &o, NULL);
	upki_notice *quick = NULL, *bare = NULL, *none = NULL;

	if (!full)
		return;
	quick = upki_notice_analyze_prefiltered(pf, buf, len, &o, NULL);
	none = upki_notice_analyze_prefiltered(NULL, buf, len, &o, NULL);
	o.ruled_out_fields = FALSE;
	bare = upki_notice_analyze_prefiltered(pf, buf, len, &o, NULL);
	same_fields(name, full, quick);
	same_fields(name, full, none);
	g_assert_cmpint(bare->verdict, ==, full->verdict);
	g_assert_cmpint(bare->kind, ==, full->kind);
	if (upki_prefilter_message(pf, buf, len).verdict == UPKI_PREFILTER_NO) {
		(*ruled_out)++;
		g_assert_null(quick->sig);
		g_assert_null(bare->subject);
		g_assert_null(bare->from);
	}
	upki_notice_free(full);
	upki_notice_free(quick);
	upki_notice_free(none);
	upki_notice_free(bare);
}

static void test_analyze_prefiltered(void)
{
	GDir *d = g_dir_open("samples", 0, NULL);
	const char *e = NULL, *big = H "\nhello\n";
	upki_options o = { .profile = profile, .verifier = test_ca, .max_size = 8 };
	GError *err = NULL;
	guint ruled_out = 0;

	g_assert_nonnull(d);
	while ((e = g_dir_read_name(d))) {
		char *path = g_build_filename("samples", e, NULL), *buf = NULL;
		gsize len = 0;
		if (g_str_has_suffix(e, ".eml") && g_file_get_contents(path, &buf, &len, NULL)) {
			char *crlf = test_crlf(buf);
			analyze_both(path, buf, len, &ruled_out);
			analyze_both(path, crlf, strlen(crlf), &ruled_out);
			g_free(crlf);
		}
		g_free(buf);
		g_free(path);
	}
	g_dir_close(d);
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
		analyze_both(rows[i].name, rows[i].msg, strlen(rows[i].msg), &ruled_out);
	g_assert_cmpuint(ruled_out, >, 0);
	/* over max_size: the full pipeline's error, prefilter or not */
	g_assert_null(upki_notice_analyze_prefiltered(pf, big, strlen(big), &o, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TOO_LARGE);
	g_clear_error(&err);
}

int main(int argc, char **argv)
{
	GError *err = NULL;

	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	profile = upki_profile_new_default();
	pf = upki_prefilter_new(profile);
	test_ca = upki_smime_verifier_new("samples/ca/root.pem", NULL, &err);
	g_assert_no_error(err);
	TEST_ADD_ROWS("/prefilter/row", rows, name, test_pf_row);
	g_test_add_func("/prefilter/headers-stage", test_headers_stage);
	g_test_add_func("/prefilter/contract/samples", test_samples);
	g_test_add_func("/prefilter/contract/real", test_real);
	g_test_add_func("/prefilter/contract/variants", test_variants);
	g_test_add_func("/prefilter/analyze-prefiltered", test_analyze_prefiltered);
	int rc = g_test_run();
	upki_smime_verifier_free(test_ca);
	upki_prefilter_free(pf);
	upki_profile_free(profile);
	return rc;
}

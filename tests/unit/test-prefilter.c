/* test-prefilter.c - parser/prefilter.c and prefilter-walk.c.
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
#include "test-util.h"

static upki_profile *profile;
static upki_prefilter *pf;
static upki_smime_verifier *test_ca;

typedef struct {
	const char *name;
	const char *msg;
	upki_prefilter_verdict verdict;
	upki_prefilter_why why;
} pf_row;

#define H "From: a@example.org\nSubject: hello\n"
#define H_MIXED H "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
#define H_SJIS H "Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n"
#define H_EUC H "Content-Type: text/plain; charset=EUC-JP\nContent-Transfer-Encoding: 8bit\n\n"
#define H_JIS H "Content-Type: text/plain; charset=ISO-2022-JP\n\n"

static const pf_row rows[] = {
	{ "ordinary", H "\nsee https://www.example.org/\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "host-plain", H "\nhttps://scia.secomtrust.net.evil/x\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "host-fullwidth", H "Content-Type: text/plain; charset=utf-8\n\nｓｃｉａ．ｅｘａｍｐｌｅ\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "host-cyrillic", H "Content-Type: text/plain; charset=utf-8\n\nhttps://\xd1\x95\xd1\x81\xd1\x96\xd0\xb0.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "marker-folded-line", H "\nhttps://secom\n   trust.example/\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "base64-other-case", H "Content-Transfer-Encoding: base64\n\naHR0cHM6Ly9TQ0lBLmV4YW1wbGUv\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER }, /* https://SCIA.example/ */
	{ "qp-cut-marker", H "Content-Transfer-Encoding: quoted-printable\n\nhttps://sc=\nia.example/=3D\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "token-only", H "\nhttps://evil.example/a?p1=abc\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	/* what mime.c reads too: any text subtype, UTF-16, hidden controls */
	{ "text-enriched", H "Content-Type: text/enriched\n\nhttps://scia.evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "utf-16", H "Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: base64\n\n"
	  "aAB0AHQAcABzADoALwAvAHMAYwBpAGEALgB4AC8A\n", UPKI_PREFILTER_MAY, UPKI_PF_MARKER }, /* https://scia.x/ */
	{ "zero-width-in-host", H "Content-Type: text/plain; charset=utf-8\n\nhttps://sc\xe2\x80\x8bia.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
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
	{ "pdf-attachment-skipped", H_MIXED "--b\nContent-Type: text/plain\n\nhi\n--b\n"
	  "Content-Type: application/pdf\n\nscia.secomtrust.net\n--b--\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "epilogue-skipped", H_MIXED "--b\n\nhi\n--b--\nscia.\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "forwarded", H_MIXED "--b\nContent-Type: message/rfc822\n\nSubject: x\n\nhttps://scia.x/\n--b--\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "html-split-by-tag", H "Content-Type: text/html\n\n<a href=\"https://e.example/\">scia.<b>x</b></a>\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_HTML_LINK },
	{ "html-entity", H "Content-Type: text/html\n\n<a href=\"https://&#115;cia.example/\">x</a>\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_HTML_LINK },
	{ "html-ordinary", H "Content-Type: text/html\n\n<a href=\"https://www.example.org/\">news</a>\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "opaque", H "Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
	  "Content-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n", UPKI_PREFILTER_MAY, UPKI_PF_OPAQUE },
	{ "utf7", H "Content-Type: text/plain; charset=utf-7\n\n+AHM-cia.example\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "near-delimiter", H_MIXED "--b\n\nhi\n--bx\n\nscia.\n--b--\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "no-delimiter", H_MIXED "scia.\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "charset-2231", H "Content-Type: text/plain; charset*=utf-8''x\n\nhi\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "uuencode", H "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n", UPKI_PREFILTER_MAY, UPKI_PF_ENCODING },
	{ "not-a-field", H "garbage line\n\nhi\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	/* prefilter-fold.c reads these without converting: each must still be seen */
	{ "sjis-fullwidth", H_SJIS "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-fullwidth", H_EUC "\xa3\xf3\xa3\xe3\xa3\xe9\xa3\xe1\xa1\xa5\xa3\xe5\xa3\xf8\xa3\xe1\xa3\xed\xa3\xf0\xa3\xec\xa3\xe5\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-fullwidth", H_JIS "\x1b$B#s#c#i#a!%#e#x#a#m#p#l#e\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-fullwidth-token", H_SJIS "\x82\x88\x82\x94\x82\x94\x82\x90\x82\x93\x81" "F\x81^\x81^\x82\x85\x82\x96\x82\x89\x82\x8c\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\x81^\x82\x81\x81H\x82\x90\x82P\x81\x81\x82\x98\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-fullwidth-token", H_EUC "\xa3\xe8\xa3\xf4\xa3\xf4\xa3\xf0\xa3\xf3\xa1\xa7\xa1\xbf\xa1\xbf\xa3\xe5\xa3\xf6\xa3\xe9\xa3\xec\xa1\xa5\xa3\xe5\xa3\xf8\xa3\xe1\xa3\xed\xa3\xf0\xa3\xec\xa3\xe5\xa1\xbf\xa3\xe1\xa1\xa9\xa3\xf0\xa3\xb1\xa1\xe1\xa3\xf8\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-fullwidth-token", H_JIS "\x1b$B#h#t#t#p#s!'!\x3f!\x3f#e#v#i#l!%#e#x#a#m#p#l#e!\x3f#a!)#p#1!a#x\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-cyrillic", H_SJIS "https://s\x84\x83i\x84p.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-cyrillic", H_EUC "https://s\xa7\xe3i\xa7\xd1.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-cyrillic", H_JIS "https://s\x1b$B'c\x1b(Bi\x1b$B'Q\x1b(B.x/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-greek", H_SJIS "https://x.sec\x83\xcdmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-greek", H_EUC "https://x.sec\xa6\xcfmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-greek", H_JIS "https://x.sec\x1b$B&O\x1b(Bmtrust.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-label", H_SJIS "\x8f\xd8\x96\xbe\x8f\x91\x8e\xe6\x93\xbe\x82t\x82q\x82k\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-label", H_EUC "\xbe\xda\xcc\xc0\xbd\xf1\xbc\xe8\xc6\xc0\xa3\xd5\xa3\xd2\xa3\xcc\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-label", H_JIS "\x1b$B>ZL@=q<hF@#U#R#L\x1b(B\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "sjis-ordinary", H_SJIS "\x82\xa8\x92m\x82\xe7\x82\xb9\x81" "F\x89\xef\x8b" "c\x82\xcd\x96\xbe\x93\xfa\x82\xc5\x82\xb7\x81" "B\x82\xe6\x82\xeb\x82\xb5\x82\xad\x82\xa8\x8a\xe8\x82\xa2\x82\xb5\x82\xdc\x82\xb7\x81" "B\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "euc-ordinary", H_EUC "\xa4\xaa\xc3\xce\xa4\xe9\xa4\xbb\xa1\xa7\xb2\xf1\xb5\xc4\xa4\xcf\xcc\xc0\xc6\xfc\xa4\xc7\xa4\xb9\xa1\xa3\xa4\xe8\xa4\xed\xa4\xb7\xa4\xaf\xa4\xaa\xb4\xea\xa4\xa4\xa4\xb7\xa4\xde\xa4\xb9\xa1\xa3\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "jis-ordinary", H_JIS "\x1b$B$*CN$i$;!'2q5D$OL@F|$G$9!#$h$m$7$/$*4j$$$7$^$9!#\x1b(B\nhttps://www.example.ac.jp/\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "sjis-halfwidth-label", H_SJIS "\xb1\xb8\xbe\xbdPIN\x8e\xe6\x93\xbeURL\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "euc-halfwidth-label", H_EUC "\x8e\xb1\x8e\xb8\x8e\xbe\x8e\xbdPIN\xbc\xe8\xc6\xc0URL\nhttps://evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-sjis-fullwidth", H "\n" "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x85\x82\x98\x82\x81\x82\x8d\x82\x90\x82\x8c\x82\x85\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-jis-fullwidth", H "\n" "\x1b$B#s#c#i#a!%#e#x#a#m#p#l#e\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "unlabelled-jis-ordinary", H "\n" "\x1b$B$*CN$i$;!'2q5D$OL@F|$G$9!#\x1b(B\n",
	  UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "sjis-unassigned-code", H_SJIS "\x85\x40" "\x82\x93\x82\x83\x82\x89\x82\x81\x81" "D\x82\x98\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "jis-roman-designation", H_JIS "\x1b(Jhttps://sc~ia.x/\x1b(B\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
};

static void test_row(gconstpointer data)
{
	const pf_row *r = data;
	for (int crlf = 0; crlf < 2; crlf++) {
		char *msg = crlf ? test_crlf(r->msg) : g_strdup(r->msg);
		upki_prefilter_result got = upki_prefilter_message(pf, msg, strlen(msg));
		g_assert_cmpstr(upki_prefilter_why_to_string(got.why), ==, upki_prefilter_why_to_string(r->why));
		g_assert_cmpint(got.verdict, ==, r->verdict);
		g_free(msg);
	}
}

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
	TEST_ADD_ROWS("/prefilter/row", rows, name, test_row);
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

/* test-mime.c - parser/mime.c: the real notices, what is a message, text
 * parts, structural ambiguity and limits, and hostile input that must not
 * crash.  The signed half of mime.c: test-mime-signed.c; charsets:
 * test-charset.c; header facts: test-mime-headers.c. */
#include <string.h>

#include <glib/gstdio.h>

#include "upki/error.h"
#include "upki/mime.h"
#include "upki/reason.h"
#include "test-util.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *samples_dir(void)
{
	const char *env = g_getenv("UPKI_SHARED_SAMPLES");
	return env && *env ? env : "../shared/upki-samples";
}

static upki_mime *parse_ok(const char *msg, gssize len)
{
	GError *err = NULL;
	upki_mime *m = upki_mime_parse(msg, len < 0 ? strlen(msg) : (gsize)len, &err);

	g_assert_no_error(err);
	g_assert_nonnull(m);
	return m;
}

static const upki_text *text_at(const upki_mime *m, guint i)
{
	g_assert_cmpuint(i, <, m->texts->len);
	return g_ptr_array_index(m->texts, i);
}

static const upki_signed *signed_at(const upki_mime *m, guint i)
{
	g_assert_cmpuint(i, <, m->signeds->len);
	return g_ptr_array_index(m->signeds, i);
}

static char *lf_only(const char *s, gsize len, gsize *out_len)
{
	GString *o = g_string_sized_new(len);

	for (gsize i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			g_string_append_c(o, s[i]);
	*out_len = o->len;
	return g_string_free(o, FALSE);
}

/* ---- the real notices ------------------------------------------------- */

/* url: the README gives one (read by test_real_url, not copied here). */
static const struct {
	const char *file, *subject;
	gboolean url;
	const char *label, *date;
} samples[] = {
	{ "cert-issue-1.eml",
	  "[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue acceptance notice",
	  TRUE,
	  "証明書取得URL：", "2019-03-19T14:22:04+09:00" },
	{ "cert-issue-2.eml",
	  "[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue acceptance notice",
	  TRUE,
	  "証明書取得URL：", "2019-03-19T16:58:04+09:00" },
	{ "pin-issue-1.eml", "[UPKI] アクセスPIN発行通知",
	  TRUE,
	  NULL, "2018-03-18T16:32:04+09:00" },
	{ "pin-issue-all-1.eml", "[UPKI] アクセスPIN発行通知",
	  TRUE,
	  NULL, "2019-03-19T14:22:04+09:00" },
	{ "cert-retrieved-1.eml", "[UPKI] クライアント証明書取得通知", FALSE, "5924805414806849689",
	  "2018-03-18T16:36:04+09:00" },
	{ "cert-revoked-1.eml",
	  "[UPKI] クライアント証明書失効完了通知 / [UPKI] client certificate revocation completion notification",
	  FALSE, "7082414538221694988", "2018-03-26T22:08:04+09:00" },
};

static void check_sample(const char *buf, gsize len, guint i, GBytes **content)
{
	upki_mime *m = parse_ok(buf, (gssize)len);

	g_assert_cmpstr(m->subject, ==, samples[i].subject);
	g_assert_cmpstr(m->from_addr, ==, "ca-support@ml.secom-sts.co.jp");
	g_assert_cmpstr(m->from_name, ==, "CAサポートセンター");
	g_assert_cmpuint(m->from_count, ==, 1);
	g_assert_nonnull(m->message_id);
	g_assert_null(strchr(m->message_id, '<'));
	g_assert_nonnull(m->date);
	char *iso = g_date_time_format(m->date, "%Y-%m-%dT%H:%M:%S%:z");
	g_assert_cmpstr(iso, ==, samples[i].date);
	g_free(iso);
	g_assert_cmpuint(m->signeds->len, ==, 1);
	const upki_text *t = text_at(m, 0);
	g_assert_cmpint(t->signed_by, ==, 0);
	g_assert_false(t->is_html);
	g_assert_null(strchr(t->text, '\r'));
	if (samples[i].url) {
		char *url = test_real_url(samples_dir(), samples[i].file);
		g_assert_nonnull(url);
		g_assert_nonnull(strstr(t->text, url));
		g_free(url);
	}
	if (samples[i].label)
		g_assert_nonnull(strstr(t->text, samples[i].label));
	const upki_signed *s = signed_at(m, 0);
	g_assert_false(s->opaque);
	g_assert_nonnull(s->content);
	g_assert_cmpuint(g_bytes_get_size(s->signature), >, 1000);
	gsize n = 0;
	const char *c = g_bytes_get_data(s->content, &n);
	g_assert_true(g_str_has_prefix(c, "Content-Type: text/plain; charset=iso-2022-jp\r\n"));
	g_assert_cmpint(c[n - 1], !=, '\n');
	if (test_have_openssl())
		g_assert_true(test_openssl_verifies(s->content, s->signature));
	*content = g_bytes_ref(s->content);
	upki_mime_free(m);
}

static void test_samples(void)
{
	char *dir = g_build_filename(samples_dir(), NULL);

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		char *msg = g_strdup_printf("reference samples not found at %s (set UPKI_SHARED_SAMPLES)", dir);
		g_test_skip(msg);
		g_free(msg);
		g_free(dir);
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(samples); i++) {
		char *path = g_build_filename(dir, samples[i].file, NULL), *buf = NULL, *lf = NULL;
		gsize len = 0, lflen = 0;
		GBytes *crlf_content = NULL, *lf_content = NULL;

		g_test_message("%s", samples[i].file);
		g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
		check_sample(buf, len, i, &crlf_content);
		/* A store that kept LF line ends: same signed bytes. */
		lf = lf_only(buf, len, &lflen);
		check_sample(lf, lflen, i, &lf_content);
		g_assert_true(g_bytes_equal(crlf_content, lf_content));
		g_bytes_unref(crlf_content);
		g_bytes_unref(lf_content);
		g_free(lf);
		g_free(buf);
		g_free(path);
	}
	g_free(dir);
}

static void test_not_message(void)
{
	static const struct { const char *in; gsize len; } rows[] = {
		{ "", 0 },
		{ " \r\n\t\n", 5 },
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16 },
		{ "random text without a colon\nmore\n", 33 },
		{ "Subject: a\0b\n\nbody", 18 },
		{ "\nSubject: late\n", 15 },
		{ ": no name\n", 10 },
		{ "From MAILER-DAEMON Tue Mar 19 2019\n", 35 },
		{ "Na me: value\n", 13 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		GError *err = NULL;
		g_test_message("row %zu", i);
		g_assert_null(upki_mime_parse(rows[i].in, rows[i].len, &err));
		g_assert_error(err, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE);
		g_clear_error(&err);
	}
	GError *err = NULL;
	g_assert_null(upki_mime_parse(NULL, 0, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE);
	g_clear_error(&err);
}

/* ---- text parts ------------------------------------------------------- */

static void test_texts(void)
{
	const char *msg =
		"From: a@example.jp\n"
		"Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
		"--outer\n"
		"Content-Type: multipart/alternative; boundary=alt\n\n"
		"--alt\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: quoted-printable\n\n"
		"=E8=A8=BC=E6=98=8E=E6=9B=B8 https://scia.secomtrust.net/upki-odcert/download/=\n"
		"view/jsp/SPEntranceCliAll.jsp?p1=3Dabc\r\nend\r\n"
		"--alt\n"
		"Content-Type: text/html; charset=shift_jis\n"
		"Content-Transfer-Encoding: base64\n\n"
		"PGI+j9iWvo+RPC9iPg==\n"
		"--alt--\n"
		"--outer\n"
		"Content-Type: text/plain; name=notes.txt\n"
		"Content-Disposition: attachment; filename=notes.txt\n\n"
		"attached file\n"
		"--outer\n"
		"Content-Type: text/plain; charset=iso-2022-jp\n"
		"Content-Disposition: inline; filename=inline.txt\n\n"
		"\033$B>ZL@=q\033(B inline\n"
		"--outer\n"
		"Content-Type: application/octet-stream\n\n"
		"binary\n"
		"--outer\n"
		"Content-Type: message/rfc822\n\n"
		"Subject: inner\n"
		"Content-Type: text/plain; charset=euc-jp\n\n"
		"\xbe\xda\xcc\xc0\xbd\xf1 inner\n"
		"--outer--\n";
	upki_mime *m = parse_ok(msg, -1);

	/* the attachment too: Thunderbird and Apple Mail show it inline */
	/* and the forwarded message's Subject, shown above its body */
	g_assert_cmpuint(m->texts->len, ==, 6);
	g_assert_cmpstr(text_at(m, 0)->text, ==,
			"証明書 https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=abc\nend\n");
	g_assert_false(text_at(m, 0)->is_html);
	g_assert_cmpstr(text_at(m, 1)->text, ==, "<b>証明書</b>");
	g_assert_true(text_at(m, 1)->is_html);
	g_assert_cmpstr(text_at(m, 2)->text, ==, "attached file");
	g_assert_cmpstr(text_at(m, 3)->text, ==, "証明書 inline");
	g_assert_cmpstr(text_at(m, 4)->text, ==, "inner\n");
	g_assert_true(text_at(m, 4)->header);
	g_assert_cmpstr(text_at(m, 5)->text, ==, "証明書 inner");
	for (guint i = 0; i < m->texts->len; i++)
		g_assert_cmpint(text_at(m, i)->signed_by, ==, -1);
	g_assert_cmpuint(m->signeds->len, ==, 0);
	upki_mime_free(m);
}

/* Structural headers and parameters that readers resolve differently. */
typedef struct structure_row {
	const char *name;
	const char *header;  /* top-level header lines before the body */
	gboolean ambiguous;
} structure_row;

static const structure_row structure_rows[] = {
	{ "clean", "Content-Type: multipart/mixed; boundary=\"b\"; charset=x\n", FALSE },
	{ "quoted-semicolon", "Content-Type: multipart/mixed; boundary=\"b\"; x=\"a;boundary=c\"\n", FALSE },
	{ "two-boundaries", "Content-Type: multipart/mixed; boundary=\"b\"; boundary=\"c\"\n", TRUE },
	{ "boundary-case", "Content-Type: multipart/mixed; boundary=b; BOUNDARY=c\n", TRUE },
	{ "rfc2231-boundary", "Content-Type: multipart/mixed; boundary*0=b\n", TRUE },
	{ "two-content-types", "Content-Type: multipart/mixed; boundary=b\nContent-Type: text/plain\n", TRUE },
	{ "two-cte", "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: 7bit\n"
		     "Content-Transfer-Encoding: base64\n", TRUE },
	{ "two-mime-versions", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n", TRUE },
	{ "two-froms", "From: b@example.jp\nContent-Type: multipart/mixed; boundary=b\n", TRUE },
	{ "odd-line", "Content-Type: multipart/mixed; boundary=b\nno colon here\n", TRUE },
	{ "multipart-8bit", "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: 8Bit\n", FALSE },
	{ "multipart-base64", "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n", TRUE },
};

static void test_structure_row(gconstpointer data)
{
	const structure_row *row = data;
	char *msg = g_strconcat("From: a@example.jp\nMIME-Version: 1.0\n", row->header,
				"\n--b\nContent-Type: text/plain\n\nx\n--b--\n", NULL);
	upki_mime *m = parse_ok(msg, -1);

	g_assert_cmpint(!!(m->findings & UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE)), ==, row->ambiguous);
	upki_mime_free(m);
	g_free(msg);
}

/* Each budget: exactly at it nothing is reported, one past it the walk
 * stops there and says so. */
static void test_limits(void)
{
	const char *msg = "From: a@example.jp\nContent-Type: multipart/mixed; boundary=o\n\n"
			  "--o\nContent-Type: multipart/mixed; boundary=i\n\n"
			  "--i\nContent-Type: text/plain\n\n0123456789\n--i--\n"
			  "--o\nContent-Type: text/plain\n\nabcdefghij\n--o--\n";
	static const struct {
		upki_mime_limits lim;
		gboolean too_complex;
		guint texts;
	} rows[] = {
		{ { 0, 0, 0 }, FALSE, 2 },
		{ { 2, 4, 20 }, FALSE, 2 },   /* depth 2, 4 entities, 20 bytes: all read */
		{ { 1, 0, 0 }, TRUE, 1 },     /* the inner text is at depth 2 */
		{ { 0, 3, 0 }, TRUE, 1 },     /* the fourth entity is not read */
		{ { 0, 0, 15 }, TRUE, 2 },    /* the second text is cut */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		GError *err = NULL;
		upki_mime *m = upki_mime_parse_limited(msg, strlen(msg), &rows[i].lim, &err);
		g_assert_no_error(err);
		g_assert_cmpint(!!(m->findings & UPKI_REASON_BIT(UPKI_R_TOO_COMPLEX)), ==, rows[i].too_complex);
		g_assert_cmpuint(m->texts->len, ==, rows[i].texts);
		upki_mime_free(m);
	}
}

/* ---- hostile input ---------------------------------------------------- */

static void parse_any(const char *buf, gsize len)
{
	GError *err = NULL;
	upki_mime *m = upki_mime_parse(buf, len, &err);

	if (m) {
		for (guint i = 0; i < m->texts->len; i++)
			g_assert_true(g_utf8_validate(text_at(m, i)->text, -1, NULL));
		for (guint i = 0; i < m->signeds->len; i++)
			g_assert_nonnull(signed_at(m, i)->signature);
	} else {
		g_assert_error(err, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE);
	}
	g_clear_error(&err);
	upki_mime_free(m);
}

static void test_hostile(void)
{
	static const char *rows[] = {
		"Subject: header only",
		"Subject: header only\n",
		"Subject: no body\n\n",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ntrunc",
		"Content-Type: multipart/mixed\n\n--b\nContent-Type: text/plain\n\nno boundary param\n--b--\n",
		"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\none part only\n--b--\n",
		"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nno end",
		"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: multipart/mixed; boundary=c\n\n--c--\n--b--\n",
		"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\npgp\n--b\nContent-Type: application/pgp-signature\n\nx\n--b--\n",
		"Content-Type: text/plain; charset=\"\"\n\n\xff\xfe\0\0 nul body",
		"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!====****\n",
		"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n=",
		"Content-Type: message/rfc822\n\n",
		"Content-Type: message/rfc822\n\n\0\0\0",
		"From: <<<@@@>>>, ,,, :;\nSubject: =?=?=?\n\n",
		"X: \033$B\033$B\033(I\033$(D\n\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("row %zu", i);
		parse_any(rows[i], strlen(rows[i]) + (strstr(rows[i], "nul body") ? 12 : 0));
	}
	/* One-part multipart/signed: nothing to verify, the text is unsigned. */
	upki_mime *m = parse_ok(rows[5], -1);
	g_assert_cmpuint(m->signeds->len, ==, 0);
	g_assert_cmpuint(m->texts->len, ==, 1);
	g_assert_cmpint(text_at(m, 0)->signed_by, ==, -1);
	upki_mime_free(m);
	/* A second part that is no leaf is no signature. */
	m = parse_ok(rows[7], -1);
	g_assert_cmpuint(m->signeds->len, ==, 0);
	upki_mime_free(m);
}

static void test_hostile_sizes(void)
{
	GString *s = g_string_new("Subject: ");
	upki_mime *m = NULL;

	/* A 1 MiB header line. */
	for (int i = 0; i < 1024 * 64; i++)
		g_string_append(s, "=?UTF-8?B?44Kv?=");
	g_string_append(s, "\nFrom: a@example.jp\n\nbody\n");
	m = parse_ok(s->str, (gssize)s->len);
	g_assert_cmpuint(strlen(m->subject), ==, 3 * 1024 * 64);
	upki_mime_free(m);

	/* Encoded-word starts that never end: decoding stays linear. */
	const char *starts[] = { "x=?a?B?", "=?a", "=?utf-8?Q?=" };
	for (gsize k = 0; k < G_N_ELEMENTS(starts); k++) {
		g_string_assign(s, "Subject: ");
		for (int i = 0; i < 150000; i++)
			g_string_append(s, starts[k]);
		g_string_append(s, "\n\nbody\n");
		gint64 t0 = g_get_monotonic_time();
		m = parse_ok(s->str, (gssize)s->len);
		g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
		g_assert_nonnull(m->subject);
		upki_mime_free(m);
	}

	/* Groups in groups: GMime's parser recurses on each (stack overflow). */
	const char *fields[] = { "From: ", "To: ", "Cc: ", "Reply-To: ", "Sender: ", "Bcc: " };
	for (gsize k = 0; k < G_N_ELEMENTS(fields); k++) {
		g_string_assign(s, "Subject: groups\n");
		g_string_append(s, fields[k]);
		for (int i = 0; i < 300000; i++)
			g_string_append(s, i % 1000 ? "g: " : "\n g: ");
		g_string_append(s, "\n\nbody\n");
		m = parse_ok(s->str, (gssize)s->len);
		g_assert_cmpstr(m->subject, ==, "groups");
		upki_mime_free(m);
		/* The same, attached as a message. */
		g_string_prepend(s, "From: a@example.jp\nContent-Type: message/rfc822\n\n");
		parse_any(s->str, s->len);
	}

	/* Multiparts nested far deeper than the walk follows. */
	g_string_assign(s, "From: a@example.jp\nContent-Type: multipart/mixed; boundary=b0\n\n");
	for (int i = 1; i < 3000; i++)
		g_string_append_printf(s, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
	g_string_append(s, "--b2999\nContent-Type: text/plain\n\ndeep\n");
	parse_any(s->str, s->len);

	/* Attached messages nested deeply. */
	g_string_assign(s, "From: a@example.jp\n");
	for (int i = 0; i < 3000; i++)
		g_string_append(s, "Content-Type: message/rfc822\n\nSubject: x\n");
	parse_any(s->str, s->len);

	/* Many parts: bounded work, bounded output. */
	g_string_assign(s, "From: a@example.jp\nContent-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 5000; i++)
		g_string_append(s, "--b\nContent-Type: text/plain\n\nx\n");
	g_string_append(s, "--b--\n");
	m = parse_ok(s->str, (gssize)s->len);
	g_assert_cmpuint(m->texts->len, <, 1001);
	upki_mime_free(m);

	/* Many signatures nested in each other's first part. */
	g_string_assign(s, "From: a@example.jp\n");
	for (int i = 0; i < 100; i++)
		g_string_append_printf(s, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
				       " boundary=s%d\n\n--s%d\n", i, i);
	g_string_append(s, "Content-Type: text/plain\n\ninner\n");
	parse_any(s->str, s->len);

	/* Random bytes after a valid first header line. */
	GRand *r = g_rand_new_with_seed(42);
	for (int round = 0; round < 200; round++) {
		g_string_assign(s, "Subject: x\n");
		for (int i = 0; i < 2000; i++) {
			static const char alphabet[] = "\n\r -:=?;\"aB\033$(\xff\x80\0"
						       "Content-Type: multipart/signed; boundary=b\n--b\n";
			gint32 k = g_rand_int_range(r, 0, (gint32)sizeof alphabet - 1);
			g_string_append_c(s, alphabet[k]);
		}
		parse_any(s->str, s->len);
	}
	g_rand_free(r);
	g_string_free(s, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	g_test_add_func("/mime/samples", test_samples);
	g_test_add_func("/mime/not-message", test_not_message);
	g_test_add_func("/mime/texts", test_texts);
	g_test_add_func("/mime/limits", test_limits);
	TEST_ADD_ROWS("/mime/structure", structure_rows, name, test_structure_row);
	g_test_add_func("/mime/hostile", test_hostile);
	g_test_add_func("/mime/hostile-sizes", test_hostile_sizes);
	return g_test_run();
}

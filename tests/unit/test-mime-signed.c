/* test-mime-signed.c - parser/mime.c, its S/MIME half: for every
 * signature the bytes it covers, cut from the raw message by the strict
 * reading (the cutting itself: test-mime-bounds.c); where GMime's reading
 * and the strict one could differ nothing is signed; gateways' wrappers,
 * nested signatures, signatures made by the openssl CLI, opaque signed
 * data; the walk stays linear on hostile delimiters.  (test-mime.c has
 * the rest of mime.c.) */
#include <string.h>

#include <glib/gstdio.h>

#include "upki/error.h"
#include "upki/mime.h"
#include "upki/reason.h"
#include "mime-bounds-private.h"
#include "test-util.h"

/* ---- helpers ---------------------------------------------------------- */

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

static void assert_bytes_len(GBytes *b, const char *expected, gsize len)
{
	gsize n = 0;
	const char *d = NULL;

	g_assert_nonnull(b);
	d = g_bytes_get_data(b, &n);
	g_assert_cmpmem(d, n, expected, len);
}

static void assert_bytes(GBytes *b, const char *expected)
{
	assert_bytes_len(b, expected, strlen(expected));
}

/* ---- multipart/signed --------------------------------------------------- */

#define PART "Content-Type: text/plain; charset=utf-8\n" \
	     "Content-Transfer-Encoding: 7bit\n" \
	     "\n" \
	     "signed text \n" \
	     "second line"
#define PART_CRLF "Content-Type: text/plain; charset=utf-8\r\n" \
		  "Content-Transfer-Encoding: 7bit\r\n" \
		  "\r\n" \
		  "signed text \r\n" \
		  "second line"
#define SIGNED(b, proto, body) \
	"Content-Type: multipart/signed; protocol=\"" proto "\";\n" \
	"\tmicalg=sha-256; boundary=\"" b "\"\n" \
	"\n" \
	"This is an S/MIME signed message.\n" \
	"--" b "  \n" \
	body "\n" \
	"--" b "\n" \
	"Content-Type: application/pkcs7-signature; name=smime.p7s\n" \
	"Content-Transfer-Encoding: base64\n" \
	"Content-Disposition: attachment; filename=smime.p7s\n" \
	"\n" \
	"AAECAw==\n" \
	"--" b "\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"after the signature\n" \
	"--" b "--\n"

static void check_simple_signed(const upki_mime *m, guint first_text, int index)
{
	const upki_signed *s = signed_at(m, (guint)index);

	assert_bytes(s->content, PART_CRLF);
	assert_bytes_len(s->signature, "\x00\x01\x02\x03", 4);
	g_assert_false(s->opaque);
	g_assert_cmpstr(text_at(m, first_text)->text, ==, "signed text \nsecond line");
	g_assert_cmpint(text_at(m, first_text)->signed_by, ==, index);
	g_assert_cmpstr(text_at(m, first_text + 1)->text, ==, "after the signature");
}

static void test_signed_top(void)
{
	const char *lf = "From: a@example.jp\nMIME-Version: 1.0\n"
			 SIGNED("sig-b", "application/pkcs7-signature", PART);
	char *cr = test_crlf(lf);
	const char *both[] = { lf, cr };

	for (gsize i = 0; i < G_N_ELEMENTS(both); i++) {
		upki_mime *m = parse_ok(both[i], -1);
		g_assert_cmpuint(m->signeds->len, ==, 1);
		g_assert_cmpuint(m->texts->len, ==, 2);
		check_simple_signed(m, 0, 0);
		/* Text after the signature part is not covered by it, and a
		 * third part of multipart/signed is for no reader the notice. */
		g_assert_cmpint(text_at(m, 1)->signed_by, ==, -1);
		g_assert_true(m->findings & UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE));
		upki_mime_free(m);
	}
	g_free(cr);
}

/* Where the strict reading and GMime's could differ, nothing is signed:
 * the content is empty (the signature fails) and the parts GMime sees
 * are judged as unsigned text. */
static void test_signed_ambiguous(void)
{
	static const char *const spliced[] = {
		"--sig-b-evil\nContent-Type: text/plain\n\nhttps://evil.example/\n",
		"--sig-b\r\r\nContent-Type: text/plain\n\nhttps://evil.example/\n",
		"--sig-b \r \nContent-Type: text/plain\n\nhttps://evil.example/\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(spliced); i++) {
		char *inner = g_strcompress(spliced[i]);
		char *msg = g_strconcat("From: a@example.jp\nMIME-Version: 1.0\n"
					"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
					" boundary=\"sig-b\"\n\n--sig-b\n" PART "\n",
					inner,
					"--sig-b\nContent-Type: application/pkcs7-signature\n"
					"Content-Transfer-Encoding: base64\n\nAAECAw==\n--sig-b--\n", NULL);
		upki_mime *m = parse_ok(msg, -1);
		g_assert_true(m->findings & UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE));
		g_assert_cmpuint(m->signeds->len, ==, 1);
		g_assert_cmpuint(g_bytes_get_size(signed_at(m, 0)->content), ==, 0);
		for (guint j = 0; j < m->texts->len; j++)
			g_assert_cmpint(text_at(m, j)->signed_by, ==, -1);
		upki_mime_free(m);
		g_free(msg);
		g_free(inner);
	}
}

/* Thousands of signed parts whose delimiters are spelt so that no two
 * readers agree cost what clean ones cost: the strict scans cover each
 * byte a bounded number of times, and the walk as a whole is not slower
 * by more than a small factor. */
static GString *many_signed(const char *tail, guint count)
{
	GString *s = g_string_new("From: ca-support@ml.secom-sts.co.jp\r\nMIME-Version: 1.0\r\n"
				  "Content-Type: multipart/mixed; boundary=OUT\r\n\r\n");

	for (guint i = 0; i < count; i++)
		g_string_append_printf(s,
			"--OUT\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
			" boundary=S%u\r\n\r\n--S%u%s\r\nContent-Type: text/plain\r\n\r\n%0800u\r\n"
			"--S%u%s\r\nContent-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n--S%u--%s\r\n",
			i, i, tail, i, i, tail, i, tail);
	g_string_append(s, "--OUT--\r\n");
	return s;
}

static gint64 walk_cost(const GString *msg, gsize *scanned, guint64 *findings)
{
	gsize before = upki_mime_bounds_bytes_scanned();
	gint64 t0 = test_cpu_time();
	upki_mime *m = parse_ok(msg->str, (gssize)msg->len);
	gint64 t = test_cpu_time() - t0;

	*scanned = upki_mime_bounds_bytes_scanned() - before;
	*findings = m->findings;
	upki_mime_free(m);
	return t;
}

static void test_linear_walk(void)
{
	GString *clean = many_signed("", 300), *hostile = many_signed(" \r ", 300);
	gsize sc = 0, sh = 0;
	guint64 fc = 0, fh = 0;
	gint64 tc = walk_cost(clean, &sc, &fc);
	gint64 th = walk_cost(hostile, &sh, &fh);

	g_assert_false(fc & UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE));
	g_assert_true(fh & UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE));
	/* Two levels of multipart: each byte at most twice, plus the top. */
	g_assert_cmpuint(sc, <=, 3 * clean->len);
	g_assert_cmpuint(sh, <=, 3 * hostile->len);
	g_assert_cmpint(th, <, 10 * MAX(tc, 10000));
	g_string_free(clean, TRUE);
	g_string_free(hostile, TRUE);
}

static void test_signed_wrapped(void)
{
	/* A gateway wrapped the signed message with a disclaimer part. */
	const char *lf = "From: a@example.jp\nMIME-Version: 1.0\n"
			 "Content-Type: multipart/mixed; boundary=\"gw\"\n\n"
			 "preamble of the gateway\n"
			 "--gw\nContent-Type: text/plain\n\nDisclaimer: external mail.\n"
			 "--gw\n"
			 SIGNED("sig-b", "application/x-pkcs7-signature", PART)
			 "\n--gw--\n";
	char *cr = test_crlf(lf);
	const char *both[] = { lf, cr };

	for (gsize i = 0; i < G_N_ELEMENTS(both); i++) {
		upki_mime *m = parse_ok(both[i], -1);
		g_assert_cmpuint(m->signeds->len, ==, 1);
		g_assert_cmpuint(m->texts->len, ==, 3);
		g_assert_cmpstr(text_at(m, 0)->text, ==, "Disclaimer: external mail.");
		g_assert_cmpint(text_at(m, 0)->signed_by, ==, -1);
		check_simple_signed(m, 1, 0);
		upki_mime_free(m);
	}
	g_free(cr);
}

static void test_signed_nested(void)
{
	/* Outer signature over a mixed part that holds an inner signed entity;
	 * and a signed message attached as message/rfc822. */
	const char *msg = "From: a@example.jp\n"
			  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=out\n\n"
			  "--out\n"
			  "Content-Type: multipart/mixed; boundary=mix\n\n"
			  "--mix\nContent-Type: text/plain\n\nouter text\n"
			  "--mix\n"
			  SIGNED("in", "application/pkcs7-signature", PART)
			  "--mix--\n"
			  "--out\n"
			  "Content-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\nBAUG\n"
			  "--out--\n";
	upki_mime *m = parse_ok(msg, -1);

	g_assert_cmpuint(m->signeds->len, ==, 2);
	g_assert_cmpuint(m->texts->len, ==, 3);
	g_assert_cmpstr(text_at(m, 0)->text, ==, "outer text");
	g_assert_cmpint(text_at(m, 0)->signed_by, ==, 0);
	check_simple_signed(m, 1, 1);
	/* "after the signature" sits outside the inner one, inside the outer. */
	g_assert_cmpint(text_at(m, 2)->signed_by, ==, 0);
	assert_bytes(signed_at(m, 0)->signature, "\x04\x05\x06");
	gsize n = 0;
	const char *c = g_bytes_get_data(signed_at(m, 0)->content, &n);
	g_assert_true(g_str_has_prefix(c, "Content-Type: multipart/mixed; boundary=mix\r\n\r\n--mix\r\n"));
	g_assert_cmpmem(c + n - 7, 7, "--mix--", 7);
	upki_mime_free(m);

	const char *att = "From: a@example.jp\n"
			  "Content-Type: multipart/mixed; boundary=mix\n\n"
			  "--mix\nContent-Type: message/rfc822\n\n"
			  "Subject: forwarded\nFrom: b@example.jp\n"
			  SIGNED("in", "application/pkcs7-signature", PART)
			  "--mix--\n";
	m = parse_ok(att, -1);
	g_assert_cmpuint(m->signeds->len, ==, 1);
	/* the forwarded message's Subject and From come first, as shown */
	g_assert_cmpstr(text_at(m, 0)->text, ==, "forwarded\nb@example.jp\n");
	g_assert_true(text_at(m, 0)->header);
	check_simple_signed(m, 1, 0);
	upki_mime_free(m);
}

/* ---- real signatures made with the openssl CLI ------------------------- */

typedef struct signer {
	char *dir, *key, *cert;
} signer;

static gboolean run(char **argv)
{
	int status = -1;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
			  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
		return FALSE;
	return g_spawn_check_wait_status(status, NULL);
}

static gboolean signer_new(signer *s)
{
	if (!test_have_openssl())
		return FALSE;
	s->dir = g_dir_make_tmp("upki-mime-XXXXXX", NULL);
	s->key = g_build_filename(s->dir, "key.pem", NULL);
	s->cert = g_build_filename(s->dir, "cert.pem", NULL);
	char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
			 "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=upki test",
			 "-days", "1", "-keyout", s->key, "-out", s->cert, NULL };
	return run(argv);
}

static void signer_free(signer *s)
{
	g_autoptr(GDir) d = s->dir ? g_dir_open(s->dir, 0, NULL) : NULL;
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(s->dir, name, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (s->dir)
		g_rmdir(s->dir);
	g_free(s->dir);
	g_free(s->key);
	g_free(s->cert);
}

/* DER of a CMS signature over content (detached or not), base64 with line breaks. */
static char *sign_b64(signer *s, const char *content, gboolean detached)
{
	char *in = g_build_filename(s->dir, "in", NULL), *out = g_build_filename(s->dir, "out.der", NULL);
	char *der = NULL, *b64 = NULL;
	gsize n = 0;
	char *argv[] = { "openssl", "cms", "-sign", "-binary", "-in", in, "-signer", s->cert,
			 "-inkey", s->key, "-outform", "DER", "-out", out,
			 detached ? NULL : "-nodetach", NULL };

	g_assert_true(g_file_set_contents(in, content, -1, NULL));
	g_assert_true(run(argv));
	g_assert_true(g_file_get_contents(out, &der, &n, NULL));
	GString *lines = g_string_new(NULL);
	b64 = g_base64_encode((const guchar *)der, n);
	for (gsize i = 0; i < strlen(b64); i += 76)
		g_string_append_printf(lines, "%.76s\n", b64 + i);
	g_free(in);
	g_free(out);
	g_free(der);
	g_free(b64);
	return g_string_free(lines, FALSE);
}

static void test_signed_openssl(void)
{
	signer s = { 0 };

	if (!signer_new(&s)) {
		g_test_skip("openssl CLI not available");
		signer_free(&s);
		return;
	}
	char *sig = sign_b64(&s, PART_CRLF, TRUE);
	char *lf = g_strdup_printf("From: a@example.jp\nContent-Type: multipart/mixed; boundary=gw\n\n"
				   "--gw\nContent-Type: text/plain\n\nDisclaimer\n--gw\n"
				   "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
				   " micalg=sha-256; boundary=\"sb\"\n\npreamble\n--sb\n%s\n--sb\n"
				   "Content-Type: application/pkcs7-signature\n"
				   "Content-Transfer-Encoding: base64\n\n%s--sb--\n\n--gw--\n", PART, sig);
	char *cr = test_crlf(lf);
	const char *both[] = { lf, cr };

	for (gsize i = 0; i < G_N_ELEMENTS(both); i++) {
		upki_mime *m = parse_ok(both[i], -1);
		g_assert_cmpuint(m->signeds->len, ==, 1);
		assert_bytes(signed_at(m, 0)->content, PART_CRLF);
		g_assert_true(test_openssl_verifies(signed_at(m, 0)->content, signed_at(m, 0)->signature));
		upki_mime_free(m);
	}
	g_free(sig);
	g_free(lf);
	g_free(cr);
	signer_free(&s);
}

static void test_opaque(void)
{
	signer s = { 0 };

	if (!signer_new(&s)) {
		g_test_skip("openssl CLI not available");
		signer_free(&s);
		return;
	}
	char *sig = sign_b64(&s, "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
			     "--x\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
			     "\033$B>ZL@=q\033(B opaque\r\n--x--\r\n", FALSE);
	const char *heads[] = {
		"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\n",
		"Content-Type: application/x-pkcs7-mime; name=\"smime.p7m\"\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(heads); i++) {
		char *msg = g_strdup_printf("From: a@example.jp\nSubject: opaque\n%s"
					    "Content-Transfer-Encoding: base64\n\n%s", heads[i], sig);
		upki_mime *m = parse_ok(msg, -1);
		g_assert_cmpuint(m->signeds->len, ==, 1);
		g_assert_true(signed_at(m, 0)->opaque);
		g_assert_null(signed_at(m, 0)->content);
		g_assert_cmpuint(g_bytes_get_size(signed_at(m, 0)->signature), >, 100);
		g_assert_cmpuint(m->texts->len, ==, 1);
		g_assert_cmpstr(text_at(m, 0)->text, ==, "証明書 opaque");
		g_assert_cmpint(text_at(m, 0)->signed_by, ==, 0);
		upki_mime_free(m);
		g_free(msg);
	}
	/* Enveloped (encrypted) data is no signature. */
	upki_mime *m = parse_ok("From: a@example.jp\nContent-Type: application/pkcs7-mime; "
				"smime-type=enveloped-data\n\nAAAA\n", -1);
	g_assert_cmpuint(m->signeds->len, ==, 0);
	upki_mime_free(m);
	/* Junk that claims to be signed data: a signature with no content. */
	m = parse_ok("From: a@example.jp\nContent-Type: application/pkcs7-mime; "
		     "smime-type=signed-data\nContent-Transfer-Encoding: base64\n\nAAAA\n", -1);
	g_assert_cmpuint(m->signeds->len, ==, 1);
	g_assert_cmpuint(m->texts->len, ==, 0);
	upki_mime_free(m);
	g_free(sig);
	signer_free(&s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	g_test_add_func("/mime-signed/top", test_signed_top);
	g_test_add_func("/mime-signed/ambiguous", test_signed_ambiguous);
	g_test_add_func("/mime-signed/wrapped", test_signed_wrapped);
	g_test_add_func("/mime-signed/linear-walk", test_linear_walk);
	g_test_add_func("/mime-signed/nested", test_signed_nested);
	g_test_add_func("/mime-signed/openssl", test_signed_openssl);
	g_test_add_func("/mime-signed/opaque", test_opaque);
	return g_test_run();
}

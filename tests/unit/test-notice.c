/* test-notice.c - parser/notice.c: the verdict over whole messages.
 *
 * Three corpora: inline messages for the rules that need no signature,
 * the project's signed samples (samples/expected.tsv says what each must
 * give), and the six real notices in ../shared/upki-samples (skipped,
 * saying so, when that folder is absent); and every sample damaged in
 * many ways, which must give a verdict or a clean error.  What a forger
 * builds from the real notices: test-notice-attacks.c.
 */
#include <string.h>
#include <time.h>

#include "upki/mime.h"
#include "upki/notice.h"
#include "test-util.h"

static upki_profile *profile;
static upki_smime_verifier *test_ca;   /* samples/ca/root.pem */
static upki_smime_verifier *system_ca; /* the system store */

static upki_notice *analyze(const char *buf, gsize len, const upki_smime_verifier *v,
			    upki_verify_time when)
{
	upki_options o = { .profile = profile, .verifier = v, .verify_time = when };
	GError *err = NULL;
	upki_notice *n = upki_notice_analyze(buf, len, &o, &err);

	g_assert_no_error(err);
	g_assert_nonnull(n);
	return n;
}

static char *reasons_of(const upki_notice *n)
{
	char *r = upki_reason_join(n->reasons, ",");

	if (!*r) {
		g_free(r);
		r = g_strdup("-");
	}
	return r;
}

/* Inline messages: rules that do not need a signature. */
static const struct {
	const char *name;
	const char *msg;
	const char *kind;    /* NULL: none */
	const char *verdict;
	const char *reasons;
} inline_rows[] = {
	{ "ordinary",
	  "From: a@example.jp\nSubject: lunch\n\nsee https://example.jp/menu\n",
	  NULL, "not-notice", "-" },
	{ "forged-unsigned",
	  "From: CA <ca-support@ml.secom-sts.co.jp>\n"
	  "Subject: [UPKI] =?UTF-8?B?44Kv44Op44Kk44Ki44Oz44OI6Ki85piO5pu455m66KGM5Y+X5LuY6YCa55+l?=\n"
	  "Date: Mon, 2 Nov 2026 10:00:00 +0900\n\n"
	  "証明書取得URL：https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345 \n",
	  "cert-issue", "suspicious", "unsigned" },
	{ "lookalike-host-other-sender",
	  "From: CA <ca-support@secom-sts.example>\n"
	  "Subject: [UPKI] =?UTF-8?B?44Ki44Kv44K744K5UElO55m66KGM6YCa55+l?=\n\n"
	  "https://scia.secomtrust.net.evil.example/upki-odcert/download/view/jsp/SPEntranceCliPin.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  "pin-issue", "suspicious", "unsigned,sender-mismatch,url-host" },
	{ "reply-is-not-notice",
	  "From: user@example.jp\n"
	  "Subject: Re: [UPKI] =?UTF-8?B?44Ki44Kv44K744K5UElO55m66KGM6YCa55+l?=\n\n"
	  "> https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliPin.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  NULL, "not-notice", "-" },
	{ "reply-with-lookalike-link",
	  "From: user@example.jp\n"
	  "Subject: Fwd: [UPKI] =?UTF-8?B?44Ki44Kv44K744K5UElO55m66KGM6YCa55+l?=\n\n"
	  "https://scia-secomtrust.example/upki-odcert/download/view/jsp/SPEntranceCliPin.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  NULL, "suspicious", "url-host" },
	{ "ordinary-with-lookalike-link",
	  "From: user@example.jp\nSubject: notice\n\n"
	  "https://scia-secomtrust.example/upki-odcert/download/view/jsp/SPEntranceCliPin.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  NULL, "suspicious", "unsigned,sender-mismatch,unknown-kind,url-host" },
	{ "missing-url",
	  "From: ca-support@ml.secom-sts.co.jp\n"
	  "Subject: [UPKI] =?UTF-8?B?44Ki44Kv44K744K5UElO55m66KGM6YCa55+l?=\n\nno link here\n",
	  "pin-issue", "suspicious", "unsigned,missing-url" },
	{ "revoked-with-link",
	  "From: ca-support@ml.secom-sts.co.jp\n"
	  "Subject: [UPKI] =?UTF-8?B?44Kv44Op44Kk44Ki44Oz44OI6Ki85piO5pu45aSx5Yq55a6M5LqG6YCa55+l?=\n\n"
	  "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  "cert-revoked", "suspicious", "unsigned,url-path" },
	{ "body-only-phish",
	  "From: helpdesk@example.jp\nSubject: please act\n\n"
	  "証明書取得URL：https://scia.secomtrust.net@evil.example/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=AbCdEfGhIjKlMnOpQrStUvWxYz012345\n",
	  NULL, "suspicious", "unsigned,sender-mismatch,unknown-kind,url-host,url-userinfo" },
};

static void test_inline(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(inline_rows); i++) {
		const char *msg = inline_rows[i].msg;
		upki_notice *n = analyze(msg, strlen(msg), test_ca, UPKI_VERIFY_AT_SIGNING);
		char *reasons = reasons_of(n);

		g_test_message("%s: %s %s %s", inline_rows[i].name,
			       upki_kind_to_string(n->kind), upki_verdict_to_string(n->verdict), reasons);
		g_assert_cmpstr(upki_kind_to_string(n->kind), ==, inline_rows[i].kind);
		g_assert_cmpstr(upki_verdict_to_string(n->verdict), ==, inline_rows[i].verdict);
		g_assert_cmpstr(reasons, ==, inline_rows[i].reasons);
		g_free(reasons);
		upki_notice_free(n);
	}
}

static void test_not_message(void)
{
	static const char *const junk[] = { "", "\n\n", "\x7f" "ELF\x02\x01\x01\0\0\0", "hello world\n" };
	upki_options o = { .profile = profile, .verifier = test_ca };

	for (gsize i = 0; i < G_N_ELEMENTS(junk); i++) {
		GError *err = NULL;
		gsize len = i == 2 ? 10 : strlen(junk[i]);
		g_assert_null(upki_notice_analyze(junk[i], len, &o, &err));
		g_assert_error(err, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE);
		g_clear_error(&err);
	}
	o.max_size = 10;
	GError *err = NULL;
	g_assert_null(upki_notice_analyze("Subject: x\n\nlong enough body\n", 28, &o, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TOO_LARGE);
	g_clear_error(&err);
}

static void check_sample_row(char **cols)
{
	char *path = g_build_filename("samples", cols[0], NULL);
	char *buf = NULL;
	gsize len = 0;
	GError *err = NULL;

	g_assert_true(g_file_get_contents(path, &buf, &len, &err));
	upki_notice *n = analyze(buf, len, test_ca, UPKI_VERIFY_AT_SIGNING);
	char *reasons = reasons_of(n);
	const char *kind = upki_kind_to_string(n->kind);

	if (g_strcmp0(kind ? kind : "-", cols[1]) || strcmp(upki_verdict_to_string(n->verdict), cols[2]) ||
	    strcmp(reasons, cols[3]))
		g_error("%s: got %s %s %s, expected %s %s %s", cols[0], kind ? kind : "-",
			upki_verdict_to_string(n->verdict), reasons, cols[1], cols[2], cols[3]);
	g_free(reasons);
	upki_notice_free(n);
	g_free(buf);
	g_free(path);
}

static void test_samples(void)
{
	char *tsv = NULL;
	GError *err = NULL;
	guint rows = 0;

	if (!g_file_get_contents("samples/expected.tsv", &tsv, NULL, &err))
		g_error("samples/expected.tsv: %s", err->message);
	char **lines = g_strsplit(tsv, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l || **l == '#')
			continue;
		char **cols = g_strsplit(*l, "\t", -1);
		g_assert_cmpuint(g_strv_length(cols), >=, 4);
		check_sample_row(cols);
		g_strfreev(cols);
		rows++;
	}
	g_assert_cmpuint(rows, >=, 20);
	g_strfreev(lines);
	g_free(tsv);
}

/* The real notices: facts from ../shared/upki-samples/README.md (the
 * URLs are read from it; the DNs checked by shape, not copied: they name
 * a person). */
static const struct {
	const char *file;
	const char *kind;
	gboolean url;        /* the README gives one (test_real_url) */
	gboolean dn;         /* it names a certificate (DN_SUFFIX) */
	const char *serial;
	const char *deadline;
} real_rows[] = {
	{ "cert-issue-1.eml", "cert-issue", TRUE, FALSE, NULL, "2019-04-19" },
	{ "cert-issue-2.eml", "cert-issue", TRUE, FALSE, NULL, "2019-04-19" },
	{ "pin-issue-1.eml", "pin-issue", TRUE, FALSE, NULL, "2018-04-18" },
	{ "pin-issue-all-1.eml", "pin-issue", TRUE, FALSE, NULL, "2019-04-19" },
	{ "cert-retrieved-1.eml", "cert-retrieved", FALSE, TRUE, "5924805414806849689", NULL },
	{ "cert-revoked-1.eml", "cert-revoked", FALSE, TRUE,
	  "7082414538221694988", NULL },
};

#define DN_SUFFIX ",O=National Institute of Informatics,L=Academe,C=JP"

static const char *shared_dir(void)
{
	const char *d = g_getenv("UPKI_SHARED_SAMPLES");
	return d ? d : "../shared/upki-samples";
}

/* Row i's URL as the README gives it (NULL: none).  Free with g_free(). */
static char *real_url(gsize i)
{
	char *url = real_rows[i].url ? test_real_url(shared_dir(), real_rows[i].file) : NULL;

	if (real_rows[i].url && !url)
		g_error("%s: no URL in %s/README.md", real_rows[i].file, shared_dir());
	return url;
}

/* Reads one real notice; says "skipped" (and returns FALSE) without them. */
static gboolean load_real(const char *file, char **buf, gsize *len)
{
	char *path = g_build_filename(shared_dir(), file, NULL);
	gboolean ok = g_file_get_contents(path, buf, len, NULL);

	if (!ok)
		g_test_skip("real notices not found (../shared/upki-samples absent)");
	g_free(path);
	return ok;
}

static void test_real(gconstpointer data)
{
	gsize i = GPOINTER_TO_SIZE(data);
	char *buf = NULL;
	gsize len = 0;

	if (!load_real(real_rows[i].file, &buf, &len))
		return;
	char *url = real_url(i);
	upki_notice *n = analyze(buf, len, system_ca, UPKI_VERIFY_AT_SIGNING);
	char *reasons = reasons_of(n);
	g_assert_cmpstr(upki_kind_to_string(n->kind), ==, real_rows[i].kind);
	g_assert_cmpstr(upki_verdict_to_string(n->verdict), ==, "genuine");
	/* Their signers expired in 2019 and 2023: informative only. */
	g_assert_cmpstr(reasons, ==, "signer-expired-now");
	g_assert_cmpstr(n->url, ==, url);
	g_assert_true(real_rows[i].dn == (n->dn != NULL));
	if (n->dn)
		g_assert_true(g_str_has_prefix(n->dn, "CN=") && g_str_has_suffix(n->dn, DN_SUFFIX));
	g_assert_cmpstr(n->serial, ==, real_rows[i].serial);
	g_assert_cmpstr(n->deadline, ==, real_rows[i].deadline);
	g_assert_nonnull(n->sig);
	g_assert_cmpint(n->sig->status, ==, UPKI_SIG_PASS);
	g_assert_nonnull(strstr(n->sig->signer_subject, "CA Support Center"));
	g_assert_cmpstr(n->from, ==, "ca-support@ml.secom-sts.co.jp");
	upki_notice_free(n);

	/* Delivered now, the same notice must fail: its signer has expired. */
	n = analyze(buf, len, system_ca, UPKI_VERIFY_AT_NOW);
	g_assert_cmpstr(upki_verdict_to_string(n->verdict), ==, "suspicious");
	g_assert_true(n->reasons & UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED));
	upki_notice_free(n);

	/* Relayed with LF line ends, the verdict does not change. */
	GString *lf = g_string_new_len(buf, (gssize)len);
	g_string_replace(lf, "\r\n", "\n", 0);
	n = analyze(lf->str, lf->len, system_ca, UPKI_VERIFY_AT_SIGNING);
	g_assert_cmpstr(upki_verdict_to_string(n->verdict), ==, "genuine");
	upki_notice_free(n);

	/* One byte of the URL changed: the signature breaks. */
	char *at = real_rows[i].url ? strstr(lf->str, "secomtrust.net/upki") : strstr(lf->str, "CN=3D");
	g_assert_nonnull(at);
	at[3] = at[3] == 'X' ? 'Y' : 'X';
	n = analyze(lf->str, lf->len, system_ca, UPKI_VERIFY_AT_SIGNING);
	g_assert_cmpstr(upki_verdict_to_string(n->verdict), ==, "suspicious");
	g_assert_true(n->reasons & UPKI_REASON_BIT(UPKI_R_BAD_SIGNATURE));
	upki_notice_free(n);

	g_string_free(lf, TRUE);
	g_free(reasons);
	g_free(url);
	g_free(buf);
}

/* What relays and gateways do to a real notice on its way. */
typedef GString *(*relay_fn)(const char *msg, gsize len);

static gsize header_end(const char *msg)
{
	const char *crlf = strstr(msg, "\r\n\r\n");
	const char *lf = strstr(msg, "\n\n");

	if (crlf && (!lf || crlf < lf))
		return (gsize)(crlf - msg) + 2;
	return lf ? (gsize)(lf - msg) + 1 : strlen(msg);
}

/* Splits the header block into the Content-Type field (with its folded
 * continuation lines) and everything else. */
static void split_content_type(const char *msg, gsize hend, GString *ct, GString *rest)
{
	gboolean in_ct = FALSE;
	const char *p = msg;

	while (p < msg + hend) {
		const char *nl = memchr(p, '\n', (gsize)(msg + hend - p));
		gsize n = nl ? (gsize)(nl - p) + 1 : (gsize)(msg + hend - p);
		if (*p != ' ' && *p != '\t')
			in_ct = g_ascii_strncasecmp(p, "Content-Type:", 13) == 0;
		g_string_append_len(in_ct ? ct : rest, p, (gssize)n);
		p += n;
	}
}

static GString *relay_extra_headers(const char *msg, gsize len)
{
	GString *out = g_string_new("From ca-support@ml.secom-sts.co.jp Tue Mar 19 14:22:04 2019\r\n"
				    "Received: from relay.example.ac.jp (relay.example.ac.jp [192.0.2.1])\r\n"
				    "\tby mx.example.ac.jp with ESMTPS id 4Abc; Tue, 19 Mar 2019 14:24:14 +0900\r\n"
				    "X-Spam-Status: No, score=-1.0\r\n"
				    "Authentication-Results: mx.example.ac.jp; dkim=none\r\n");
	g_string_append_len(out, msg, (gssize)len);
	return out;
}

static GString *relay_subject_utf8(const char *msg, gsize len)
{
	GString *out = g_string_new_len(msg, (gssize)len);
	upki_mime *m = upki_mime_parse(msg, len, NULL);
	char *b64 = g_base64_encode((const guchar *)m->subject, strlen(m->subject));
	char *field = g_strdup_printf("Subject: [External] =?UTF-8?B?%s?=\r\nX-Old-Subject:", b64);

	g_string_replace(out, "Subject:", field, 1);
	g_free(field);
	g_free(b64);
	upki_mime_free(m);
	return out;
}

static GString *relay_gateway_wrap(const char *msg, gsize len)
{
	gsize hend = header_end(msg);
	GString *ct = g_string_new(NULL), *rest = g_string_new(NULL);
	GString *out = g_string_new(NULL);

	split_content_type(msg, hend, ct, rest);
	g_string_replace(rest, "MIME-Version: 1.0\r\n", "", 0);
	g_string_append(out, rest->str);
	g_string_append(out, "MIME-Version: 1.0\r\n"
			     "Content-Type: multipart/mixed; boundary=\"gw-7f3a\"\r\n\r\n"
			     "This is a multi-part message in MIME format.\r\n--gw-7f3a\r\n");
	g_string_append(out, ct->str);
	g_string_append(out, "\r\n");
	g_string_append_len(out, msg + hend + 2, (gssize)(len - hend - 2));
	g_string_append(out, "\r\n--gw-7f3a\r\nContent-Type: text/plain; charset=utf-8\r\n"
			     "Content-Transfer-Encoding: 8bit\r\n\r\n"
			     "【注意】このメールは学外から送信されました。\r\n"
			     "See https://www.example.ac.jp/security for our mail policy.\r\n--gw-7f3a--\r\n");
	g_string_free(ct, TRUE);
	g_string_free(rest, TRUE);
	return out;
}

static const struct {
	const char *name;
	relay_fn fn;
} relays[] = {
	{ "extra-headers", relay_extra_headers },
	{ "subject-reencoded", relay_subject_utf8 },
	{ "gateway-wrap", relay_gateway_wrap },
};

static void test_relayed(gconstpointer data)
{
	gsize i = GPOINTER_TO_SIZE(data);
	char *buf = NULL;
	gsize len = 0;

	if (!load_real(real_rows[i].file, &buf, &len))
		return;
	char *url = real_url(i);
	for (gsize r = 0; r < G_N_ELEMENTS(relays); r++) {
		GString *msg = relays[r].fn(buf, len);
		for (int lf = 0; lf < 2; lf++) {
			if (lf)
				g_string_replace(msg, "\r\n", "\n", 0);
			upki_notice *n = analyze(msg->str, msg->len, system_ca, UPKI_VERIFY_AT_SIGNING);
			char *reasons = reasons_of(n);
			if (n->verdict != UPKI_VERDICT_GENUINE ||
			    g_strcmp0(upki_kind_to_string(n->kind), real_rows[i].kind) ||
			    g_strcmp0(n->url, url) || g_strcmp0(n->serial, real_rows[i].serial))
				g_error("%s %s%s: %s %s %s", real_rows[i].file, relays[r].name,
					lf ? " (LF)" : "", upki_kind_to_string(n->kind),
					upki_verdict_to_string(n->verdict), reasons);
			g_free(reasons);
			upki_notice_free(n);
		}
		g_string_free(msg, TRUE);
	}
	g_free(url);
	g_free(buf);
}

/* ---- damaged mail (was test-hostile.c) ---------------------------------
 * Every sample cut short at many points, with bytes flipped, with lines
 * duplicated.  Deterministic (fixed seed), so a failure is reproducible;
 * run under `make check SANITIZE=1` it is a small fuzzing regression.
 * Passing means: no crash, no sanitizer report, and every call returns a
 * verdict or a clean error. */

static guint analysed, refused; /* by hostile_analyse() */

static void hostile_analyse(const char *buf, gsize len)
{
	upki_options o = { .profile = profile, .verifier = test_ca, .max_size = 1 << 20 };
	GError *err = NULL;
	upki_notice *n = upki_notice_analyze(buf, len, &o, &err);

	/* Exactly one of a verdict and an error. */
	g_assert_true((n == NULL) != (err == NULL));
	if (n) {
		g_assert_cmpint(n->verdict, <=, UPKI_VERDICT_SUSPICIOUS);
		analysed++;
	} else {
		g_assert_true(err->domain == UPKI_ERROR);
		refused++;
	}
	g_clear_error(&err);
	upki_notice_free(n);
	/* The header block alone takes its own path (mime-headers.c). */
	upki_mime_free(upki_mime_parse_headers(buf, len, NULL));
}

static void hostile_mutate(const char *name, GRand *rand)
{
	char *path = g_build_filename("samples", name, NULL);
	char *buf = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
	for (int i = 0; i <= 40; i++)
		hostile_analyse(buf, len * (gsize)i / 40);
	for (int i = 0; i < 40; i++) {
		char *copy = g_memdup2(buf, len);
		for (int k = 0; k < 1 + i % 8; k++)
			copy[g_rand_int_range(rand, 0, (gint32)len)] = (char)g_rand_int_range(rand, 0, 256);
		hostile_analyse(copy, len);
		g_free(copy);
	}
	/* A chunk of the message repeated inside itself (a relay gone wrong). */
	gsize at = len / 3, chunk = MIN(len / 4, (gsize)2000);
	GString *dup = g_string_new_len(buf, (gssize)at);
	g_string_append_len(dup, buf + at, (gssize)chunk);
	g_string_append_len(dup, buf + at, (gssize)(len - at));
	hostile_analyse(dup->str, dup->len);
	g_string_free(dup, TRUE);
	g_free(buf);
	g_free(path);
}

static void test_hostile(void)
{
	GDir *dir = g_dir_open("samples", 0, NULL);
	GRand *rand = g_rand_new_with_seed(20261125);
	const char *name;
	guint files = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir))) {
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		hostile_mutate(name, rand);
		files++;
	}
	g_test_message("%u files, %u analysed, %u refused", files, analysed, refused);
	g_assert_cmpuint(files, >=, 20);
	g_assert_cmpuint(analysed, >, refused);
	g_rand_free(rand);
	g_dir_close(dir);
}

int main(int argc, char **argv)
{
	GError *err = NULL;

	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	profile = upki_profile_new_default();
	test_ca = upki_smime_verifier_new("samples/ca/root.pem", NULL, &err);
	g_assert_no_error(err);
	system_ca = upki_smime_verifier_new(NULL, NULL, &err);
	g_assert_no_error(err);

	g_test_add_func("/notice/inline", test_inline);
	g_test_add_func("/notice/not-message", test_not_message);
	g_test_add_func("/notice/samples", test_samples);
	g_test_add_func("/notice/hostile", test_hostile);
	for (gsize i = 0; i < G_N_ELEMENTS(real_rows); i++) {
		char *name = g_strdup_printf("/notice/real/%s", real_rows[i].file);
		g_test_add_data_func(name, GSIZE_TO_POINTER(i), test_real);
		g_free(name);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(real_rows); i++) {
		char *name = g_strdup_printf("/notice/relayed/%s", real_rows[i].file);
		g_test_add_data_func(name, GSIZE_TO_POINTER(i), test_relayed);
		g_free(name);
	}
	int rc = g_test_run();
	upki_smime_verifier_free(test_ca);
	upki_smime_verifier_free(system_ca);
	upki_profile_free(profile);
	return rc;
}

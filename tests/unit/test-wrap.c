/* test-wrap.c - parser/wrap.c: the wrapped form of every sample read
 * back with GMime: the structure, the outer header, the attached original
 * byte for byte, no forged verdict kept, the suspicious wrap's links only
 * defanged, and the failures that send a message back to headers mode.
 * (The templates themselves: test-template.c.) */
#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "template-private.h"
#include "upki/annotate.h"
#include "upki/config.h"
#include "upki/error.h"
#include "upki/mime.h"
#include "upki/notice.h"
#include "upki/rawheader.h"
#include "upki/wrap.h"

#define ID "mx.example.ac.jp"


static upki_smime_verifier *test_ca;
static upki_profile *profile;

static upki_config *wrap_config(const char *verdicts, const char *contact)
{
	upki_config *c = upki_config_new();

	g_assert_true(upki_config_set(c, "Annotate", "wrap", NULL));
	g_assert_true(upki_config_set(c, "TemplateDir", "templates", NULL));
	g_assert_true(upki_config_set(c, "WrapVerdicts", verdicts, NULL));
	if (contact)
		g_assert_true(upki_config_set(c, "WrapContact", contact, NULL));
	return c;
}

static void test_wrapper_config(void)
{
	upki_config *c = wrap_config("genuine-issue,suspicious", NULL);
	GError *err = NULL;
	upki_wrapper *w = upki_wrapper_new(c, ID, &err);
	guint classes = 0;

	/* a warning must say whom to tell */
	g_assert_null(w);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_CONFIG);
	g_assert_nonnull(strstr(err->message, "WrapContact"));
	g_clear_error(&err);
	g_assert_true(upki_config_set(c, "WrapVerdicts", "genuine-issue", NULL));
	w = upki_wrapper_new(c, ID, &err);
	g_assert_no_error(err);
	upki_wrapper_free(w);
	w = upki_wrapper_new(c, "not a token", &err);
	g_assert_null(w);
	g_clear_error(&err);
	g_assert_false(upki_config_set(c, "WrapVerdicts", "genuine,suspicious", NULL));
	g_assert_false(upki_config_set(c, "WrapVerdicts", "none suspicious", NULL));
	g_assert_true(upki_wrap_parse_classes("suspicious genuine-other", &classes));
	g_assert_cmpuint(classes, ==, UPKI_WRAP_SUSPICIOUS | UPKI_WRAP_GENUINE_OTHER);
	g_assert_true(upki_wrap_parse_classes("none", &classes));
	g_assert_cmpuint(classes, ==, 0);
	upki_config_free(c);
}

static upki_notice *analyze(const char *buf, gsize len)
{
	upki_options o = { .profile = profile, .verifier = test_ca, .verify_time = UPKI_VERIFY_AT_SIGNING };

	return upki_notice_analyze(buf, len, &o, NULL);
}

/* The outer header's field names, as the raw bytes have them. */
static gboolean outer_fields_ok(const char *out, gsize len, char **bad)
{
	static const char *const allowed[] = { "From", "To", "Cc", "Date", "Message-ID", "Subject",
		"In-Reply-To", "References", "MIME-Version", "Content-Type", "X-UPKI-Notice",
		"Authentication-Results", NULL };
	gsize end = upki_raw_header_block_len(out, len);
	gchar **lines = NULL;
	gboolean ok = TRUE;
	char *head = g_strndup(out, end);

	lines = g_strsplit(head, "\n", -1);
	for (guint i = 0; ok && lines[i]; i++) {
		const char *colon = strchr(lines[i], ':');
		char *name = NULL;
		if (!*lines[i] || *lines[i] == ' ' || *lines[i] == '\t' || g_str_equal(lines[i], "\r"))
			continue;
		name = colon ? g_strndup(lines[i], (gsize)(colon - lines[i])) : g_strdup(lines[i]);
		ok = g_strv_contains(allowed, name);
		if (!ok)
			*bad = g_strdup(name);
		g_free(name);
	}
	g_strfreev(lines);
	g_free(head);
	return ok;
}

/* The attached original, cut out of the bytes by GMime's boundary. */
static void check_wrapped(const char *name, const char *msg, gsize len, const upki_notice *n,
			  const GString *out)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(out->str, out->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *top = m ? g_mime_message_get_mime_part(m) : NULL;
	const char *b = top ? g_mime_object_get_content_type_parameter(top, "boundary") : NULL;
	char *close = NULL, *bad = NULL;
	const char *at = NULL, *body = NULL;
	const char *notice = NULL;

	if (!top || !g_mime_content_type_is_type(g_mime_object_get_content_type(top), "multipart", "mixed"))
		g_error("%s: not multipart/mixed", name);
	g_assert_cmpint(g_mime_multipart_get_count(GMIME_MULTIPART(top)), ==, 2);
	g_assert_true(GMIME_IS_MULTIPART(g_mime_multipart_get_part(GMIME_MULTIPART(top), 0)));
	g_assert_true(GMIME_IS_MESSAGE_PART(g_mime_multipart_get_part(GMIME_MULTIPART(top), 1)));
	close = g_strdup_printf("--%s--", b);
	at = g_strstr_len(out->str, (gssize)out->len, close);
	g_assert_nonnull(at);
	/* the original stands right before the line end of the closing delimiter */
	body = at - (at[-2] == '\r' ? 2 : 1) - len;
	if (body < out->str || memcmp(body, msg, len) != 0)
		g_error("%s: the attached original is not the input byte for byte", name);
	if (!outer_fields_ok(out->str, out->len, &bad))
		g_error("%s: outer field %s", name, bad);
	notice = g_mime_object_get_header(GMIME_OBJECT(m), "X-UPKI-Notice");
	g_assert_nonnull(notice);
	g_assert_true(g_str_has_prefix(notice, upki_verdict_to_string(n->verdict)));
	g_free(close);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
}

static void wrap_file(const char *path, upki_wrapper *w, guint *wrapped)
{
	char *buf = NULL;
	gsize len = 0;
	upki_notice *n = NULL;
	upki_wrapped *wr = NULL;
	GError *err = NULL;
	GString *out = NULL;

	g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
	n = analyze(buf, len);
	if (!n || !upki_wrapper_wants(w, n))
		goto out;
	wr = upki_wrap_build(w, buf, len, n, 0, &err);
	if (!wr)
		g_error("%s: %s", path, err->message);
	out = upki_wrap_apply(buf, len, wr);
	check_wrapped(path, buf, len, n, out);
	(*wrapped)++;
	g_string_free(out, TRUE);
out:
	upki_wrapped_free(wr);
	upki_notice_free(n);
	g_free(buf);
}

static void wrap_dir(const char *dir, guint *wrapped, guint *seen)
{
	upki_config *c = wrap_config("genuine-issue,genuine-other,suspicious", "desk@example.ac.jp");
	upki_wrapper *w = upki_wrapper_new(c, ID, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name = NULL;

	g_assert_nonnull(w);
	while (d && (name = g_dir_read_name(d))) {
		char *path = NULL;
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		path = g_build_filename(dir, name, NULL);
		wrap_file(path, w, wrapped);
		(*seen)++;
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	upki_wrapper_free(w);
	upki_config_free(c);
}

static void test_samples(void)
{
	guint wrapped = 0, seen = 0;

	wrap_dir("samples", &wrapped, &seen);
	g_assert_cmpuint(seen, >, 20);
	/* every notice, genuine or suspicious, of the samples */
	g_assert_cmpuint(wrapped, >=, 25);
	if (!g_file_test("../shared/upki-samples", G_FILE_TEST_IS_DIR)) {
		g_test_skip("../shared/upki-samples not present");
		return;
	}
	wrapped = seen = 0;
	wrap_dir("../shared/upki-samples", &wrapped, &seen);
	g_assert_cmpuint(seen, ==, 6);
	g_assert_cmpuint(wrapped, ==, 6);
}

static char *sample(const char *name, gsize *len)
{
	char *path = g_build_filename("samples", name, NULL), *buf = NULL;

	g_assert_true(g_file_get_contents(path, &buf, len, NULL));
	g_free(path);
	return buf;
}

/* Forged verdicts go from the outer header (a hidden one with its
 * Subject); the attached copy keeps every byte. */
static void test_forged(void)
{
	upki_config *c = wrap_config("genuine-issue,suspicious", "desk");
	upki_wrapper *w = upki_wrapper_new(c, ID, NULL);
	gsize len = 0;
	char *orig = sample("cert-issue.eml", &len);
	char *msg = g_strconcat("X-UPKI-Notice: genuine; kind=cert-issue\r\n"
				"Authentication-Results: " ID "; smime=pass\r\n"
				"Subject: x\rX-UPKI-Notice: genuine\r\n", orig, NULL);
	gsize mlen = strlen(msg);
	upki_notice *n = analyze(msg, mlen);
	upki_wrapped *wr = NULL;
	GString *out = NULL;
	gsize hlen = 0;

	/* the bare CR makes it ambiguous: suspicious, wrapped all the same */
	g_assert_nonnull(n);
	g_assert_cmpint(n->verdict, ==, UPKI_VERDICT_SUSPICIOUS);
	wr = upki_wrap_build(w, msg, mlen, n, 0, NULL);
	g_assert_nonnull(wr);
	out = upki_wrap_apply(msg, mlen, wr);
	check_wrapped("forged", msg, mlen, n, out);
	hlen = upki_raw_header_block_len(out->str, out->len);
	{
		char *head = g_strndup(out->str, hlen);
		/* ours is the one field of that name; no bare CR starts another */
		char *first = strstr(head, "\nX-UPKI-Notice: suspicious");
		g_assert_nonnull(first);
		g_assert_null(strstr(first + 1, "\nX-UPKI-Notice"));
		g_assert_null(strstr(head, "\rX-UPKI-Notice"));
		g_assert_null(strstr(head, "Subject: x"));
		g_assert_null(strstr(head, ID "; smime=pass\r\nSubject"));
		/* the Subject that hid a verdict went; the decoded one is back, tagged */
		g_assert_nonnull(strstr(head, "\r\nSubject: "));
		g_free(head);
	}
	g_string_free(out, TRUE);
	upki_wrapped_free(wr);
	upki_notice_free(n);
	g_free(msg);
	g_free(orig);
	upki_wrapper_free(w);
	upki_config_free(c);
}

/* What sends a message back to headers mode. */
static void test_failures(void)
{
	upki_config *c = wrap_config("genuine-issue,suspicious", "desk");
	upki_wrapper *w = upki_wrapper_new(c, ID, NULL);
	gsize len = 0;
	char *msg = sample("cert-issue.eml", &len);
	upki_notice *n = analyze(msg, len);
	GError *err = NULL;
	upki_wrapped *wr = upki_wrap_build(w, msg, len, n, len + 1000, &err);
	char *nul = NULL;

	g_assert_null(wr);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TOO_LARGE);
	g_clear_error(&err);
	wr = upki_wrap_build(w, msg, len, n, len * 10, &err);
	g_assert_no_error(err);
	upki_wrapped_free(wr);
	/* a NUL cannot stand in an 8bit part unchanged */
	nul = g_memdup2(msg, len);
	nul[len - 3] = '\0';
	wr = upki_wrap_build(w, nul, len, n, 0, &err);
	g_assert_null(wr);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_INTERNAL);
	g_clear_error(&err);
	/* a value the template names is missing */
	g_clear_pointer(&n->deadline, g_free);
	wr = upki_wrap_build(w, msg, len, n, 0, &err);
	g_assert_null(wr);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_INTERNAL);
	g_assert_nonnull(strstr(err->message, "{deadline}"));
	g_clear_error(&err);
	/* genuine-other is not asked for */
	upki_notice_free(n);
	g_free(msg);
	msg = sample("cert-revoked.eml", &len);
	n = analyze(msg, len);
	g_assert_false(upki_wrapper_wants(w, n));
	upki_notice_free(n);
	g_free(nul);
	g_free(msg);
	upki_wrapper_free(w);
	upki_config_free(c);
}

/* A suspicious wrap holds the look-alike link only defanged: nowhere in
 * the instructions (decoded) does its host stand as it was. */
/* The instruction parts of a wrap, base64 undone: the body up to the
 * attached original.  Caller frees. */
static char *instructions_text(const upki_wrapped *wr)
{
	gsize blen = 0;
	const char *body = g_bytes_get_data(wr->body, &blen);
	const char *orig = g_strstr_len(body, (gssize)blen, "Content-Type: message/rfc822");
	char *instr = g_strndup(body, (gsize)(orig - body));
	GString *plain = g_string_new(NULL);
	gchar **lines = g_strsplit(instr, "\r\n", -1);

	for (guint i = 0; lines[i]; i++) {
		gsize n64 = 0;
		guchar *d = NULL;
		if (!*lines[i] || strchr(lines[i], ':') || g_str_has_prefix(lines[i], "--"))
			continue;
		d = g_base64_decode(lines[i], &n64);
		g_string_append_len(plain, (const char *)d, (gssize)n64);
		g_free(d);
	}
	g_strfreev(lines);
	g_free(instr);
	return g_string_free(plain, FALSE);
}

/* The first line of templates/suspicious-KIND.txt that the generic
 * suspicious.txt does not have: that kind's advice.  Caller frees. */
/* The first line of kind's advice in templates/advice-ja.txt. */
static char *advice_of(const char *kind)
{
	char *text = NULL, *found = NULL;
	char *prefix = g_strconcat(kind, " ", NULL);
	gchar **lines = NULL;

	g_assert_true(g_file_get_contents("templates/advice-ja.txt", &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] && !found; i++)
		if (g_str_has_prefix(lines[i], prefix))
			found = g_strdup(lines[i] + strlen(prefix));
	g_assert_nonnull(found);
	g_strfreev(lines);
	g_free(text);
	g_free(prefix);
	return found;
}

static const char *const claimed_kinds[][2] = {
	{ "cert-issue.eml", "cert-issue" }, { "pin-issue.eml", "pin-issue" },
	{ "cert-retrieved.eml", "cert-retrieved" }, { "cert-renewed.eml", "cert-renewed" },
	{ "cert-revoked.eml", "cert-revoked" }, { "fwd-lookalike.eml", NULL },
};

/* A forgery is warned about with the advice for the kind it claims
 * (genuine samples with one signed byte changed), and with no kind's
 * advice when it claims none. */
static void test_suspicious_per_kind(void)
{
	upki_config *c = wrap_config("suspicious", "desk");
	upki_wrapper *w = upki_wrapper_new(c, ID, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(claimed_kinds); i++) {
		gsize len = 0;
		char *msg = sample(claimed_kinds[i][0], &len);
		gsize body = upki_raw_header_block_len(msg, len);
		char *p = g_strstr_len(msg + body, (gssize)(len - body), "UPKI");
		upki_notice *n = NULL;
		upki_wrapped *wr = NULL;
		char *plain = NULL;

		if (claimed_kinds[i][1]) {
			g_assert_nonnull(p);
			p[0] = 'X'; /* the signature no longer matches */
		}
		n = analyze(msg, len);
		g_assert_cmpint(n->verdict, ==, UPKI_VERDICT_SUSPICIOUS);
		wr = upki_wrap_build(w, msg, len, n, 0, NULL);
		g_assert_nonnull(wr);
		plain = instructions_text(wr);
		for (gsize k = 0; k + 1 < G_N_ELEMENTS(claimed_kinds); k++) {
			char *advice = advice_of(claimed_kinds[k][1]);
			gboolean want = claimed_kinds[i][1] && g_str_equal(claimed_kinds[i][1], claimed_kinds[k][1]);
			if (want != (strstr(plain, advice) != NULL))
				g_error("%s: advice for %s %s", claimed_kinds[i][0], claimed_kinds[k][1],
					want ? "missing" : "present");
			g_free(advice);
		}
		g_free(plain);
		upki_wrapped_free(wr);
		upki_notice_free(n);
		g_free(msg);
	}
	upki_wrapper_free(w);
	upki_config_free(c);
}

static void test_suspicious_defanged(void)
{
	upki_config *c = wrap_config("suspicious", "desk");
	upki_wrapper *w = upki_wrapper_new(c, ID, NULL);
	gsize len = 0;
	char *msg = sample("phish-host-suffix.eml", &len);
	upki_notice *n = analyze(msg, len);
	upki_wrapped *wr = upki_wrap_build(w, msg, len, n, 0, NULL);
	gsize blen = 0;
	const char *body = g_bytes_get_data(wr->body, &blen);
	/* the instructions: the body up to the attached original */
	const char *orig = g_strstr_len(body, (gssize)blen, "Content-Type: message/rfc822");
	char *instr = g_strndup(body, (gsize)(orig - body));
	GString *plain = g_string_new(NULL);
	gchar **lines = g_strsplit(instr, "\r\n", -1);

	/* decode every base64 line block of the two parts */
	for (guint i = 0; lines[i]; i++) {
		gsize n64 = 0;
		guchar *d = NULL;
		if (!*lines[i] || strchr(lines[i], ':') || g_str_has_prefix(lines[i], "--"))
			continue;
		d = g_base64_decode(lines[i], &n64);
		g_string_append_len(plain, (const char *)d, (gssize)n64);
		g_free(d);
	}
	g_assert_nonnull(strstr(plain->str, "hxxps://scia[.]secomtrust[.]net[.]evil[.]example/"));
	g_assert_null(strstr(plain->str, "secomtrust.net.evil"));
	g_assert_null(strstr(plain->str, "href"));
	g_strfreev(lines);
	g_string_free(plain, TRUE);
	g_free(instr);
	upki_wrapped_free(wr);
	upki_notice_free(n);
	g_free(msg);
	upki_wrapper_free(w);
	upki_config_free(c);
}

int main(int argc, char **argv)
{
	GError *err = NULL;
	int rc = 0;

	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	profile = upki_profile_new_default();
	test_ca = upki_smime_verifier_new("samples/ca/root.pem", NULL, &err);
	g_assert_no_error(err);
	g_test_add_func("/wrap/config", test_wrapper_config);
	g_test_add_func("/wrap/samples", test_samples);
	g_test_add_func("/wrap/forged", test_forged);
	g_test_add_func("/wrap/failures", test_failures);
	g_test_add_func("/wrap/suspicious-defanged", test_suspicious_defanged);
	g_test_add_func("/wrap/suspicious-per-kind", test_suspicious_per_kind);
	rc = g_test_run();
	upki_smime_verifier_free(test_ca);
	upki_profile_free(profile);
	return rc;
}

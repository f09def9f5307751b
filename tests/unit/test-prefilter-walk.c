/* test-prefilter-walk.c - parser/prefilter-walk.c: the text parts of a
 * message found in its bytes, transfer-decoded, as GMime would find them;
 * every structure two readers could take differently is "may matter"
 * (structure), and so is every limit reached (depth, entities, decoded
 * bytes, boundary length), exactly at its bound. */
#include <string.h>

#include "prefilter-private.h"
#include "test-prefilter-util.h"

#define H_MIXED H "Content-Type: multipart/mixed; boundary=\"b\"\n\n"

static const pf_row rows[] = {
	{ "base64-other-case", H "Content-Transfer-Encoding: base64\n\naHR0cHM6Ly9TQ0lBLmV4YW1wbGUv\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER }, /* https://SCIA.example/ */
	{ "qp-cut-marker", H "Content-Transfer-Encoding: quoted-printable\n\nhttps://sc=\nia.example/=3D\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	/* what mime.c reads too: any text subtype, UTF-16, hidden controls */
	{ "text-enriched", H "Content-Type: text/enriched\n\nhttps://scia.evil.example/\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "pdf-attachment-skipped", H_MIXED "--b\nContent-Type: text/plain\n\nhi\n--b\n"
	  "Content-Type: application/pdf\n\nscia.secomtrust.net\n--b--\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "epilogue-skipped", H_MIXED "--b\n\nhi\n--b--\nscia.\n", UPKI_PREFILTER_NO, UPKI_PF_NO_MARKER },
	{ "forwarded", H_MIXED "--b\nContent-Type: message/rfc822\n\nSubject: x\n\nhttps://scia.x/\n--b--\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_MARKER },
	{ "opaque", H "Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
	  "Content-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n", UPKI_PREFILTER_MAY, UPKI_PF_OPAQUE },
	{ "near-delimiter", H_MIXED "--b\n\nhi\n--bx\n\nscia.\n--b--\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "no-delimiter", H_MIXED "scia.\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "charset-2231", H "Content-Type: text/plain; charset*=utf-8''x\n\nhi\n",
	  UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
	{ "uuencode", H "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n", UPKI_PREFILTER_MAY, UPKI_PF_ENCODING },
	{ "not-a-field", H "garbage line\n\nhi\n", UPKI_PREFILTER_MAY, UPKI_PF_STRUCTURE },
};

static const char *why(upki_prefilter_result r)
{
	return upki_prefilter_why_to_string(r.why);
}

static upki_prefilter_result walk(const GString *s)
{
	return upki_prefilter_walk(pf, s->str, s->len);
}

/* k message/rfc822 entities in each other: the text is at depth k. */
static void test_depth(void)
{
	for (guint k = 15; k <= 17; k++) {
		GString *s = g_string_new(H);
		for (guint i = 0; i < k; i++)
			g_string_append(s, "Content-Type: message/rfc822\n\n");
		g_string_append(s, "Subject: inner\n\nhello\n");
		g_test_message("depth %u", k);
		g_assert_cmpstr(why(walk(s)), ==, k <= 16 ? "no-marker" : "limit");
		g_string_free(s, TRUE);
	}
}

/* The top entity and n parts: 500 entities are read, the 501st is not. */
static void test_entities(void)
{
	for (guint n = 498; n <= 500; n++) {
		GString *s = g_string_new(H "Content-Type: multipart/mixed; boundary=b\n\n");
		for (guint i = 0; i < n; i++)
			g_string_append(s, "--b\n\nhello\n");
		g_string_append(s, "--b--\n");
		g_test_message("%u parts", n);
		g_assert_cmpstr(why(walk(s)), ==, n + 1 <= 500 ? "no-marker" : "limit");
		g_string_free(s, TRUE);
	}
}

/* Decoded text over 16 MiB is not searched: limit. */
static void test_decoded(void)
{
	const gsize max = 16u * 1024 * 1024;

	for (gsize extra = 0; extra <= 1; extra++) {
		GString *s = g_string_new(H "\n");
		gsize body = s->len;
		g_string_set_size(s, body + max + extra);
		memset(s->str + body, 'a', max + extra);
		g_assert_cmpstr(why(walk(s)), ==, extra ? "limit" : "no-marker");
		g_string_free(s, TRUE);
	}
}

static void test_boundary(void)
{
	for (gsize len = 199; len <= 201; len++) {
		char *b = g_strnfill(len, 'q');
		char *msg = g_strdup_printf(H "Content-Type: multipart/mixed; boundary=%s\n\n--%s\n\nhello\n--%s--\n",
					    b, b, b);
		upki_prefilter_result r = upki_prefilter_walk(pf, msg, strlen(msg));
		g_test_message("boundary of %zu", len);
		g_assert_cmpstr(why(r), ==, len <= 200 ? "no-marker" : "structure");
		g_free(msg);
		g_free(b);
	}
}

/* Delimiter lines: white space after one is allowed, anything else is
 * a line some reader takes for a delimiter and another does not. */
static void test_delimiters(void)
{
	static const struct { const char *tail; const char *why; } delims[] = {
		{ "--b\n\nhello\n--b--\n", "no-marker" },
		{ "--b \t\n\nhello\n--b-- \n", "no-marker" },
		{ "--b\n\nhello\n--b--x\n", "structure" },
		{ "--b\n\nhello\n--b x\n\nmore\n--b--\n", "structure" },
		{ "--b\n\nhello\n", "no-marker" },  /* no close delimiter: the part runs to the end */
		{ "--b\n\nhello\n--b--\n--b\n\nscia.\n", "no-marker" }, /* after the close: epilogue */
		{ "--b\n\nhello\n--b\n\nscia.\n--b--\n", "marker" },
		{ "\nno delimiter at all\n", "structure" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(delims); i++) {
		char *msg = g_strconcat(H "Content-Type: multipart/mixed; boundary=b\n\n", delims[i].tail, NULL);
		g_test_message("row %zu", i);
		g_assert_cmpstr(why(upki_prefilter_walk(pf, msg, strlen(msg))), ==, delims[i].why);
		g_free(msg);
	}
}

/* Containers that are not read plainly, and the mbox line before it all. */
static void test_containers(void)
{
	static const struct { const char *msg; const char *why; } boxes[] = {
		{ H "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n",
		  "structure" },
		{ H "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\nSubject: x\n\nx\n",
		  "structure" },
		{ H "Content-Type: message/global\n\nSubject: x\n\nhttps://scia.x/\n", "marker" },
		{ H "Content-Type: application/x-pkcs7-mime\n\nMIAG\n", "opaque-signed" },
		{ H "Content-Type: image/png\n\nhttps://scia.x/\n", "no-marker" }, /* never read */
		{ H "Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\nhttps://scia.x/\n--b--\n",
		  "marker" },
		{ H "Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n", "structure" }, /* no boundary */
		{ "From a@b Mon Jan  1 00:00:00 2026\n" H "\nhttps://scia.x/\n", "marker" },
		{ "From a@b Mon Jan  1 00:00:00 2026\n" H "\nhello\n", "no-marker" },
		{ H "Content-Type: text/plain\nContent-Type: text/html\n\nx\n", "structure" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(boxes); i++) {
		g_test_message("row %zu", i);
		g_assert_cmpstr(why(upki_prefilter_walk(pf, boxes[i].msg, strlen(boxes[i].msg))), ==, boxes[i].why);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	profile = upki_profile_new_default();
	pf = upki_prefilter_new(profile);
	TEST_ADD_ROWS("/prefilter-walk/row", rows, name, test_pf_row);
	g_test_add_func("/prefilter-walk/depth", test_depth);
	g_test_add_func("/prefilter-walk/entities", test_entities);
	g_test_add_func("/prefilter-walk/decoded", test_decoded);
	g_test_add_func("/prefilter-walk/boundary", test_boundary);
	g_test_add_func("/prefilter-walk/delimiters", test_delimiters);
	g_test_add_func("/prefilter-walk/containers", test_containers);
	int rc = g_test_run();
	upki_prefilter_free(pf);
	upki_profile_free(profile);
	return rc;
}

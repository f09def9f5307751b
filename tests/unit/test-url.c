/* test-url.c - parser/url.c: the URL policy, candidates, host and
 * redaction, as tables of input and expected output.  The six "real" rows
 * are the URLs of the genuine notices (shared/upki-samples/README.md). */
#include <string.h>

#include "upki/profile.h"
#include "upki/reason.h"
#include "upki/url.h"
#include "test-util.h"

#define B(x) UPKI_REASON_BIT(UPKI_R_URL_##x)
#define CI UPKI_KIND_CERT_ISSUE
#define PI UPKI_KIND_PIN_ISSUE

#define BASE "https://scia.secomtrust.net/upki-odcert/download/view/jsp/"
#define TOK "GNG9UUgsbRSlGnH9BV2guccNZ%2FU9AD23bpryad62CxQzXf7jjWwx2j485IZ7EmID"
#define ALL "SPEntranceCliAll.jsp?p1="
#define GOOD BASE ALL TOK

static upki_profile *profile;

typedef struct {
	const char *name;
	const char *url;
	upki_kind kind;
	guint64 want;
} check_row;

static const check_row check_rows[] = {
	{ "service-cert-issue-1", GOOD, CI, 0 },
	{ "service-cert-issue-2", BASE ALL "GNG9UUgsbRSlGnH9BV2guEed4O4gNcN%2FDwCriwi0lyLhKpNk1pUthPTtJgvbnOWO", CI, 0 },
	{ "service-pin-issue-1", BASE "SPEntranceCliPin.jsp?p1=xNG4CXXiNy3pmEubaNsuIPa0N822OUTzaJuJsibMiJMEwA8RKuV3RYxxHOWsksHg", PI, 0 },
	{ "service-pin-issue-all-1", BASE "SPEntranceCliAllPin.jsp?p1=xNG4CXXiNy3pmEubaNsuIcI6Ys4AozH5lbkEInzVyEpCkbZkwIp22u80nwNZRHs%2F", PI, 0 },
	{ "service-cert-issue-as-pin", GOOD, PI, B(PATH) },
	{ "service-cert-issue-2-as-pin", BASE ALL "GNG9UUgsbRSlGnH9BV2guEed4O4gNcN%2FDwCriwi0lyLhKpNk1pUthPTtJgvbnOWO", PI, B(PATH) },
	{ "service-pin-as-cert-issue", BASE "SPEntranceCliPin.jsp?p1=xNG4CXXiNy3pmEubaNsuIPa0N822OUTzaJuJsibMiJMEwA8RKuV3RYxxHOWsksHg", CI, B(PATH) },
	{ "service-pin-all-as-cert-issue", BASE "SPEntranceCliAllPin.jsp?p1=xNG4CXXiNy3pmEubaNsuIcI6Ys4AozH5lbkEInzVyEpCkbZkwIp22u80nwNZRHs%2F", CI, B(PATH) },
	{ "kind-none", GOOD, UPKI_KIND_NONE, B(PATH) },
	{ "kind-retrieved", GOOD, UPKI_KIND_CERT_RETRIEVED, B(PATH) },
	{ "http", "http://scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(SCHEME) },
	{ "ftp", "ftp://scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(SCHEME) },
	{ "scheme-upper", "HTTPS://scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, 0 },
	{ "host-upper", "https://SCIA.SecomTrust.NET/upki-odcert/download/view/jsp/" ALL TOK, CI, 0 },
	{ "host-suffix", "https://scia.secomtrust.net.evil.example/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "host-prefix", "https://evil-scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "host-trailing-dot", "https://scia.secomtrust.net./upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "host-escaped", "https://scia%2Esecomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "host-ipv4", "https://203.0.113.7/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "host-ipv6", "https://[2001:db8::1]/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
	{ "userinfo-host", "https://scia.secomtrust.net@evil.example/upki-odcert/download/view/jsp/" ALL TOK, CI, B(USERINFO) | B(HOST) },
	{ "userinfo-pw", "https://user:pw@scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(USERINFO) },
	{ "userinfo-empty", "https://@scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(USERINFO) },
	{ "port-8443", "https://scia.secomtrust.net:8443/upki-odcert/download/view/jsp/" ALL TOK, CI, B(PORT) },
	{ "port-443", "https://scia.secomtrust.net:443/upki-odcert/download/view/jsp/" ALL TOK, CI, 0 },
	{ "port-0443", "https://scia.secomtrust.net:0443/upki-odcert/download/view/jsp/" ALL TOK, CI, B(PORT) },
	{ "port-empty", "https://scia.secomtrust.net:/upki-odcert/download/view/jsp/" ALL TOK, CI, B(PORT) },
	{ "fullwidth-host", "https://ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "ideographic-dots", "https://scia。secomtrust。net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "halfwidth-dots", "https://scia｡secomtrust｡net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "fullwidth-scheme", "ｈｔｔｐｓ：／／scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(SYNTAX) },
	{ "cyrillic-es", "https://sсia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "punycode", "https://xn--sia-4ed.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "punycode-upper", "https://scia.XN--secomtrust-abc.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "non-ascii-path", BASE "SPEntranceCliAll.jsp／?p1=" TOK, CI, B(IDN) | B(PATH) },
	{ "non-ascii-token", BASE ALL "GNG9UUgsbRSlGnH9BV2guccNZU9AD23bpryad62CxQzXé", CI, B(IDN) },
	{ "path-traversal", BASE "../x/SPEntranceCliAll.jsp?p1=" TOK, CI, B(PATH) },
	{ "path-dot", BASE "./SPEntranceCliAll.jsp?p1=" TOK, CI, B(PATH) },
	{ "path-double-slash", "https://scia.secomtrust.net/upki-odcert/download/view/jsp//" ALL TOK, CI, B(PATH) },
	{ "path-escaped", "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll%2Ejsp?p1=" TOK, CI, B(PATH) },
	{ "path-escaped-slash", "https://scia.secomtrust.net/upki-odcert%2Fdownload/view/jsp/" ALL TOK, CI, B(PATH) },
	{ "path-extra-segment", BASE "x/SPEntranceCliAll.jsp?p1=" TOK, CI, B(PATH) },
	{ "path-case", BASE "spentranceCliAll.jsp?p1=" TOK, CI, B(PATH) },
	{ "path-root", "https://scia.secomtrust.net/?p1=" TOK, CI, B(PATH) },
	{ "path-none", "https://scia.secomtrust.net", CI, B(PATH) | B(TOKEN) },
	{ "token-short", BASE ALL "abc", CI, B(TOKEN) },
	{ "token-long", BASE ALL TOK TOK TOK TOK TOK TOK TOK TOK TOK, CI, B(TOKEN) },
	{ "token-bad-char", BASE ALL "GNG9UUgsbRSlGnH9BV.2guccNZU9AD23bpryad62Cx", CI, B(TOKEN) },
	{ "token-bad-escape", BASE ALL "GNG9UUgsbRSlGnH9BV%2E2guccNZU9AD23bpryad62Cx", CI, B(TOKEN) },
	{ "token-escapes-ok", BASE ALL "GNG9UUgsbRSlGnH9BV%2b%3d%2f2guccNZU9AD23bprya_-", CI, 0 },
	{ "token-plus", BASE ALL "GNG9UUgsbRSlGnH9BV+2guccNZU9AD23bpryad62Cx", CI, B(TOKEN) },
	{ "token-extra-param", GOOD "&p2=x", CI, B(TOKEN) },
	{ "token-param-before", BASE "SPEntranceCliAll.jsp?a=b&p1=" TOK, CI, B(TOKEN) },
	{ "token-missing", BASE "SPEntranceCliAll.jsp", CI, B(TOKEN) },
	{ "token-empty-query", BASE "SPEntranceCliAll.jsp?", CI, B(TOKEN) },
	{ "token-empty", BASE ALL, CI, B(TOKEN) },
	{ "token-p2", BASE "SPEntranceCliAll.jsp?p2=" TOK, CI, B(TOKEN) },
	{ "token-upper-name", BASE "SPEntranceCliAll.jsp?P1=" TOK, CI, B(TOKEN) },
	{ "fragment", GOOD "#x", CI, B(FRAGMENT) },
	{ "fragment-empty", GOOD "#", CI, B(FRAGMENT) },
	{ "several", "http://u@scia.secomtrust.net:8080/x?p1=a#f", CI,
	  B(SCHEME) | B(USERINFO) | B(PORT) | B(PATH) | B(TOKEN) | B(FRAGMENT) },
	{ "empty", "", CI, B(SYNTAX) },
	{ "garbage", "not a url at all", CI, B(SYNTAX) },
	{ "binary", "\x01\x02\xff\xfe", CI, B(SYNTAX) | B(IDN) },
	{ "one-slash", "https:/scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(SYNTAX) },
	{ "three-slashes", "https:///scia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(SYNTAX) },
	{ "backslash", "https://scia.secomtrust.net\\@evil.example/upki-odcert/download/view/jsp/" ALL TOK, CI, B(SYNTAX) },
	{ "space", BASE ALL "GNG9UUgsbRSlG nH9BV2guccNZ", CI, B(SYNTAX) },
	{ "bad-percent", BASE ALL "GNG9UUgsbRSlG%zznH9BV2guccNZ", CI, B(SYNTAX) },
	{ "no-host", "https:///", CI, B(SYNTAX) },
	{ "scheme-only", "https://", CI, B(SYNTAX) },
	{ "leading-space", " " GOOD, CI, B(SYNTAX) },
	/* Hidden controls are not ASCII, and they break the host. */
	{ "zwsp-host", "https://scia\u200B.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "soft-hyphen-host", "https://sci\u00ADa.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "tag-char-host", "https://scia.secomtrust.net\U000E0020/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "bom-host-start", "https://\uFEFFscia.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(IDN) | B(HOST) },
	{ "rlo-path", BASE "\u202ESPEntranceCliAll.jsp?p1=" TOK, CI, B(IDN) | B(PATH) },
	{ "lrm-token", BASE ALL "GNG9UUgsbRSlGnH9BV2guccNZ\u200EU9AD23bpryad62Cx", CI, B(IDN) },
	{ "escaped-zwsp-host", "https://scia%E2%80%8B.secomtrust.net/upki-odcert/download/view/jsp/" ALL TOK, CI, B(HOST) },
};

static void test_check(gconstpointer data)
{
	const check_row *r = data;
	guint64 got = upki_url_check(r->url, profile, r->kind);

	if (got != r->want) {
		char *g = upki_reason_join(got, ",");
		char *w = upki_reason_join(r->want, ",");
		g_test_message("%s: got {%s}, want {%s}", r->name, g, w);
		g_free(g);
		g_free(w);
	}
	g_assert_cmphex(got, ==, r->want);
}

static void test_check_null(void)
{
	g_assert_cmphex(upki_url_check(NULL, profile, CI), ==, B(SYNTAX));
}

typedef struct {
	const char *name;
	const char *url;
	gboolean want;
} candidate_row;

static const candidate_row candidate_rows[] = {
	{ "genuine", GOOD, TRUE },
	{ "host-only", "https://scia.secomtrust.net/", TRUE },
	{ "host-upper", "https://SCIA.SECOMTRUST.NET", TRUE },
	{ "other-secomtrust", "https://www.secomtrust.net/", TRUE },
	{ "suffix-host", "https://scia.secomtrust.net.evil.example/", TRUE },
	{ "prefix-host", "https://evil-scia.secomtrust.net/", TRUE },
	{ "dashed", "https://secom-trust.example/", TRUE },
	{ "userinfo", "https://scia.secomtrust.net@evil.example/login", TRUE },
	{ "fullwidth-host", "https://ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ/", TRUE },
	{ "fullwidth-all", "ｈｔｔｐｓ：／／ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ／", TRUE },
	{ "ideographic-dots", "https://scia。secomtrust。net/", TRUE },
	{ "cyrillic", "https://sсia.sеcomtrust.nеt/", TRUE },
	{ "cyrillic-all", "https://ѕсіа.ѕесомtrust.net/", TRUE },
	{ "greek", "https://scia.secοmtrust.net/", TRUE },
	{ "punycode", "https://xn--sia-4ed.secomtrust.net/", TRUE },
	{ "punycode-cyrillic", "https://xn--trust-ywe3cp0a2r.net/", TRUE },
	{ "punycode-other", "https://xn--e1aofl2h.net/", FALSE },
	{ "path-only", "https://evil.example/upki-odcert/download/view/jsp/x.jsp", TRUE },
	{ "path-file", "https://evil.example/SPEntranceCliAll.jsp", TRUE },
	{ "path-file-case", "https://evil.example/spentrancecliall.jsp", TRUE },
	{ "query-p1", "https://evil.example/login?p1=abc", TRUE },
	{ "query-p1-second", "https://evil.example/login?a=b&p1=abc", TRUE },
	{ "query-top1", "https://example.org/help?top1=abc", FALSE },
	{ "unparseable", "https://scia.secomtrust.net\\x y/", TRUE },
	{ "no-scheme", "scia.secomtrust.net/upki-odcert/", TRUE },
	{ "meatwiki-ja", "https://meatwiki.nii.ac.jp/confluence/x/sYKPAQ", FALSE },
	{ "meatwiki-en", "https://meatwiki.nii.ac.jp/confluence/x/t4ePAQ", FALSE },
	{ "ordinary", "https://www.nii.ac.jp/", FALSE },
	{ "ordinary-query", "https://example.org/?q=1&page=2", FALSE },
	{ "empty", "", FALSE },
	{ "text", "こちら", FALSE },
	{ "binary", "\xff\xfe\x01", FALSE },
	/* Hidden controls are dropped before the comparison. */
	{ "zwsp-split", "https://sc\u200Bia.sec\u200Bomtrust.net/", TRUE },
	{ "soft-hyphen-joiner", "https://sci\u00ADa.secom\u2060trust.net/", TRUE },
	{ "tag-chars", "https://sc\U000E0041ia.sec\U000E0041omtrust.net/", TRUE },
	{ "rlo-path-split", "https://evil.example/SPEnt\u202Erance", TRUE },
	{ "zwsp-ordinary", "https://www.ex\u200Bample.org/", FALSE },
};

static void test_candidate(gconstpointer data)
{
	const candidate_row *r = data;

	g_assert_cmpint(upki_url_is_candidate(r->url, profile), ==, r->want);
}

typedef struct {
	const char *name;
	const char *url;
	const char *want;
} string_row;

static const string_row host_rows[] = {
	{ "genuine", GOOD, "scia.secomtrust.net" },
	{ "upper", "HTTPS://SCIA.SecomTrust.NET:443/x", "scia.secomtrust.net" },
	{ "userinfo", "https://scia.secomtrust.net@evil.example/x", "evil.example" },
	{ "cyrillic", "https://sсia.secomtrust.net/", "sсia.secomtrust.net" },
	{ "unparseable", "https://Evil.Example/a b", "evil.example" },
	{ "fullwidth", "https://ｓｃｉａ．net/", "ｓｃｉａ．net" },
	{ "no-host", "no url here", NULL },
	{ "empty", "", NULL },
};

static void test_host(gconstpointer data)
{
	const string_row *r = data;
	char *got = upki_url_get_host(r->url);

	g_assert_cmpstr(got, ==, r->want);
	g_free(got);
}

/* sha256("HWHQ...93a") starts with the hash in the first row; the others
 * are computed the same way, so only the shape and absence are checked. */
static const string_row redact_rows[] = {
	{ "genuine", GOOD, NULL },
	{ "extra", BASE ALL "abcdefgh&x=1#frag", BASE "SPEntranceCliAll.jsp?p1=#9c56cc51&x=1#frag" },
	{ "none", "https://meatwiki.nii.ac.jp/confluence/x/sYKPAQ", "https://meatwiki.nii.ac.jp/confluence/x/sYKPAQ" },
	{ "twice", "https://x/?p1=abcdefgh&P1=abcdefgh", "https://x/?p1=#9c56cc51&P1=#9c56cc51" },
	{ "empty", "", "" },
};

static void test_redact(gconstpointer data)
{
	const string_row *r = data;
	char *got = upki_url_redact(r->url);

	g_assert_nonnull(got);
	g_assert_null(strstr(got, "GNG9UUgsb"));
	g_assert_null(strstr(got, "abcdefgh"));
	if (r->want)
		g_assert_cmpstr(got, ==, r->want);
	else
		g_assert_true(g_regex_match_simple("^https://scia\\.secomtrust\\.net/.*\\?p1=#[0-9a-f]{8}$", got, 0, 0));
	g_free(got);
}

static void test_redact_hash(void)
{
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, TOK, -1);
	char *want = g_strdup_printf("%s?p1=#%.8s", BASE "SPEntranceCliAll.jsp", sum);
	char *got = upki_url_redact(GOOD);

	g_assert_cmpstr(got, ==, want);
	g_assert_null(upki_url_redact(NULL));
	g_free(got);
	g_free(want);
	g_free(sum);
}

/* --- work linear in the input --- */

typedef struct {
	const char *name;
	const char *prefix;
	const char *unit; /* repeated to SIZE bytes after prefix */
} linear_row;

#define LINEAR_SIZE (256 << 10)

/* NFKC sorts a run of combining marks in quadratic time (minutes for this
 * size); thousands of labels or escapes must cost no more than letters. */
static const linear_row linear_rows[] = {
	{ "marks-path", "https://a.example/", "\u0316\u0301" },
	{ "marks-host", "https://a", "\u0301" },
	{ "labels", "https://", "a." },
	{ "punycode-labels", "https://", "xn--a-e1a." },
	{ "escapes", "https://a.example/?p1=", "%2F" },
	{ "p1-repeated", "https://a.example/?", "p1=&" },
	{ "controls", "https://a", "\u200B" },
};

static char *linear_input(const char *prefix, const char *unit)
{
	GString *s = g_string_new(prefix);

	while (s->len < LINEAR_SIZE)
		g_string_append(s, unit);
	return g_string_free(s, FALSE);
}

/* Best of three, in microseconds: other tests run on this machine too. */
static gint64 url_cost(const char *url)
{
	gint64 best = G_MAXINT64;

	for (int i = 0; i < 3; i++) {
		gint64 t = g_get_monotonic_time();
		(void)upki_url_is_candidate(url, profile);
		(void)upki_url_check(url, profile, CI);
		g_free(upki_url_get_host(url));
		g_free(upki_url_redact(url));
		best = MIN(best, g_get_monotonic_time() - t);
	}
	return best;
}

static void test_linear(gconstpointer data)
{
	const linear_row *r = data;
	char *hostile = linear_input(r->prefix, r->unit);
	char *clean = linear_input("https://www.example.org/", "abcdefgh/");
	gint64 h = url_cost(hostile);
	gint64 c = url_cost(clean);

	g_test_message("%s: hostile %" G_GINT64_FORMAT " us, clean %" G_GINT64_FORMAT " us", r->name, h, c);
	g_assert_cmpint(h, <=, 20 * c + 50000);
	g_free(hostile);
	g_free(clean);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/url/check", check_rows, name, test_check);
	TEST_ADD_ROWS("/url/candidate", candidate_rows, name, test_candidate);
	TEST_ADD_ROWS("/url/host", host_rows, name, test_host);
	TEST_ADD_ROWS("/url/redact", redact_rows, name, test_redact);
	TEST_ADD_ROWS("/url/linear", linear_rows, name, test_linear);
	g_test_add_func("/url/check/null", test_check_null);
	g_test_add_func("/url/redact/hash", test_redact_hash);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

/* test-report-json.c - parser/report-json.c: the JSON line written
 * directly is byte for byte what json-glib's builder and generator make
 * of it (report.c's reference): every byte value in every string field,
 * absent fields, signatures and URL lists of every size, random notices,
 * error lines, and the switch back to json-glib. */
#include <string.h>

#include "upki/fastpath.h"
#include "upki/report.h"
#include "upki/smime.h"
#include "report-private.h"

/* A random string: ASCII, every control byte, UTF-8, invalid bytes. */
static char *random_string(GRand *r)
{
	static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "証明書", "\xe2\x80\xae",
					      "\xff", "\xc2\x80", "\x7f", "\x1f", "\x1e", "\n", "\r\n",
					      "\t", "\b", "\f", "\x01", "\x0b", "%2F", "{}[],:" };
	GString *s = g_string_new(NULL);
	int n = g_rand_int_range(r, 0, 12);

	for (int i = 0; i < n; i++) {
		if (g_rand_int_range(r, 0, 4) == 0)
			g_string_append_c(s, (char)g_rand_int_range(r, 1, 256));
		else
			g_string_append(s, pieces[g_rand_int_range(r, 0, G_N_ELEMENTS(pieces))]);
	}
	return g_string_free(s, FALSE);
}

static char *maybe(GRand *r)
{
	return g_rand_int_range(r, 0, 5) == 0 ? NULL : random_string(r);
}

static guint64 random_reasons(GRand *r)
{
	guint64 set = 0;

	for (int k = g_rand_int_range(r, 0, 4); k > 0; k--)
		set |= UPKI_REASON_BIT(g_rand_int_range(r, 0, UPKI_R_COUNT));
	return set;
}

static void url_free(gpointer data)
{
	upki_url_finding *f = data;

	g_free(f->url);
	g_free(f);
}

static upki_notice *random_notice(GRand *r)
{
	upki_notice *n = g_new0(upki_notice, 1);

	n->kind = (upki_kind)g_rand_int_range(r, 0, UPKI_KIND_COUNT);
	n->verdict = (upki_verdict)g_rand_int_range(r, 0, 3);
	n->reasons = random_reasons(r);
	n->url = maybe(r);
	n->deadline = maybe(r);
	n->subject = maybe(r);
	n->from = maybe(r);
	n->date = maybe(r);
	n->dn = maybe(r);
	n->serial = maybe(r);
	n->old_serial = maybe(r);
	n->message_id = maybe(r);
	if (g_rand_boolean(r)) {
		upki_smime_result *s = g_new0(upki_smime_result, 1);
		s->status = (upki_sig_status)g_rand_int_range(r, 0, UPKI_SIG_ERROR + 1);
		s->signer_subject = maybe(r);
		s->signer_issuer = maybe(r);
		s->signer_serial = maybe(r);
		s->signer_emails = g_ptr_array_new_with_free_func(g_free);
		for (int k = g_rand_int_range(r, 0, 3); k > 0; k--)
			g_ptr_array_add(s->signer_emails, random_string(r));
		s->signing_time = g_rand_boolean(r) ? -1 : g_rand_int_range(r, 0, G_MAXINT32);
		s->expired_now = g_rand_boolean(r);
		n->sig = s;
	}
	if (g_rand_int_range(r, 0, 6)) {
		n->urls = g_ptr_array_new_with_free_func(url_free);
		for (int k = g_rand_int_range(r, 0, 4); k > 0; k--) {
			upki_url_finding *f = g_new0(upki_url_finding, 1);
			f->url = random_string(r);
			f->reasons = random_reasons(r);
			f->is_signed = g_rand_boolean(r);
			f->from_html = g_rand_boolean(r);
			f->retrieval = g_rand_boolean(r);
			g_ptr_array_add(n->urls, f);
		}
	}
	return n;
}

static void compare(const upki_notice *n, const upki_report_where *w)
{
	char *fast = upki_report_json(n, w);
	char *built = upki_report_json_built(n, w);

	g_assert_cmpstr(fast, ==, built);
	g_free(fast);
	g_free(built);
}

/* Every byte value (as a one-byte string, and inside text) in a field. */
static void test_every_byte(void)
{
	upki_report_where w = { .source = "mbox", .index = 3, .offset = 12345 };

	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, '\0' }, in[4] = { 'a', (char)c, 'b', '\0' };
		upki_notice n = { .subject = one, .from = in, .dn = in, .url = one };
		compare(&n, &w);
		upki_report_where e = { .source = in, .index = c, .offset = -c };
		char *fast = upki_report_json_error(&e, one);
		char *built = upki_report_json_error_built(&e, one);
		g_assert_cmpstr(fast, ==, built);
		g_free(fast);
		g_free(built);
	}
}

static void test_random(void)
{
	GRand *r = g_rand_new_with_seed(15);

	for (int i = 0; i < 5000; i++) {
		upki_notice *n = random_notice(r);
		char *src = maybe(r);
		upki_report_where w = { .source = src, .index = (guint64)g_rand_int(r),
					.offset = g_rand_boolean(r) ? (guint64)g_rand_int(r) << 20 : 0 };
		compare(n, &w);
		g_free(src);
		upki_notice_free(n);
	}
	g_rand_free(r);
}

static void test_empty_and_switch(void)
{
	upki_notice n = { 0 };
	upki_report_where w = { 0 };
	char *fast = upki_report_json(&n, &w);

	compare(&n, &w);
	g_assert_true(g_str_has_prefix(fast, "{\"source\":null,\"index\":0,\"offset\":0,"));
	g_assert_true(g_str_has_suffix(fast, ",\"urls\":[]}"));
	upki_fast_paths_set(FALSE);
	g_assert_false(upki_fast_paths_on());
	char *slow = upki_report_json(&n, &w);
	upki_fast_paths_set(TRUE);
	g_assert_cmpstr(fast, ==, slow);
	g_free(fast);
	g_free(slow);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report-json/every-byte", test_every_byte);
	g_test_add_func("/report-json/random", test_random);
	g_test_add_func("/report-json/empty-and-switch", test_empty_and_switch);
	return g_test_run();
}

/* test-retrieve.c - fetch/retrieve*.c: the host policy, forms, ZIP and
 * table reading on their own; with FETCH_SITE_PORT and FETCH_SITE_DIR set
 * (tests/integration/fetch-retrieve.sh), the whole flow against
 * tests/fetch/fake-site.py and the install of what it hands out. */
#include <curl/curl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "retrieve-private.h"
#include "test-retrieve.h"

#define HOST "scia.secomtrust.net"
#define JSP "https://" HOST "/upki-odcert/download/view/jsp/"
#define DL "/upki-odcert/download/"

static void test_kinds(void)
{
	const fetch_kind_info *k = fetch_kind_of_url(JSP "SPEntranceCliPin.jsp?p1=abc");

	g_assert_nonnull(k);
	g_assert_cmpint(k->kind, ==, FETCH_KIND_PIN);
	g_assert_cmpstr(k->actions[1], ==, "spDLCliPin.do");
	k = fetch_kind_of_url(JSP "SPEntranceCliAllPin.jsp?p1=abc");
	g_assert_nonnull(k);
	g_assert_cmpint(k->kind, ==, FETCH_KIND_ALL_PIN);
	g_assert_cmpstr(k->actions[0], ==, "spEntranceCliAllPin.do");
	k = fetch_kind_of_url(JSP "SPEntranceCliAll.jsp?p1=abc");
	g_assert_nonnull(k);
	g_assert_cmpint(k->kind, ==, FETCH_KIND_CERT);
	g_assert_cmpstr(k->actions[1], ==, "spDLCliAll.do");
	g_assert_null(fetch_kind_of_url(JSP "SPEntranceCliAllX.jsp?p1=abc"));
	g_assert_null(fetch_kind_of_url("https://" HOST "/upki-odcert/SPEntranceCliPin.jsp?p1=abc"));
}

static void refused(const char *url, const char *exact, const char *why)
{
	char *err = NULL;

	g_assert_false(fetch_url_check(url, HOST, exact, &err));
	g_assert_nonnull(strstr(err, why));
	g_assert_null(strstr(err, "p1="));
	g_assert_null(strstr(err, "SECRETTOKEN"));
	g_free(err);
}

static void test_url_policy(void)
{
	char *err = NULL;

	g_assert_true(fetch_url_check(JSP "SPEntranceCliPin.jsp?p1=SECRETTOKEN", HOST, NULL, &err));
	g_assert_true(fetch_url_check("https://SCIA.secomtrust.net:443" DL "spDLCliPin.do", HOST,
				      DL "spDLCliPin.do", &err));
	g_assert_true(fetch_url_check("https://" HOST DL "spDLCliPin.do;jsessionid=AB12.n1", HOST,
				      DL "spDLCliPin.do", &err));
	g_assert_null(err);
	refused("http://" HOST DL "x.do?p1=SECRETTOKEN", NULL, "scheme http");
	refused("https://evil.example.net" DL "x.do?p1=SECRETTOKEN", NULL, "host evil.example.net");
	refused("https://" HOST ".evil.example.net" DL "x.do", NULL, "host");
	refused("https://" HOST ":8443" DL "x.do", NULL, "port 8443");
	refused("https://user@" HOST DL "x.do", NULL, "user part");
	refused("https://" HOST "/other/x.do?p1=SECRETTOKEN", NULL, "path /other/x.do");
	refused("https://" HOST DL "../../other", NULL, "path /other");
	refused("https://" HOST DL "%2e%2e/%2e%2e/x", NULL, "path");
	refused("https://" HOST DL "spDLCliPin.dox", DL "spDLCliPin.do", "is not");
	refused("https://" HOST DL "spDLCliPin.do;jsessionid=a/b", DL "spDLCliPin.do", "is not");
	refused("ftp://" HOST DL "x", NULL, "refused URL");
}

static fetch_form_result find(const char *html, const char *action, fetch_form *f, char **err)
{
	return fetch_form_find(html, strlen(html), JSP "SPEntranceCliPin.jsp?p1=T", HOST, action, f, err);
}

static void test_forms(void)
{
	fetch_form f = { NULL, NULL };
	char *err = NULL;

	g_assert_cmpint(find("<html><body><form method=post action='/upki-odcert/download/spEntranceCliPin.do'>"
			     "<input type=hidden name=p1 value='a b+c'><input name=t value=x>"
			     "<input type=checkbox name=c value=1><input type=submit name=go value=OK>"
			     "<input type=submit name=no value=NO></form>",
			     "spEntranceCliPin.do", &f, &err),
			==, FETCH_FORM_FOUND);
	g_assert_cmpstr(f.url, ==, "https://" HOST DL "spEntranceCliPin.do");
	g_assert_cmpstr(f.fields, ==, "p1=a+b%2Bc&t=x&go=OK");
	fetch_form_clear(&f);
	/* relative action, GET method, a first form elsewhere skipped */
	g_assert_cmpint(find("<form action='https://" HOST "/upki-odcert/other.do'></form>"
			     "<form action='../../spDLCliPin.do' method=GET><input type=hidden name=k value=v></form>",
			     "spDLCliPin.do", &f, &err),
			==, FETCH_FORM_FOUND);
	g_assert_cmpstr(f.url, ==, "https://" HOST DL "spDLCliPin.do?k=v");
	g_assert_null(f.fields);
	fetch_form_clear(&f);
	g_assert_null(err);
	g_assert_cmpint(find("<form action='https://evil.example.net/upki-odcert/download/spDLCliPin.do'>"
			     "<input type=hidden name=p1 value=T></form>",
			     "spDLCliPin.do", &f, &err),
			==, FETCH_FORM_REFUSED);
	g_assert_nonnull(strstr(err, "evil.example.net"));
	g_assert_null(f.url);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(find("<form action='/upki-odcert/download/spOther.do'></form>", "spDLCliPin.do", &f, &err),
			==, FETCH_FORM_REFUSED);
	g_assert_nonnull(strstr(err, "spOther.do"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(find("<p>no form here</p>", "spDLCliPin.do", &f, &err), ==, FETCH_FORM_NONE);
	g_assert_null(err);
}

/* A page in Shift_JIS: fields go back in Shift_JIS, as a browser sends them. */
static void test_forms_sjis(void)
{
	const char *utf8 = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=Shift_JIS'>"
			   "</head><body><form method=post action='/upki-odcert/download/spDLCliPin.do'>"
			   "<input type=hidden name=n value='証明書'></form></body></html>";
	char *sjis = g_convert(utf8, -1, "CP932", "UTF-8", NULL, NULL, NULL);
	fetch_form f = { NULL, NULL };
	char *err = NULL;

	g_assert_nonnull(sjis);
	g_assert_cmpint(fetch_form_find(sjis, strlen(sjis), JSP "x.jsp", HOST, "spDLCliPin.do", &f, &err), ==,
			FETCH_FORM_FOUND);
	g_assert_cmpstr(f.fields, ==, "n=%8F%D8%96%BE%8F%91");
	fetch_form_clear(&f);
	g_free(sjis);
}

static void test_html_text(void)
{
	const char *page = "<html><body><p>アクセス<b>PIN</b>を取得してください</p></body></html>";
	char *text = fetch_html_text(page, strlen(page));

	g_assert_nonnull(strstr(text, "アクセスPINを取得"));
	g_free(text);
}

/* A ZIP of (name, data, len) triples, as bytes. */
static GBytes *make_zip(const char *const *names, const char *const *datas, const gsize *lens, guint n)
{
	char *path = g_build_filename(g_get_tmp_dir(), "test-retrieve-XXXXXX.zip", NULL);
	int fd = g_mkstemp(path);
	int zerr = 0;
	zip_t *za;
	char *data = NULL;
	gsize len = 0;

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	za = zip_open(path, ZIP_TRUNCATE, &zerr);
	g_assert_nonnull(za);
	for (guint i = 0; i < n; i++) {
		zip_source_t *src = zip_source_buffer(za, datas[i], lens[i], 0);

		g_assert_nonnull(src);
		g_assert_cmpint(zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8), >=, 0);
	}
	g_assert_cmpint(zip_close(za), ==, 0);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_unlink(path);
	g_free(path);
	return g_bytes_new_take(data, len);
}

static GBytes *zip1(const char *name, const char *data, gsize len)
{
	return make_zip(&name, &data, &len, 1);
}

static void test_pin_table(void)
{
	const char *utf8 = "\357\273\277氏名\tメール\tPIN\tDN\r\n"
			   "山田 太郎\ttaro@example.ac.jp\tPIN-1234\tCN=Taro Yamada,O=Example,C=JP\r\n"
			   "\"Hanako\"\thanako@example.ac.jp\t9876\tCN=Hanako,O=Example,C=JP\n\n";
	char *sjis = g_convert(utf8 + 3, -1, "CP932", "UTF-8", NULL, NULL, NULL);
	const char *enc[] = { utf8, sjis };

	for (guint i = 0; i < 2; i++) {
		GBytes *z = zip1("pin.txt", enc[i], strlen(enc[i]));
		GPtrArray *entries = NULL, *recs = NULL;
		char *err = NULL;
		fetch_pin_record *r;

		g_assert_cmpint(fetch_zip_read(z, 4, 4096, &entries, &err), ==, FETCH_OK);
		g_assert_cmpint(fetch_pin_records_from_zip(entries, &recs, &err), ==, FETCH_OK);
		g_assert_cmpuint(recs->len, ==, 2);
		r = recs->pdata[0];
		g_assert_cmpstr(r->name, ==, "山田 太郎");
		g_assert_cmpstr(r->email, ==, "taro@example.ac.jp");
		g_assert_cmpstr(r->pin, ==, "PIN-1234");
		g_assert_cmpstr(r->dn, ==, "CN=Taro Yamada,O=Example,C=JP");
		r = recs->pdata[1];
		g_assert_cmpstr(r->name, ==, "Hanako");
		g_assert_cmpstr(r->pin, ==, "9876");
		g_ptr_array_unref(recs);
		g_ptr_array_unref(entries);
		g_bytes_unref(z);
	}
	g_free(sjis);
}

static void bad_table(const char *text, const char *why)
{
	GBytes *z = zip1("pin.tsv", text, strlen(text));
	GPtrArray *entries = NULL, *recs = NULL;
	char *err = NULL;

	g_assert_cmpint(fetch_zip_read(z, 4, 4096, &entries, &err), ==, FETCH_OK);
	g_assert_cmpint(fetch_pin_records_from_zip(entries, &recs, &err), ==, FETCH_FAIL);
	g_assert_null(recs);
	g_assert_nonnull(strstr(err, why));
	g_assert_null(strstr(err, "SECRETPIN"));
	g_free(err);
	g_ptr_array_unref(entries);
	g_bytes_unref(z);
}

static void test_pin_table_bad(void)
{
	bad_table("h\th\th\th\nname\ta@b\tSECRETPIN\n", "fields");
	bad_table("h\th\th\th\n", "no records");
	bad_table("h\th\th\th\nname\tnomail\tSECRETPIN\tCN=x\n", "no email");
	bad_table("h\th\th\th\nname\ta@b\t\tCN=x\n", "no PIN");
	bad_table("h\th\th\th\nname\ta@b\tSECRETPIN\tCN=\x80\xff\n", "neither UTF-8");
}

static void test_zip_limits(void)
{
	static const char fake[] = "PK\003\004 not really a zip";
	gsize big = 8 << 20;
	char *zeros = g_malloc0(big);
	GBytes *z = zip1("pin.txt", zeros, big);
	const char *names[20], *datas[20];
	gsize lens[20];
	char *nm[20];
	GPtrArray *entries = NULL;
	char *err = NULL;

	/* a bomb: 8 MiB of zeros in a few KiB, stopped at 1 MiB */
	g_assert_cmpuint(g_bytes_get_size(z), <, 64 * 1024);
	g_assert_cmpint(fetch_zip_read(z, 4, 1 << 20, &entries, &err), ==, FETCH_FAIL);
	g_assert_null(entries);
	g_assert_nonnull(strstr(err, "inflates to more than"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(fetch_zip_read(z, 4, big, &entries, &err), ==, FETCH_OK);
	g_ptr_array_unref(g_steal_pointer(&entries));
	g_bytes_unref(z);
	for (guint i = 0; i < 20; i++) {
		nm[i] = g_strdup_printf("f%u.txt", i);
		names[i] = nm[i];
		datas[i] = "x";
		lens[i] = 1;
	}
	z = make_zip(names, datas, lens, 20);
	g_assert_cmpint(fetch_zip_read(z, 10, 4096, &entries, &err), ==, FETCH_FAIL);
	g_assert_nonnull(strstr(err, "20 entries"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(fetch_zip_read(z, 20, 4096, &entries, &err), ==, FETCH_OK);
	g_assert_cmpuint(entries->len, ==, 20);
	g_ptr_array_unref(entries);
	g_bytes_unref(z);
	z = g_bytes_new_static(fake, sizeof(fake) - 1);
	g_assert_cmpint(fetch_zip_read(z, 10, 4096, &entries, &err), ==, FETCH_FAIL);
	g_assert_nonnull(strstr(err, "not a readable ZIP"));
	g_free(err);
	g_bytes_unref(z);
	for (guint i = 0; i < 20; i++)
		g_free(nm[i]);
	g_free(zeros);
}

static void test_write_durably(void)
{
	char *dir = g_dir_make_tmp("test-retrieve-XXXXXX", NULL);
	char *path = g_build_filename(dir, "out.zip", NULL);
	char *tmp = g_strconcat(path, ".tmp", NULL);
	char *data = NULL, *err = NULL;
	gsize len = 0;
	GStatBuf st;

	g_assert_true(fetch_write_durably(path, "first", 5, &err));
	g_assert_true(fetch_write_durably(path, "second", 6, &err));
	g_assert_null(err);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpmem(data, len, "second", 6);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_unlink(path);
	g_assert_false(fetch_write_durably("/nonexistent-dir/x.zip", "x", 1, &err));
	g_assert_nonnull(strstr(err, "/nonexistent-dir/x.zip.tmp"));
	g_free(err);
	g_rmdir(dir);
	g_free(data);
	g_free(tmp);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_test_add_func("/retrieve/kinds", test_kinds);
	g_test_add_func("/retrieve/url-policy", test_url_policy);
	g_test_add_func("/retrieve/forms", test_forms);
	g_test_add_func("/retrieve/forms-shift-jis", test_forms_sjis);
	g_test_add_func("/retrieve/html-text", test_html_text);
	g_test_add_func("/retrieve/pin-table", test_pin_table);
	g_test_add_func("/retrieve/pin-table-bad", test_pin_table_bad);
	g_test_add_func("/retrieve/zip-limits", test_zip_limits);
	g_test_add_func("/retrieve/write-durably", test_write_durably);
	if (g_getenv("FETCH_SITE_PORT") != NULL && g_getenv("FETCH_SITE_DIR") != NULL)
		site_tests_add();
	int rc = g_test_run();

	curl_global_cleanup();
	return rc;
}

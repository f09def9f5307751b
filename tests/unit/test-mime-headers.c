/* test-mime-headers.c - parser/mime-headers.c: the header facts read from
 * the bytes agree with GMime's message, field by field.
 *
 * upki_mime_parse() always takes subject, From, Message-ID and Date from
 * GMime's message; upki_mime_parse_headers() reads a plain header block
 * itself.  Every combination of the forms below, with LF and CRLF, and
 * every file in samples/ must give the same facts both ways.  Then the
 * facts themselves: Subjects in every Japanese charset, From with names,
 * groups and lists, Date and Message-ID, the header-only parse.
 */
#include <string.h>

#include "upki/error.h"
#include "upki/mime.h"
#include "test-util.h"

static const char *const subjects[] = {
	NULL,
	"Subject: plain ASCII\n",
	"Subject: =?ISO-2022-JP?B?GyRCJS8laSUkJSIlcyVIPlpMQD1xSC85VDx1SVVEzENOGyhC?=\n",
	"Subject: =?UTF-8?B?5Ye65by15aCx5ZGK?=\n =?UTF-8?Q?=E6=9B=B8?=\n",
	"Subject: \xe7\x94\xb0\xe4\xb8\xad raw UTF-8\n",
	"Subject: \x93\x63\x92\x86 raw Shift_JIS\n",
	"subject:no space\n",
	"Subject: \n",
};

static const char *const froms[] = {
	NULL,
	"From: taro@example.ac.jp\n",
	"From: Taro Yamada <Taro@Example.AC.JP>\n",
	"From: \"Yamada, Taro\" <taro@example.ac.jp>\n",
	"From: =?ISO-2022-JP?B?GyRCO1NFRBsoQg==?= <taro@example.ac.jp>\n",
	"From: =?UTF-8?B?6Yi05pyo?= =?UTF-8?B?6Iqx5a2Q?= <hana@example.ac.jp>\n",
	/* GMime 3.2 keeps only the first of adjacent ISO-2022-JP words */
	"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= =?ISO-2022-JP?B?GyRCQkBPOhsoQg==?= <taro@example.ac.jp>\n",
	"From: ca-support(comment)@ml.secom-sts.co.jp\n",
	"From: \"ca-support\"@ml.secom-sts.co.jp\n",
	"From: a@example.org, b@example.org\n",
	"From: undisclosed-recipients:;\n",
	"From: group: a@example.org, b@example.org;\n",
	"From: Taro\n <taro@example.ac.jp>\n",
	"From: <@route.example:taro@example.ac.jp>\n",
	"From: taro@[192.0.2.1]\n",
	"From: =?UTF-8?B?Y2Etc3VwcG9ydA==?=@evil.example\n",
	"From: \xe5\xb1\xb1\xe7\x94\xb0 <yamada@example.ac.jp>\n",
	"From: broken <no-at-sign>\n",
	"From:\n",
};

static const char *const dates[] = {
	NULL,
	"Date: Mon, 02 Nov 2026 10:15:04 +0900\n",
	"Date: 2 Nov 2026 10:15 +0900 (JST)\n",
	"Date: Mon,\n 02 Nov 2026 10:15:04 -0000\n",
	"Date: not a date\n",
};

static const char *const ids[] = {
	NULL,
	"Message-ID: <20261102.1@notice.example>\n",
	"Message-Id:   <a.b@c>  (comment)\n",
	"Message-ID: no-brackets@example\n",
	"Message-ID: <>\n",
};

static char *iso(const GDateTime *d)
{
	return d ? g_date_time_format((GDateTime *)d, "%FT%T%z") : NULL;
}

/* The same facts from GMime's message and from the header block. */
static void agree(const char *what, const char *msg)
{
	GError *e1 = NULL, *e2 = NULL;
	upki_mime *full = upki_mime_parse(msg, strlen(msg), &e1);
	upki_mime *head = upki_mime_parse_headers(msg, strlen(msg), &e2);
	char *d1 = NULL, *d2 = NULL;

	g_assert_true((full == NULL) == (head == NULL));
	if (!full) {
		g_error_free(e1);
		g_error_free(e2);
		return;
	}
	d1 = iso(full->date);
	d2 = iso(head->date);
	if (g_strcmp0(full->subject, head->subject) || g_strcmp0(full->from_addr, head->from_addr) ||
	    g_strcmp0(full->from_name, head->from_name) || full->from_count != head->from_count ||
	    g_strcmp0(full->message_id, head->message_id) || g_strcmp0(d1, d2))
		g_error("%s: GMime [%s|%s|%s|%u|%s|%s] bytes [%s|%s|%s|%u|%s|%s]\n%s", what, full->subject,
			full->from_addr, full->from_name, full->from_count, full->message_id, d1, head->subject,
			head->from_addr, head->from_name, head->from_count, head->message_id, d2, msg);
	g_free(d1);
	g_free(d2);
	upki_mime_free(full);
	upki_mime_free(head);
}

static void test_combinations(void)
{
	guint n = 0;

	for (gsize s = 0; s < G_N_ELEMENTS(subjects); s++)
		for (gsize f = 0; f < G_N_ELEMENTS(froms); f++)
			for (gsize d = 0; d < G_N_ELEMENTS(dates); d++)
				for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
					char *msg = g_strconcat("Received: by mx.example; Mon, 2 Nov 2026\n",
								subjects[s] ? subjects[s] : "",
								froms[f] ? froms[f] : "", dates[d] ? dates[d] : "",
								ids[i] ? ids[i] : "", "To: x@example.org\n\nbody\n",
								NULL);
					char *c = test_crlf(msg);
					agree("LF", msg);
					agree("CRLF", c);
					g_free(c);
					g_free(msg);
					n++;
				}
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(subjects) * G_N_ELEMENTS(froms) * G_N_ELEMENTS(dates) *
				    G_N_ELEMENTS(ids));
}

/* Blocks that are not plain go to GMime: still the same facts. */
static void test_not_plain(void)
{
	static const char *const blocks[] = {
		"From: a@example.org\nFrom: b@example.org\nSubject: two froms\n\nx\n",
		"Date: Mon, 02 Nov 2026 10:15:04 +0900\nDate: Tue, 03 Nov 2026 10:15:04 +0900\n\nx\n",
		"Subject : obsolete\nFrom : a@example.org\n\nx\n",
		"Subject: one\nSubject: two\n\nx\n",
		"Subject: x\nnot a field line\nFrom: a@example.org\n\nx\n",
		"Message-ID: =?UTF-8?B?PGFAYj4=?=\n\nx\n",
		"From: g: g: g: g: g: g: g: g: g: g: g: g: g: g: g: g: g: g: a@example.org;;;;;;;;;;;;;;;;;;\n\nx\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(blocks); i++)
		agree("not plain", blocks[i]);
}

static void test_samples(void)
{
	GDir *d = g_dir_open("samples", 0, NULL);
	const char *name = NULL;
	guint n = 0;

	if (!d) {
		g_test_skip("samples/ not found (run from the project root)");
		return;
	}
	while ((name = g_dir_read_name(d))) {
		char *path = NULL, *data = NULL;
		gsize len = 0;
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		path = g_build_filename("samples", name, NULL);
		if (g_file_get_contents(path, &data, &len, NULL)) {
			agree(path, data);
			n++;
		}
		g_free(data);
		g_free(path);
	}
	g_dir_close(d);
	g_assert_cmpuint(n, >, 10);
}

/* ---- facts through upki_mime_parse() (moved from test-mime.c) ---------- */

static upki_mime *parse_ok(const char *msg, gssize len)
{
	GError *err = NULL;
	upki_mime *m = upki_mime_parse(msg, len < 0 ? strlen(msg) : (gsize)len, &err);

	g_assert_no_error(err);
	g_assert_nonnull(m);
	return m;
}

/* "=?cs?B?...?=" for utf8 text converted to cs. */
static char *b_word(const char *cs, const char *utf8)
{
	gsize n = 0;
	char *bytes = g_convert(utf8, -1, cs, "UTF-8", NULL, &n, NULL);
	g_assert_nonnull(bytes);
	char *b64 = g_base64_encode((const guchar *)bytes, n);
	char *w = g_strdup_printf("=?%s?B?%s?=", cs, b64);

	g_free(bytes);
	g_free(b64);
	return w;
}

/* Subjects through the whole parser, words built at run time. */
static void test_subjects(void)
{
	const char *title = "[UPKI] クライアント証明書発行受付通知";
	char *jis = b_word("ISO-2022-JP", title), *u8 = b_word("UTF-8", title);
	char *sj = b_word("Shift_JIS", title);
	char *forms[] = {
		g_strdup_printf("%s", jis),
		g_strdup_printf("%s", u8),
		g_strdup_printf("%s", sj),
		g_strdup_printf("%s", title),
		g_strdup("=?UTF-8?Q?[UPKI]_=E3=82=AF=E3=83=A9=E3=82=A4=E3=82=A2=E3=83=B3=E3=83=88?=\r\n"
			 " =?UTF-8?Q?=E8=A8=BC=E6=98=8E=E6=9B=B8=E7=99=BA=E8=A1=8C=E5=8F=97?=\r\n"
			 " =?UTF-8?Q?=E4=BB=98=E9=80=9A=E7=9F=A5?="),
	};

	for (gsize i = 0; i < G_N_ELEMENTS(forms); i++) {
		char *msg = g_strdup_printf("From: a@example.jp\r\nSubject: %s\r\n\r\nbody\r\n", forms[i]);
		upki_mime *m = parse_ok(msg, -1);
		g_test_message("subject %zu", i);
		g_assert_cmpstr(m->subject, ==, title);
		upki_mime_free(m);
		g_free(msg);
		g_free(forms[i]);
	}
	g_free(jis);
	g_free(u8);
	g_free(sj);
}

/* ---- headers ---------------------------------------------------------- */

static void test_headers(void)
{
	static const struct {
		const char *from, *addr, *name;
		guint count;
	} rows[] = {
		{ "CA <CA-Support@ML.Secom-Sts.co.jp>", "ca-support@ml.secom-sts.co.jp", "CA", 1 },
		{ "ca-support@ml.secom-sts.co.jp", "ca-support@ml.secom-sts.co.jp", NULL, 1 },
		{ "=?UTF-8?B?44K144Od44O844OI?= <a@example.jp>", "a@example.jp", "サポート", 1 },
		{ "a@example.jp, b@example.jp", "a@example.jp", NULL, 2 },
		{ "=?iso-2022-jp?B?GyRCIVowbEE3IVsbKEI=?=\n =?iso-2022-jp?B?GyRCJTUlXSE8JUgbKEI=?= <a@example.jp>",
		  "a@example.jp", "【一膳】サポート", 1 },
		{ "\"Quoted, Name\" <a@example.jp>", "a@example.jp", "Quoted, Name", 1 },
		{ "undisclosed-recipients:;", NULL, NULL, 0 },
		{ "team: a@example.jp, b@example.jp;", NULL, NULL, 2 },
		{ "garbage here", NULL, NULL, 0 },
		{ "<>", NULL, NULL, 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *msg = g_strdup_printf("From: %s\nSubject: x\n\nbody\n", rows[i].from);
		upki_mime *m = parse_ok(msg, -1);
		g_test_message("row %zu", i);
		g_assert_cmpstr(m->from_addr, ==, rows[i].addr);
		g_assert_cmpstr(m->from_name, ==, rows[i].name);
		g_assert_cmpuint(m->from_count, <=, rows[i].count);
		if (rows[i].addr)
			g_assert_cmpuint(m->from_count, ==, rows[i].count);
		upki_mime_free(m);
		g_free(msg);
	}
}

static void test_date_and_id(void)
{
	static const struct { const char *date, *iso; } rows[] = {
		{ "19 Mar 2019 14:22:04 +0900", "2019-03-19T14:22:04+09:00" },
		{ "Tue, 19 Mar 2019 14:22:04 +0900 (JST)", "2019-03-19T14:22:04+09:00" },
		{ "Tue, 19 Mar 2019 05:22:04 -0000", "2019-03-19T05:22:04+00:00" },
		{ "not a date", NULL },
		{ NULL, NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *msg = g_strdup_printf("From Mailer-Daemon Tue Mar 19 14:22:04 2019\n"
					    "Message-ID: <id-%zu@example.jp>\n%s%s%s\n\nbody\n", i,
					    rows[i].date ? "Date: " : "X-No-Date: ",
					    rows[i].date ? rows[i].date : "1", "");
		upki_mime *m = parse_ok(msg, -1);
		char *id = g_strdup_printf("id-%zu@example.jp", i);
		g_test_message("row %zu", i);
		g_assert_cmpstr(m->message_id, ==, id);
		if (rows[i].iso) {
			g_assert_nonnull(m->date);
			char *iso = g_date_time_format(m->date, "%Y-%m-%dT%H:%M:%S%:z");
			g_assert_cmpstr(iso, ==, rows[i].iso);
			g_free(iso);
		} else {
			g_assert_null(m->date);
		}
		g_assert_null(m->subject);
		upki_mime_free(m);
		g_free(id);
		g_free(msg);
	}
}

static void test_parse_headers(void)
{
	const char *msg = "Subject: =?UTF-8?B?44Kv44Op?=\r\nFrom: X <A@Example.JP>\r\n"
			  "Content-Type: text/plain\r\n\r\nbody \0 with NUL and\r\n--junk";
	GError *err = NULL;
	upki_mime *m = upki_mime_parse_headers(msg, strlen(msg) + 30, &err);

	g_assert_no_error(err);
	g_assert_cmpstr(m->subject, ==, "クラ");
	g_assert_cmpstr(m->from_addr, ==, "a@example.jp");
	g_assert_cmpuint(m->texts->len, ==, 0);
	g_assert_cmpuint(m->signeds->len, ==, 0);
	upki_mime_free(m);
	g_assert_null(upki_mime_parse_headers("\0\0junk", 6, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_NOT_MESSAGE);
	g_clear_error(&err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mime-headers/combinations", test_combinations);
	g_test_add_func("/mime-headers/not-plain", test_not_plain);
	g_test_add_func("/mime-headers/samples", test_samples);
	g_test_add_func("/mime-headers/subjects", test_subjects);
	g_test_add_func("/mime-headers/from", test_headers);
	g_test_add_func("/mime-headers/date-and-id", test_date_and_id);
	g_test_add_func("/mime-headers/parse-headers", test_parse_headers);
	return g_test_run();
}

/* test-mime-headers.c - parser/mime-headers.c: the header facts read from
 * the bytes agree with GMime's message, field by field.
 *
 * upki_mime_parse() always takes subject, From, Message-ID and Date from
 * GMime's message; upki_mime_parse_headers() reads a plain header block
 * itself.  Every combination of the forms below, with LF and CRLF, and
 * every file in samples/ must give the same facts both ways.
 */
#include <string.h>

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mime-headers/combinations", test_combinations);
	g_test_add_func("/mime-headers/not-plain", test_not_plain);
	g_test_add_func("/mime-headers/samples", test_samples);
	return g_test_run();
}

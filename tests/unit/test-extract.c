/* test-extract.c - parser/extract.c and extract-html*.c: URLs in plain
 * text and HTML (read as a mail program shows it), hidden controls, shown
 * text against href.  Tables of input and expected output; the texts are
 * synthetic, modelled on the real notices (the .eml files need MIME
 * decoding, which is mime.c's job and test).  Limits and linear work:
 * test-extract-limits.c. */
#include <string.h>

#include "upki/extract.h"
#include "upki/profile.h"
#include "test-util.h"

#define IS "\u3000" /* the ideographic space that indents the notices */
#define BASE "https://scia.secomtrust.net/upki-odcert/download/view/jsp/"
#define GOOD BASE "SPEntranceCliAll.jsp?p1=HWHQbb5dcEPYHkSQOmB5znnW4%2FbQDaBMcG2h1yjBZ6tsIUuCCxV6BCXF834ul93a"
#define PIN BASE "SPEntranceCliPin.jsp?p1=6WHXZIIrWhMG9lzc1Wdz3i1fWFBB7b0s1ezedrcLreLlVDFEpzmMET66S7xdNdS5"
#define MANUAL "https://meatwiki.nii.ac.jp/confluence/x/sYKPAQ"
#define MAX_LINKS 4

static upki_profile *profile;

/* Expected links are written "L url" (labelled) or "- url". */
typedef struct {
	const char *name;
	const char *text;
	const char *want[MAX_LINKS];
} text_row;

static const text_row text_rows[] = {
	{ "label-fullwidth-colon", "証明書取得URL：" GOOD " \n\n", { "L " GOOD } },
	{ "label-english", "certificate acquisition URL: " GOOD " \n", { "L " GOOD } },
	{ "label-english-case", "Certificate Acquisition URL: " GOOD "\n", { "L " GOOD } },
	{ "label-fullwidth-letters", "証明書取得ＵＲＬ：" GOOD "\n", { "L " GOOD } },
	{ "pin-label-previous-line",
	  "本日から１ヶ月以内に以下のアクセスPIN取得URLへアクセスし、アクセスPINの取得を行ってください。\n"
	  PIN " \n\n●アクセスPIN取得URLは大切な情報です。\n", { "L " PIN } },
	{ "label-skips-blank-line", "アクセスPIN取得URL\n\n" IS "\n" PIN "\n", { "L " PIN } },
	{ "bare-alone", "こんにちは。\n" GOOD "\n", { "- " GOOD } },
	{ "label-line-has-own-url", "証明書取得URL：https://a.example/x \n\nhttps://b.example/y\n",
	  { "L https://a.example/x", "- https://b.example/y" } },
	{ "label-after-url", "https://a.example/x は証明書取得URLではない\n", { "- https://a.example/x" } },
	{ "trailing-spaces", "see https://example.org/a   \nnext\n", { "- https://example.org/a" } },
	{ "trailing-space-no-join", "証明書取得URL：" BASE "SPEntranceCliAll.jsp?p1=HWHQbb5dc \nEPYHkSQOmB5znnW4\n",
	  { "L " BASE "SPEntranceCliAll.jsp?p1=HWHQbb5dc" } },
	{ "angle-brackets", "see <https://example.org/a>.\n", { "- https://example.org/a" } },
	{ "angle-folded", "see <https://example.org/aaa\nbbb>\n", { "- https://example.org/aaabbb" } },
	{ "folded", "証明書取得URL：" BASE "SPEntranceCliAll.jsp?p1=HWHQbb5dcEPYHkSQOmB5znnW4%2FbQDaB\n"
	  "McG2h1yjBZ6tsIUuCCxV6BCXF834ul93a \n\n", { "L " GOOD } },
	{ "folded-three-lines", "https://example.org/aaaa\nbbbb\ncccc\n\nnext\n", { "- https://example.org/aaaabbbbcccc" } },
	{ "folded-in-host", "https://scia.secomtr\nust.net/x\n", { "- https://scia.secomtrust.net/x" } },
	{ "folded-indented", "https://example.org/aaaa\n" IS "  bbbb\n", { "- https://example.org/aaaabbbb" } },
	{ "fold-stops-at-words", "https://example.org/aaaa\nbbbb cccc\n", { "- https://example.org/aaaa" } },
	{ "fold-stops-at-scheme", "https://a.example/x\nhttps://b.example/y\n",
	  { "- https://a.example/x", "- https://b.example/y" } },
	{ "fold-stops-after-period", "https://example.org/a.\nThanks\n", { "- https://example.org/a" } },
	{ "fold-stops-at-japanese", "https://example.org/a\nよろしく\n", { "- https://example.org/a" } },
	{ "bilingual",
	  "証明書取得URL：" GOOD " \n\nクライアント証明書取得後は、下記Webブラウザへのインストールマニュアルを参考に設定を行ってください。\n"
	  MANUAL "\n\ncertificate acquisition URL: " GOOD " \n\n"
	  "Please configure according to the following install manual.\nhttps://meatwiki.nii.ac.jp/confluence/x/t4ePAQ\n",
	  { "L " GOOD, "- " MANUAL, "L " GOOD, "- https://meatwiki.nii.ac.jp/confluence/x/t4ePAQ" } },
	{ "fullwidth-scheme", "証明書取得URL：ｈｔｔｐｓ：／／ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ／upki-odcert?p1=abc" IS "です\n",
	  { "L ｈｔｔｐｓ：／／ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ／upki-odcert?p1=abc" } },
	{ "fullwidth-upper-scheme", "ＨＴＴＰＳ：／／example.org/a\n", { "- ＨＴＴＰＳ：／／example.org/a" } },
	{ "cyrillic-host", "URL: https://sсia.secomtrust.net/upki-odcert/x?p1=abc。\n",
	  { "- https://sсia.secomtrust.net/upki-odcert/x?p1=abc" } },
	{ "greek-host", "https://scia.secοmtrust.net/x\n", { "- https://scia.secοmtrust.net/x" } },
	{ "ideographic-dots", "https://scia。secomtrust。net/x\n", { "- https://scia。secomtrust。net/x" } },
	{ "ideographic-dot-end", "https://example.org。次へ\n", { "- https://example.org" } },
	{ "japanese-after-path", "https://scia.secomtrust.net/x←左記\n", { "- https://scia.secomtrust.net/x" } },
	{ "japanese-after-host", "https://scia.secomtrust.netへアクセス\n", { "- https://scia.secomtrust.net" } },
	{ "kana-in-host", "https://scia.secomtrust.netアクセス\n", { "- https://scia.secomtrust.net" } },
	{ "japanese-brackets", "「https://example.org/a」、（https://example.org/b）\n",
	  { "- https://example.org/a", "- https://example.org/b" } },
	{ "japanese-in-path", "https://example.org/a/証明書\n", { "- https://example.org/a/" } },
	{ "balanced-paren", "(see https://example.org/a_(b)), and https://example.org/c.\n",
	  { "- https://example.org/a_(b)", "- https://example.org/c" } },
	{ "punctuation", "https://example.org/a?! https://example.org/b; https://example.org/c:\n",
	  { "- https://example.org/a", "- https://example.org/b", "- https://example.org/c" } },
	{ "quotes", "href=\"https://example.org/a\" 'https://example.org/b'\n",
	  { "- https://example.org/a", "- https://example.org/b" } },
	{ "upper-scheme", "HTTPS://EXAMPLE.ORG/\n", { "- HTTPS://EXAMPLE.ORG/" } },
	{ "http", "http://example.org\n", { "- http://example.org" } },
	{ "two-on-a-line", "https://a.example https://b.example\n", { "- https://a.example", "- https://b.example" } },
	{ "crlf", "https://example.org/a \r\nnext\r\n", { "- https://example.org/a" } },
	{ "scheme-alone", "https:// and http://\n", { NULL } },
	{ "not-a-scheme", "ftp://example.org/ mailto:a@b.example htt://x\n", { NULL } },
	{ "empty", "", { NULL } },
	{ "invalid-utf8", "\xff\xfehttps://example.org/\xc3\n", { "- https://example.org/" } },
};

static void check_links(GPtrArray *links, const char *const *want)
{
	guint n = 0;

	while (n < MAX_LINKS && want[n])
		n++;
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_test_message("got %s %s", l->labelled ? "L" : "-", l->url);
	}
	g_assert_cmpuint(links->len, ==, n);
	if (links->len != n)
		return;
	for (guint i = 0; i < n; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		char *got = g_strdup_printf("%s %s", l->labelled ? "L" : "-", l->url);
		g_assert_cmpstr(got, ==, want[i]);
		g_free(got);
	}
}

static void test_text(gconstpointer data)
{
	const text_row *r = data;
	GPtrArray *links = upki_extract_text_urls(r->text, profile);

	check_links(links, r->want);
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_assert_null(l->shown);
		g_assert_false(l->from_html);
	}
	g_ptr_array_unref(links);
}

static void test_text_edge(void)
{
	GPtrArray *links = upki_extract_text_urls(NULL, profile);

	g_assert_cmpuint(links->len, ==, 0);
	g_ptr_array_unref(links);
	/* Without a profile nothing is labelled, but URLs are still found. */
	links = upki_extract_text_urls("証明書取得URL：https://example.org/", NULL);
	g_assert_cmpuint(links->len, ==, 1);
	g_assert_false(((upki_link *)g_ptr_array_index(links, 0))->labelled);
	g_ptr_array_unref(links);
	upki_link_free(NULL);
}

/* Expected HTML links: "L|url|shown" with shown "(null)" for bare URLs. */
typedef struct {
	const char *name;
	const char *html;
	const char *want[MAX_LINKS];
} html_row;

static const html_row html_rows[] = {
	{ "href-match", "<p>証明書取得URL：<a href=\"" GOOD "\">" GOOD "</a></p>", { "L|" GOOD "|" GOOD } },
	{ "href-mismatch", "<p><a href=\"https://evil.example/x\">" GOOD "</a></p>",
	  { "-|https://evil.example/x|" GOOD } },
	{ "href-kochira", "<div>証明書取得URL</div><div><a href=\" " GOOD "\n\">こちら</a></div>",
	  { "L|" GOOD "|こちら" } },
	{ "shown-collapsed", "<a href=\"https://a.example/\">\n  click\n  <b>here</b>  </a>",
	  { "-|https://a.example/|click here" } },
	{ "area-alt", "<map><area href=\"https://a.example/x\" alt=\"x\"></map>", { "-|https://a.example/x|x" } },
	{ "entity-in-href", "<a href=\"https://a.example/?a=1&amp;p1=2\">x</a>", { "-|https://a.example/?a=1&p1=2|x" } },
	{ "no-href", "<a name=\"top\">https://a.example/</a>", { "-|https://a.example/|(null)" } },
	{ "bare-text-url", "<p>証明書取得URL：" GOOD "</p><p>Thanks</p>", { "L|" GOOD "|(null)" } },
	{ "bare-url-label-block", "<p>アクセスPIN取得URLへアクセスし</p><p>" PIN "</p>", { "L|" PIN "|(null)" } },
	{ "link-and-bare",
	  "<p><a href=\"" GOOD "\">" GOOD "</a><br>" MANUAL "</p>",
	  { "-|" GOOD "|" GOOD, "-|" MANUAL "|(null)" } },
	{ "script-style", "<script>var u='https://evil.example/x';</script><style>a{}</style><p>ok</p>", { NULL } },
	{ "junk", "<<<>>>&&&;;<a <a href=>></", { NULL } },
	{ "binary", "\x01\x02\xff\xfe\x80<\x00>", { NULL } },
	{ "empty", "", { NULL } },
	{ "unclosed", "<html><body><p>see <a href=\"https://a.example/\">a", { "-|https://a.example/|a" } },
	/* What a mail program shows that libxml2's tree hides or reads otherwise. */
	{ "cond-mso", "<p>x</p><!--[if mso]><a href=\"https://evil.example/x\">" GOOD "</a><![endif]-->",
	  { "-|https://evil.example/x|" GOOD } },
	{ "cond-gte-mso-bare", "<!--[if gte mso 9]><p>証明書取得URL：" GOOD "</p><![endif]-->", { "L|" GOOD "|(null)" } },
	/* Never closed: browsers hide the rest, and so does libxml2. */
	{ "cond-unterminated", "<!--[if mso]><a href=\"https://evil.example/u\">u</a>", { NULL } },
	{ "cond-not-mso", "<!--[if !mso]><!--><a href=\"https://a.example/\">a</a><!--<![endif]-->", { "-|https://a.example/|a" } },
	{ "cond-downlevel-revealed", "<![if !vml]><a href=\"https://a.example/\">a</a><![endif]>", { "-|https://a.example/|a" } },
	{ "plain-comment", "<!-- <a href=\"https://a.example/\">a</a> -->", { NULL } },
	{ "base-relative", "<base href=\"https://evil.example/d/\"><a href=\"SPEntranceCliAll.jsp?p1=x\">x</a>",
	  { "-|https://evil.example/d/SPEntranceCliAll.jsp?p1=x|x" } },
	{ "base-after-link", "<a href=\"/upki-odcert/x\">x</a><base href=\"https://evil.example/\">",
	  { "-|https://evil.example/upki-odcert/x|x" } },
	{ "base-first-wins", "<base href=\"https://a.example/\"><base href=\"https://b.example/\"><a href=\"x\">x</a>",
	  { "-|https://a.example/x|x" } },
	{ "base-absolute-href", "<base href=\"https://evil.example/\"><a href=\"https://a.example/\">a</a>",
	  { "-|https://a.example/|a" } },
	{ "no-base-relative", "<a href=\"/upki-odcert/x\">x</a>", { "-|/upki-odcert/x|x" } },
	{ "img-alt", "<a href=\"https://evil.example/\"><img src=\"cid:x\" alt=\"" GOOD "\"></a>",
	  { "-|https://evil.example/|" GOOD } },
	{ "title-url", "<a href=\"https://evil.example/\" title=\"" GOOD "\">こちら</a>",
	  { "-|https://evil.example/|こちら " GOOD } },
	{ "title-text", "<a href=\"https://a.example/\" title=\"open\">a</a>", { "-|https://a.example/|a" } },
	{ "input-value", "<a href=\"https://evil.example/\"><input type=\"button\" value=\"" GOOD "\"></a>",
	  { "-|https://evil.example/|" GOOD } },
	{ "form-action", "<form action=\"https://evil.example/login\"><input type=\"submit\" value=\"送信\"></form>",
	  { "-|https://evil.example/login|(null)" } },
	{ "formaction", "<button formaction=\"https://evil.example/b\">b</button>", { "-|https://evil.example/b|(null)" } },
	{ "meta-refresh", "<meta http-equiv=\"Refresh\" content=\"0; URL='https://evil.example/r'\"><p>x</p>",
	  { "-|https://evil.example/r|(null)" } },
	{ "meta-other", "<meta http-equiv=\"content-type\" content=\"text/html; url=https://a.example/\">", { NULL } },
	{ "css-content", "<style>p::before{content:\"https://evil.example/c\"}</style><p>x</p>",
	  { "-|https://evil.example/c|(null)" } },
	{ "style-attr-url", "<p style=\"background:url(https://evil.example/i.png)\">x</p>",
	  { "-|https://evil.example/i.png|(null)" } },
	{ "xlink-href", "<svg><a xlink:href=\"https://evil.example/s\"><text>s</text></a></svg>",
	  { "-|https://evil.example/s|s" } },
	/* The outer anchor ends where the inner starts; text after the inner
	 * one belongs to no link and is read for bare URLs. */
	{ "nested-anchors", "<a href=\"https://a.example/1\">one<div><a href=\"https://a.example/2\">two</a> https://a.example/3</div></a>",
	  { "-|https://a.example/2|two", "-|https://a.example/1|one", "-|https://a.example/3|(null)" } },
	{ "script-link", "<script>document.write('<a href=\"https://evil.example/\">x</a>')</script>", { NULL } },
	{ "head-link", "<head><title>https://evil.example/t</title></head><p>x</p>", { NULL } },
};

static void test_html(gconstpointer data)
{
	const html_row *r = data;
	GPtrArray *links = upki_extract_html_links(r->html, strlen(r->html), profile);
	guint n = 0;

	while (n < MAX_LINKS && r->want[n])
		n++;
	for (guint i = 0; i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		g_test_message("got %s|%s|%s", l->labelled ? "L" : "-", l->url, l->shown ? l->shown : "(null)");
	}
	g_assert_cmpuint(links->len, ==, n);
	for (guint i = 0; i < n && i < links->len; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		char *got = g_strdup_printf("%s|%s|%s", l->labelled ? "L" : "-", l->url,
		                            l->shown ? l->shown : "(null)");
		g_assert_true(l->from_html);
		g_assert_cmpstr(got, ==, r->want[i]);
		g_free(got);
	}
	g_ptr_array_unref(links);
}

/* --- hidden controls --- */

#define RLO "\u202E"
#define ZWSP "\u200B"

typedef struct {
	const char *name;
	gboolean html;
	const char *input;
	guint n;         /* links expected */
	const char *url; /* of the first */
	gboolean hidden; /* its hidden_controls */
} control_row;

static const control_row control_rows[] = {
	{ "text-clean", FALSE, "証明書取得URL：" GOOD "\n", 1, GOOD, FALSE },
	{ "text-rlo-in-path", FALSE, "https://evil.example/" RLO "ten.tsurtmoces.aics\n", 1,
	  "https://evil.example/" RLO "ten.tsurtmoces.aics", TRUE },
	{ "text-zwsp-in-host", FALSE, "URL: https://scia" ZWSP ".secomtrust.net/upki-odcert/x?p1=abc\n", 1,
	  "https://scia" ZWSP ".secomtrust.net/upki-odcert/x?p1=abc", TRUE },
	{ "text-soft-hyphen-host", FALSE, "https://sci\u00ADa.secomtrust.net/x\n", 1, "https://sci\u00ADa.secomtrust.net/x", TRUE },
	{ "text-word-joiner", FALSE, "https://scia.secom\u2060trust.net/x\n", 1, "https://scia.secom\u2060trust.net/x", TRUE },
	{ "text-bom", FALSE, "https://scia.secomtrust.net/\uFEFFx\n", 1, "https://scia.secomtrust.net/\uFEFFx", TRUE },
	{ "text-isolate", FALSE, "https://a.example/\u2067x\u2069\n", 1, "https://a.example/\u2067x\u2069", TRUE },
	{ "text-mongolian-vs", FALSE, "https://a.example/\u180Ex\n", 1, "https://a.example/\u180Ex", TRUE },
	{ "text-tag-char", FALSE, "https://scia.secomtrust.net\U000E0041/x\n", 1, "https://scia.secomtrust.net\U000E0041/x", TRUE },
	{ "text-variation-selector", FALSE, "https://sc\uFE0Fia.secomtrust.net/x\n", 1, "https://sc\uFE0Fia.secomtrust.net/x", TRUE },
	{ "text-in-scheme", FALSE, "ht" ZWSP "tps://scia.secomtrust.net/x\n", 1, "ht" ZWSP "tps://scia.secomtrust.net/x", TRUE },
	{ "text-bidi-before-on-line", FALSE, RLO "abc\u202C https://a.example/x\n", 1, "https://a.example/x", TRUE },
	{ "text-bidi-previous-line", FALSE, RLO "abc\nhttps://a.example/x\n", 1, "https://a.example/x", FALSE },
	{ "text-nbsp-ends-url", FALSE, "https://a.example/x\u00A0next\n", 1, "https://a.example/x", FALSE },
	{ "html-clean", TRUE, "<a href=\"" GOOD "\">" GOOD "</a>", 1, GOOD, FALSE },
	{ "html-href", TRUE, "<a href=\"https://scia.secomtrust.net/" ZWSP "x\">x</a>", 1,
	  "https://scia.secomtrust.net/" ZWSP "x", TRUE },
	{ "html-shown", TRUE, "<a href=\"https://evil.example/\">https://evil.example/" RLO "ten.tsurtmoces.aics</a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-bare", TRUE, "<p>see https://scia" ZWSP ".secomtrust.net/x</p>", 1, "https://scia" ZWSP ".secomtrust.net/x", TRUE },
	{ "html-bidi-before", TRUE, "<p>" RLO "x <a href=\"https://a.example/\">a</a></p>", 1, "https://a.example/", TRUE },
	{ "html-bdo", TRUE, "<a href=\"https://evil.example/\"><bdo dir=\"rtl\">ten.tsurtmoces.aics//:sptth</bdo></a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-bdo-ltr", TRUE, "<a href=\"https://evil.example/\"><bdo dir=\"ltr\">x</bdo></a>", 1, "https://evil.example/", TRUE },
	{ "html-dir-rtl", TRUE, "<a dir=\"rtl\" href=\"https://evil.example/\">x</a>", 1, "https://evil.example/", TRUE },
	{ "html-dir-ltr", TRUE, "<a dir=\"ltr\" href=\"https://a.example/\">x</a>", 1, "https://a.example/", FALSE },
	{ "html-style-override", TRUE, "<a href=\"https://evil.example/\"><span style=\"unicode-bidi:bidi-override\">x</span></a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-css-sheet", TRUE, "<style>.x{direction:rtl}</style><a class=\"x\" href=\"https://evil.example/\">x</a>", 1,
	  "https://evil.example/", TRUE },
	{ "html-css-word", TRUE, "<style>.ctrl{color:red}</style><a class=\"ctrl\" href=\"https://a.example/\">x</a>", 1,
	  "https://a.example/", FALSE },
	{ "html-bare-in-bdo", TRUE, "<p><bdo dir=\"rtl\">https://a.example/x</bdo></p>", 1, "https://a.example/x", TRUE },
	{ "html-bare-after-bdo-line", TRUE, "<p><bdo dir=\"rtl\">abc</bdo></p><p>https://a.example/x</p>", 1,
	  "https://a.example/x", FALSE },
	{ "html-base", TRUE, "<base href=\"https://evil.example/" ZWSP "/\"><a href=\"x\">x</a>", 1, NULL, TRUE },
};

static void test_controls(gconstpointer data)
{
	const control_row *r = data;
	GPtrArray *links = r->html ? upki_extract_html_links(r->input, strlen(r->input), profile)
	                           : upki_extract_text_urls(r->input, profile);

	g_assert_cmpuint(links->len, ==, r->n);
	if (links->len > 0) {
		const upki_link *l = g_ptr_array_index(links, 0);
		if (r->url)
			g_assert_cmpstr(l->url, ==, r->url);
		g_assert_cmpint(l->hidden_controls, ==, r->hidden);
	}
	g_ptr_array_unref(links);
}


static void test_html_null(void)
{
	GPtrArray *links = upki_extract_html_links(NULL, 0, profile);
	char *text = upki_extract_html_text(NULL, 0);

	g_assert_cmpuint(links->len, ==, 0);
	g_assert_cmpstr(text, ==, "");
	g_ptr_array_unref(links);
	g_free(text);
}

typedef struct {
	const char *name;
	const char *html;
	const char *want;
} html_text_row;

static const html_text_row html_text_rows[] = {
	{ "blocks", "<p>a</p><p>b<br>c</p>", "a\nb\nc\n" },
	{ "hidden", "<head><title>t</title><style>p{}</style></head><body>x<script>y</script>z</body>", "xz\n" },
	{ "whitespace", "<div>  a \n  b  </div>", "a b\n" },
	{ "dn-lines", "<p>【対象証明書DN】<br>" IS "CN=1<br>" IS "C=JP</p>", "【対象証明書DN】\n" IS "CN=1\n" IS "C=JP\n" },
	{ "pre", "<pre>a\n  b</pre>", "a\n  b\n" },
	{ "entities", "<p>&lt;a&gt; &amp; &#x3042;</p>", "<a> & あ\n" },
	{ "junk", "<<<>>>&&&;;<a <a href=>></\x01\xff", NULL }, /* whatever libxml2 recovers */
};

static void test_html_text(gconstpointer data)
{
	const html_text_row *r = data;
	char *got = upki_extract_html_text(r->html, strlen(r->html));

	g_assert_nonnull(got);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	if (r->want)
		g_assert_cmpstr(got, ==, r->want);
	g_free(got);
}

typedef struct {
	const char *name;
	const char *href;
	const char *shown;
	gboolean want;
} mismatch_row;

static const mismatch_row mismatch_rows[] = {
	{ "same", GOOD, GOOD, FALSE },
	{ "kochira", GOOD, "こちら", FALSE },
	{ "click-here", "https://evil.example/", "click here", FALSE },
	{ "other-host", "https://evil.example/x", GOOD, TRUE },
	{ "other-token", BASE "SPEntranceCliAll.jsp?p1=evil", GOOD, TRUE },
	{ "case-host", "HTTPS://SCIA.SECOMTRUST.NET/a", "https://scia.secomtrust.net/a", FALSE },
	{ "case-path", "https://a.example/A", "https://a.example/a", TRUE },
	{ "trailing-slash", "https://a.example/", "https://a.example", FALSE },
	{ "trailing-slash-path", "https://a.example/x", "https://a.example/x/", FALSE },
	{ "trimmed", "  " GOOD "\n", " " GOOD " ", FALSE },
	{ "url-in-sentence", "https://a.example/a", "click https://a.example/a now", FALSE },
	{ "longer", "https://a.example/a", "https://a.example/a?p1=2", TRUE },
	{ "fullwidth-shown", GOOD, "ｈｔｔｐｓ：／／scia.secomtrust.net/", TRUE },
	{ "http-vs-https", "http://a.example/", "https://a.example/", TRUE },
	{ "empty-shown", GOOD, "", FALSE },
};

static void test_mismatch(gconstpointer data)
{
	const mismatch_row *r = data;

	g_assert_cmpint(upki_extract_link_mismatch(r->href, r->shown), ==, r->want);
}

static void test_mismatch_null(void)
{
	g_assert_false(upki_extract_link_mismatch(NULL, GOOD));
	g_assert_false(upki_extract_link_mismatch(GOOD, NULL));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/extract/text", text_rows, name, test_text);
	TEST_ADD_ROWS("/extract/html", html_rows, name, test_html);
	TEST_ADD_ROWS("/extract/html-text", html_text_rows, name, test_html_text);
	TEST_ADD_ROWS("/extract/mismatch", mismatch_rows, name, test_mismatch);
	TEST_ADD_ROWS("/extract/controls", control_rows, name, test_controls);
	g_test_add_func("/extract/text/edge", test_text_edge);
	g_test_add_func("/extract/html/null", test_html_null);
	g_test_add_func("/extract/mismatch/null", test_mismatch_null);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}

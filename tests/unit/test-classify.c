/* test-classify.c - parser/classify.c: subjects of every kind, bilingual
 * and English halves, list prefixes, replies, look-alikes, unrelated
 * subjects; the sender; body markers. */
#include <string.h>

#include "upki/classify.h"
#include "classify-private.h"

enum { EXACT, LOOK };

static const struct {
	const char *subject;
	upki_kind kind;
	int how;         /* EXACT or LOOK (ignored for UPKI_KIND_NONE) */
	gboolean reply;
} rows[] = {
	/* every kind, as the service writes it */
	{ "[UPKI] クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, EXACT, FALSE },
	{ "[UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, FALSE },
	{ "[UPKI] クライアント証明書取得通知", UPKI_KIND_CERT_RETRIEVED, EXACT, FALSE },
	{ "[UPKI] クライアント証明書更新通知", UPKI_KIND_CERT_RENEWED, EXACT, FALSE },
	{ "[UPKI] クライアント証明書失効完了通知", UPKI_KIND_CERT_REVOKED, EXACT, FALSE },
	/* bilingual, and either half alone */
	{ "[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue acceptance notice",
	  UPKI_KIND_CERT_ISSUE, EXACT, FALSE },
	{ "[UPKI] クライアント証明書失効完了通知 / [UPKI] client certificate revocation completion notification",
	  UPKI_KIND_CERT_REVOKED, EXACT, FALSE },
	{ "[UPKI] client certificate issue acceptance notice", UPKI_KIND_CERT_ISSUE, EXACT, FALSE },
	{ "[UPKI] Client Certificate Issue Acceptance Notice", UPKI_KIND_CERT_ISSUE, EXACT, FALSE },
	{ "[UPKI] 何か / [UPKI] client certificate revocation completion notification",
	  UPKI_KIND_CERT_REVOKED, EXACT, FALSE },
	/* white space: runs, tabs, U+3000, none after the tag */
	{ "  [UPKI]\t　クライアント証明書取得通知  ", UPKI_KIND_CERT_RETRIEVED, EXACT, FALSE },
	{ "[UPKI]クライアント証明書取得通知", UPKI_KIND_CERT_RETRIEVED, EXACT, FALSE },
	{ "[UPKI] client  certificate\tissue acceptance notice", UPKI_KIND_CERT_ISSUE, EXACT, FALSE },
	/* prefixes that lists and gateways add */
	{ "[ml:0123] [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, FALSE },
	{ "[External] [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, FALSE },
	{ "【外部】[UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, FALSE },
	{ "[share:12] [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, FALSE },
	/* replies and forwards */
	{ "Re: [UPKI] クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, EXACT, TRUE },
	{ "RE: [UPKI] クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, EXACT, TRUE },
	{ "ＲＥ：[UPKI] クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, EXACT, TRUE },
	{ "Fwd: [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, TRUE },
	{ "FW: [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, TRUE },
	{ "転送: [UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, TRUE },
	{ "転送：[UPKI] アクセスPIN発行通知", UPKI_KIND_PIN_ISSUE, EXACT, TRUE },
	{ "返信: [UPKI] クライアント証明書取得通知", UPKI_KIND_CERT_RETRIEVED, EXACT, TRUE },
	{ "[ml:0123] Re: [UPKI] クライアント証明書取得通知", UPKI_KIND_CERT_RETRIEVED, EXACT, TRUE },
	{ "Re: ［ＵＰＫＩ］クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, LOOK, TRUE },
	/* look-alikes */
	{ "［ＵＰＫＩ］クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, LOOK, FALSE },
	{ "【UPKI】クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, LOOK, FALSE },
	{ "クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, LOOK, FALSE },
	{ "[upki] クライアント証明書発行受付通知", UPKI_KIND_CERT_ISSUE, LOOK, FALSE },
	{ "[UPKI] アクセスＰＩＮ発行通知", UPKI_KIND_PIN_ISSUE, LOOK, FALSE },
	{ "[UPKI] クライアント 証明書失効完了通知", UPKI_KIND_CERT_REVOKED, LOOK, FALSE },
	{ "[UPKI] クライアント\xE2\x80\x8B証明書更新通知", UPKI_KIND_CERT_RENEWED, LOOK, FALSE },
	{ "[UPKI] ｸﾗｲｱﾝﾄ証明書取得通知", UPKI_KIND_CERT_RETRIEVED, LOOK, FALSE },
	{ "CLIENT CERTIFICATE ISSUE ACCEPTANCE NOTICE", UPKI_KIND_CERT_ISSUE, LOOK, FALSE },
	/* unrelated */
	{ "UPKIについて", UPKI_KIND_NONE, EXACT, FALSE },
	{ "証明書の件", UPKI_KIND_NONE, EXACT, FALSE },
	{ "[UPKI] 定期メンテナンスのお知らせ", UPKI_KIND_NONE, EXACT, FALSE },
	{ "[UPKI]", UPKI_KIND_NONE, EXACT, FALSE },
	{ "Re: 会議の件", UPKI_KIND_NONE, EXACT, FALSE },
	{ "", UPKI_KIND_NONE, EXACT, FALSE },
	{ "   ", UPKI_KIND_NONE, EXACT, FALSE },
	{ "\xff\xfe[UPKI] \xc3", UPKI_KIND_NONE, EXACT, FALSE },
};

static void test_subjects(void)
{
	upki_profile *p = upki_profile_new_default();

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		upki_subject_match r = upki_classify_subject(rows[i].subject, p);
		g_test_message("row %zu", i);
		g_assert_cmpint(r.kind, ==, rows[i].kind);
		g_assert_cmpint(r.reply, ==, rows[i].reply);
		if (rows[i].kind != UPKI_KIND_NONE)
			g_assert_cmpint(r.lookalike, ==, rows[i].how == LOOK);
		else
			g_assert_false(r.lookalike);
	}
	upki_subject_match r = upki_classify_subject(NULL, p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_NONE);
	g_assert_false(r.lookalike);
	g_assert_false(r.reply);
	upki_profile_free(p);
}

/* Titles that share a beginning: the longest one wins, in both readings. */
static void test_longest_title(void)
{
	upki_profile *p = upki_profile_new_default();
	upki_subject_match r;

	upki_profile_add(p->subjects[UPKI_KIND_CERT_RENEWED], "クライアント証明書");
	upki_profile_add(p->subjects[UPKI_KIND_CERT_REVOKED], "クライアント証明書失効");
	r = upki_classify_subject("[UPKI] クライアント証明書発行受付通知", p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_CERT_ISSUE);
	r = upki_classify_subject("[UPKI] クライアント証明書失効完了通知", p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_CERT_REVOKED);
	r = upki_classify_subject("[UPKI] クライアント証明書のご案内", p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_CERT_RENEWED);
	r = upki_classify_subject("【UPKI】クライアント証明書発行受付通知", p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_CERT_ISSUE);
	g_assert_true(r.lookalike);
	upki_profile_free(p);
}

/* A tag the config adds works like the built-in one. */
static void test_extra_tag(void)
{
	upki_profile *p = upki_profile_new_default();
	upki_subject_match r;

	upki_profile_add(p->tags, "[UPKI-TEST]");
	r = upki_classify_subject("[UPKI-TEST] アクセスPIN発行通知", p);
	g_assert_cmpint(r.kind, ==, UPKI_KIND_PIN_ISSUE);
	g_assert_false(r.lookalike);
	upki_profile_free(p);
}

static void test_sender(void)
{
	static const struct { const char *addr; gboolean is; } s[] = {
		{ "ca-support@ml.secom-sts.co.jp", TRUE },
		{ "CA-Support@ML.Secom-Sts.CO.JP", TRUE },
		{ "ca-support@ml.secom-sts.co.jp.evil.example", FALSE },
		{ "ca-support@ml-secom-sts.co.jp", FALSE },
		{ "ｃａ-support@ml.secom-sts.co.jp", FALSE },
		{ "", FALSE },
		{ NULL, FALSE },
	};
	upki_profile *p = upki_profile_new_default();

	for (gsize i = 0; i < G_N_ELEMENTS(s); i++) {
		g_test_message("row %zu", i);
		g_assert_cmpint(upki_classify_is_sender(s[i].addr, p), ==, s[i].is);
	}
	g_assert_false(upki_classify_is_sender("ca-support@ml.secom-sts.co.jp", NULL));
	upki_profile_free(p);
}

static void check_fold(const gunichar *chars, glong n)
{
	char *s = g_ucs4_to_utf8(chars, n, NULL, NULL, NULL);
	GString *fast = g_string_new(NULL);
	char *slow = upki_classify_fold_slow(s);

	if (upki_classify_fold_fast(s, fast))
		g_assert_cmpstr(fast->str, ==, slow);
	g_string_free(fast, TRUE);
	g_free(slow);
	g_free(s);
}

/* The fast fold gives what NFKC and case folding give, for every
 * character it takes and for pairs of them (composition). */
static void test_fold_fast(void)
{
	gunichar pair[2];

	for (gunichar c = 1; c < 0xa000; c++) {
		if (c >= 0xd800 && c < 0xe000)
			continue;
		check_fold(&c, 1);
	}
	for (pair[0] = 0x20; pair[0] < 0x3100; pair[0]++) {
		if (pair[0] == 0x80)
			pair[0] = 0x3000;
		for (pair[1] = 0x3000; pair[1] < 0x3100; pair[1]++)
			check_fold(pair, 2);
	}
	for (pair[0] = 0x4e00; pair[0] < 0xa000; pair[0] += 7)
		for (pair[1] = 0x3000; pair[1] < 0x3100; pair[1]++)
			check_fold(pair, 2);
}

/* A raw From value rules the sender out only when no reading of it can
 * give the sender's address. */
static void test_from_may_be_sender(void)
{
	static const struct {
		const char *raw;
		gboolean maybe;
	} cases[] = {
		{ " ca-support@ml.secom-sts.co.jp", TRUE },
		{ " CA Support <CA-Support@ML.secom-sts.co.jp>", TRUE },
		{ " \"ca-support\"@ml.secom-sts.co.jp", TRUE },
		{ " ca-support(x)@ml.secom-sts.co.jp", TRUE },
		{ " ca-\r\n support @ ml.secom-sts.co.jp", TRUE },
		{ " ca\\-support@example.org", TRUE },      /* local part alone: maybe */
		{ " someone@ml.secom-sts.co.jp", TRUE },      /* domain alone: maybe */
		{ " =?UTF-8?B?Y2Etc3VwcG9ydA==?=@evil.example", TRUE },
		{ " Taro <taro@example.ac.jp>", FALSE },
		{ " \"ca support\" <help@example.org>", FALSE },
		{ " (ca-support@ml.secom-sts.co.jp) taro@example.ac.jp", FALSE }, /* a comment only */
		{ "", FALSE },
	};
	upki_profile *p = upki_profile_new_default();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gboolean got = upki_classify_from_may_be_sender(cases[i].raw, strlen(cases[i].raw), p);
		if (got != cases[i].maybe)
			g_error("From:%s: %s, expected %s", cases[i].raw, got ? "maybe" : "no",
				cases[i].maybe ? "maybe" : "no");
	}
	g_assert_false(upki_classify_from_may_be_sender(NULL, 0, p));
	upki_profile_free(p);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/subjects", test_subjects);
	g_test_add_func("/classify/longest-title", test_longest_title);
	g_test_add_func("/classify/extra-tag", test_extra_tag);
	g_test_add_func("/classify/sender", test_sender);
	g_test_add_func("/classify/from-may-be-sender", test_from_may_be_sender);
	g_test_add_func("/classify/fold-fast", test_fold_fast);
	return g_test_run();
}

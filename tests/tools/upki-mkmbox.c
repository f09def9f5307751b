/* upki-mkmbox.c - writes a synthetic mbox for `make bench`.
 *
 *   upki-mkmbox --size MB [--notices DIR] [--ratio 0.001] [--seed N] OUT
 *
 * Ordinary mail of the kinds a Japanese university mailbox holds: plain
 * text in ISO-2022-JP (7bit), UTF-8 (base64 and 8bit), Shift_JIS and
 * EUC-JP, English ASCII, HTML alternatives, and multipart/mixed with a
 * base64 attachment (10% of messages, 20-400 KiB).  About ratio of the
 * messages are copies of the .eml files in DIR (the project's samples: notices and
 * look-alikes), so that the scan finds some.  mboxrd: body lines that
 * look like "From " are quoted with '>'.  The same seed gives the same
 * file.  Fast on purpose: text and attachment bytes are cut from pools
 * made once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define POOL_BYTES (2u * 1024 * 1024)

static guint64 rng_state = 0x9e3779b97f4a7c15ull;

static guint64 rng(void)
{
	/* xorshift64*: fast and good enough for picking templates. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static guint pick(guint n)
{
	return (guint)(rng() % n);
}

static const char *const ja_lines[] = {
	"研究室の皆さま、来週のミーティングは木曜日の13時からです。",
	"出張報告書を添付しますので、ご確認をお願いいたします。",
	"図書館の開館時間が変更になりますのでお知らせします。",
	"会議資料は共有フォルダに置きました。前日までにご覧ください。",
	"学内ネットワークの定期メンテナンスを実施します。",
	"科研費の申請締切は来月末です。事務室までご提出ください。",
	"よろしくお願いいたします。",
};

static const char *const en_lines[] = {
	"Dear colleagues, the seminar moves to room 204 next week.",
	"Please find the minutes of yesterday's meeting below.",
	"The cluster will be down for maintenance on Saturday morning.",
	"From the committee: the deadline for abstracts is extended.",
	"Thanks, and see you at the workshop.",
	"See https://www.example.ac.jp/events/2026/ for the programme.",
};

typedef struct pools {
	GString *b64;         /* base64 of random bytes, 76-column lines */
	GPtrArray *notices;   /* GBytes*: mboxrd-quoted sample messages */
} pools;

static void make_b64_pool(pools *p)
{
	guint8 *raw = g_malloc(POOL_BYTES / 4 * 3);
	gsize n = POOL_BYTES / 4 * 3;

	for (gsize i = 0; i < n; i += 8) {
		guint64 v = rng();
		memcpy(raw + i, &v, MIN(8, n - i));
	}
	char *b64 = g_base64_encode(raw, n);
	p->b64 = g_string_sized_new(POOL_BYTES + POOL_BYTES / 76 + 1);
	for (gsize i = 0, len = strlen(b64); i < len; i += 76) {
		g_string_append_len(p->b64, b64 + i, (gssize)MIN(76, len - i));
		g_string_append_c(p->b64, '\n');
	}
	g_free(b64);
	g_free(raw);
}

/* mboxrd quoting: one more '>' on every line that matches ^>*From . */
static GBytes *quote_mboxrd(const char *data, gsize len)
{
	GString *out = g_string_sized_new(len + 64);
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		const char *q = p;
		gsize line = nl ? (gsize)(nl - p) + 1 : (gsize)(end - p);
		while (q < p + line && *q == '>')
			q++;
		if ((gsize)(p + line - q) >= 5 && memcmp(q, "From ", 5) == 0)
			g_string_append_c(out, '>');
		g_string_append_len(out, p, (gssize)line);
		p += line;
	}
	if (out->len && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	return g_string_free_to_bytes(out);
}

static void load_notices(pools *p, const char *dir)
{
	GDir *d = dir ? g_dir_open(dir, 0, NULL) : NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	p->notices = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".eml") && !g_str_has_prefix(name, "plain-"))
			g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_ascii_strcasecmp);
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		char *data = NULL;
		gsize len = 0;
		if (g_file_get_contents(path, &data, &len, NULL))
			g_ptr_array_add(p->notices, quote_mboxrd(data, len));
		g_free(data);
		g_free(path);
	}
	g_ptr_array_unref(names);
}

static char *encoded_word(const char *charset, const char *utf8)
{
	gsize n = 0;
	char *conv = g_convert(utf8, -1, charset, "UTF-8", NULL, &n, NULL);
	char *b64 = conv ? g_base64_encode((const guchar *)conv, n) : g_strdup("");
	char *ew = g_strdup_printf("=?%s?B?%s?=", charset, b64);

	g_free(b64);
	g_free(conv);
	return ew;
}

static void headers(GString *m, guint64 n, const char *subject, const char *ctype, const char *cte)
{
	g_string_append_printf(m,
		"Return-Path: <user%u@example.ac.jp>\n"
		"Received: from mx%u.example.ac.jp (mx.example.ac.jp [192.0.2.%u])\n"
		"\tby mail.example.ac.jp (Postfix) with ESMTPS id %08" G_GINT64_MODIFIER "X\n"
		"\tfor <staff@example.ac.jp>; Thu, 05 Nov 2026 17:30:00 +0900\n"
		"Date: Thu, 05 Nov 2026 %02u:%02u:00 +0900\n"
		"From: %s <user%u@example.ac.jp>\n"
		"To: staff@example.ac.jp\n"
		"Message-ID: <bench.%" G_GUINT64_FORMAT "@example.ac.jp>\n"
		"Subject: %s\n"
		"MIME-Version: 1.0\n",
		pick(500), pick(4), pick(250), n, pick(24), pick(60),
		pick(2) ? "=?UTF-8?B?6Yi05pyoIOiKseWtkA==?=" : "Taro Yamada", pick(500), n, subject);
	if (ctype)
		g_string_append_printf(m, "Content-Type: %s\nContent-Transfer-Encoding: %s\n", ctype, cte);
	g_string_append_c(m, '\n');
}

/* n lines of Japanese text in charset, or English when charset is NULL. */
static char *text_block(const char *charset, guint lines)
{
	GString *t = g_string_new(NULL);

	for (guint i = 0; i < lines; i++) {
		if (charset)
			g_string_append(t, ja_lines[pick(G_N_ELEMENTS(ja_lines))]);
		else
			g_string_append(t, en_lines[pick(G_N_ELEMENTS(en_lines))]);
		g_string_append_c(t, '\n');
	}
	if (!charset || g_ascii_strcasecmp(charset, "UTF-8") == 0)
		return g_string_free(t, FALSE);
	char *conv = g_convert(t->str, (gssize)t->len, charset, "UTF-8", NULL, NULL, NULL);
	g_string_free(t, TRUE);
	return conv ? conv : g_strdup("\n");
}

static void append_b64_wrapped(GString *m, const char *data, gsize len)
{
	char *b64 = g_base64_encode((const guchar *)data, len);

	for (gsize i = 0, n = strlen(b64); i < n; i += 76) {
		g_string_append_len(m, b64 + i, (gssize)MIN(76, n - i));
		g_string_append_c(m, '\n');
	}
	g_free(b64);
}

static void text_body(GString *m, guint64 n, guint style)
{
	static const char *const charsets[] = { "ISO-2022-JP", "UTF-8", "UTF-8", "Shift_JIS", "EUC-JP", NULL };
	const char *cs = charsets[style % G_N_ELEMENTS(charsets)];
	gboolean b64 = cs && (style / 6) % 2 == 0 && g_ascii_strcasecmp(cs, "ISO-2022-JP") != 0;
	char *subject = encoded_word(cs ? cs : "UTF-8", "研究室ミーティングのご案内");
	char *ctype = g_strdup_printf("text/plain; charset=%s", cs ? cs : "us-ascii");
	char *text = text_block(cs, 10 + pick(120));

	headers(m, n, subject, ctype, b64 ? "base64" : cs ? (strcmp(cs, "ISO-2022-JP") == 0 ? "7bit" : "8bit") : "7bit");
	if (b64)
		append_b64_wrapped(m, text, strlen(text));
	else
		g_string_append(m, text);
	g_free(text);
	g_free(ctype);
	g_free(subject);
}

static void attachment_body(GString *m, const pools *p, guint64 n)
{
	gsize want = 20 * 1024 + pick(380 * 1024);
	gsize lines = want / 77, start = pick((guint)(p->b64->len / 77 - lines)) * 77;
	char *text = text_block("UTF-8", 5 + pick(20));

	headers(m, n, "=?UTF-8?B?5Ye65by15aCx5ZGK5pu444Gu5o+Q5Ye644Gr44Gk44GE44Gm?=",
		"multipart/mixed; boundary=\"att-bench\"", "7bit");
	g_string_append(m, "--att-bench\nContent-Type: text/plain; charset=UTF-8\n"
			   "Content-Transfer-Encoding: base64\n\n");
	append_b64_wrapped(m, text, strlen(text));
	g_string_append(m, "\n--att-bench\nContent-Type: application/pdf; name=\"report.pdf\"\n"
			   "Content-Disposition: attachment; filename=\"report.pdf\"\n"
			   "Content-Transfer-Encoding: base64\n\n");
	g_string_append_len(m, p->b64->str + start, (gssize)(lines * 77));
	g_string_append(m, "\n--att-bench--\n");
	g_free(text);
}

static void html_body(GString *m, guint64 n)
{
	char *text = text_block(NULL, 5 + pick(40));

	headers(m, n, "Workshop programme", "multipart/alternative; boundary=\"alt-bench\"", "7bit");
	g_string_append_printf(m, "--alt-bench\nContent-Type: text/plain; charset=us-ascii\n\n%s\n"
			       "--alt-bench\nContent-Type: text/html; charset=us-ascii\n\n"
			       "<html><body><p>%s</p><a href=\"https://www.example.ac.jp/events/\">programme</a>"
			       "</body></html>\n--alt-bench--\n", text, text);
	g_free(text);
}

/* One ordinary message, quoted and followed by the blank separator. */
static void ordinary(FILE *out, const pools *p, guint64 n, GString *m)
{
	guint r = pick(100);
	GBytes *q = NULL;
	gsize len = 0;

	g_string_truncate(m, 0);
	if (r < 10)
		attachment_body(m, p, n);
	else if (r < 20)
		html_body(m, n);
	else
		text_body(m, n, pick(12));
	q = quote_mboxrd(m->str, m->len);
	const char *data = g_bytes_get_data(q, &len);
	fwrite(data, 1, len, out);
	fputc('\n', out);
	g_bytes_unref(q);
}

int main(int argc, char **argv)
{
	double size_mb = 256, ratio = 0.001;
	gint64 seed = 1;
	char *notices = NULL;
	GOptionEntry entries[] = {
		{ "size", 0, 0, G_OPTION_ARG_DOUBLE, &size_mb, "Size in MiB (default 256)", "MB" },
		{ "notices", 0, 0, G_OPTION_ARG_FILENAME, &notices, "Directory of .eml to mix in", "DIR" },
		{ "ratio", 0, 0, G_OPTION_ARG_DOUBLE, &ratio, "Share of mixed-in messages (0.001)", "R" },
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("OUT");
	GError *err = NULL;
	pools p = { 0 };
	guint64 n = 0, mixed = 0, limit = 0, written = 0;
	GString *m = g_string_new(NULL);
	FILE *out = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "upki-mkmbox: %s\n", err ? err->message : "give one OUT file");
		return 2;
	}
	rng_state ^= (guint64)seed * 0xbf58476d1ce4e5b9ull;
	if (!rng_state)
		rng_state = 1; /* xorshift stays at 0 forever */
	make_b64_pool(&p);
	load_notices(&p, notices);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	limit = (guint64)(size_mb * 1024 * 1024);
	for (; written < limit; n++) {
		fprintf(out, "From user%u@example.ac.jp Thu Nov  5 17:30:00 2026\n", pick(500));
		if (p.notices->len && (double)(rng() % 1000000) < ratio * 1e6) {
			gsize len = 0;
			const char *data = g_bytes_get_data(g_ptr_array_index(p.notices, mixed++ % p.notices->len), &len);
			fwrite(data, 1, len, out);
			fputc('\n', out);
		} else {
			ordinary(out, &p, n, m);
		}
		written = (guint64)ftell(out);
	}
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%" G_GUINT64_FORMAT " messages, %" G_GUINT64_FORMAT " mixed in, %" G_GUINT64_FORMAT " bytes\n",
	       n, mixed, written);
	g_string_free(m, TRUE);
	g_ptr_array_unref(p.notices);
	g_string_free(p.b64, TRUE);
	g_option_context_free(ctx);
	g_free(notices);
	return 0;
}

/* prefilter-variants.h - generated look-alikes and ordinary mail for the
 * differential tests of the prefilter (test-prefilter.c, and through
 * upki-variants the milter-vs-scan test).  Header only: each message is
 * built from a link payload, a Subject, a From, a charset, a transfer
 * encoding and a container; sweeps put base64 and quoted-printable
 * line breaks at every offset of a marker. */
#ifndef UPKI_PREFILTER_VARIANTS_H
#define UPKI_PREFILTER_VARIANTS_H

#include <string.h>
#include <glib.h>

typedef struct variant {
	char *name;
	GString *msg;
} variant;

static void variant_free(gpointer data)
{
	variant *v = data;

	g_free(v->name);
	g_string_free(v->msg, TRUE);
	g_free(v);
}

static const char *const var_payloads[] = {
	"詳細は https://www.example.org/news/2026 をご覧ください。",
	"https://scia.secomtrust.net.example.com/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=AbCdEfGhIjKlMnOp",
	"https://ｓｃｉａ．ｓｅｃｏｍｔｒｕｓｔ．ｎｅｔ/login",
	"https://\xd1\x95\xd1\x81\xd1\x96\xd0\xb0.secomtrust.net/login",  /* Cyrillic s c i a */
	"https://sc\xce\xb9\xce\xb1.sec\xce\xbfmtrust.net/x",              /* Greek iota alpha omicron */
	"PUNYCODE",
	"https://evil.example/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=AAAABBBBCCCCDDDD",
	"https://evil.example/get?p1=AAAABBBBCCCCDDDD",
	"証明書取得URL\nhttps://evil.example/get",
	"ｈｔｔｐｓ：／／evil.example／ＵＰＫＩ－ＯＤＣＥＲＴ／x",
	"https://secom-trust.example/x",
	"https://scia.secom\ntrust.net/x",
};

static const char *const var_subjects[] = {
	"ご案内", "[UPKI] クライアント証明書発行受付通知", "Re: [UPKI] クライアント証明書発行受付通知",
	"Fwd: [UPKI] クライアント証明書発行受付通知", "【UPKI】クライアント証明書発行受付通知",
};

static const char *const var_froms[] = {
	"Taro <taro@example.ac.jp>", "CA Support <ca-support@ml.secom-sts.co.jp>",
};

static const char *const var_charsets[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS", "EUC-JP" };

typedef enum { VAR_8BIT, VAR_BASE64, VAR_QP } var_cte;
typedef enum { VAR_PLAIN, VAR_ALT_HTML, VAR_FORWARD, VAR_MIXED, VAR_CONTAINERS } var_container;

static char *var_payload(gsize i)
{
	if (strcmp(var_payloads[i], "PUNYCODE") != 0)
		return g_strdup(var_payloads[i]);
	char *ace = g_hostname_to_ascii("\xd1\x95\xd1\x81\xd1\x96\xd0\xb0-secomtrust.net");
	char *url = g_strdup_printf("https://%s/login", ace ? ace : "xn--invalid");
	g_free(ace);
	return url;
}

static char *var_qp(const char *b, gsize n, gssize brk)
{
	GString *o = g_string_new(NULL);
	gsize col = 0;

	for (gsize i = 0; i < n; i++) {
		guchar c = (guchar)b[i];
		if ((gssize)i == brk || col > 70) {
			g_string_append(o, "=\n");
			col = 0;
		}
		if (c == '\n') {
			g_string_append_c(o, '\n');
			col = 0;
		} else if (c >= 33 && c <= 126 && c != '=') {
			g_string_append_c(o, (char)c);
			col++;
		} else {
			g_string_append_printf(o, "=%02X", c);
			col += 3;
		}
	}
	g_string_append_c(o, '\n');
	return g_string_free(o, FALSE);
}

static char *var_b64(const char *b, gsize n)
{
	char *all = g_base64_encode((const guchar *)b, n);
	GString *o = g_string_new(NULL);

	for (gsize i = 0, len = strlen(all); i < len; i += 76) {
		g_string_append_len(o, all + i, MIN(76, len - i));
		g_string_append_c(o, '\n');
	}
	g_free(all);
	return g_string_free(o, FALSE);
}

/* A text part: header and body; NULL when the charset cannot hold it. */
static char *var_part(const char *type, const char *utf8, const char *cs, var_cte cte, gssize brk)
{
	gsize n = 0;
	char *bytes = g_convert(utf8, -1, cs, "UTF-8", NULL, &n, NULL);
	char *body = NULL, *part = NULL;
	static const char *const names[] = { "8bit", "base64", "quoted-printable" };

	if (!bytes)
		return NULL;
	body = cte == VAR_BASE64 ? var_b64(bytes, n) : cte == VAR_QP ? var_qp(bytes, n, brk)
		: g_strdup_printf("%s\n", bytes);
	part = g_strdup_printf("Content-Type: %s; charset=\"%s\"\nContent-Transfer-Encoding: %s\n\n%s",
			       type, cs, names[cte], body);
	g_free(body);
	g_free(bytes);
	return part;
}

static char *var_html(const char *payload)
{
	const char *nl = strchr(payload, '\n');
	if (strstr(payload, "secom\ntrust"))
		return g_strdup("<p>こちら: <a href=\"https://evil.example/x\">scia.<b>secom</b>trust.net</a></p>");
	if (nl)
		return g_strdup_printf("<p>%.*s<br><a href=\"%s\">%s</a></p>", (int)(nl - payload), payload,
				       nl + 1, nl + 1);
	return g_strdup_printf("<p>ご確認ください: <a href=\"%s\">こちら</a></p>", payload);
}

static char *var_body(const char *payload, const char *cs, var_cte cte, gssize brk, gsize pad)
{
	char *pads = g_strnfill(pad, 'x');
	char *text = g_strdup_printf("%s%sお世話になっております。\n%s\nよろしくお願いします。\n", pads,
				     pad ? "\n" : "", payload);
	char *part = var_part("text/plain", text, cs, cte, brk);

	g_free(text);
	g_free(pads);
	return part;
}

static void var_add(GPtrArray *out, const char *name, const char *subject, const char *from, const char *body)
{
	variant *v = g_new0(variant, 1);
	char *enc = g_base64_encode((const guchar *)subject, strlen(subject));

	v->name = g_strdup(name);
	v->msg = g_string_new(NULL);
	g_string_append_printf(v->msg, "From: %s\nTo: hanako@example.ac.jp\nSubject: =?UTF-8?B?%s?=\n"
			       "Date: Mon, 02 Nov 2026 10:00:00 +0900\nMessage-ID: <%u@example.ac.jp>\n"
			       "MIME-Version: 1.0\n%s", from, enc, out->len, body);
	g_free(enc);
	g_ptr_array_add(out, v);
}

static char *var_wrap(var_container c, const char *payload, const char *text_part, const char *cs, var_cte cte)
{
	char *html = NULL, *hpart = NULL, *r = NULL;

	switch (c) {
	case VAR_PLAIN:
		return g_strdup(text_part);
	case VAR_ALT_HTML:
		html = var_html(payload);
		hpart = var_part("text/html", html, cs, cte, -1);
		r = g_strdup_printf("Content-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\n%s--alt\n%s--alt--\n",
				    text_part, hpart ? hpart : "Content-Type: text/html\n\n<p>x</p>\n");
		break;
	case VAR_FORWARD:
		r = g_strdup_printf("Content-Type: multipart/mixed; boundary=\"fw\"\n\n--fw\n"
				    "Content-Type: text/plain; charset=UTF-8\n\n転送します。\n--fw\n"
				    "Content-Type: message/rfc822\n\nFrom: someone@example.com\nSubject: hello\n"
				    "MIME-Version: 1.0\n%s--fw--\n", text_part);
		break;
	default:
		r = g_strdup_printf("Content-Type: multipart/mixed; boundary=\"mx\"\n\n--mx\n%s--mx\n"
				    "Content-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n"
				    "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\n--mx--\n",
				    text_part);
		break;
	}
	g_free(hpart);
	g_free(html);
	return r;
}

/* Every combination, then the line-break sweeps. */
static GPtrArray *variants_make(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(variant_free);

	for (gsize p = 0; p < G_N_ELEMENTS(var_payloads); p++) {
		char *payload = var_payload(p);
		for (gsize s = 0; s < G_N_ELEMENTS(var_subjects); s++)
		for (gsize f = 0; f < G_N_ELEMENTS(var_froms); f++)
		for (gsize cs = 0; cs < G_N_ELEMENTS(var_charsets); cs++)
		for (int cte = VAR_8BIT; cte <= VAR_QP; cte++)
		for (int c = 0; c < VAR_CONTAINERS; c++) {
			if (f == 1 && s != 0)
				continue; /* the sender with every subject adds nothing */
			char *part = var_body(payload, var_charsets[cs], (var_cte)cte, -1, 0);
			char *body = part ? var_wrap((var_container)c, payload, part, var_charsets[cs], (var_cte)cte) : NULL;
			char *name = g_strdup_printf("p%zu-s%zu-f%zu-%s-cte%d-c%d", p, s, f, var_charsets[cs], cte, c);
			if (body)
				var_add(out, name, var_subjects[s], var_froms[f], body);
			g_free(name);
			g_free(body);
			g_free(part);
		}
		/* base64 breaks at every offset of the marker, QP soft breaks too */
		for (gsize k = 0; k < 78; k++) {
			char *b64 = var_body(payload, "UTF-8", VAR_BASE64, -1, k);
			char *qp = var_body(payload, "UTF-8", VAR_QP, (gssize)(k + 37), 0);
			char *n1 = g_strdup_printf("p%zu-b64pad%zu", p, k), *n2 = g_strdup_printf("p%zu-qpbrk%zu", p, k);
			var_add(out, n1, var_subjects[0], var_froms[0], b64);
			if (qp)
				var_add(out, n2, var_subjects[0], var_froms[0], qp);
			g_free(n1);
			g_free(n2);
			g_free(b64);
			g_free(qp);
		}
		g_free(payload);
	}
	return out;
}

#endif

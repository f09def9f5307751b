/* profile.c - the built-in description of the UPKI notices.
 *
 * Wordings are those of the real notices (see shared/upki-samples/README.md
 * and the public peer kyoto-u/shibcert); the config file can add more
 * without a rebuild (config.c, keys Kind*, *Label).
 */
#include <string.h>

#include "upki/profile.h"

static const char *const kind_names[UPKI_KIND_COUNT] = {
	[UPKI_KIND_NONE] = NULL,
	[UPKI_KIND_CERT_ISSUE] = "cert-issue",
	[UPKI_KIND_PIN_ISSUE] = "pin-issue",
	[UPKI_KIND_CERT_RETRIEVED] = "cert-retrieved",
	[UPKI_KIND_CERT_RENEWED] = "cert-renewed",
	[UPKI_KIND_CERT_REVOKED] = "cert-revoked",
};

/* One row per built-in string: which list, which kind (for per-kind lists). */
enum list { L_TAG, L_REPLY, L_SUBJECT, L_FILE, L_MARKER, L_URL_LABEL, L_DN, L_SERIAL, L_OLD_SERIAL };

static const struct {
	enum list list;
	upki_kind kind;
	const char *value;
} builtin[] = {
	{ L_TAG, 0, "[UPKI]" },
	{ L_REPLY, 0, "re:" }, { L_REPLY, 0, "fw:" }, { L_REPLY, 0, "fwd:" },
	{ L_REPLY, 0, "転送:" }, { L_REPLY, 0, "返信:" }, { L_REPLY, 0, "aw:" },
	{ L_REPLY, 0, "wg:" }, { L_REPLY, 0, "tr:" }, { L_REPLY, 0, "sv:" },
	{ L_SUBJECT, UPKI_KIND_CERT_ISSUE, "クライアント証明書発行受付通知" },
	{ L_SUBJECT, UPKI_KIND_CERT_ISSUE, "client certificate issue acceptance notice" },
	{ L_SUBJECT, UPKI_KIND_PIN_ISSUE, "アクセスPIN発行通知" },
	{ L_SUBJECT, UPKI_KIND_CERT_RETRIEVED, "クライアント証明書取得通知" },
	{ L_SUBJECT, UPKI_KIND_CERT_RENEWED, "クライアント証明書更新通知" },
	{ L_SUBJECT, UPKI_KIND_CERT_REVOKED, "クライアント証明書失効完了通知" },
	{ L_SUBJECT, UPKI_KIND_CERT_REVOKED, "client certificate revocation completion notification" },
	{ L_FILE, UPKI_KIND_CERT_ISSUE, "SPEntranceCliAll.jsp" },
	{ L_FILE, UPKI_KIND_PIN_ISSUE, "SPEntranceCliPin.jsp" },
	{ L_FILE, UPKI_KIND_PIN_ISSUE, "SPEntranceCliAllPin.jsp" },
	/* What the signed text of each kind holds and no other kind's does:
	 * the page its URL names, or the head of its own section. */
	{ L_MARKER, UPKI_KIND_CERT_ISSUE, "SPEntranceCliAll.jsp" },
	{ L_MARKER, UPKI_KIND_CERT_ISSUE, "証明書取得URL" },
	{ L_MARKER, UPKI_KIND_CERT_ISSUE, "certificate acquisition URL" },
	{ L_MARKER, UPKI_KIND_PIN_ISSUE, "アクセスPIN取得URL" },
	{ L_MARKER, UPKI_KIND_PIN_ISSUE, "access PIN acquisition URL" },
	{ L_MARKER, UPKI_KIND_PIN_ISSUE, "SPEntranceCliPin.jsp" },
	{ L_MARKER, UPKI_KIND_PIN_ISSUE, "SPEntranceCliAllPin.jsp" },
	{ L_MARKER, UPKI_KIND_CERT_RETRIEVED, "【対象証明書シリアル番号】" },
	{ L_MARKER, UPKI_KIND_CERT_RENEWED, "【新証明書シリアル番号】" },
	{ L_MARKER, UPKI_KIND_CERT_RENEWED, "【旧証明書のシリアル番号】" },
	{ L_MARKER, UPKI_KIND_CERT_REVOKED, "【失効証明書DN】" },
	{ L_MARKER, UPKI_KIND_CERT_REVOKED, "【失効証明書シリアル番号】" },
	{ L_MARKER, UPKI_KIND_CERT_REVOKED, "【revoked certificate DN】" },
	{ L_URL_LABEL, 0, "証明書取得URL" },
	{ L_URL_LABEL, 0, "アクセスPIN取得URL" },
	{ L_URL_LABEL, 0, "certificate acquisition URL" },
	{ L_URL_LABEL, 0, "access PIN acquisition URL" },
	{ L_DN, 0, "【対象証明書DN】" },
	{ L_DN, 0, "【失効証明書DN】" },
	{ L_DN, 0, "【revoked certificate DN】" },
	{ L_SERIAL, 0, "【対象証明書シリアル番号】" },
	{ L_SERIAL, 0, "【新証明書シリアル番号】" },
	{ L_SERIAL, 0, "【失効証明書シリアル番号】" },
	{ L_SERIAL, 0, "【revoked certificate serial number】" },
	{ L_OLD_SERIAL, 0, "【旧証明書のシリアル番号】" },
	{ L_OLD_SERIAL, 0, "【旧証明書シリアル番号】" },
};

const char *upki_kind_to_string(upki_kind k)
{
	if ((unsigned)k >= UPKI_KIND_COUNT)
		return NULL;
	return kind_names[k];
}

upki_kind upki_kind_from_string(const char *s)
{
	for (int k = 1; k < UPKI_KIND_COUNT && s; k++)
		if (strcmp(kind_names[k], s) == 0)
			return (upki_kind)k;
	return UPKI_KIND_NONE;
}

void upki_profile_add(GPtrArray *list, const char *value)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(g_ptr_array_index(list, i), value) == 0)
			return;
	g_ptr_array_add(list, g_strdup(value));
}

static GPtrArray *list_of(upki_profile *p, enum list l, upki_kind k)
{
	switch (l) {
	case L_TAG: return p->tags;
	case L_REPLY: return p->reply_prefixes;
	case L_SUBJECT: return p->subjects[k];
	case L_FILE: return p->files[k];
	case L_MARKER: return p->markers[k];
	case L_URL_LABEL: return p->url_labels;
	case L_DN: return p->dn_labels;
	case L_SERIAL: return p->serial_labels;
	case L_OLD_SERIAL: return p->old_serial_labels;
	}
	return NULL;
}

upki_profile *upki_profile_new_default(void)
{
	upki_profile *p = g_new0(upki_profile, 1);

	p->sender = g_strdup("ca-support@ml.secom-sts.co.jp");
	p->host = g_strdup("scia.secomtrust.net");
	p->path_prefix = g_strdup("/upki-odcert/download/view/jsp/");
	/* Real tokens are 64 base64 characters, a few of them %2F-escaped. */
	p->token_min = 16;
	p->token_max = 512;
	p->tags = g_ptr_array_new_with_free_func(g_free);
	p->reply_prefixes = g_ptr_array_new_with_free_func(g_free);
	for (int k = 0; k < UPKI_KIND_COUNT; k++) {
		p->subjects[k] = g_ptr_array_new_with_free_func(g_free);
		p->files[k] = g_ptr_array_new_with_free_func(g_free);
		p->markers[k] = g_ptr_array_new_with_free_func(g_free);
	}
	p->url_labels = g_ptr_array_new_with_free_func(g_free);
	p->dn_labels = g_ptr_array_new_with_free_func(g_free);
	p->serial_labels = g_ptr_array_new_with_free_func(g_free);
	p->old_serial_labels = g_ptr_array_new_with_free_func(g_free);
	for (gsize i = 0; i < G_N_ELEMENTS(builtin); i++)
		upki_profile_add(list_of(p, builtin[i].list, builtin[i].kind), builtin[i].value);
	return p;
}

void upki_profile_free(upki_profile *p)
{
	if (!p)
		return;
	g_free(p->sender);
	g_free(p->host);
	g_free(p->path_prefix);
	g_ptr_array_unref(p->tags);
	g_ptr_array_unref(p->reply_prefixes);
	for (int k = 0; k < UPKI_KIND_COUNT; k++) {
		g_ptr_array_unref(p->subjects[k]);
		g_ptr_array_unref(p->files[k]);
		g_ptr_array_unref(p->markers[k]);
	}
	g_ptr_array_unref(p->url_labels);
	g_ptr_array_unref(p->dn_labels);
	g_ptr_array_unref(p->serial_labels);
	g_ptr_array_unref(p->old_serial_labels);
	g_free(p);
}

gboolean upki_profile_text_confirms(const upki_profile *p, upki_kind k, const char *text)
{
	if ((unsigned)k >= UPKI_KIND_COUNT || k == UPKI_KIND_NONE || !text)
		return FALSE;
	for (guint i = 0; i < p->markers[k]->len; i++)
		if (strstr(text, g_ptr_array_index(p->markers[k], i)))
			return TRUE;
	return FALSE;
}

gboolean upki_profile_kind_has_url(const upki_profile *p, upki_kind k)
{
	return (unsigned)k < UPKI_KIND_COUNT && k != UPKI_KIND_NONE && p->files[k]->len > 0;
}

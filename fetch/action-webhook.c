/* action-webhook.c - the `webhook` action: the job POSTed to a receiver,
 * signed as Standard Webhooks (https://www.standardwebhooks.com) sign.
 *
 * Headers: webhook-id (the job id: a receiver that stores it ignores a
 * redelivery, which is what happens after a crash between its answer
 * and our commit), webhook-timestamp (unix seconds, so a receiver can
 * refuse old replays) and webhook-signature "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>" keyed with the decoded whsec_ secret.  libcurl
 * speaks HTTPS only, verifies the peer and its name always, follows no
 * redirect and gives up after WebhookTimeout.  Network errors, 429 and
 * 5xx are worth a retry; any other answer outside 2xx is final.  Error
 * texts name the receiver's host, never its URL (which may hold a key).
 */
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "upki-fetch.h"

#define SECRET_PREFIX "whsec_"

guint8 *uf_webhook_decode_secret(const char *text, gsize *len)
{
	const char *b64 = NULL;
	guint8 *key = NULL;
	gsize n = 0;

	if (!g_str_has_prefix(text, SECRET_PREFIX))
		return NULL;
	b64 = text + strlen(SECRET_PREFIX);
	n = strlen(b64);
	if (n == 0 || n % 4 != 0 || strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789+/=") != n)
		return NULL;
	key = g_base64_decode(b64, len);
	/* Standard Webhooks secrets are 24 to 64 bytes; less is no key */
	if (*len < 16) {
		g_free(key);
		return NULL;
	}
	return key;
}

char *uf_webhook_signature(const guint8 *key, gsize key_len, const char *id, gint64 ts,
			   const char *body, gsize body_len)
{
	char *head = g_strdup_printf("%s.%lld.", id, (long long)ts);
	GByteArray *msg = g_byte_array_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char *b64 = NULL, *sig = NULL;

	g_byte_array_append(msg, (const guint8 *)head, (guint)strlen(head));
	g_byte_array_append(msg, (const guint8 *)body, (guint)body_len);
	if (HMAC(EVP_sha256(), key, (int)key_len, msg->data, msg->len, md, &md_len)) {
		b64 = g_base64_encode(md, md_len);
		sig = g_strconcat("v1,", b64, NULL);
	}
	g_free(b64);
	g_byte_array_unref(msg);
	g_free(head);
	return sig;
}

/* The receiver's answer is not ours to keep. */
static size_t discard(char *ptr, size_t size, size_t n, void *data)
{
	(void)ptr;
	(void)data;
	return size * n;
}

static char *url_host(const char *url)
{
	GUri *u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	char *host = u ? g_strdup(g_uri_get_host(u)) : NULL;

	if (u)
		g_uri_unref(u);
	return host ? host : g_strdup("?");
}

static struct curl_slist *headers(const uf_conf *conf, const uf_job *j, gint64 ts)
{
	char *sig = uf_webhook_signature(conf->webhook_key, conf->webhook_key_len, j->id, ts, j->json,
					 strlen(j->json));
	char *h[] = { g_strdup("Content-Type: application/json"),
		      g_strconcat("webhook-id: ", j->id, NULL),
		      g_strdup_printf("webhook-timestamp: %lld", (long long)ts),
		      g_strconcat("webhook-signature: ", sig ? sig : "", NULL) };
	struct curl_slist *list = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(h); i++) {
		list = curl_slist_append(list, h[i]);
		g_free(h[i]);
	}
	g_free(sig);
	return list;
}

static void set_options(CURL *h, const uf_conf *conf, const uf_job *j, struct curl_slist *hdr)
{
	curl_easy_setopt(h, CURLOPT_URL, conf->webhook_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (conf->webhook_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, conf->webhook_ca_file);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)conf->webhook_timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)conf->webhook_timeout);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->json);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(j->json));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_USERAGENT, UF_NAME "/" UF_VERSION);
}

static uf_outcome judge(CURLcode rc, long status, const char *host, char **error)
{
	if (rc != CURLE_OK) {
		*error = g_strdup_printf("webhook %s: %s", host, curl_easy_strerror(rc));
		return UF_RETRY;
	}
	if (status >= 200 && status < 300)
		return UF_OK;
	*error = g_strdup_printf("webhook %s: HTTP status %ld", host, status);
	return status == 429 || status >= 500 ? UF_RETRY : UF_FAIL;
}

uf_outcome uf_action_webhook(const uf_ctx *c, const uf_job *j, char **error)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char *host = url_host(c->conf->webhook_url);
	long status = 0;
	uf_outcome o = UF_RETRY;
	CURLcode rc;

	if (!h) {
		*error = g_strdup("webhook: cannot start libcurl");
		goto out;
	}
	hdr = headers(c->conf, j, g_get_real_time() / G_USEC_PER_SEC);
	set_options(h, c->conf, j, hdr);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	o = judge(rc, status, host, error);
out:
	curl_slist_free_all(hdr);
	if (h)
		curl_easy_cleanup(h);
	g_free(host);
	return o;
}

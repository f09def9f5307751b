/* retrieve.c - the HTTP side of the retrieve action: GET the entrance
 * URL, submit its form, submit the download form, take the ZIP.
 *
 * One job, one curl handle: its own cookie engine (the site keeps the
 * flow in a servlet session), nothing shared with the next job.  Only
 * https to ServiceHost, TLS always verified; redirects are followed here,
 * not by libcurl, so each target passes the same host policy as the
 * forms.  Every body is capped in the write callback: libcurl's
 * MAXFILESIZE does not stop a download of unknown length. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retrieve-private.h"

#define MAX_REDIRECTS 5

typedef struct session {
	const fetch_http_opts *o;
	CURL *curl;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	GByteArray *body;
	gboolean capped;
	long status;
	char *location; /* absolute redirect target of the last answer */
	char *url;      /* URL of the last answer: base for its forms */
} session;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	session *s = user;
	size_t n = size * nmemb;

	if (n > s->o->max_body || s->body->len > s->o->max_body - n) {
		s->capped = TRUE;
		return 0; /* anything but n makes libcurl stop with CURLE_WRITE_ERROR */
	}
	g_byte_array_append(s->body, (const guint8 *)data, (guint)n);
	return n;
}

static void session_free(session *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->connect_to);
	g_byte_array_unref(s->body);
	g_free(s->location);
	g_free(s->url);
	g_free(s);
}

#define SET(opt, val)                                                  \
	do {                                                           \
		if (rc == CURLE_OK)                                    \
			rc = curl_easy_setopt(s->curl, opt, val);      \
	} while (0)

static session *session_new(const fetch_http_opts *o, char **error)
{
	session *s = g_new0(session, 1);
	CURLcode rc = CURLE_OK;

	s->o = o;
	s->body = g_byte_array_new();
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		*error = g_strdup("curl_easy_init failed");
		goto fail;
	}
	if (o->connect_to != NULL && *o->connect_to != '\0') {
		s->connect_to = curl_slist_append(NULL, o->connect_to);
		if (s->connect_to == NULL) {
			*error = g_strdup("out of memory");
			goto fail;
		}
	}
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L); /* followed by hand: see session_fetch() */
	SET(CURLOPT_MAXREDIRS, 0L);
	SET(CURLOPT_COOKIEFILE, ""); /* cookie engine on, in memory, this job only */
	SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	SET(CURLOPT_TIMEOUT, o->total_timeout);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->service_ca_file != NULL)
		SET(CURLOPT_CAINFO, o->service_ca_file);
	if (s->connect_to != NULL)
		SET(CURLOPT_CONNECT_TO, s->connect_to);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_ERRORBUFFER, s->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "upki-fetch");
	if (rc != CURLE_OK) {
		*error = g_strdup_printf("libcurl setup: %s", curl_easy_strerror(rc));
		goto fail;
	}
	return s;
fail:
	session_free(s);
	return NULL;
}

/* libcurl's messages name hosts and ports, not queries; a '?' would
 * start one, so the text is cut there to be sure no token leaks. */
static const char *curl_reason(session *s, CURLcode rc)
{
	char *q = strchr(s->errbuf, '?');

	if (q != NULL)
		*q = '\0';
	return s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
}

/* Transfer errors: the URL was not consumed, try later -- except the
 * cap (the answer is not what the site sends) and a malformed request. */
static fetch_outcome transfer_outcome(session *s, CURLcode rc)
{
	if (rc == CURLE_WRITE_ERROR && s->capped)
		return FETCH_FAIL;
	if (rc == CURLE_FILESIZE_EXCEEDED || rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
		return FETCH_FAIL;
	return FETCH_RETRY;
}

static fetch_outcome session_request(session *s, const char *url, const char *post, char **error)
{
	char *path = fetch_url_path(url);
	char *where = NULL;
	CURLcode rc = CURLE_OK;
	fetch_outcome r = FETCH_OK;

	g_byte_array_set_size(s->body, 0);
	s->capped = FALSE;
	s->errbuf[0] = '\0';
	s->status = 0;
	g_clear_pointer(&s->location, g_free);
	SET(CURLOPT_URL, url);
	if (s->url != NULL)
		SET(CURLOPT_REFERER, s->url);
	if (post != NULL) {
		SET(CURLOPT_POSTFIELDS, post);
		SET(CURLOPT_POSTFIELDSIZE, (long)strlen(post));
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
	if (rc == CURLE_OK)
		rc = curl_easy_perform(s->curl);
	if (rc != CURLE_OK) {
		r = transfer_outcome(s, rc);
		if (s->capped)
			*error = g_strdup_printf("%s %s on %s: answer larger than %" G_GSIZE_FORMAT " bytes",
						 post ? "POST" : "GET", path, s->o->service_host, s->o->max_body);
		else
			*error = g_strdup_printf("%s %s on %s: %s", post ? "POST" : "GET", path,
						 s->o->service_host, curl_reason(s, rc));
		goto out;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (curl_easy_getinfo(s->curl, CURLINFO_REDIRECT_URL, &where) == CURLE_OK && where != NULL)
		s->location = g_strdup(where);
	g_free(s->url);
	s->url = g_strdup(url);
out:
	g_free(path);
	return r;
}

static gboolean is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* One request and the redirects it leads to, each checked by the host
 * policy before it is contacted. */
static fetch_outcome session_fetch(session *s, const char *url, const char *post, char **error)
{
	char *cur = g_strdup(url);
	char *body = g_strdup(post);
	fetch_outcome r;

	for (int hops = 0;; hops++) {
		char *why = NULL;

		r = session_request(s, cur, body, error);
		if (r != FETCH_OK || !is_redirect(s->status))
			break;
		if (hops >= MAX_REDIRECTS || s->location == NULL) {
			*error = g_strdup_printf("redirect from %s: %s", s->o->service_host,
						 s->location ? "too many" : "no Location");
			r = FETCH_FAIL;
			break;
		}
		if (!fetch_url_check(s->location, s->o->service_host, NULL, &why)) {
			*error = g_strdup_printf("%s (redirect refused)", why);
			g_free(why);
			r = FETCH_FAIL;
			break;
		}
		/* 307 and 308 repeat the POST; the others turn it into a GET. */
		if (s->status != 307 && s->status != 308)
			g_clear_pointer(&body, g_free);
		g_free(cur);
		cur = g_strdup(s->location);
	}
	g_free(cur);
	g_free(body);
	return r;
}

static gboolean body_is_zip(session *s)
{
	return s->body->len >= 4 && memcmp(s->body->data, "PK\003\004", 4) == 0;
}

/* The site's refusal of a certificate download before the PIN notice
 * was fetched: its real wording is not known to us.  It is recognised
 * as what it must be: an answer from ServiceHost (redirects and forms
 * elsewhere are never followed) that is not a ZIP and holds no form we
 * expect, whose text speaks of the PIN ("PIN", also full-width, as in
 * アクセスPIN).  That is RETRY: the PIN notice may still come.  A page
 * without that word (URL used up, expired, unknown) is FAIL. */
static gboolean page_mentions_pin(session *s)
{
	char *text = fetch_html_text((const char *)s->body->data, s->body->len);
	gboolean hit = strstr(text, "PIN") != NULL || strstr(text, "\357\274\260\357\274\251\357\274\256") != NULL;

	g_free(text);
	return hit;
}

/* What an answer without the expected form or ZIP comes to. */
static fetch_outcome page_outcome(session *s, const fetch_kind_info *k, const char *wanted, const char *form_err,
				  char **error)
{
	char *path = fetch_url_path(s->url);
	fetch_outcome r = FETCH_FAIL;

	if (s->status == 408 || s->status == 429 || s->status >= 500) {
		*error = g_strdup_printf("HTTP %ld from %s %s", s->status, s->o->service_host, path);
		r = FETCH_RETRY;
	} else if (k->kind == FETCH_KIND_CERT && page_mentions_pin(s)) {
		*error = g_strdup_printf("%s %s refuses the certificate (HTTP %ld): PIN notice not fetched yet?",
					 s->o->service_host, path, s->status);
		r = FETCH_RETRY;
	} else if (s->status != 200) {
		*error = g_strdup_printf("HTTP %ld from %s %s", s->status, s->o->service_host, path);
	} else if (form_err != NULL) {
		*error = g_strdup(form_err);
	} else {
		*error = g_strdup_printf("%s %s answered a page without %s (URL used up or unknown?)",
					 s->o->service_host, path, wanted);
	}
	g_free(path);
	return r;
}

/* The whole flow for url; FETCH_OK with the ZIP's bytes. */
static fetch_outcome run_flow(const fetch_http_opts *o, const char *url, gboolean cert, GBytes **zip,
			      char **error)
{
	const fetch_kind_info *k = NULL;
	session *s = NULL;
	fetch_form form = { NULL, NULL };
	fetch_outcome r = FETCH_FAIL;

	if (!fetch_url_check(url, o->service_host, NULL, error))
		goto out;
	k = fetch_kind_of_url(url);
	if (k == NULL || (k->kind == FETCH_KIND_CERT) != cert) {
		char *path = fetch_url_path(url);

		*error = g_strdup_printf("%s is not a %s URL", path, cert ? "certificate" : "PIN");
		g_free(path);
		goto out;
	}
	s = session_new(o, error);
	if (s == NULL)
		goto out;
	r = session_fetch(s, url, NULL, error);
	for (int step = 0; r == FETCH_OK && step < 2; step++) {
		char *why = NULL;
		fetch_form_result fr = FETCH_FORM_NONE;

		if (s->status == 200)
			fr = fetch_form_find((const char *)s->body->data, s->body->len, s->url, o->service_host,
					     k->actions[step], &form, &why);
		if (fr == FETCH_FORM_FOUND)
			r = session_fetch(s, form.url, form.fields, error);
		else
			r = page_outcome(s, k, k->actions[step], why, error);
		fetch_form_clear(&form);
		g_free(why);
	}
	if (r != FETCH_OK)
		goto out;
	if (s->status != 200 || !body_is_zip(s)) {
		r = page_outcome(s, k, "a ZIP", NULL, error);
		goto out;
	}
	*zip = g_bytes_new(s->body->data, s->body->len);
out:
	fetch_form_clear(&form);
	session_free(s);
	return r;
}

void fetch_pin_record_free(fetch_pin_record *r)
{
	if (r == NULL)
		return;
	g_free(r->name);
	g_free(r->email);
	if (r->pin != NULL)
		memset(r->pin, 0, strlen(r->pin));
	g_free(r->pin);
	g_free(r->dn);
	g_free(r);
}

/* The flow for url, its ZIP written durably to zip_path (*zip keeps the
 * bytes).  A ZIP that cannot be written is RETRY: the disk may recover,
 * though the site may not hand the URL out again. */
static fetch_outcome download_to(const fetch_http_opts *o, const char *url, gboolean cert, const char *zip_path,
				 GBytes **zip, char **error)
{
	gsize len = 0;
	const void *data;
	fetch_outcome r = run_flow(o, url, cert, zip, error);

	if (r != FETCH_OK)
		return r;
	/* Kept first, checked after: the site hands it out once. */
	data = g_bytes_get_data(*zip, &len);
	if (!fetch_write_durably(zip_path, data, len, error))
		return FETCH_RETRY;
	return FETCH_OK;
}

fetch_outcome fetch_retrieve_pin(const fetch_http_opts *o, const char *url, const char *zip_path,
				 GPtrArray **records, char **error)
{
	GBytes *zip = NULL;
	GPtrArray *entries = NULL;
	fetch_outcome r = FETCH_OK;

	*records = NULL;
	*error = NULL;
	/* A ZIP already there is the single download of an earlier attempt
	 * that did not record its PINs (a crash, a full database): read it
	 * again, the site would only say the URL is used up. */
	if (access(zip_path, F_OK) != 0)
		r = download_to(o, url, FALSE, zip_path, &zip, error);
	if (r != FETCH_OK)
		goto out;
	/* read from the file, not from memory: what is recorded is what a
	 * rerun would read */
	r = fetch_zip_read_file(zip_path, o->max_zip_entries, o->max_zip_uncompressed, &entries, error);
	if (r != FETCH_OK)
		goto out;
	r = fetch_pin_records_from_zip(entries, records, error);
out:
	if (entries != NULL)
		g_ptr_array_unref(entries);
	if (zip != NULL)
		g_bytes_unref(zip);
	return r;
}

fetch_outcome fetch_retrieve_cert_zip(const fetch_http_opts *o, const char *url, const char *zip_path,
				      char **error)
{
	GBytes *zip = NULL;
	GPtrArray *entries = NULL;
	fetch_outcome r;

	*error = NULL;
	r = download_to(o, url, TRUE, zip_path, &zip, error);
	if (r == FETCH_OK)
		r = fetch_zip_read(zip, o->max_zip_entries, o->max_zip_uncompressed, &entries, error);
	if (entries != NULL)
		g_ptr_array_unref(entries);
	if (zip != NULL)
		g_bytes_unref(zip);
	return r;
}

static gboolean write_all(int fd, const char *p, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static gboolean fsync_dir_of(const char *path)
{
	char *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gboolean ok = fd >= 0 && fsync(fd) == 0;

	if (fd >= 0)
		close(fd);
	g_free(dir);
	return ok;
}

gboolean fetch_write_durably(const char *path, const void *data, gsize len, char **error)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd = -1;
	gboolean ok = FALSE;

	/* A .tmp left by a crash is replaced; O_NOFOLLOW keeps a planted
	 * link from redirecting the write. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || !write_all(fd, data, len) || fsync(fd) != 0) {
		*error = g_strdup_printf("writing %s: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*error = g_strdup_printf("writing %s: %s", tmp, g_strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || !fsync_dir_of(path)) {
		*error = g_strdup_printf("renaming to %s: %s", path, g_strerror(errno));
		goto out;
	}
	ok = TRUE;
out:
	if (fd >= 0)
		close(fd);
	if (!ok)
		unlink(tmp);
	g_free(tmp);
	return ok;
}

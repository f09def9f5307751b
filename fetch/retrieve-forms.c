/* retrieve-forms.c - which URLs the retrieve action may touch, and the
 * forms of the site's pages (libxml2's HTML parser).  A form is followed
 * only when its action is the one expected for the URL's kind at that
 * step, on ServiceHost, under /upki-odcert/download/: a page that tries
 * to send us elsewhere gets nothing, not even its own fields. */
#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <string.h>

#include "retrieve-private.h"

static const fetch_kind_info kinds[] = {
	{ FETCH_KIND_PIN, "SPEntranceCliPin.jsp", { "spEntranceCliPin.do", "spDLCliPin.do" } },
	{ FETCH_KIND_ALL_PIN, "SPEntranceCliAllPin.jsp", { "spEntranceCliAllPin.do", "spDLCliAllPin.do" } },
	{ FETCH_KIND_CERT, "SPEntranceCliAll.jsp", { "spEntranceCliAll.do", "spDLCliAll.do" } },
};

#define ENTRANCE_DIR FETCH_DOWNLOAD_DIR "view/jsp/"

/* Java servlet containers put the session in the path when cookies are
 * off: "/x.do;jsessionid=ABC".  That is the only suffix accepted. */
static gboolean path_is(const char *path, const char *want)
{
	static const char param[] = ";jsessionid=";
	size_t n = strlen(want);
	const char *p;

	if (strncmp(path, want, n) != 0)
		return FALSE;
	if (path[n] == '\0')
		return TRUE;
	if (strncmp(path + n, param, sizeof(param) - 1) != 0)
		return FALSE;
	p = path + n + sizeof(param) - 1;
	if (*p == '\0')
		return FALSE;
	for (; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
			return FALSE;
	return TRUE;
}

/* Dot segments are removed by libcurl's parser; encoded ones are not,
 * and a server would undo them: refuse those outright. */
static gboolean path_is_plain(const char *path)
{
	return strstr(path, "%2e") == NULL && strstr(path, "%2E") == NULL && strstr(path, "%2f") == NULL &&
	       strstr(path, "%2F") == NULL && strstr(path, "%5c") == NULL && strstr(path, "%5C") == NULL &&
	       strchr(path, '\\') == NULL;
}

static char *url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *v = NULL;
	char *copy;

	if (curl_url_get(u, what, &v, flags) != CURLUE_OK)
		return NULL;
	copy = g_strdup(v);
	curl_free(v);
	return copy;
}

gboolean fetch_url_check(const char *url, const char *service_host, const char *exact_path, char **error)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *path = NULL;
	gboolean ok = FALSE;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*error = g_strdup("refused URL: it does not parse");
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME, 0);
	host = url_part(u, CURLUPART_HOST, 0);
	port = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	user = url_part(u, CURLUPART_USER, 0);
	path = url_part(u, CURLUPART_PATH, 0);
	if (scheme == NULL || g_ascii_strcasecmp(scheme, "https") != 0)
		*error = g_strdup_printf("refused URL: scheme %s is not https", scheme ? scheme : "(none)");
	else if (host == NULL || g_ascii_strcasecmp(host, service_host) != 0)
		*error = g_strdup_printf("refused URL: host %s is not %s", host ? host : "(none)", service_host);
	else if (port == NULL || strcmp(port, "443") != 0)
		*error = g_strdup_printf("refused URL: port %s on %s", port ? port : "(none)", host);
	else if (user != NULL)
		*error = g_strdup_printf("refused URL: user part on %s", host);
	else if (path == NULL || !g_str_has_prefix(path, FETCH_PATH_PREFIX) || !path_is_plain(path))
		*error = g_strdup_printf("refused URL: path %s on %s", path ? path : "(none)", host);
	else if (exact_path != NULL && !path_is(path, exact_path))
		*error = g_strdup_printf("refused URL: path %s on %s is not %s", path, host, exact_path);
	else
		ok = TRUE;
out:
	g_free(scheme);
	g_free(host);
	g_free(port);
	g_free(user);
	g_free(path);
	curl_url_cleanup(u);
	return ok;
}

char *fetch_url_path(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		path = url_part(u, CURLUPART_PATH, 0);
	curl_url_cleanup(u);
	return path ? path : g_strdup("(unparsable URL)");
}

const fetch_kind_info *fetch_kind_of_url(const char *url)
{
	char *path = fetch_url_path(url);
	const fetch_kind_info *found = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		char *want = g_strconcat(ENTRANCE_DIR, kinds[i].entrance, NULL);
		gboolean hit = path_is(path, want);

		g_free(want);
		if (hit) {
			found = &kinds[i];
			break;
		}
	}
	g_free(path);
	return found;
}

void fetch_form_clear(fetch_form *f)
{
	g_free(f->url);
	g_free(f->fields);
	f->url = NULL;
	f->fields = NULL;
}

/* application/x-www-form-urlencoded, as browsers send it. */
static void append_encoded(GString *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (g_ascii_isalnum(*p) || strchr("*-._", *p))
			g_string_append_c(out, (char)*p);
		else if (*p == ' ')
			g_string_append_c(out, '+');
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
}

/* Browsers send fields in the page's charset; libxml2 hands us UTF-8. */
static void append_field(GString *out, const char *enc, const char *name, const char *value)
{
	char *n = NULL, *v = NULL;

	if (enc != NULL && g_ascii_strcasecmp(enc, "UTF-8") != 0) {
		n = g_convert(name, -1, enc, "UTF-8", NULL, NULL, NULL);
		v = g_convert(value, -1, enc, "UTF-8", NULL, NULL, NULL);
	}
	if (out->len > 0)
		g_string_append_c(out, '&');
	append_encoded(out, n ? n : name);
	g_string_append_c(out, '=');
	append_encoded(out, v ? v : value);
	g_free(n);
	g_free(v);
}

static char *attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *copy = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return copy;
}

static gboolean is_element(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

/* The fields a browser would send on pressing Enter: named text-like and
 * hidden inputs, checked boxes, the first named submit button.  Selects
 * and file inputs do not occur on the site's download forms. */
static void collect_fields(xmlNode *n, const char *enc, GString *out, gboolean *submit_seen)
{
	for (; n != NULL; n = n->next) {
		char *name = NULL, *type = NULL, *value = NULL, *checked = NULL;

		if (is_element(n, "input")) {
			name = attr(n, "name");
			type = attr(n, "type");
			value = attr(n, "value");
			checked = attr(n, "checked");
		}
		if (name != NULL && *name != '\0') {
			const char *t = type ? type : "text";
			gboolean send;

			if (g_ascii_strcasecmp(t, "submit") == 0) {
				send = !*submit_seen;
				*submit_seen = TRUE;
			} else if (g_ascii_strcasecmp(t, "checkbox") == 0 || g_ascii_strcasecmp(t, "radio") == 0) {
				send = checked != NULL;
			} else {
				send = g_ascii_strcasecmp(t, "image") != 0 && g_ascii_strcasecmp(t, "button") != 0 &&
				       g_ascii_strcasecmp(t, "reset") != 0 && g_ascii_strcasecmp(t, "file") != 0;
			}
			if (send)
				append_field(out, enc, name, value ? value : "");
		}
		g_free(name);
		g_free(type);
		g_free(value);
		g_free(checked);
		if (n->type == XML_ELEMENT_NODE && !is_element(n, "form"))
			collect_fields(n->children, enc, out, submit_seen);
	}
}

static char *resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *abs = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK)
		abs = url_part(u, CURLUPART_URL, 0);
	curl_url_cleanup(u);
	return abs;
}

/* One form: TRUE and *out when it passes; else *why (the first refusal
 * is kept, it is the one worth reporting). */
static gboolean try_form(xmlNode *form, const char *enc, const char *base_url, const char *host,
			 const char *want_path, fetch_form *out, char **why)
{
	char *action = attr(form, "action");
	char *method = attr(form, "method");
	char *url = NULL, *err = NULL;
	GString *fields = g_string_new(NULL);
	gboolean submit_seen = FALSE, ok = FALSE;

	/* No action or an empty one: the form posts to its own page. */
	url = resolve(base_url, action != NULL && *g_strstrip(action) ? action : base_url);
	if (url == NULL) {
		err = g_strdup("refused form: its action does not parse");
		goto out;
	}
	if (!fetch_url_check(url, host, want_path, &err))
		goto out;
	collect_fields(form->children, enc, fields, &submit_seen);
	if (method != NULL && g_ascii_strcasecmp(method, "get") == 0) {
		char *q = strchr(url, '?');

		if (q)
			*q = '\0';
		out->url = g_strdup_printf("%s?%s", url, fields->str);
		out->fields = NULL;
	} else {
		out->url = g_strdup(url);
		out->fields = g_strdup(fields->str);
	}
	ok = TRUE;
out:
	if (err != NULL && *why == NULL)
		*why = g_strdup_printf("%s (form action refused)", err);
	g_free(err);
	g_free(url);
	g_free(action);
	g_free(method);
	g_string_free(fields, TRUE);
	return ok;
}

static void find_forms(xmlNode *n, GPtrArray *forms)
{
	for (; n != NULL; n = n->next) {
		if (is_element(n, "form"))
			g_ptr_array_add(forms, n);
		if (n->type == XML_ELEMENT_NODE)
			find_forms(n->children, forms);
	}
}

static htmlDocPtr parse_html(const char *html, gsize len)
{
	if (len > INT_MAX)
		return NULL;
	return htmlReadMemory(html, (int)len, NULL, NULL,
			      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
}

fetch_form_result fetch_form_find(const char *html, gsize len, const char *base_url, const char *service_host,
				  const char *action, fetch_form *out, char **error)
{
	htmlDocPtr doc = parse_html(html, len);
	GPtrArray *forms = g_ptr_array_new();
	char *want = g_strconcat(FETCH_DOWNLOAD_DIR, action, NULL);
	char *why = NULL;
	fetch_form_result r = FETCH_FORM_NONE;

	if (doc != NULL)
		find_forms(xmlDocGetRootElement(doc), forms);
	for (guint i = 0; i < forms->len && r != FETCH_FORM_FOUND; i++) {
		const char *enc = doc->encoding ? (const char *)doc->encoding : NULL;

		if (try_form(forms->pdata[i], enc, base_url, service_host, want, out, &why))
			r = FETCH_FORM_FOUND;
		else
			r = FETCH_FORM_REFUSED;
	}
	if (r == FETCH_FORM_REFUSED)
		*error = g_steal_pointer(&why);
	g_free(why);
	g_free(want);
	g_ptr_array_unref(forms);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return r;
}

char *fetch_html_text(const char *html, gsize len)
{
	htmlDocPtr doc = parse_html(html, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *text = root ? xmlNodeGetContent(root) : NULL;
	char *copy = g_strdup(text ? (const char *)text : "");

	xmlFree(text);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return copy;
}

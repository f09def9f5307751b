/* extract-html-links.c - what an HTML link is, where it leads and what it
 * shows (extract-html.c lists what is covered and what is not): anchors,
 * areas, forms, refreshes, <base>, and the URLs written in text and CSS.
 */
#include <string.h>

#include "extract-private.h"
#include "lazylib-private.h"
#include "text-private.h"
#include "extract-private.h"
#include "extract-html-private.h"

/* --- links --- */

static void add_link(html_walk *w, char *url, char *shown, gboolean labelled, gboolean bidi)
{
	upki_link *l = NULL;

	if (w->links->len >= UPKI_EXTRACT_MAX_LINKS) {
		w->limit_hit = TRUE;
		g_free(url);
		g_free(shown);
		return;
	}
	l = upki_extract_link_new(url, labelled);
	l->shown = shown;
	l->from_html = TRUE;
	l->hidden_controls = bidi || upki_text_has_hidden_controls(url, -1)
	                     || (shown && upki_text_has_hidden_controls(shown, -1));
	g_ptr_array_add(w->links, l);
}

/* href="" or only spaces links nowhere: its text is plain text. */
char *upki_html_link_target(const xmlNode *n, const char *name)
{
	char *v = upki_html_attr(n, name);
	char *t = v ? upki_html_trimmed(v) : NULL;

	g_free(v);
	if (t && !*t)
		g_clear_pointer(&t, g_free);
	return t;
}

static gboolean holds_scheme(const char *s)
{
	GPtrArray *urls = upki_extract_urls(s, NULL, FALSE, NULL);
	gboolean hit = urls->len > 0;

	g_ptr_array_unref(urls);
	return hit;
}

static char *collapse(const char *s, gsize len)
{
	GString *out = g_string_sized_new(len);
	char *copy = g_strndup(s, len);
	char *res = NULL;

	g_strdelimit(copy, "\n\t\r", ' ');
	upki_html_append_visible(out, copy, FALSE);
	res = upki_html_trimmed(out->str);
	g_string_free(out, TRUE);
	g_free(copy);
	return res;
}

/* Shown text of an anchor [from, end) of text, and its title on hover. */
static char *anchor_shown(html_walk *w, const xmlNode *n, gsize from, gsize end)
{
	char *shown = collapse(w->text->str + from, end - from);
	char *title = upki_html_attr(n, "title");

	if (title && holds_scheme(title)) {
		char *both = g_strconcat(shown, *shown ? " " : "", title, NULL);
		g_free(shown);
		shown = both;
	}
	g_free(title);
	return shown;
}

void upki_html_anchor(html_walk *w, const xmlNode *n, char *href, int depth)
{
	open_anchor a = { w->anchor, w->text->len, OPEN, w->bidi > 0 || w->line_bidi };
	gboolean labelled = upki_extract_labelled_at(w->text->str, w->text->str + a.from, w->p, &w->limit_hit);

	/* An anchor inside an anchor ends the outer one, as in browsers. */
	if (upki_html_in_link(w))
		w->anchor->end = w->text->len;
	w->anchor = &a;
	if (upki_html_is_named(n, "area"))
		upki_html_attr_text(w, n, "alt");
	upki_html_walk_children(w, n, depth);
	w->anchor = a.outer;
	if (a.end == OPEN)
		a.end = w->text->len;
	a.bidi = a.bidi || w->css_bidi;
	add_link(w, href, anchor_shown(w, n, a.from, a.end), labelled, a.bidi);
}

/* content="5; url=https://..." (quotes optional): where a refresh leads. */
static char *refresh_target(const char *content)
{
	const char *c = strchr(content, ';');

	if (!c)
		c = strchr(content, ',');
	if (!c)
		return NULL;
	c++;
	while (g_ascii_isspace(*c))
		c++;
	if (g_ascii_strncasecmp(c, "url", 3) == 0) {
		const char *eq = c + 3;
		while (g_ascii_isspace(*eq))
			eq++;
		if (*eq == '=')
			c = eq + 1;
	}
	while (g_ascii_isspace(*c) || *c == '\'' || *c == '"')
		c++;
	return *c ? g_strndup(c, strcspn(c, "'\"")) : NULL;
}

static void html_meta(html_walk *w, const xmlNode *n)
{
	char *equiv = upki_html_attr(n, "http-equiv");
	char *content = NULL;
	char *url = NULL;

	if (!equiv || g_ascii_strcasecmp(g_strstrip(equiv), "refresh") != 0)
		goto out;
	content = upki_html_attr(n, "content");
	url = content ? refresh_target(content) : NULL;
	if (url)
		add_link(w, upki_html_trimmed(url), NULL, FALSE, w->css_bidi);
out:
	g_free(url);
	g_free(content);
	g_free(equiv);
}

/* Elements that lead somewhere without being an anchor: the first
 * <base href>, forms, buttons with formaction, refreshes. */
void upki_html_target(html_walk *w, const xmlNode *n)
{
	char *t = NULL;

	if (upki_html_is_named(n, "base") && !w->base)
		w->base = upki_html_link_target(n, "href");
	else if (upki_html_is_named(n, "meta"))
		html_meta(w, n);
	else if (upki_html_is_named(n, "form") && (t = upki_html_link_target(n, "action")))
		add_link(w, g_steal_pointer(&t), NULL, FALSE, w->bidi > 0);
	else if ((upki_html_is_named(n, "button") || upki_html_is_named(n, "input")) && (t = upki_html_link_target(n, "formaction")))
		add_link(w, g_steal_pointer(&t), NULL, FALSE, w->bidi > 0);
	g_free(t);
}

static gboolean has_scheme(const char *url)
{
	const char *c = url;

	if (!g_ascii_isalpha(*c))
		return FALSE;
	while (g_ascii_isalnum(*c) || *c == '+' || *c == '-' || *c == '.')
		c++;
	return *c == ':';
}

/* url resolved against base (RFC 3986, by curl), NULL when either cannot
 * be parsed.  Caller frees. */
static char *resolve(const char *base, const char *url)
{
	const upki_lazylib *lib = upki_lazylib_get();
	CURLU *h = lib->curl_url();
	char *v = NULL;
	char *out = NULL;
	const unsigned int flags = CURLU_NON_SUPPORT_SCHEME;

	if (!h)
		return NULL;
	if (lib->curl_url_set(h, CURLUPART_URL, base, flags) != CURLUE_OK
	    || lib->curl_url_set(h, CURLUPART_URL, url, flags) != CURLUE_OK
	    || lib->curl_url_get(h, CURLUPART_URL, &v, 0) != CURLUE_OK || !v)
		goto out;
	out = g_strdup(v);
out:
	lib->curl_free(v);
	lib->curl_url_cleanup(h);
	return out;
}

/* A relative href goes where <base> says; one that cannot be resolved is
 * kept as written (a reader would still send it somewhere: it fails the
 * policy as it is). */
void upki_html_apply_base(html_walk *w)
{
	if (!w->base || !has_scheme(w->base))
		return;
	for (guint i = 0; i < w->links->len; i++) {
		upki_link *l = g_ptr_array_index(w->links, i);
		char *abs = has_scheme(l->url) ? NULL : resolve(w->base, l->url);
		if (!abs)
			continue;
		l->hidden_controls = l->hidden_controls || upki_text_has_hidden_controls(w->base, -1);
		g_free(l->url);
		l->url = abs;
	}
}

void upki_html_add_bare(html_walk *w, const char *text)
{
	GPtrArray *bare = upki_extract_urls(text, w->p, FALSE, &w->limit_hit);

	for (guint i = 0; i < bare->len; i++) {
		upki_link *l = g_ptr_array_index(bare, i);
		l->from_html = TRUE;
		l->hidden_controls = l->hidden_controls || w->css_bidi;
		g_ptr_array_add(w->links, g_steal_pointer(&bare->pdata[i]));
	}
	g_ptr_array_unref(bare);
}


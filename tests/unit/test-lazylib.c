/* test-lazylib.c - parser/lazylib.c: libcurl and libxml2 are dlopen()ed
 * on first use, once (the same table from every call and every thread),
 * RTLD_LOCAL, and the table's functions are the libraries' own.  (A
 * library that cannot be loaded: tests/integration/lazy-libraries.sh.) */
#include <dlfcn.h>
#include <string.h>

#include "lazylib-private.h"

#ifndef UPKI_CURL_SONAME
#define UPKI_CURL_SONAME "libcurl.so.4"
#endif
#ifndef UPKI_XML2_SONAME
#define UPKI_XML2_SONAME "libxml2.so.2"
#endif

static gboolean loaded_now(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);

	if (h)
		dlclose(h); /* only the reference RTLD_NOLOAD took */
	return h != NULL;
}

static gpointer load_in_thread(gpointer data)
{
	(void)data;
	return (gpointer)upki_lazylib_load(NULL);
}

static void test_load(void)
{
	/* Whether something the test links already pulled them in. */
	gboolean curl_before = loaded_now(UPKI_CURL_SONAME), xml_before = loaded_now(UPKI_XML2_SONAME);
	GThread *threads[4];
	const upki_lazylib *seen[4];
	GError *err = NULL;

	for (int i = 0; i < 4; i++)
		threads[i] = g_thread_new("load", load_in_thread, NULL);
	for (int i = 0; i < 4; i++)
		seen[i] = g_thread_join(threads[i]);

	const upki_lazylib *l = upki_lazylib_load(&err);
	g_assert_no_error(err);
	g_assert_nonnull(l);
	for (int i = 0; i < 4; i++)
		g_assert_true(seen[i] == l);
	g_assert_true(upki_lazylib_load(NULL) == l);
	g_assert_true(upki_lazylib_get() == l);
	g_assert_nonnull(l->curl_url);
	g_assert_nonnull(l->curl_url_cleanup);
	g_assert_nonnull(l->curl_url_set);
	g_assert_nonnull(l->curl_url_get);
	g_assert_nonnull(l->curl_free);
	g_assert_nonnull(l->htmlReadMemory);
	g_assert_nonnull(l->xmlFreeDoc);
	g_assert_nonnull(l->xmlGetProp);
	g_assert_nonnull(l->xmlFree);
	g_assert_nonnull(*l->xmlFree);
	g_assert_true(loaded_now(UPKI_CURL_SONAME));
	g_assert_true(loaded_now(UPKI_XML2_SONAME));
	/* RTLD_LOCAL: what this module loaded is not in the global namespace. */
	if (!curl_before)
		g_assert_null(dlsym(RTLD_DEFAULT, "curl_url_set"));
	if (!xml_before)
		g_assert_null(dlsym(RTLD_DEFAULT, "htmlReadMemory"));
	g_test_message("loaded before: curl %d, libxml2 %d", curl_before, xml_before);
}

static void test_curl(void)
{
	const upki_lazylib *l = upki_lazylib_get();
	CURLU *u = l->curl_url();
	char *host = NULL, *port = NULL;

	g_assert_nonnull(u);
	g_assert_cmpint(l->curl_url_set(u, CURLUPART_URL, "https://scia.secomtrust.net:8443/a?b=c", 0), ==,
			CURLUE_OK);
	g_assert_cmpint(l->curl_url_get(u, CURLUPART_HOST, &host, 0), ==, CURLUE_OK);
	g_assert_cmpstr(host, ==, "scia.secomtrust.net");
	g_assert_cmpint(l->curl_url_get(u, CURLUPART_PORT, &port, 0), ==, CURLUE_OK);
	g_assert_cmpstr(port, ==, "8443");
	l->curl_free(host);
	l->curl_free(port);
	g_assert_cmpint(l->curl_url_set(u, CURLUPART_URL, "https://a b/", 0), !=, CURLUE_OK);
	l->curl_url_cleanup(u);
}

static const xmlNode *find(const xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
		const xmlNode *in = find(n->children, name);
		if (in)
			return in;
	}
	return NULL;
}

static void test_xml(void)
{
	const upki_lazylib *l = upki_lazylib_get();
	const char *html = "<p>x<a href=\"https://scia.secomtrust.net/\">go</a>";
	htmlDocPtr doc = l->htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
					   HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					   HTML_PARSE_NONET);
	const xmlNode *a = NULL;
	xmlChar *href = NULL;

	g_assert_nonnull(doc);
	a = find(doc->children, "a");
	g_assert_nonnull(a);
	href = l->xmlGetProp(a, (const xmlChar *)"href");
	g_assert_cmpstr((const char *)href, ==, "https://scia.secomtrust.net/");
	(*l->xmlFree)(href);
	g_assert_null(l->xmlGetProp(a, (const xmlChar *)"title"));
	l->xmlFreeDoc(doc);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/lazylib/load", test_load);
	g_test_add_func("/lazylib/curl", test_curl);
	g_test_add_func("/lazylib/xml", test_xml);
	return g_test_run();
}

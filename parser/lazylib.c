/* lazylib.c - dlopen() of libcurl and libxml2 on first use.
 *
 * The SONAMEs come from the build (the Makefile reads them off the
 * libraries pkg-config names), so the library loaded is the one whose
 * headers were compiled against.  RTLD_LOCAL: nothing of theirs leaks
 * into the global namespace.  Handles are never closed (dlclose of a
 * library with thread-local state is asking for trouble, and a process
 * that needed them once will again).
 */
#include <dlfcn.h>

#include "upki/error.h"
#include "lazylib-private.h"

#ifndef UPKI_CURL_SONAME
#define UPKI_CURL_SONAME "libcurl.so.4"
#endif
#ifndef UPKI_XML2_SONAME
#define UPKI_XML2_SONAME "libxml2.so.2"
#endif

typedef struct loaded {
	upki_lazylib api;
	char *why; /* NULL when loaded */
} loaded;

/* dlsym's void * to a function pointer: POSIX allows it, ISO C does not
 * say, so it goes through memcpy rather than a cast. */
static gboolean sym(void *lib, const char *name, void *fn, gsize size, GString *missing)
{
	void *p = lib ? dlsym(lib, name) : NULL;

	if (!p) {
		g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", name);
		return FALSE;
	}
	memcpy(fn, &p, size);
	return TRUE;
}

#define SYM(lib, field, missing) sym(lib, #field, &api->field, sizeof api->field, missing)

static void *open_lib(const char *soname, GString *why)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		g_string_append_printf(why, "cannot load %s: %s", soname, dlerror());
	return lib;
}

static void say_missing(GString *why, const char *soname, GString *missing)
{
	if (missing->len)
		g_string_append_printf(why, "%s%s lacks %s", why->len ? "; " : "", soname, missing->str);
	g_string_truncate(missing, 0);
}

static void resolve(upki_lazylib *api, void *curl, void *xml, GString *why)
{
	GString *missing = g_string_new(NULL);

	SYM(curl, curl_url, missing);
	SYM(curl, curl_url_cleanup, missing);
	SYM(curl, curl_url_set, missing);
	SYM(curl, curl_url_get, missing);
	SYM(curl, curl_free, missing);
	say_missing(why, UPKI_CURL_SONAME, missing);
	SYM(xml, htmlReadMemory, missing);
	SYM(xml, xmlFreeDoc, missing);
	SYM(xml, xmlGetProp, missing);
	SYM(xml, xmlFree, missing);
	say_missing(why, UPKI_XML2_SONAME, missing);
	g_string_free(missing, TRUE);
}

static gpointer load_once(gpointer unused)
{
	loaded *l = g_new0(loaded, 1);
	GString *why = g_string_new(NULL);
	void *curl = open_lib(UPKI_CURL_SONAME, why);
	void *xml = curl ? open_lib(UPKI_XML2_SONAME, why) : NULL;
	void (*init)(void) = NULL;

	(void)unused;
	if (curl && xml)
		resolve(&l->api, curl, xml, why);
	/* libxml2 2.9 sets itself up on first use, which is not thread-safe. */
	if (!why->len) {
		GString *missing = g_string_new(NULL);
		if (sym(xml, "xmlInitParser", &init, sizeof init, missing))
			init();
		say_missing(why, UPKI_XML2_SONAME, missing);
		g_string_free(missing, TRUE);
	}
	l->why = why->len ? g_string_free(why, FALSE) : NULL;
	if (!l->why)
		g_string_free(why, TRUE);
	return l;
}

static const loaded *load(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, load_once, NULL);
}

const upki_lazylib *upki_lazylib_load(GError **error)
{
	const loaded *l = load();

	if (l->why) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "%s", l->why);
		return NULL;
	}
	return &l->api;
}

const upki_lazylib *upki_lazylib_get(void)
{
	const loaded *l = load();

	if (l->why)
		g_error("%s", l->why);
	return &l->api;
}

/* lazylib-private.h - libcurl and libxml2, loaded when first needed.
 *
 * Only the full pipeline needs them (curl_url for the URL policy, the
 * HTML parser for HTML parts), and most mail never gets that far.  Linked
 * the usual way, their dependency trees (curl: GnuTLS, Kerberos, LDAP,
 * SSH, nghttp2; libxml2: ICU and libstdc++) cost 14-15 ms of dynamic
 * linking at every start: more than upki-scan spends deciding on an
 * ordinary message, and paid again per message when procmail runs it.
 * So they are dlopen()ed by SONAME on first use, as systemd does for its
 * optional libraries; the headers still come from the -dev packages, so
 * types and constants are checked at build time.
 */
#ifndef UPKI_LAZYLIB_H
#define UPKI_LAZYLIB_H

#include <curl/curl.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

typedef struct upki_lazylib {
	CURLU *(*curl_url)(void);
	void (*curl_url_cleanup)(CURLU *h);
	CURLUcode (*curl_url_set)(CURLU *h, CURLUPart part, const char *content, unsigned int flags);
	CURLUcode (*curl_url_get)(const CURLU *h, CURLUPart part, char **content, unsigned int flags);
	void (*curl_free)(void *p);
	htmlDocPtr (*htmlReadMemory)(const char *buffer, int size, const char *url, const char *encoding,
				     int options);
	void (*xmlFreeDoc)(xmlDocPtr doc);
	xmlChar *(*xmlGetProp)(const xmlNode *node, const xmlChar *name);
	xmlFreeFunc *xmlFree; /* libxml2's deallocator is a variable */
} upki_lazylib;

/* Loads both libraries once (thread-safe; later calls return the same
 * answer at once).  NULL with UPKI_ERROR_INTERNAL naming the library
 * and dlerror()'s reason when one cannot be loaded.  The table is
 * static: never freed. */
const upki_lazylib *upki_lazylib_load(GError **error);

/* The table for code that runs only after upki_lazylib_load() succeeded
 * (upki_notice_analyze() checks it first).  Aborts with the reason if
 * loading fails: that is a broken installation, as a missing DT_NEEDED
 * library would be. */
const upki_lazylib *upki_lazylib_get(void);

#endif

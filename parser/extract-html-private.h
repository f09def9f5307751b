/* extract-html-private.h - the HTML walk's state, shared by extract-html.c
 * (the tree walk and the visible text) and extract-html-links.c (what a
 * link is, where it leads, what it shows); not a public interface. */
#ifndef UPKI_EXTRACT_HTML_PRIVATE_H
#define UPKI_EXTRACT_HTML_PRIVATE_H

#include <glib.h>
#include <libxml/tree.h>
#include "extract-private.h"

#define OPEN G_MAXSIZE /* open_anchor.end of an anchor still open */

typedef struct open_anchor {
	struct open_anchor *outer;
	gsize from;    /* shown text starts at this offset of text */
	gsize end;     /* OPEN until the anchor or an inner one starts */
	gboolean bidi; /* text in it may be reordered */
} open_anchor;

typedef struct {
	GString *text;     /* all visible text */
	GString *outside;  /* visible text outside links */
	GString *css;      /* style sheets and style attributes */
	GPtrArray *links;  /* hrefs, actions, refreshes: relative to base */
	const upki_profile *p;
	open_anchor *anchor; /* innermost anchor, NULL outside links */
	int in_pre;
	int in_head;       /* text not shown; meta, base and style still read */
	int bidi;          /* open elements that reorder their text */
	gboolean line_bidi;  /* a bidi control on the current line of text */
	gboolean css_bidi;   /* a style sheet reorders text somewhere */
	gboolean in_conditional;
	guint conditionals; /* conditional comments parsed */
	char *base;        /* href of the first <base>, NULL without */
	gboolean limit_hit;
} html_walk;

/* extract-html.c */
gboolean upki_html_is_named(const xmlNode *n, const char *name);
/* Attribute name of n, NULL when absent or not UTF-8.  Caller g_free()s. */
char *upki_html_attr(const xmlNode *n, const char *name);
/* A copy of s without blanks around it.  Caller frees. */
char *upki_html_trimmed(const char *s);
/* TRUE while text belongs to the innermost anchor. */
gboolean upki_html_in_link(const html_walk *w);
/* The value of attribute name of n, as text the reader shows. */
void upki_html_attr_text(html_walk *w, const xmlNode *n, const char *name);
/* Appends t to s, runs of white space as one space (all kept when pre). */
void upki_html_append_visible(GString *s, const char *t, gboolean pre);
void upki_html_walk_children(html_walk *w, const xmlNode *n, int depth);

/* extract-html-links.c */
/* Walks anchor n (its trimmed href, owned from here on) and adds its link. */
void upki_html_anchor(html_walk *w, const xmlNode *n, char *href, int depth);
/* Base, form, formaction and refresh targets of n. */
void upki_html_target(html_walk *w, const xmlNode *n);
/* Attribute name of n trimmed, NULL when absent or blank.  Caller frees. */
char *upki_html_link_target(const xmlNode *n, const char *name);
/* Resolves the relative URLs of w->links against the base. */
void upki_html_apply_base(html_walk *w);
/* Adds the URLs written in text as bare links (shown NULL). */
void upki_html_add_bare(html_walk *w, const char *text);

#endif

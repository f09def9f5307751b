/* template.c - loading, checking and rendering the instruction templates.
 *
 * Every word the recipient reads comes from the files of the template
 * directory (templates/ in the source tree), none from C: what changes
 * with the service's wording or an institution's helpdesk is data.  All
 * checks run at load, so a broken template is a configuration error
 * (upki-milter -n) and never a message sent half-filled.
 */
#include <string.h>

#include "template-private.h"
#include "upki/error.h"

#define MAX_TEMPLATE (64 * 1024)
#define MAX_DEFANGED 200

#define ALL ((1u << UPKI_TPL_COUNT) - 1)
#define SUSP (1u << UPKI_TPL_SUSPICIOUS)
#define GENUINE (ALL & ~SUSP)
#define ISSUE ((1u << UPKI_TPL_CERT_ISSUE) | (1u << UPKI_TPL_PIN_ISSUE))
#define CERTINFO ((1u << UPKI_TPL_RETRIEVED) | (1u << UPKI_TPL_RENEWED) | (1u << UPKI_TPL_REVOKED))

/* Which templates may name each placeholder.  A suspicious notice's
 * template can name no value taken from the message but its defanged
 * links: its Subject, From and URL are the attacker's. */
static const struct {
	const char *name;
	guint templates;
	gboolean list;
} placeholders[UPKI_PH_COUNT] = {
	[UPKI_PH_AUTHSERV_ID] = { "authserv_id", ALL, FALSE },
	[UPKI_PH_KIND] = { "kind", ALL, FALSE },
	[UPKI_PH_CONTACT] = { "contact", ALL, FALSE },
	[UPKI_PH_SIGNER] = { "signer", GENUINE, FALSE },
	[UPKI_PH_SIGNER_EMAIL] = { "signer_email", GENUINE, FALSE },
	[UPKI_PH_ISSUER] = { "issuer", GENUINE, FALSE },
	[UPKI_PH_SIGNING_TIME] = { "signing_time", GENUINE, FALSE },
	[UPKI_PH_URL] = { "url", ISSUE, FALSE },
	[UPKI_PH_DEADLINE] = { "deadline", ISSUE, FALSE },
	[UPKI_PH_DN] = { "dn", CERTINFO, FALSE },
	[UPKI_PH_SERIAL] = { "serial", CERTINFO, FALSE },
	[UPKI_PH_OLD_SERIAL] = { "old_serial", 1u << UPKI_TPL_RENEWED, FALSE },
	[UPKI_PH_REASONS] = { "reasons", SUSP, FALSE },
	[UPKI_PH_REASONS_JA] = { "reasons_ja", SUSP, TRUE },
	[UPKI_PH_REASONS_EN] = { "reasons_en", SUSP, TRUE },
	[UPKI_PH_LINKS] = { "links", SUSP, TRUE },
	[UPKI_PH_ADVICE_JA] = { "advice_ja", SUSP, TRUE },
	[UPKI_PH_ADVICE_EN] = { "advice_en", SUSP, TRUE },
};

static const char *const template_names[UPKI_TPL_COUNT] = {
	[UPKI_TPL_CERT_ISSUE] = "genuine-cert-issue",
	[UPKI_TPL_PIN_ISSUE] = "genuine-pin-issue",
	[UPKI_TPL_RETRIEVED] = "genuine-cert-retrieved",
	[UPKI_TPL_RENEWED] = "genuine-cert-renewed",
	[UPKI_TPL_REVOKED] = "genuine-cert-revoked",
	[UPKI_TPL_SUSPICIOUS] = "suspicious",
};

static const char *const part_suffix[UPKI_PART_COUNT] = { ".txt", ".html" };

/* One piece of a line: literal text, or a placeholder (text NULL). */
typedef struct segment {
	char *text;
	upki_placeholder ph;
} segment;

typedef struct tpl_line {
	GArray *segments;  /* segment */
	gint list;         /* the list placeholder it repeats over, -1: none */
} tpl_line;

struct upki_templates {
	GArray *lines[UPKI_TPL_COUNT][UPKI_PART_COUNT]; /* tpl_line */
	char *reasons[2][UPKI_R_COUNT];                 /* [0] en, [1] ja */
	GPtrArray *advice[2][UPKI_KIND_COUNT];          /* char*: lines; [0] en, [1] ja */
};

const char *upki_template_name(upki_tpl_id id)
{
	return id < UPKI_TPL_COUNT ? template_names[id] : NULL;
}

static void segment_clear(gpointer data)
{
	g_free(((segment *)data)->text);
}

static void line_clear(gpointer data)
{
	g_array_unref(((tpl_line *)data)->segments);
}

void upki_templates_free(upki_templates *t)
{
	if (!t)
		return;
	for (guint i = 0; i < UPKI_TPL_COUNT; i++)
		for (guint p = 0; p < UPKI_PART_COUNT; p++)
			if (t->lines[i][p])
				g_array_unref(t->lines[i][p]);
	for (guint l = 0; l < 2; l++)
		for (guint r = 0; r < UPKI_R_COUNT; r++)
			g_free(t->reasons[l][r]);
	for (guint l = 0; l < 2; l++)
		for (guint k = 0; k < UPKI_KIND_COUNT; k++)
			if (t->advice[l][k])
				g_ptr_array_unref(t->advice[l][k]);
	g_free(t);
}

/* The file's text: UTF-8 without NUL, at most MAX_TEMPLATE bytes. */
static char *read_text(const char *path, GError **error)
{
	char *text = NULL;
	gsize len = 0;
	GError *err = NULL;

	if (!g_file_get_contents(path, &text, &len, &err)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s: %s", path, err->message);
		g_error_free(err);
		return NULL;
	}
	if (len > MAX_TEMPLATE || memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
			    "%s: not a UTF-8 text file of at most %u bytes", path, MAX_TEMPLATE);
		g_free(text);
		return NULL;
	}
	return text;
}

static gint find_placeholder(const char *name, gsize len)
{
	for (guint p = 0; p < UPKI_PH_COUNT; p++)
		if (strlen(placeholders[p].name) == len && strncmp(placeholders[p].name, name, len) == 0)
			return (gint)p;
	return -1;
}

static void add_literal(GArray *segs, GString *lit)
{
	segment s = { .text = NULL, .ph = UPKI_PH_COUNT };

	if (!lit->len)
		return;
	s.text = g_strndup(lit->str, lit->len);
	g_array_append_val(segs, s);
	g_string_truncate(lit, 0);
}

/* Parses one line (without its line end) of template id. */
static gboolean parse_line(const char *line, upki_tpl_id id, tpl_line *out, const char *path,
			   guint lineno, GError **error)
{
	GString *lit = g_string_new(NULL);
	const char *p = line;

	out->segments = g_array_new(FALSE, TRUE, sizeof(segment));
	g_array_set_clear_func(out->segments, segment_clear);
	out->list = -1;
	while (*p) {
		const char *end = NULL;
		gint ph = -1;
		if (p[0] == '{' && p[1] == '{') {
			g_string_append_c(lit, '{');
			p += 2;
			continue;
		}
		end = p[0] == '{' ? p + 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") : NULL;
		if (!end || end == p + 1 || *end != '}') {
			g_string_append_c(lit, *p++);
			continue;
		}
		ph = find_placeholder(p + 1, (gsize)(end - p - 1));
		if (ph < 0 || !(placeholders[ph].templates & (1u << id))) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s:%u: %s placeholder %.*s",
				    path, lineno, ph < 0 ? "unknown" : "this template may not use the",
				    (int)(end - p + 1), p);
			goto fail;
		}
		if (placeholders[ph].list) {
			if (out->list >= 0) {
				g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
					    "%s:%u: two list placeholders on one line", path, lineno);
				goto fail;
			}
			out->list = ph;
		}
		add_literal(out->segments, lit);
		segment s = { .text = NULL, .ph = (upki_placeholder)ph };
		g_array_append_val(out->segments, s);
		p = end + 1;
	}
	add_literal(out->segments, lit);
	g_string_free(lit, TRUE);
	return TRUE;
fail:
	g_string_free(lit, TRUE);
	return FALSE;
}

static GArray *load_template(const char *dir, upki_tpl_id id, upki_tpl_part part, GError **error)
{
	char *file = g_strconcat(template_names[id], part_suffix[part], NULL);
	char *path = g_build_filename(dir, file, NULL);
	char *text = read_text(path, error);
	gchar **lines = NULL;
	GArray *out = NULL;
	guint n = 0;

	if (!text)
		goto out;
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	/* the text's last line end is no line of its own */
	if (n > 0 && !*lines[n - 1])
		n--;
	out = g_array_new(FALSE, TRUE, sizeof(tpl_line));
	g_array_set_clear_func(out, line_clear);
	for (guint i = 0; i < n; i++) {
		tpl_line l = { 0 };
		gsize len = strlen(lines[i]);
		if (len && lines[i][len - 1] == '\r')
			lines[i][len - 1] = '\0';
		if (!parse_line(lines[i], id, &l, path, i + 1, error)) {
			g_array_unref(l.segments);
			g_array_unref(out);
			out = NULL;
			goto out;
		}
		g_array_append_val(out, l);
	}
out:
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	g_free(file);
	return out;
}

/* A data file of "TOKEN WORDS" lines ('#' comments): take() files the
 * words under the token, FALSE when the token is not one the file may
 * name. */
typedef gboolean (*words_fn)(upki_templates *t, guint lang, const char *token, const char *words);

static gboolean load_words(upki_templates *t, const char *dir, const char *name, guint lang,
			   words_fn take, GError **error)
{
	char *file = g_strdup_printf("%s-%s.txt", name, lang ? "ja" : "en");
	char *path = g_build_filename(dir, file, NULL);
	char *text = read_text(path, error);
	gchar **lines = NULL;
	gboolean ok = FALSE;

	if (!text)
		goto out;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);
		gsize tl = strcspn(l, " \t");
		char *token = NULL;
		gboolean taken = FALSE;
		if (!*l || *l == '#')
			continue;
		token = g_strndup(l, tl);
		taken = l[tl] && take(t, lang, token, g_strchug(l + tl));
		g_free(token);
		if (!taken) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
				    "%s:%u: not \"TOKEN WORDS\" with a token this file may name", path, i + 1);
			goto out;
		}
	}
	ok = TRUE;
out:
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	g_free(file);
	return ok;
}

/* reasons-LANG.txt: the words of each check that makes a notice
 * suspicious (tokens as in upki-scan's reasons). */
static gboolean take_reason(upki_templates *t, guint lang, const char *token, const char *words)
{
	upki_reason r = upki_reason_from_token(token);

	if (r == UPKI_R_COUNT || (UPKI_REASON_BIT(r) & UPKI_REASONS_INFORMATIVE))
		return FALSE;
	g_free(t->reasons[lang][r]);
	t->reasons[lang][r] = g_strdup(words);
	return TRUE;
}

/* advice-LANG.txt: what to know about a forgery of each kind, one line
 * of the warning per line (a kind repeats). */
static gboolean take_advice(upki_templates *t, guint lang, const char *token, const char *words)
{
	upki_kind k = upki_kind_from_string(token);

	if (k == UPKI_KIND_NONE)
		return FALSE;
	if (!t->advice[lang][k])
		t->advice[lang][k] = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(t->advice[lang][k], g_strdup(words));
	return TRUE;
}

/* Every failed check has its words and every kind its advice, in both
 * languages: a warning never lacks the sentence that explains it. */
static gboolean load_data(upki_templates *t, const char *dir, GError **error)
{
	for (guint lang = 0; lang < 2; lang++) {
		const char *l = lang ? "ja" : "en";
		if (!load_words(t, dir, "reasons", lang, take_reason, error) ||
		    !load_words(t, dir, "advice", lang, take_advice, error))
			return FALSE;
		for (guint r = 0; r < UPKI_R_COUNT; r++) {
			if (!t->reasons[lang][r] && !(UPKI_REASON_BIT(r) & UPKI_REASONS_INFORMATIVE)) {
				g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s/reasons-%s.txt: no words for reason %s",
					    dir, l, upki_reason_token(r));
				return FALSE;
			}
		}
		for (guint k = UPKI_KIND_NONE + 1; k < UPKI_KIND_COUNT; k++) {
			if (!t->advice[lang][k]) {
				g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "%s/advice-%s.txt: no advice for kind %s",
					    dir, l, upki_kind_to_string(k));
				return FALSE;
			}
		}
	}
	return TRUE;
}

upki_templates *upki_templates_load(const char *dir, GError **error)
{
	upki_templates *t = g_new0(upki_templates, 1);

	if (!dir || !*dir) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "no template directory");
		goto fail;
	}
	for (guint i = 0; i < UPKI_TPL_COUNT; i++)
		for (guint p = 0; p < UPKI_PART_COUNT; p++)
			if (!(t->lines[i][p] = load_template(dir, i, p, error)))
				goto fail;
	if (!load_data(t, dir, error))
		goto fail;
	return t;
fail:
	upki_templates_free(t);
	return NULL;
}

const char *upki_templates_reason(const upki_templates *t, upki_reason r, gboolean ja)
{
	return r < UPKI_R_COUNT ? t->reasons[ja ? 1 : 0][r] : NULL;
}

const GPtrArray *upki_templates_advice(const upki_templates *t, upki_kind k, gboolean ja)
{
	return k < UPKI_KIND_COUNT ? t->advice[ja ? 1 : 0][k] : NULL;
}

char *upki_template_html_escape(const char *s)
{
	GString *out = g_string_sized_new(strlen(s) + 16);

	for (; *s; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *s); break;
		}
	}
	return g_string_free(out, FALSE);
}

/* A character no reader should get as it is: controls, line and
 * paragraph separators, format characters (bidi, zero-width). */
static gboolean invisible(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);

	return t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
	       t == G_UNICODE_PARAGRAPH_SEPARATOR || t == G_UNICODE_UNASSIGNED ||
	       t == G_UNICODE_PRIVATE_USE || t == G_UNICODE_SURROGATE;
}

/* One value as it may stand in a text line: invisible characters shown
 * as [U+XXXX] (a CR or LF would end the line; bidi controls reorder
 * what follows), invalid UTF-8 as U+FFFD. */
static void append_visible(GString *out, const char *s)
{
	char *valid = g_utf8_make_valid(s, -1);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (invisible(c))
			g_string_append_printf(out, "[U+%04X]", c);
		else
			g_string_append_unichar(out, c);
	}
	g_free(valid);
}

char *upki_template_defang(const char *url)
{
	char *visible = NULL;
	GString *shown = g_string_new(NULL), *out = g_string_new(NULL);
	const char *p = NULL;
	guint chars = 0;

	append_visible(shown, url ? url : "");
	visible = g_string_free(shown, FALSE);
	p = visible;
	if (g_ascii_strncasecmp(p, "http", 4) == 0) {
		g_string_append(out, p[0] == 'H' ? "HXXP" : "hxxp");
		p += 4;
	}
	for (; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (chars++ >= MAX_DEFANGED) {
			g_string_append(out, "…");
			break;
		}
		/* full stops of every width, and the ideographic one */
		if (c == '.' || c == 0xFF0E || c == 0x3002 || c == 0xFF61)
			g_string_append(out, "[.]");
		else if (c == '@' || c == 0xFF20)
			g_string_append(out, "[@]");
		else if (c == ' ')
			g_string_append(out, "%20");
		else
			g_string_append_unichar(out, c);
	}
	g_free(visible);
	return g_string_free(out, FALSE);
}

/* value as it goes into part: visible, and escaped for HTML. */
static void append_value(GString *out, const char *value, upki_tpl_part part)
{
	GString *shown = g_string_new(NULL);
	char *escaped = NULL;

	append_visible(shown, value);
	if (part == UPKI_PART_HTML) {
		escaped = upki_template_html_escape(shown->str);
		g_string_append(out, escaped);
		g_free(escaped);
	} else {
		g_string_append_len(out, shown->str, (gssize)shown->len);
	}
	g_string_free(shown, TRUE);
}

static gboolean render_line(GString *out, const tpl_line *l, upki_tpl_part part,
			    const upki_tpl_values *v, const char *item, GError **error)
{
	for (guint i = 0; i < l->segments->len; i++) {
		const segment *s = &g_array_index(l->segments, segment, i);
		const char *value = NULL;
		if (s->text) {
			g_string_append(out, s->text);
			continue;
		}
		value = placeholders[s->ph].list ? item : v->value[s->ph];
		if (!value) {
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL,
				    "no value for {%s}", placeholders[s->ph].name);
			return FALSE;
		}
		append_value(out, value, part);
	}
	g_string_append(out, "\r\n");
	return TRUE;
}

char *upki_template_render(const upki_templates *t, upki_tpl_id id, upki_tpl_part part,
			   const upki_tpl_values *v, GError **error)
{
	const GArray *lines = id < UPKI_TPL_COUNT && part < UPKI_PART_COUNT ? t->lines[id][part] : NULL;
	GString *out = g_string_new(NULL);

	if (!lines) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "no such template");
		goto fail;
	}
	for (guint i = 0; i < lines->len; i++) {
		const tpl_line *l = &g_array_index(lines, tpl_line, i);
		const GPtrArray *items = l->list >= 0 ? v->lists[l->list] : NULL;
		if (l->list < 0) {
			if (!render_line(out, l, part, v, NULL, error))
				goto fail;
			continue;
		}
		for (guint k = 0; items && k < items->len; k++)
			if (!render_line(out, l, part, v, g_ptr_array_index(items, k), error))
				goto fail;
	}
	return g_string_free(out, FALSE);
fail:
	g_string_free(out, TRUE);
	return NULL;
}

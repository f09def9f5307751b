/* test-config-docs.c - man/upki-milter.conf.5 and etc/upki-milter.conf.example
 * against parser/config.c's key table, both ways: every key documented
 * (test-config.c checks that), no documented key unknown, and every
 * default they state is the table's.  Run from the top of the tree. */
#include <string.h>

#include "upki/config.h"

static const upki_config_key *key_named(const char *name)
{
	for (const upki_config_key *k = upki_config_keys(); k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* troff markup out (\fB \fR \fI, \-), line breaks as blanks, and
 * the quotes around a value with blanks at its ends. */
static char *plain(const char *s)
{
	GString *out = g_string_new(NULL);

	for (const char *p = s; *p; p++) {
		if (p[0] == '\\' && (p[1] == 'f') && p[2]) {
			p += 2;
			continue;
		}
		if (p[0] == '\\' && p[1] == '-') {
			g_string_append_c(out, '-');
			p++;
			continue;
		}
		/* a value may wrap onto the next line of the source */
		g_string_append_c(out, *p == '\n' ? ' ' : *p);
	}
	g_strstrip(out->str);
	if (out->str[0] == '"' && strlen(out->str) > 1 && out->str[strlen(out->str) - 1] == '"') {
		char *q = g_strndup(out->str + 1, strlen(out->str) - 2);
		g_string_assign(out, q);
		g_free(q);
	}
	return g_string_free(out, FALSE);
}

/* "Default: X." in a man page entry, NULL when it states none. */
static char *stated_default(const char *entry)
{
	GRegex *re = g_regex_new("Default:\\s*(.*?)\\.(\\s|$)", G_REGEX_DOTALL, 0, NULL);
	GMatchInfo *mi = NULL;
	char *found = NULL;

	if (g_regex_match(re, entry, 0, &mi)) {
		char *raw = g_match_info_fetch(mi, 1);
		found = plain(raw);
		g_free(raw);
	}
	g_match_info_free(mi);
	g_regex_unref(re);
	return found;
}

/* A default described in words ("unset", "the system store", "all three")
 * is not a value to compare. */
static gboolean descriptive(const char *d)
{
	return g_str_has_prefix(d, "unset") || g_str_has_prefix(d, "the ") ||
	       g_str_has_prefix(d, "all ");
}

static void check_man_entry(const char *entry)
{
	char *name = g_strndup(entry + 4, strcspn(entry + 4, " \n"));
	const upki_config_key *k = key_named(name);
	char *def = NULL, *want = NULL;

	if (!k)
		g_error("man/upki-milter.conf.5 documents '%s', which is no key", name);
	def = stated_default(entry);
	want = g_strdup(k->def);
	if (def && !descriptive(def) && g_strcmp0(def, want) != 0)
		g_error("man/upki-milter.conf.5: %s's default is '%s', the table's '%s'", name, def,
			want ? want : "(unset)");
	if (!def && k->def && !strstr(entry, "(the default)"))
		g_error("man/upki-milter.conf.5: %s states no default (the table's is '%s')", name,
			k->def);
	g_free(want);
	g_free(def);
	g_free(name);
}

static void test_man(void)
{
	char *man = NULL;
	gchar **entries = NULL;
	guint seen = 0;

	g_assert_true(g_file_get_contents("man/upki-milter.conf.5", &man, NULL, NULL));
	entries = g_strsplit(man, "\n.TP\n", -1);
	for (guint i = 0; entries[i]; i++) {
		char *cut = strstr(entries[i], "\n.SH");
		if (cut)
			*cut = '\0';
		if (!g_str_has_prefix(entries[i], ".BI ") && !g_str_has_prefix(entries[i], ".BR "))
			continue;
		check_man_entry(entries[i]);
		seen++;
	}
	g_assert_cmpuint(seen, >, 20);
	g_strfreev(entries);
	g_free(man);
}

/* Keys whose example value is not the table's default on purpose:
 * TemplateDir's default follows PREFIX (the example shows make install's). */
static gboolean example_exempt(const char *name)
{
	return strcmp(name, "TemplateDir") == 0;
}

static void test_example(void)
{
	char *text = NULL;
	gchar **lines = NULL;
	GRegex *re = g_regex_new("^# ([A-Z][A-Za-z]+)  +(.*)$", 0, 0, NULL);
	GHashTable *has_default = g_hash_table_new(g_str_hash, g_str_equal);

	g_assert_true(g_file_get_contents("etc/upki-milter.conf.example", &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		GMatchInfo *mi = NULL;
		if (g_regex_match(re, lines[i], 0, &mi)) {
			char *name = g_match_info_fetch(mi, 1), *value = g_match_info_fetch(mi, 2);
			const upki_config_key *k = key_named(name);
			if (!k)
				g_error("etc/upki-milter.conf.example line %u: '%s' is no key", i + 1, name);
			char *def = k->def ? g_strstrip(g_strdup(k->def)) : NULL;
			g_strstrip(value);
			if (def && strcmp(def, value) == 0)
				g_hash_table_add(has_default, (gpointer)k->name);
			g_free(def);
			g_free(name);
			g_free(value);
		}
		g_match_info_free(mi);
	}
	for (const upki_config_key *k = upki_config_keys(); k->name; k++)
		if (k->def && !example_exempt(k->name) &&
		    !g_hash_table_contains(has_default, k->name))
			g_error("etc/upki-milter.conf.example shows no '# %s %s' (its default)", k->name,
				k->def);
	g_hash_table_unref(has_default);
	g_regex_unref(re);
	g_strfreev(lines);
	g_free(text);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config-docs/man", test_man);
	g_test_add_func("/config-docs/example", test_example);
	return g_test_run();
}

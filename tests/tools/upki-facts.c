/* upki-facts.c - turns upki-scan's JSON lines into one tab-separated line
 * of facts per message, so that shell tests compare facts without a JSON
 * tool of their own:
 *
 *   upki-scan ... | upki-facts [--token T]
 *
 * prints: source index verdict kind url dn serial deadline reasons signed
 * where signed is the number of URLs reported "signed":true that contain
 * T (0 without --token).  Missing or null values print as "-".  An error
 * line of upki-scan prints verdict "error".
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

static const char *str_member(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_TYPE(n) != JSON_NODE_VALUE || json_node_get_value_type(n) != G_TYPE_STRING)
		return "-";
	return json_node_get_string(n);
}

static char *reasons_of(JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "reasons");
	GString *g = g_string_new(NULL);

	if (n && JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);
		for (guint i = 0; i < json_array_get_length(a); i++)
			g_string_append_printf(g, "%s%s", i ? "," : "", json_array_get_string_element(a, i));
	}
	if (!g->len)
		g_string_append_c(g, '-');
	return g_string_free(g, FALSE);
}

static guint signed_with(JsonObject *o, const char *token)
{
	JsonNode *n = json_object_get_member(o, "urls");
	guint count = 0;

	if (!token || !n || !JSON_NODE_HOLDS_ARRAY(n))
		return 0;
	JsonArray *a = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *u = json_array_get_object_element(a, i);
		if (u && json_object_get_boolean_member_with_default(u, "signed", FALSE) &&
		    strstr(str_member(u, "url"), token))
			count++;
	}
	return count;
}

static void print_line(JsonObject *o, const char *token)
{
	char *reasons = reasons_of(o);
	gboolean err = json_object_has_member(o, "error");

	printf("%s\t%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%u\n", str_member(o, "source"),
	       json_object_get_int_member_with_default(o, "index", 0),
	       err ? "error" : str_member(o, "verdict"), str_member(o, "kind"), str_member(o, "url"),
	       str_member(o, "dn"), str_member(o, "serial"), str_member(o, "deadline"), reasons,
	       signed_with(o, token));
	g_free(reasons);
}

int main(int argc, char **argv)
{
	const char *token = argc == 3 && strcmp(argv[1], "--token") == 0 ? argv[2] : NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (argc != 1 && !token) {
		fprintf(stderr, "usage: upki-facts [--token T] < upki-scan-json\n");
		return 2;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		JsonParser *p = json_parser_new();
		if (json_parser_load_from_data(p, line, len, NULL) && JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
			print_line(json_node_get_object(json_parser_get_root(p)), token);
		else
			rc = 1;
		g_object_unref(p);
	}
	free(line);
	return rc;
}

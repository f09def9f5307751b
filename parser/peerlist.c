/* peerlist.c - addresses and networks for PeerList (include/upki/peerlist.h).
 *
 * Every entry and every peer is reduced to (family, 16 bytes, prefix
 * length); an IPv4 address sits in the first 4 bytes.  Parsing is
 * strict (inet_pton, decimal prefix without sign or leading zero, no
 * host bits) so that what the administrator wrote is exactly what is
 * exempted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "upki/error.h"
#include "upki/peerlist.h"

typedef struct net {
	int family;    /* AF_INET or AF_INET6 */
	guint8 addr[16];
	guint prefix;  /* bits */
} net;

struct upki_peerlist {
	GArray *nets;  /* net */
};

static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An IPv4-mapped IPv6 address becomes the IPv4 one. */
static void unmap(net *n)
{
	if (n->family != AF_INET6 || memcmp(n->addr, mapped_prefix, 12) != 0)
		return;
	memmove(n->addr, n->addr + 12, 4);
	memset(n->addr + 4, 0, 12);
	n->family = AF_INET;
}

static gboolean parse_prefix(const char *s, guint max, guint *out)
{
	guint v = 0;

	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return FALSE;
	for (const char *p = s; *p; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
		v = v * 10 + (guint)(*p - '0');
	}
	if (v > max)
		return FALSE;
	*out = v;
	return TRUE;
}

static gboolean host_bits_clear(const net *n)
{
	guint bytes = n->family == AF_INET ? 4 : 16;

	for (guint i = 0; i < bytes; i++) {
		guint first = i * 8;
		guint8 mask = first >= n->prefix ? 0xff
			      : n->prefix - first >= 8 ? 0 : (guint8)(0xff >> (n->prefix - first));
		if (n->addr[i] & mask)
			return FALSE;
	}
	return TRUE;
}

/* One entry; *why (static text) says what is wrong. */
static gboolean parse_entry(const char *text, net *n, const char **why)
{
	char *addr = g_strdup(text), *slash = strchr(addr, '/');
	gboolean mapped = FALSE, ok = FALSE;
	guint max = 32;

	memset(n, 0, sizeof *n);
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = AF_INET;
	} else if (!strchr(addr, '%') && inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
		mapped = memcmp(n->addr, mapped_prefix, 12) == 0;
	} else {
		*why = strchr(addr, '%') ? "an address with a zone is not allowed"
		       : g_ascii_isalpha(addr[0]) && !strchr(addr, ':')
			       ? "not an address (host names are not allowed: reverse DNS is not proof)"
			       : "not an IPv4 or IPv6 address";
		goto out;
	}
	n->prefix = max;
	if (slash && !parse_prefix(slash, max, &n->prefix)) {
		*why = max == 32 ? "the prefix length must be 0 to 32" : "the prefix length must be 0 to 128";
		goto out;
	}
	if (mapped && n->prefix < 96) {
		*why = "an IPv4-mapped network needs a prefix of at least 96 (or write the IPv4 form)";
		goto out;
	}
	if (!host_bits_clear(n)) {
		*why = "host bits are set beyond the prefix length";
		goto out;
	}
	if (mapped) {
		unmap(n);
		n->prefix -= 96;
	}
	ok = TRUE;
out:
	g_free(addr);
	return ok;
}

static gboolean add_words(upki_peerlist *pl, const char *text, const char *file, guint line,
			  GError **error);

static gboolean add_file(upki_peerlist *pl, const char *path, GError **error)
{
	char *data = NULL;
	gchar **lines = NULL;
	GError *err = NULL;
	gboolean ok = TRUE;

	if (!g_path_is_absolute(path)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
			    "PeerList: file:%s is not an absolute path", path);
		return FALSE;
	}
	if (!g_file_get_contents(path, &data, NULL, &err)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "PeerList: %s", err->message);
		g_error_free(err);
		return FALSE;
	}
	lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; ok && lines[i]; i++) {
		char *hash = strchr(lines[i], '#');
		if (hash)
			*hash = '\0';
		ok = add_words(pl, lines[i], path, i + 1, error);
	}
	g_strfreev(lines);
	g_free(data);
	return ok;
}

/* Entries separated by commas or blanks; file is NULL for the key's own
 * value, else the file and line they come from. */
static gboolean add_words(upki_peerlist *pl, const char *text, const char *file, guint line,
			  GError **error)
{
	gchar **words = g_strsplit_set(text, ", \t\r", -1);
	gboolean ok = TRUE;

	for (guint i = 0; ok && words[i]; i++) {
		const char *why = NULL;
		net n;
		if (!*words[i])
			continue;
		if (g_str_has_prefix(words[i], "file:")) {
			if (file) {
				g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG,
					    "PeerList: %s:%u: file: inside a PeerList file", file, line);
				ok = FALSE;
			} else {
				ok = add_file(pl, words[i] + 5, error);
			}
			continue;
		}
		if (parse_entry(words[i], &n, &why)) {
			g_array_append_val(pl->nets, n);
			continue;
		}
		if (file)
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "PeerList: %s:%u: '%s': %s",
				    file, line, words[i], why);
		else
			g_set_error(error, UPKI_ERROR, UPKI_ERROR_CONFIG, "PeerList: '%s': %s", words[i], why);
		ok = FALSE;
	}
	g_strfreev(words);
	return ok;
}

upki_peerlist *upki_peerlist_new(const char *spec, GError **error)
{
	upki_peerlist *pl = g_new0(upki_peerlist, 1);

	pl->nets = g_array_new(FALSE, FALSE, sizeof(net));
	if (!add_words(pl, spec ? spec : "", NULL, 0, error)) {
		upki_peerlist_free(pl);
		return NULL;
	}
	return pl;
}

void upki_peerlist_free(upki_peerlist *pl)
{
	if (!pl)
		return;
	g_array_unref(pl->nets);
	g_free(pl);
}

guint upki_peerlist_size(const upki_peerlist *pl)
{
	return pl ? pl->nets->len : 0;
}

static gboolean inside(const net *entry, const net *peer)
{
	guint full = entry->prefix / 8, rest = entry->prefix % 8;

	if (entry->family != peer->family || memcmp(entry->addr, peer->addr, full) != 0)
		return FALSE;
	if (rest == 0)
		return TRUE;
	return ((entry->addr[full] ^ peer->addr[full]) & (guint8)(0xff << (8 - rest))) == 0;
}

static gboolean match_net(const upki_peerlist *pl, net *peer)
{
	unmap(peer);
	for (guint i = 0; pl && i < pl->nets->len; i++)
		if (inside(&g_array_index(pl->nets, net, i), peer))
			return TRUE;
	return FALSE;
}

gboolean upki_peerlist_match(const upki_peerlist *pl, const struct sockaddr *sa)
{
	net peer = { 0 };

	if (!sa)
		return FALSE;
	if (sa->sa_family == AF_INET) {
		peer.family = AF_INET;
		memcpy(peer.addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		peer.family = AF_INET6;
		memcpy(peer.addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return FALSE;
	}
	return match_net(pl, &peer);
}

gboolean upki_peerlist_match_text(const upki_peerlist *pl, const char *addr)
{
	net peer = { 0 };

	if (addr && inet_pton(AF_INET, addr, peer.addr) == 1)
		peer.family = AF_INET;
	else if (addr && inet_pton(AF_INET6, addr, peer.addr) == 1)
		peer.family = AF_INET6;
	else
		return FALSE;
	return match_net(pl, &peer);
}

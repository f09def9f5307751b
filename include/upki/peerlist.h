/* peerlist.h - PeerList: the hosts whose mail the milter does not examine.
 *
 * A list of IPv4 and IPv6 addresses and CIDR networks ("192.0.2.7",
 * "10.0.0.0/8", "2001:db8::/32"), separated by commas or blanks; an
 * entry "file:/path" reads more entries from a file (one or more a line,
 * '#' comments; no file: inside it).  Host names are not entries: the
 * name an MTA reports comes from reverse DNS, which whoever owns the
 * client's address block controls, and exempting on it would let that
 * party skip the phishing checks.  A network with host bits set
 * ("10.0.0.1/8"), a zone ("fe80::1%eth0"), leading zeros or a prefix out
 * of range is an error: an exemption must say exactly what it means.
 *
 * Matching is by address family: an IPv4-mapped IPv6 peer
 * (::ffff:192.0.2.7, as a dual-stack socket reports IPv4 clients) is the
 * IPv4 address and matches IPv4 entries; an IPv6 entry (::/0 included)
 * never matches an IPv4 peer.  A mapped entry (::ffff:192.0.2.0/120) is
 * read as its IPv4 network.  Read-only once built: one list may serve
 * many threads.
 */
#ifndef UPKI_PEERLIST_H
#define UPKI_PEERLIST_H

#include <glib.h>

struct sockaddr;
typedef struct upki_peerlist upki_peerlist;

/* Parses spec.  NULL with UPKI_ERROR_CONFIG naming the bad entry (and
 * "FILE:LINE" for an entry read from a file, or a file that cannot be
 * read).  Free with upki_peerlist_free(). */
upki_peerlist *upki_peerlist_new(const char *spec, GError **error);
void upki_peerlist_free(upki_peerlist *pl);

/* How many entries (networks) the list holds. */
guint upki_peerlist_size(const upki_peerlist *pl);

/* TRUE when the peer address (AF_INET or AF_INET6; anything else, or
 * NULL, never matches) is inside an entry. */
gboolean upki_peerlist_match(const upki_peerlist *pl, const struct sockaddr *sa);
/* The same for an address as text; FALSE when it is not an address. */
gboolean upki_peerlist_match_text(const upki_peerlist *pl, const char *addr);

#endif

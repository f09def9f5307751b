/* ledger-private.h - what ledger.c (the database) shares with
 * ledger-state.c (the states derived from it): the connection and the
 * rows as read back.  Never an interface: include/upki/ledger.h is.
 */
#ifndef UPKI_LEDGER_PRIVATE_H
#define UPKI_LEDGER_PRIVATE_H

#include <sqlite3.h>
#include "upki/ledger.h"

struct upki_ledger {
	sqlite3 *db;
	GMutex lock;      /* one writer: every call holds it */
	guint pending;    /* records in the open transaction (0: none open) */
	/* Prepared once, reused per record (a batch records thousands):
	 * [0] notices, [1] suspicious; finalized by close. */
	sqlite3_stmt *insert[2], *lower[2];
};

/* One row of notices or suspicious, as read back.  Strings may be NULL. */
typedef struct ledger_row {
	char *message_id, *kind, *date, *recipient, *sender;
	char *dn, *serial, *old_serial, *job_id, *url_where, *url_host, *deadline, *reasons;
	char *source;
	gint64 signed_at; /* -1: unsigned */
	guint64 offset;
} ledger_row;

/* One row of fetches. */
typedef struct ledger_fetch {
	char *job_id, *what, *serial;
	gint64 at;
} ledger_fetch;

/* The rows of table ("notices" or "suspicious") in time order, and of
 * fetches, as ledger_row* / ledger_fetch* (the arrays free them).  The
 * caller holds l->lock.  NULL with UPKI_ERROR_INTERNAL. */
GPtrArray *ledger_read_rows(upki_ledger *l, const char *table, GError **error);
GPtrArray *ledger_read_fetches(upki_ledger *l, GError **error);

#endif

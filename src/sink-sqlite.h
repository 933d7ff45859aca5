/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQLite backend's schema machinery (sink-sqlite.c), shared with
 * `proctrail history` (cli-history.c) and the unit tests.
 */
#ifndef PT_SINK_SQLITE_H
#define PT_SINK_SQLITE_H

#include <sqlite3.h>
#include <stddef.h>

/* One migration step: the SQL that takes a database from version to - 1 to to. */
struct pt_sqlite_step {
	int to;
	const char *sql;
};

/* The steps shipped, in order: from version 0 (an empty or pre-release
 * database) up to PT_DB_SCHEMA_VERSION. */
extern const struct pt_sqlite_step pt_sqlite_steps[];
extern const size_t pt_sqlite_nsteps;

/*
 * Bring db to version target (PRAGMA user_version): every step with
 * version < to <= target, in order, in one transaction with the new
 * user_version and meta's schema_version, so that a failed step leaves the
 * database as it was. 0; -EPROTO when the database is newer than target; -EIO
 * (or -EBUSY) with err on an SQLite error.
 */
int pt_sqlite_migrate(sqlite3 *db, const struct pt_sqlite_step *steps, size_t n, int target,
		      char *err, size_t errlen);

/* An SQLite result code as -errno (transient ones as the SQL layer expects). */
int pt_sqlite_errno(int rc);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Online backup of the state database and restore from such a backup,
 * both while the daemon serves. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "store/store_priv.h"

/* Resource tables, parents before children. The change log, the id
 * counters and schema_version are not in this list: restore keeps the
 * running database's log and merges the counters. */
static const char *const resource_tables[] = {
	"vpc", "vpc_cidr", "vpc_listener",
	"zone", "zone_ns", "zone_vpc", "record",
	"endpoint", "endpoint_source", "endpoint_egress",
	"rule", "rule_target", "rule_vpc",
	"upstream", "upstream_target",
	"tsig_key", "zone_secondary", "zone_primary", "zone_allow_notify",
	"xfr_state", "xfr_journal",
	"inbound", "inbound_listener", "inbound_allow",
	"zone_transfer", "zone_transfer_allow", "zone_transfer_notify",
	"zone_update_grant",
	"vpn_gateway", "vpn_gateway_subnet", "customer_gateway",
	"ipsec_connection", "ipsec_connection_subnet", "vpn_route",
};
#define N_RESOURCE_TABLES (sizeof(resource_tables) / sizeof(resource_tables[0]))

/* Makes the names of temporary files unique within the process. */
static atomic_uint tmp_counter;

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	int ret = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return ret;
}

static int fsync_parent(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	return fsync_path(dirname(copy), true);
}

/* Copies the main database of src into a new file at dst_path and leaves
 * it as a single file in rollback-journal mode. */
static int copy_database(sqlite3 *src, const char *dst_path, char *err,
			 size_t errlen)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE |
				 SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", dst_path,
			 dst != NULL ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		sqlite3_close(dst);
		return ZG_ESTORE;
	}

	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		snprintf(err, errlen, "cannot start the copy to %s: %s",
			 dst_path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return ZG_ESTORE;
	}
	rc = sqlite3_backup_step(b, -1);
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE || frc != SQLITE_OK) {
		snprintf(err, errlen, "copying to %s failed: %s", dst_path,
			 sqlite3_errstr(rc != SQLITE_DONE ? rc : frc));
		sqlite3_close(dst);
		return rc == SQLITE_NOTADB || frc == SQLITE_NOTADB ? ZG_EINVAL
								  : ZG_ESTORE;
	}

	/* The copy keeps the WAL flag of the source; make it one file. */
	char *msg = NULL;
	rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
			  &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "finishing %s failed: %s", dst_path,
			 msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(dst);
		return ZG_ESTORE;
	}
	rc = sqlite3_close(dst);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "closing %s failed: %s", dst_path,
			 sqlite3_errstr(rc));
		return ZG_ESTORE;
	}
	return 0;
}

/*
 * The files of the live database: the database itself, SQLite's WAL,
 * shared-memory index and rollback journal beside it, and the daemon's
 * lock file. Renaming a copy over any of them pulls it from under the
 * open connection: over the WAL, commits acknowledged but not yet
 * checkpointed are lost at the next start.
 */
static const char *const live_suffixes[] = {
	"", "-wal", "-shm", "-journal", ".lock",
};

/* Writes path with symlinks, "." and ".." resolved to out (PATH_MAX):
 * all of it when it exists, else its directory. */
static bool canonical_path(const char *path, char *out)
{
	if (realpath(path, out) != NULL) {
		return true;
	}
	char dir_copy[PATH_MAX], base_copy[PATH_MAX], dir[PATH_MAX];
	snprintf(dir_copy, sizeof(dir_copy), "%s", path);
	snprintf(base_copy, sizeof(base_copy), "%s", path);
	const char *base = basename(base_copy);
	if (realpath(dirname(dir_copy), dir) == NULL ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		return false;
	}
	return (size_t)snprintf(out, PATH_MAX, "%s/%s",
				strcmp(dir, "/") == 0 ? "" : dir, base) <
	       PATH_MAX;
}

/* True when path names one of the live database's files (by resolved
 * name, or as the same inode through a hard link); *what receives the
 * suffix that matched. */
static bool is_live_file(const struct store *store, const char *path,
			 const char **what)
{
	char target[PATH_MAX], live[PATH_MAX];
	bool named = canonical_path(path, target) &&
		     canonical_path(store->path, live);
	struct stat a;
	bool exists = stat(path, &a) == 0;
	for (size_t i = 0; i < sizeof(live_suffixes) / sizeof(*live_suffixes);
	     i++) {
		char file[PATH_MAX + 16];
		snprintf(file, sizeof(file), "%s%s", named ? live : store->path,
			 live_suffixes[i]);
		struct stat b;
		if ((named && strcmp(file, target) == 0) ||
		    (exists && stat(file, &b) == 0 && a.st_dev == b.st_dev &&
		     a.st_ino == b.st_ino)) {
			*what = live_suffixes[i];
			return true;
		}
	}
	return false;
}

int store_backup(struct store *store, const char *path, char *err,
		 size_t errlen)
{
	const char *what = NULL;
	if (is_live_file(store, path, &what)) {
		if (what[0] == '\0') {
			snprintf(err, errlen,
				 "%s is the live state database; write the backup elsewhere",
				 path);
		} else {
			snprintf(err, errlen,
				 "%s is the live state database's %s file; write the backup elsewhere",
				 path, what + 1);
		}
		return ZG_EINVAL;
	}
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld-%u", path,
			     (long)getpid(), atomic_fetch_add(&tmp_counter, 1)) >= sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		return ZG_EINVAL;
	}
	(void)unlink(tmp);

	pthread_mutex_lock(&store->lock);
	int ret = copy_database(store->db, tmp, err, errlen);
	pthread_mutex_unlock(&store->lock);

	if (ret == 0 && fsync_path(tmp, false) != 0) {
		snprintf(err, errlen, "cannot sync %s: %s", tmp,
			 strerror(errno));
		ret = ZG_ESTORE;
	}
	if (ret == 0 && rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		ret = ZG_ESTORE;
	}
	if (ret != 0) {
		(void)unlink(tmp);
		return ret;
	}
	/* The rename is durable only once the directory is synced. */
	if (fsync_parent(path) != 0) {
		snprintf(err, errlen, "cannot sync the directory of %s: %s",
			 path, strerror(errno));
		return ZG_ESTORE;
	}
	return 0;
}

static void unlink_db_files(const char *path)
{
	char aux[PATH_MAX];
	(void)unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	(void)unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	(void)unlink(aux);
	snprintf(aux, sizeof(aux), "%s-journal", path);
	(void)unlink(aux);
}

/* Copies the backup at path to tmp and brings its schema to ours. */
static int prepare_copy(const char *path, const char *tmp, char *err,
			size_t errlen)
{
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return ZG_EINVAL;
	}
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 src != NULL ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		sqlite3_close(src);
		return ZG_EINVAL;
	}
	int ret = copy_database(src, tmp, err, errlen);
	sqlite3_close(src);
	if (ret != 0) {
		snprintf(err, errlen, "%s is not a zonegate state file",
			 path);
		return ZG_EINVAL;
	}

	struct store *copy = NULL;
	char why[256];
	ret = store_open(tmp, &copy, why, sizeof(why));
	if (ret == ZG_ESCHEMA) {
		snprintf(err, errlen,
			 "%s was written by a newer zonegate (schema above %u);"
			 " restore it with that version", path,
			 STORE_SCHEMA_VERSION);
		return ZG_ESCHEMA;
	}
	if (ret != 0) {
		snprintf(err, errlen, "%s is not a zonegate state file", path);
		return ZG_EINVAL;
	}
	unsigned version = 0;
	ret = store_schema_version(copy, &version);
	if (ret == 0 && version == 0) {
		/* An empty SQLite file would migrate into an empty store;
		 * that is not a backup. */
		ret = ZG_EINVAL;
	}
	store_close(copy);
	if (ret != 0) {
		snprintf(err, errlen, "%s is not a zonegate state file", path);
		return ZG_EINVAL;
	}
	return 0;
}

static int copy_tables(struct store *s)
{
	char sql[256];
	int ret = store_exec(s, "CREATE TEMP TABLE restore_serial AS"
			     " SELECT zone_id, serial FROM main.zone");
	for (size_t i = N_RESOURCE_TABLES; ret == 0 && i > 0; i--) {
		snprintf(sql, sizeof(sql), "DELETE FROM main.%s",
			 resource_tables[i - 1]);
		ret = store_exec(s, sql);
	}
	for (size_t i = 0; ret == 0 && i < N_RESOURCE_TABLES; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO main.%s SELECT * FROM restore_src.%s",
			 resource_tables[i], resource_tables[i]);
		ret = store_exec(s, sql);
	}
	if (ret == 0) {
		ret = store_exec(s,
			"UPDATE main.id_counter SET last = max(last,"
			" coalesce((SELECT r.last FROM restore_src.id_counter r"
			" WHERE r.kind = id_counter.kind), 0));"
			"UPDATE main.zone SET serial = (max(serial,"
			" coalesce((SELECT o.serial FROM temp.restore_serial o"
			" WHERE o.zone_id = zone.zone_id), 0)) + 1)"
			" % 4294967296;"
			"DROP TABLE temp.restore_serial;");
	}
	return ret;
}

/* Refuses a copy whose rows break a foreign key (a damaged backup). */
static int check_foreign_keys(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, "PRAGMA main.foreign_key_check", NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	if (ret == 1) {
		char table[64];
		store_col_text(st, 0, table, sizeof(table));
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "a row of table %s refers to a missing resource",
			 table);
		ret = ZG_EINVAL;
	}
	sqlite3_finalize(st);
	return ret;
}

static int restore_locked(struct store *s, const char *path,
			  const char *tmp, const struct store_caller *caller,
			  uint64_t *version, char *err, size_t errlen)
{
	int ret = store_run(s, NULL, "ATTACH DATABASE ? AS restore_src", "t",
			    tmp);
	if (ret != 0) {
		snprintf(err, errlen, "cannot attach the copy of %s: %s",
			 path, s->errmsg);
		return ZG_ESTORE;
	}

	ret = store_begin_locked(s, caller);
	if (ret == 0) {
		ret = copy_tables(s);
		if (ret == 0) {
			ret = check_foreign_keys(s);
		}
		if (ret == 0) {
			s->config_changed = true;
			ret = store_log_change(s, "restore", "store", "",
					       "restored from %s", path);
		}
		uint64_t new_version = s->tx_version;
		if (ret == 0) {
			ret = store_commit_locked(s, NULL);
		} else {
			store_rollback_locked(s);
		}
		if (ret == 0 && version != NULL) {
			*version = new_version;
		}
	}
	if (ret != 0) {
		snprintf(err, errlen, "restoring %s failed: %s", path,
			 s->errmsg);
		ret = ret == ZG_EINVAL ? ZG_EINVAL : ZG_ESTORE;
	}

	if (store_exec(s, "DETACH DATABASE restore_src") != 0 && ret == 0) {
		snprintf(err, errlen, "restored %s but cannot detach it: %s",
			 path, s->errmsg);
	}
	return ret;
}

int store_restore(struct store *store, const char *path,
		  const struct store_caller *caller, uint64_t *version,
		  char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.restore-%ld-%u",
			     store->path, (long)getpid(),
			     atomic_fetch_add(&tmp_counter, 1)) >= sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		return ZG_EINVAL;
	}
	unlink_db_files(tmp);

	int ret = prepare_copy(path, tmp, err, errlen);
	if (ret == 0) {
		pthread_mutex_lock(&store->lock);
		ret = restore_locked(store, path, tmp, caller, version, err,
				     errlen);
		pthread_mutex_unlock(&store->lock);
	}
	unlink_db_files(tmp);
	return ret;
}

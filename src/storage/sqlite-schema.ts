import type { Database } from 'better-sqlite3';

/** Schema versions in order; version n is reached by running entries 0..n-1. Append, never edit. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE kv (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    etag TEXT NOT NULL,
    expires_at INTEGER
  ) STRICT;
  CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE once (
    key TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX once_expires_at ON once (expires_at);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    tenant_id TEXT,
    hash TEXT,
    entry TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_at ON audit (at, seq);
  CREATE INDEX audit_tenant_at ON audit (tenant_id, at, seq);
  CREATE INDEX audit_hash_at ON audit (hash, at, seq);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
  `,
  // A lookup by tenant and hash (status, history <hash>) reads only that hash's rows, newest first.
  `
  CREATE INDEX audit_tenant_hash_at ON audit (tenant_id, hash, at, seq);
  `,
  // The entry id (a random UUID made by the log itself) loses its UNIQUE index: nothing reads by it,
  // and every insert paid for a random leaf page of that index in each commit. SQLite cannot drop
  // a constraint's index, so the table is copied; DROP TABLE removes the triggers before its
  // implicit delete, which therefore refuses nothing.
  `
  CREATE TABLE audit_copy (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    at TEXT NOT NULL,
    tenant_id TEXT,
    hash TEXT,
    entry TEXT NOT NULL
  ) STRICT;
  INSERT INTO audit_copy (seq, id, at, tenant_id, hash, entry) SELECT seq, id, at, tenant_id, hash, entry FROM audit ORDER BY seq;
  DROP TABLE audit;
  ALTER TABLE audit_copy RENAME TO audit;
  CREATE INDEX audit_at ON audit (at, seq);
  CREATE INDEX audit_tenant_at ON audit (tenant_id, at, seq);
  CREATE INDEX audit_hash_at ON audit (hash, at, seq);
  CREATE INDEX audit_tenant_hash_at ON audit (tenant_id, hash, at, seq);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to `target` (SCHEMA_VERSION unless a test builds an older database; idempotent; refuses a database from a newer build). */
export function migrate(db: Database, target = SCHEMA_VERSION): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`Database schema version ${version} is newer than this build supports (${SCHEMA_VERSION})`);
    }
    for (const sql of MIGRATIONS.slice(version, Math.max(version, target))) db.exec(sql);
    if (version < target) db.pragma(`user_version = ${target}`);
  }).immediate();
}

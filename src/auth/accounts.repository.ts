import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Page } from '../common/page';
import { keysetSql, type PageKey, pageOfRows } from '../database/keyset-page';
import type { Role } from './roles';

export interface AccountRow {
  name: string;
  role: Role;
  agency: string | null;
  passwordHash: string | null;
  failedLogins: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

export interface ApiKeyRow {
  keyId: string;
  account: string;
  keyHash: Buffer;
  createdAt: Date;
  revokedAt: Date | null;
}

const ACCOUNT_COLUMNS = `name, role, agency, password_hash AS "passwordHash", failed_logins AS "failedLogins",
  locked_until AS "lockedUntil", disabled_at AS "disabledAt", created_at AS "createdAt", created_by AS "createdBy"`;

/** The accounts and API keys tables; every method runs in the caller's transaction. */
/** An API key as an admin lists it: ids and dates, never the key or its hash. */
export interface ApiKeyListing {
  keyId: string;
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
}

@Injectable()
export class AccountsRepository {
  async insert(
    manager: EntityManager,
    account: Pick<AccountRow, 'name' | 'role' | 'agency' | 'passwordHash' | 'createdBy'>,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO accounts (name, role, agency, password_hash, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING RETURNING name`,
      [account.name, account.role, account.agency, account.passwordHash, account.createdBy],
    );
    return rows.length === 1;
  }

  async find(manager: EntityManager, name: string): Promise<AccountRow | null> {
    const [row] = await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE name = $1`, [name]);
    return (row as AccountRow | undefined) ?? null;
  }

  /** For a login: the row locked, so concurrent attempts count one by one. */
  async findForUpdate(manager: EntityManager, name: string): Promise<AccountRow | null> {
    const [row] = await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE name = $1 FOR UPDATE`, [
      name,
    ]);
    return (row as AccountRow | undefined) ?? null;
  }

  /** A page of accounts by name: `limit` + 1 rows after `afterName`, so the caller knows whether more follow. */
  async list(manager: EntityManager, afterName: string | null, limit: number): Promise<AccountRow[]> {
    return manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2`,
      [afterName, limit + 1],
    );
  }

  /** One more failure; at `max` the account locks until `lockedUntil` and the count starts again. */
  async recordFailedLogin(
    manager: EntityManager,
    name: string,
    max: number,
    lockoutMs: number,
  ): Promise<boolean> {
    // An UPDATE answers [rows, affected count].
    const [rows] = await manager.query(
      `UPDATE accounts SET
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + $3 * interval '1 millisecond' ELSE locked_until END,
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
       WHERE name = $1 RETURNING locked_until > now() AS locked`,
      [name, max, lockoutMs],
    );
    return (rows as Array<{ locked: boolean }>)[0]?.locked === true;
  }

  async recordSuccessfulLogin(manager: EntityManager, name: string): Promise<void> {
    await manager.query(`UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = $1`, [name]);
  }

  async disable(manager: EntityManager, name: string): Promise<boolean> {
    const [, count] = await manager.query(
      `UPDATE accounts SET disabled_at = now() WHERE name = $1 AND disabled_at IS NULL`,
      [name],
    );
    return count === 1;
  }

  async unlock(manager: EntityManager, name: string): Promise<boolean> {
    const [, count] = await manager.query(
      `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = $1`,
      [name],
    );
    return count === 1;
  }

  async insertApiKey(
    manager: EntityManager,
    key: { keyId: string; account: string; hash: Buffer; createdBy: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO api_keys (key_id, account, key_hash, created_by) VALUES ($1, $2, $3, $4)`,
      [key.keyId, key.account, key.hash, key.createdBy],
    );
  }

  async findApiKey(manager: EntityManager, keyId: string): Promise<ApiKeyRow | null> {
    const [row] = await manager.query(
      `SELECT key_id AS "keyId", account, key_hash AS "keyHash", created_at AS "createdAt", revoked_at AS "revokedAt"
       FROM api_keys WHERE key_id = $1`,
      [keyId],
    );
    return (row as ApiKeyRow | undefined) ?? null;
  }

  /** An account's keys, oldest first (the key id breaks ties of time), a page at a time; never a hash. */
  async apiKeysOf(
    manager: EntityManager,
    account: string,
    page: { limit?: number; after?: string },
  ): Promise<Page<ApiKeyListing>> {
    const keys: PageKey<ApiKeyListing>[] = [
      { sql: 'created_at', type: 'timestamptz', of: (k) => k.createdAt },
      { sql: 'key_id', type: 'text', of: (k) => k.keyId },
    ];
    const { where, orderBy, limit, params } = keysetSql(keys, 'ASC', page, 2);
    const rows: ApiKeyListing[] = await manager.query(
      `SELECT key_id AS "keyId", created_at AS "createdAt", created_by AS "createdBy", revoked_at AS "revokedAt"
       FROM api_keys WHERE account = $1 AND ${where} ORDER BY ${orderBy} LIMIT ${limit + 1}`,
      [account, ...params],
    );
    return pageOfRows(rows, keys, limit);
  }

  async revokeApiKey(manager: EntityManager, account: string, keyId: string): Promise<boolean> {
    const [, count] = await manager.query(
      `UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND account = $2 AND revoked_at IS NULL`,
      [keyId, account],
    );
    return count === 1;
  }
}

import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';

export interface Preauthorization {
  fingerprint: string;
  hostname: string | null;
  tags: string[];
  created_at: string;
  created_by: string;
  used_at: string | null;
}

interface PreauthorizationRow extends Omit<Preauthorization, 'tags'> {
  tags: string;
}

const fromRow = ({ tags, ...rest }: PreauthorizationRow): Preauthorization => ({ ...rest, tags: JSON.parse(tags) as string[] });

/** The table `device_preauthorizations`: the only SQL that touches it. */
export class PreauthorizationRepository {
  private readonly unusedStmt: Statement<[string], PreauthorizationRow>;
  private readonly markUsedStmt: Statement<[string, string]>;

  constructor(private readonly db: Db) {
    // Prepared once: enrollment reads and uses them.
    this.unusedStmt = db.prepare('SELECT * FROM device_preauthorizations WHERE fingerprint = ? AND used_at IS NULL');
    this.markUsedStmt = db.prepare('UPDATE device_preauthorizations SET used_at = ? WHERE fingerprint = ? AND used_at IS NULL');
  }

  /** False when the fingerprint is preauthorized already. */
  insert(p: Preauthorization): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO device_preauthorizations (fingerprint, hostname, tags, created_at, created_by, used_at)
           VALUES (@fingerprint, @hostname, @tags, @created_at, @created_by, @used_at) ON CONFLICT (fingerprint) DO NOTHING`,
        )
        .run({ ...p, tags: JSON.stringify(p.tags) }).changes === 1
    );
  }

  get(fingerprint: string): Preauthorization | undefined {
    const row = this.db
      .prepare<[string], PreauthorizationRow>('SELECT * FROM device_preauthorizations WHERE fingerprint = ?')
      .get(fingerprint);
    return row && fromRow(row);
  }

  unused(fingerprint: string): Preauthorization | undefined {
    const row = this.unusedStmt.get(fingerprint);
    return row && fromRow(row);
  }

  list(): Preauthorization[] {
    return this.db
      .prepare<[], PreauthorizationRow>('SELECT * FROM device_preauthorizations ORDER BY created_at, fingerprint')
      .all()
      .map(fromRow);
  }

  /** Deletes it if unused; false otherwise. */
  removeUnused(fingerprint: string): boolean {
    return this.db.prepare('DELETE FROM device_preauthorizations WHERE fingerprint = ? AND used_at IS NULL').run(fingerprint).changes === 1;
  }

  /** Marks it used at `at`, once; false if it was not there unused. */
  markUsed(fingerprint: string, at: string): boolean {
    return this.markUsedStmt.run(at, fingerprint).changes === 1;
  }
}

import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import type { flag } from '../schemas.js';

export type FeatureFlag = Required<Static<typeof flag>>;

type Row = Omit<FeatureFlag, 'enabled'> & { enabled: number };

export class FlagRepository {
  constructor(private readonly db: Db) {}

  upsert(f: FeatureFlag): void {
    this.db
      .prepare(
        `INSERT INTO feature_flags (name, enabled, platform_id, action_type, description, updated_at)
         VALUES (@name, @enabled, @platform_id, @action_type, @description, @updated_at)
         ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, platform_id = excluded.platform_id,
           action_type = excluded.action_type, description = excluded.description, updated_at = excluded.updated_at`,
      )
      .run({ ...f, enabled: f.enabled ? 1 : 0 });
  }

  get(name: string): FeatureFlag | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM feature_flags WHERE name = ?').get(name);
    return row && { ...row, enabled: row.enabled === 1 };
  }

  list(): FeatureFlag[] {
    return this.db
      .prepare<[], Row>('SELECT * FROM feature_flags ORDER BY name')
      .all()
      .map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM feature_flags WHERE name = ?').run(name).changes === 1;
  }
}

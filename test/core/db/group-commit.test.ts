import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/core/db/group-commit.js';

const submit = <T, R>(commits: GroupCommit<T, R>, item: T): Promise<R> =>
  new Promise((resolve, reject) => commits.submit(item, (err, result) => (err ? reject(err) : resolve(result as R))));

describe('GroupCommit', () => {
  it('writes what one turn submits as one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const commits = new GroupCommit<number, string>((items) => {
      batches.push(items);
      return items.map((n) => `#${n}`);
    });
    const first = await Promise.all([1, 2, 3].map((n) => submit(commits, n)));
    const second = await submit(commits, 4);
    expect([first, second]).toEqual([['#1', '#2', '#3'], '#4']);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('fails every caller of a batch whose write throws, and writes the next batch', async () => {
    let fail = true;
    const commits = new GroupCommit<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([1, 2].map((n) => submit(commits, n)));
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual(['disk full', 'disk full']);
    fail = false;
    expect(await submit(commits, 3)).toBe(3);
  });
});

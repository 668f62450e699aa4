/**
 * The candidate nearest to `name` by edit distance, if it is within `maxDistance` (by default, close enough for
 * a likely typo among a few names) and no other candidate is as near: a tie would be a guess.
 */
export function closestName(
  name: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(name.length / 3)),
): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance;
  let tied = false;
  for (const candidate of candidates) {
    // Each insertion or deletion costs 1, so a length this far off cannot be near enough.
    if (Math.abs(candidate.length - name.length) > bestDistance) continue;
    const distance = editDistance(name, candidate, bestDistance + 1);
    if (distance > bestDistance) continue;
    tied = best !== undefined && distance === bestDistance;
    if (!tied) [best, bestDistance] = [candidate, distance];
  }
  return tied ? undefined : best;
}

/**
 * Insertions, deletions, substitutions and swaps of two neighbours each count 1 ("ngnix" is one step from
 * "nginx"). Stops early once the distance cannot come under `stopAt`, returning `stopAt` then.
 */
function editDistance(a: string, b: string, stopAt: number): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let previousMin = 0;
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let currentMin = i;
    for (let j = 1; j <= b.length; j++) {
      let distance = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, (beforePrevious[j - 2] ?? 0) + 1);
      current.push(distance);
      currentMin = Math.min(currentMin, distance);
    }
    // Every later row builds on these two (a swap reaches back two rows), so neither can go lower.
    if (currentMin >= stopAt && previousMin >= stopAt) return stopAt;
    beforePrevious = previous;
    previous = current;
    previousMin = currentMin;
  }
  return Math.min(previous[b.length] ?? 0, stopAt);
}

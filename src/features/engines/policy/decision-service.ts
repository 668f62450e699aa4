import type { BaseLogger } from 'pino';
import type { DecisionJournal } from '../../../audit/journal.js';
import { GroupCommit } from '../../../core/db/group-commit.js';
import type { Settle } from '../../../core/db/group-commit.js';
import { DomainError } from '../../../core/errors.js';
import { BatchDecider } from './decide.js';
import type { CheckOutcome, PendingCheck } from './decide.js';
import type { PolicyCache } from './snapshot.js';

/**
 * Answers checks by group commit: every check that arrives in one event-loop turn is decided together
 * and recorded with one journal write (see BatchDecider, DecisionJournal); each reply waits for it.
 */
export class DecisionService {
  private readonly commits: GroupCommit<PendingCheck, CheckOutcome>;

  constructor(cache: PolicyCache, journal: DecisionJournal, log: Pick<BaseLogger, 'error'>) {
    const decider = new BatchDecider(cache, (lines) => journal.append(lines));
    this.commits = new GroupCommit((checks) => {
      try {
        return decider.decide(checks);
      } catch (err) {
        log.error({ err }, 'a batch of checks could not be recorded');
        throw new DomainError(
          'unavailable',
          'DECISION_LOG_UNAVAILABLE',
          `the decision could not be recorded, so none was made: ${(err as Error).message}`,
        );
      }
    });
  }

  /** Settles once the decision is in the journal, or with DECISION_LOG_UNAVAILABLE if it cannot be written. */
  decide(check: PendingCheck, settle: Settle<CheckOutcome>): void {
    this.commits.submit(check, settle);
  }
}

import type { Db } from '../../../core/db/database.js';
import { EnrollmentLedger } from './ledger.js';
import type { Decision, Refusal } from './ledger.js';
import type { EnrollmentRow } from '../repositories/enrollments.js';

export interface SettledEnrollment {
  status: Exclude<EnrollmentRow['status'], 'pending'>;
  reason: string | null;
  device_id: string | null;
}

export interface EnrollmentActivities {
  /** Applies a decision, or the deadline (`decision` undefined); idempotent, so a retry never applies it twice. */
  settleEnrollment(reference: string, decision: Decision | undefined, workflowId: string): Promise<SettledEnrollment | Refusal>;
}

export function createEnrollmentActivities(db: Db): EnrollmentActivities {
  const ledger = new EnrollmentLedger(db);
  return {
    async settleEnrollment(reference, decision, workflowId) {
      const result = ledger.settle(reference, decision, workflowId);
      if ('refused' in result) return result;
      // Settled already by the API (its flow was gone) counts as settled: the flow ends with it.
      return { status: result.status as SettledEnrollment['status'], reason: result.reason, device_id: result.device_id };
    },
  };
}

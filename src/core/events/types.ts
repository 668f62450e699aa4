/**
 * Every event type that may be appended, with what it announces. One list, so a typo in a publisher fails at
 * its first append, and a stream's filter can refuse a type that will never come. docs/events.md describes each.
 */
export const EVENT_TYPES = {
  'device.enrollment_requested': 'a device asked to enroll (subject: the enrollment reference)',
  'device.enrolled': 'an enrollment was approved and the device exists (subject: the device id)',
  'device.enrollment_denied': 'an operator denied an enrollment (subject: the enrollment reference)',
  'device.enrollment_expired': 'an enrollment ended undecided (subject: the enrollment reference)',
  'device.online': 'a heartbeat came from a device that was offline or never seen (subject: the device id)',
  'device.offline': 'a device missed its heartbeats (subject: the device id)',
  'job.schedule_changed': "a job's schedule was made, changed, paused, resumed or deleted (subject: the job id)",
  'run.started': 'a run of a job started (subject: the run id)',
  'run.device_result': "a device's result in a run changed (subject: the run id)",
  'run.finished': 'a run ended (subject: the run id)',
  'engine.decision_denied': 'an engine was refused an action, as the audit log recorded it (subject: the engine id)',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const isEventType = (type: string): type is EventType => Object.hasOwn(EVENT_TYPES, type);

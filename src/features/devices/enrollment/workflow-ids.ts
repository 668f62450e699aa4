/** Readable workflow ids: an operator finds a device's enrollment from its key's fingerprint. */
export const workflowIds = {
  enrollment: (fingerprint: string) => `enroll-${fingerprint}`,
};

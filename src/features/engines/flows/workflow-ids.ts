/** Readable workflow ids: an operator can find a flow from what they already know. */
export const workflowIds = {
  grantRequest: (engineId: string, requestId: string) => `grant-request-${engineId}-${requestId}`,
  grantExpiry: (grantId: string) => `grant-expiry-${grantId}`,
  maintenance: (platform: string, windowId: string) => `maintenance-${platform}-${windowId}`,
};

/** How long a device access token is good for (issue 21: 15 minutes). */
export const ACCESS_TOKEN_TTL_S = 15 * 60;

/**
 * How long a rotated-out signing key still verifies: past the last token it can have signed, plus room for
 * replicas that sign with it until they notice the rotation and for clocks a little apart.
 */
export const RETIRED_KEY_KEEP_S = ACCESS_TOKEN_TTL_S + 60;

/**
 * The security requirements routes name in the API document. The schemes behind the names are described by the
 * features that register them (http/plugins/auth.ts collects them); these are the ones engines and operators register.
 */
export const engineSecurity = [{ engineId: [], engineKey: [] }];
export const operatorSecurity = [{ operatorKey: [] }];
export const eitherSecurity = [...engineSecurity, ...operatorSecurity];

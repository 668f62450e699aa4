/** Single-quotes a value for POSIX sh. */
export const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

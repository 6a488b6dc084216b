/** The UTF-16 codes the gateway's scans of raw JSON text compare with (exact-numbers.ts, json-depth.ts): charCodeAt, no string per character. */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const MINUS = 45;
export const ZERO = 48;
export const NINE = 57;
export const DOT = 46;
export const LOWER_E = 101;
export const UPPER_E = 69;

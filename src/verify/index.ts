/** Sender verification on raw bytes: no HTTP, no storage, so the CLI and tests use it directly. */
export { verify } from './verify.js';
export { sign, generateSecret } from './sign.js';
export type { SignOptions } from './sign.js';
export type { Credentials, HeaderBag, HmacAlgorithm, RejectReason, Verdict, VerifyInput, VerifyRule } from './types.js';

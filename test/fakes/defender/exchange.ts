import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-json';
import type { DefenderState } from './state';
import type { Claims, DefenderRequest } from './types';

/** Which of the two APIs a request addressed (they differ in base path and token audience). */
export type Api = 'files' | 'indicators';

/** An error answer in the Defender shape `{error: {code, message, target}}`. */
export interface Failure {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** What a route handler gets: the request, its record, the caller's claims and the fake's state. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  rec: DefenderRequest;
  api: Api;
  /** The route's path parameter (a hash or an indicator id), still URL-encoded. */
  param: string | undefined;
  claims: Claims;
  state: DefenderState;
}

/** Which rate-limit window a route counts against (the indicators API only). */
export type LimitClass = 'call' | 'import';

/** One route of an API surface: method and path under the API's base, plus the policy it is subject to. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  /** Rate-limit counter name; routes with the same name share a counter. */
  name: string;
  limit?: LimitClass;
  /** Any one of these in `scp` or `roles` lets the call through (when permission checks are on). */
  permissions?: readonly string[];
  handle(ctx: Ctx): void;
}

/** Hex patterns by length: MD5, SHA-1, SHA-256. */
export const HEX = { 32: /^[0-9a-f]{32}$/i, 40: /^[0-9a-f]{40}$/i, 64: /^[0-9a-f]{64}$/i } as const;

/** Answers `body` with `status` and records the status. */
export function send(ctx: Ctx, status: number, body: unknown): void {
  ctx.rec.status = status;
  if (!ctx.res.destroyed) sendJson(ctx.res, status, body);
}

/** Answers a Failure in the documented error shape and records the status. */
export function fail(res: ServerResponse, rec: DefenderRequest, failure: Failure): void {
  rec.status = failure.status;
  if (!res.destroyed) sendJson(res, failure.status, errorBody(failure.code, failure.message), failure.headers);
}

/** `{error: {code, message, target}}` with a fresh correlation id as target. */
export function errorBody(code: string, message: string): { error: { code: string; message: string; target: string } } {
  return { error: { code, message, target: randomUUID() } };
}

/** 400 MissingRequiredParameter for a (case-sensitive) body parameter. */
export function missing(name: string): Failure {
  return { status: 400, code: 'MissingRequiredParameter', message: `Parameter ${name} is missing.` };
}

/** 400 InvalidRequestBody. */
export function badBody(): Failure {
  return { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect' };
}

/** 400 InvalidHashValue. */
export function invalidHash(value: string): Failure {
  return { status: 400, code: 'InvalidHashValue', message: `Hash value ${value} is invalid.` };
}

/** 404 NotFound. */
export function notFound(message: string): Failure {
  return { status: 404, code: 'NotFound', message };
}

/** Marks a body that is not JSON (recorded as the raw text). */
export const INVALID_JSON = Symbol('invalid-json');

/** Parses a request body: undefined when empty, INVALID_JSON when not JSON. */
export function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return INVALID_JSON;
  }
}

/** A timestamp as .NET writes it: seven fractional digits. */
export function dotnetUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, millis: string) => `.${millis}0000Z`);
}

/** `''` for null or undefined, else String(v). */
export function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** Who the caller is, as Defender records it on an indicator: a user (delegated token) or an app. */
export function identityOf(claims: Claims): { id: string; source: string; displayName: string; sourceType: 'User' | 'AadApp' } {
  if (claims.scp !== undefined) {
    const upn = requestorOf(claims);
    return { id: upn, source: upn, displayName: str(claims.name) || upn, sourceType: 'User' };
  }
  const app = str(claims.appid ?? claims.azp);
  const name = str(claims.app_displayname) || app;
  return { id: app, source: name, displayName: name, sourceType: 'AadApp' };
}

/** The caller's name as a FileAction's `requestor` carries it. */
export function requestorOf(claims: Claims): string {
  return str(claims.upn ?? claims.preferred_username ?? claims.unique_name ?? claims.appid ?? claims.azp);
}

import { isIP } from 'node:net';
import { badBody, type Failure, HEX, invalidHash, missing } from './exchange';

const INDICATOR_TYPES = ['FileSha1', 'FileSha256', 'FileMd5', 'CertificateThumbprint', 'IpAddress', 'DomainName', 'Url'];
const ACTIONS = ['Alert', 'Warn', 'Block', 'Audit', 'BlockAndRemediate', 'AlertAndBlock', 'Allowed'];
const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'];

/** A submitted indicator after validation, defaults applied. */
export interface IndicatorInput {
  indicatorValue: string;
  indicatorType: string;
  action: string;
  title: string;
  description: string;
  application: string | null;
  severity: string;
  recommendedActions: string | null;
  expirationTime: string | null;
  rbacGroupNames: string[];
  generateAlert: boolean;
  educateUrl: string | null;
}

/** Checks a submitted indicator as the API does (case-sensitive names, hash lengths, Audit needs generateAlert). */
export function validateIndicator(body: Record<string, unknown>): IndicatorInput | Failure {
  for (const name of ['indicatorValue', 'indicatorType', 'action', 'title', 'description']) {
    if (body[name] === undefined || body[name] === null || body[name] === '') return missing(name);
    if (typeof body[name] !== 'string') return badBody();
  }
  const value = body.indicatorValue as string;
  const type = body.indicatorType as string;
  const action = body.action as string;
  if (!INDICATOR_TYPES.includes(type) || !ACTIONS.includes(action)) return badBody();
  const severity = body.severity ?? 'Informational';
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) return badBody();
  const valueProblem = checkValue(type, value);
  if (valueProblem) return valueProblem;
  const generateAlert = body.generateAlert ?? false;
  if (typeof generateAlert !== 'boolean') return badBody();
  if (action === 'Audit' && !generateAlert) {
    return { status: 400, code: 'InvalidInput', message: 'Invalid input generateAlert: must be true for the Audit action.' };
  }
  const expiration = body.expirationTime ?? null;
  if (expiration !== null && (typeof expiration !== 'string' || Number.isNaN(Date.parse(expiration)))) return badBody();
  const groups = body.rbacGroupNames ?? [];
  const rbacGroupNames =
    typeof groups === 'string'
      ? groups
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean)
      : groups;
  if (!Array.isArray(rbacGroupNames) || rbacGroupNames.some((g) => typeof g !== 'string')) return badBody();
  const optional = (name: string): string | null | Failure => {
    const v = body[name] ?? null;
    return v === null || typeof v === 'string' ? v : badBody();
  };
  const application = optional('application');
  const recommendedActions = optional('recommendedActions');
  const educateUrl = optional('educateUrl');
  for (const v of [application, recommendedActions, educateUrl]) if (v !== null && typeof v === 'object') return v;
  return {
    indicatorValue: value,
    indicatorType: type,
    action,
    title: body.title as string,
    description: body.description as string,
    application: application as string | null,
    severity,
    recommendedActions: recommendedActions as string | null,
    expirationTime: expiration,
    rbacGroupNames: rbacGroupNames as string[],
    generateAlert,
    educateUrl: educateUrl as string | null,
  };
}

function checkValue(type: string, value: string): Failure | undefined {
  const hexLength: Record<string, 32 | 40 | 64> = { FileSha1: 40, FileSha256: 64, FileMd5: 32, CertificateThumbprint: 40 };
  if (type in hexLength) return HEX[hexLength[type]].test(value) ? undefined : invalidHash(value);
  if (type === 'IpAddress' && !isIP(value)) return { status: 400, code: 'InvalidIpAddress', message: `IP address ${value} is invalid.` };
  if (type === 'DomainName' && !/^(?=.{1,253}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,}$/i.test(value)) {
    return { status: 400, code: 'InvalidDomainName', message: `Domain name ${value} is invalid.` };
  }
  if (type === 'Url' && !/^([a-z][a-z0-9+.-]*:\/\/)?[^\s/]+\.[^\s/]+(\/\S*)?$/i.test(value)) {
    return { status: 400, code: 'InvalidUrl', message: `URL ${value} is invalid.` };
  }
  return undefined;
}

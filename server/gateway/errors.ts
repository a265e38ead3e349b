import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ErrorBody } from '../../shared/schemas.js';
import { isDomainError } from '../core/errors.js';

export function zodIssues(error: z.ZodError): { path: (string | number)[]; message: string; code: string }[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
    code: i.code,
  }));
}

/** The error an adapter answers with: a refusal as itself, anything else as `unavailable`. */
export function errorBody(err: unknown, logger: Logger, context: object): ErrorBody {
  if (isDomainError(err)) return { code: err.code, message: err.message, ...err.extra };
  logger.error({ err, ...context }, 'request failed');
  return { code: 'unavailable', message: 'the service is unavailable; try again' };
}

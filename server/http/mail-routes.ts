/**
 * E-mail routes: a person's settings and address (signed in), and the links in e-mails
 * (one-click unsubscribe by RFC 8058, the confirmation of an address), which need no sign-in:
 * they are signed. A GET of a link only shows a page with a button (link scanners GET every
 * link); the POST acts.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { ArticleId, CommentId } from '../../shared/schemas.js';
import { DomainError } from '../core/errors.js';
import type { User } from '../core/ports.js';
import { EmailAddress, MailError, type Mail } from '../notify/mail.js';
import { linkPage } from '../notify/mail-render.js';
import { parse, wrap } from './routes.js';

const Settings = z.strictObject({
  replies: z.boolean().optional(),
  digest: z.enum(['instant', 'daily']).optional(),
  follow: z.strictObject({ articleId: ArticleId, rootId: CommentId, on: z.boolean() }).optional(),
});
const AddEmail = z.strictObject({ email: EmailAddress });

const signedIn = (viewer: User | null | undefined): User => {
  if (!viewer) throw new DomainError('unauthorized', 'sign in first');
  return viewer;
};

function mailError(err: unknown): never {
  if (err instanceof MailError) {
    throw new DomainError(
      err.code === 'too_soon' ? 'rate_limited' : err.code === 'unavailable' ? 'unavailable' : 'invalid_input',
      err.message,
    );
  }
  throw err;
}

export function mailRoutes(mail: Mail) {
  return (r: Router): void => {
    r.get(
      '/me/notifications',
      wrap(async (req, res) => {
        res.setHeader('cache-control', 'no-store');
        res.json(await mail.settings(signedIn(req.viewer)));
      }),
    );
    r.post(
      '/me/notifications',
      wrap(async (req, res) => {
        const user = signedIn(req.viewer);
        if (!mail.enabled) throw new DomainError('forbidden', 'e-mail is not set up on this server');
        await mail.updateSettings(user, parse(Settings, req.body ?? {})).catch(mailError);
        res.json(await mail.settings(user));
      }),
    );
    r.post(
      '/me/email',
      wrap(async (req, res) => {
        const user = signedIn(req.viewer);
        if (!mail.enabled) throw new DomainError('forbidden', 'e-mail is not set up on this server');
        const { email } = parse(AddEmail, req.body ?? {});
        await mail.addEmail(user, email).catch(mailError);
        res.status(202).json({ pending: true });
      }),
    );
    const form = express.urlencoded({ extended: false, limit: '1kb' });
    const page = (res: express.Response, status: number, html: string) => {
      res.status(status).setHeader('cache-control', 'no-store').type('html').send(html);
    };
    const scopeText = { all: 'all e-mails', replies: 'e-mails about replies to you', thread: 'e-mails about this thread' } as const;
    r.get(
      '/mail/unsubscribe',
      wrap(async (req, res) => {
        const scope = await mail.unsubscribe(req.query, false);
        if (!scope) return page(res, 400, linkPage('Link not valid', 'This unsubscribe link is not valid.'));
        page(res, 200, linkPage('Unsubscribe', `Stop ${scopeText[scope.kind]}?`, { action: req.originalUrl, label: 'Unsubscribe' }));
      }),
    );
    r.post(
      '/mail/unsubscribe',
      form,
      wrap(async (req, res) => {
        const scope = await mail.unsubscribe(req.query, true);
        if (!scope) return page(res, 400, linkPage('Link not valid', 'This unsubscribe link is not valid.'));
        page(res, 200, linkPage('Unsubscribed', `You will get no more ${scopeText[scope.kind]}.`));
      }),
    );
    r.get(
      '/mail/confirm',
      wrap(async (req, res) => {
        const state = await mail.confirm(req.query, false);
        if (state === 'invalid') return page(res, 400, linkPage('Link not valid', 'This confirmation link is not valid or has expired.'));
        page(
          res,
          200,
          linkPage('Confirm your address', 'Get e-mails about replies at this address?', { action: req.originalUrl, label: 'Confirm' }),
        );
      }),
    );
    r.post(
      '/mail/confirm',
      form,
      wrap(async (req, res) => {
        const state = await mail.confirm(req.query, true);
        if (state === 'invalid') return page(res, 400, linkPage('Link not valid', 'This confirmation link is not valid or has expired.'));
        page(res, 200, linkPage('Address confirmed', 'You will get e-mails about replies to your comments.'));
      }),
    );
  };
}

/**
 * `GET /api/origin-check`: whether this server takes Socket.IO handshakes from the asking page's
 * origin. A refused handshake reaches the page only as a transport error, so the widget asks
 * here to tell the publisher what to add to ALLOWED_ORIGINS. Readable from any origin (it says
 * nothing but what the asker sent and a yes or no), so it is mounted before the `/api` CORS
 * middleware, which answers only listed origins.
 *
 * @example
 * web.get('/api/origin-check', originCheck(config.ALLOWED_ORIGINS, trust));
 */
import type { Request, Response } from 'express';
import type { Trust } from '../gateway/connections.js';
import { originAllowed } from '../gateway/origin.js';

export function originCheck(allowedOrigins: readonly string[], trust: Trust): (req: Request, res: Response) => void {
  return (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Origin');
    res.json({ origin: req.headers.origin ?? null, allowed: originAllowed(req, allowedOrigins, trust) });
  };
}

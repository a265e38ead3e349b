import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config.js';

const SECRET = 's'.repeat(32);

/** The message of the ConfigError that `env` causes. */
function refusal(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('configuration from the environment', () => {
  it('an empty environment gives the documented defaults and a generated secret', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      ALLOWED_ORIGINS: [],
      ALLOW_GUESTS: true,
      PREMODERATION: 'off',
      COMMENT_MAX_LENGTH: 5000,
      EDIT_WINDOW_SECONDS: 900,
      POST_RATE: { points: 1, seconds: 3 },
      EDIT_RATE: { points: 10, seconds: 60 },
      READ_RATE: { points: 1200, seconds: 60 },
      SOCKET_RATE: { points: 20, seconds: 1 },
      GUEST_RATE: { points: 10, seconds: 60 },
      CONNECTIONS_PER_IP: 100,
      TRUST_PROXY: false,
      SERVE_SOURCE_MAPS: false,
      STAFF_NAMES: [],
      LOG_LEVEL: 'info',
      EVENT_LOG_SIZE: 1000,
      authSecretGenerated: true,
    });
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.REDIS_CLUSTER_NODES).toBeUndefined();
    // Without Redis, comments are kept in a SQLite file in ./data.
    expect(c).toMatchObject({ STORE: 'sqlite', DATA_DIR: './data' });
    expect(parseConfig({ STORE: 'memory' }).STORE).toBe('memory');
    expect(parseConfig({ REDIS_URL: 'redis://r:6379', AUTH_SECRET: SECRET }).STORE).toBe('redis');
    expect(refusal({ STORE: 'memory', REDIS_URL: 'redis://r:6379', AUTH_SECRET: SECRET })).toContain('STORE');
    expect(c.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(parseConfig({}).AUTH_SECRET).not.toBe(c.AUTH_SECRET);
  });

  it('an empty value means unset', () => {
    expect(parseConfig({ PORT: '', PREMODERATION: '', AUTH_SECRET: '' })).toMatchObject({
      PORT: 3000,
      PREMODERATION: 'off',
      authSecretGenerated: true,
    });
  });

  it('reads the values it is given', () => {
    const c = parseConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      ALLOW_GUESTS: 'no',
      PREMODERATION: 'guests',
      COMMENT_MAX_LENGTH: '280',
      EDIT_WINDOW_SECONDS: '0',
      CONNECTIONS_PER_IP: '0',
      SERVE_SOURCE_MAPS: 'on',
      STAFF_NAMES: ' Editor , Newsdesk ,',
      LOG_LEVEL: 'silent',
      EVENT_LOG_SIZE: '5000',
      AUTH_SECRET: SECRET,
      HELD_WORDS_FILE: '/etc/held-words.txt',
    });
    expect(c).toMatchObject({
      PORT: 0,
      HOST: '127.0.0.1',
      ALLOW_GUESTS: false,
      PREMODERATION: 'guests',
      COMMENT_MAX_LENGTH: 280,
      EDIT_WINDOW_SECONDS: 0,
      CONNECTIONS_PER_IP: 0,
      SERVE_SOURCE_MAPS: true,
      STAFF_NAMES: ['Editor', 'Newsdesk'],
      LOG_LEVEL: 'silent',
      EVENT_LOG_SIZE: 5000,
      AUTH_SECRET: SECRET,
      authSecretGenerated: false,
      HELD_WORDS_FILE: '/etc/held-words.txt',
    });
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['ALLOW_GUESTS', 'maybe'],
    ['SERVE_SOURCE_MAPS', 'TRUE!'],
    ['PREMODERATION', 'some'],
    ['COMMENT_MAX_LENGTH', '0'],
    ['COMMENT_MAX_LENGTH', '10001'],
    ['EDIT_WINDOW_SECONDS', '-5'],
    ['CONNECTIONS_PER_IP', 'many'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_CLUSTER_NODES', 'a:1,b'],
    ['REDIS_CLUSTER_NODES', 'a:1, b:2'],
    ['AUTH_SECRET', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['EVENT_LOG_SIZE', '999'],
    ['STAFF_NAMES', 'x'.repeat(81)],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    const message = refusal({ [name]: value });
    expect(message).toMatch(new RegExp(`^invalid configuration:\\n  ${name}: \\S`));
    expect(message.split('\n')).toHaveLength(2);
  });

  it('says what a boolean must be', () => {
    expect(refusal({ ALLOW_GUESTS: 'maybe' })).toContain('ALLOW_GUESTS: expected true or false');
  });

  it('names every bad variable, one line each', () => {
    const lines = refusal({ PORT: 'x', PREMODERATION: 'some', POST_RATE: 'fast' })
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(':')[0]);
    expect(lines.sort()).toEqual(['PORT', 'POST_RATE', 'PREMODERATION']);
  });

  describe('rate specs', () => {
    it.each(['POST_RATE', 'EDIT_RATE', 'READ_RATE', 'SOCKET_RATE', 'GUEST_RATE'])('%s takes N/S or off', (name) => {
      expect(parseConfig({ [name]: '5/10' })[name as 'POST_RATE']).toEqual({ points: 5, seconds: 10 });
      expect(parseConfig({ [name]: 'off' })[name as 'POST_RATE']).toBeNull();
    });

    it('refuses a malformed spec, saying what a spec looks like', () => {
      for (const value of ['5', '5/', '1.5/3', 'OFF ', 'fast']) {
        expect(refusal({ POST_RATE: value }), value).toContain('POST_RATE: expected N/S (for example 1/3) or off');
      }
    });

    it('refuses a spec of zero events or zero seconds', () => {
      for (const value of ['0/3', '3/0']) expect(refusal({ EDIT_RATE: value }), value).toContain('EDIT_RATE: N and S must be at least 1');
    });
  });

  describe('ALLOWED_ORIGINS', () => {
    it('takes a comma-separated list of origins as browsers send them', () => {
      expect(
        parseConfig({ ALLOWED_ORIGINS: ' https://News.Example:443 , http://localhost:4250/,https://[::1]:8443' }).ALLOWED_ORIGINS,
      ).toEqual(['https://news.example', 'http://localhost:4250', 'https://[::1]:8443']);
    });

    it('takes custom schemes of app web views as written', () => {
      expect(parseConfig({ ALLOWED_ORIGINS: 'capacitor://localhost,ionic://localhost,Tauri://localhost' }).ALLOWED_ORIGINS).toEqual([
        'capacitor://localhost',
        'ionic://localhost',
        'tauri://localhost',
      ]);
    });

    it('takes null only when written out', () => {
      expect(parseConfig({ ALLOWED_ORIGINS: 'null,https://a.example' }).ALLOWED_ORIGINS).toEqual(['null', 'https://a.example']);
      expect(parseConfig({ ALLOWED_ORIGINS: 'https://a.example' }).ALLOWED_ORIGINS).not.toContain('null');
    });

    it.each([
      'news.example',
      'https://news.example/comments',
      'https://news.example?x=1',
      'https://user@news.example',
      '*',
      'https://',
      'file:///tmp/a.html',
      'NULL',
    ])('refuses %s, naming the entry', (entry) => {
      const message = refusal({ ALLOWED_ORIGINS: `https://ok.example,${entry}` });
      expect(message).toContain(`ALLOWED_ORIGINS: "${entry}" is not an origin`);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['false', false],
      ['0', false],
      ['off', false],
      ['true', 1],
      ['TRUE', 1],
      ['yes', 1],
      ['2', 2],
    ])('%s means %s', (value, setting) => {
      expect(parseConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(setting);
    });

    it('takes a list of proxy addresses, subnets and names', () => {
      expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,192.168.1.7,fd00::/8' }).TRUST_PROXY).toEqual([
        '10.0.0.0/8',
        'loopback',
        '192.168.1.7',
        'fd00::/8',
      ]);
    });

    it.each(['proxy.example', '10.0.0.0/99', '300.1.1.1'])('refuses %s with a message naming it', (value) => {
      expect(refusal({ TRUST_PROXY: value })).toMatch(
        /^invalid configuration:\n {2}TRUST_PROXY: expected false, true, a hop count or proxy addresses/,
      );
    });
  });

  describe('AUTH_SECRET with Redis', () => {
    it.each([
      ['REDIS_URL', 'redis://localhost:6379'],
      ['REDIS_CLUSTER_NODES', 'r1:7000,r2:7001'],
    ])('is required with %s: every node must share it', (name, value) => {
      expect(refusal({ [name]: value })).toContain('AUTH_SECRET: required with REDIS_URL or REDIS_CLUSTER_NODES');
      expect(parseConfig({ [name]: value, AUTH_SECRET: SECRET })).toMatchObject({ AUTH_SECRET: SECRET, authSecretGenerated: false });
    });

    it('reads cluster nodes as hosts and ports, and TLS Redis URLs', () => {
      expect(parseConfig({ REDIS_CLUSTER_NODES: 'r1:7000,r2:7001', AUTH_SECRET: SECRET }).REDIS_CLUSTER_NODES).toEqual([
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
      ]);
      expect(parseConfig({ REDIS_URL: 'rediss://cache.internal:6380', AUTH_SECRET: SECRET }).REDIS_URL).toBe(
        'rediss://cache.internal:6380',
      );
    });
  });
});

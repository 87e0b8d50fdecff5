// A real OpenID Connect provider for kam360's single sign-on tests (SPEC §15): the npm
// `oidc-provider` (9.x), installed by .ci/run into KAM360_OIDC_MODULES (its node_modules).
//
//   node provider.mjs <kam360 base URL> <client id> <client secret>
//
// It listens on a free loopback port and prints `listening <issuer>` once ready. Its client
// returns to <base>/login/oidc/callback and, after sign-out, to <base>/login. The development
// sign-in form (devInteractions) accepts any login: the login is the account id, and
// ACCOUNTS below give some ids their claims; any other id is an address verified as typed.
//
// The provider itself is never altered. A test that needs a hostile or broken answer sets a
// mischief with `POST /_mischief` (body: the mode), and the next token response's ID token is
// re-signed with the change, as a provider with a bug, a stolen key or a token meant for
// another application would send it:
//   audience  — `aud` names another client;       expired — `exp` ten minutes ago;
//   signature — signed with a key the provider never published (same `kid`);
//   issuer    — `iss` is another provider;         none    — back to honest answers;
//   rotated   — the provider rotated its keys: tokens are signed with a new key (kid k2),
//               which its JWKS now publishes beside the first.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.KAM360_OIDC_MODULES;
if (!modules) {
  console.error('KAM360_OIDC_MODULES must name the node_modules holding oidc-provider');
  process.exit(2);
}
const resolve = createRequire(join(modules, 'noop.js')).resolve;
const { default: Provider } = await import(pathToFileURL(resolve('oidc-provider')).href);
const jose = await import(pathToFileURL(resolve('jose')).href);

const [base, clientId, clientSecret] = process.argv.slice(2);
if (!base || !clientId || !clientSecret) {
  console.error('usage: node provider.mjs <kam360 base URL> <client id> <client secret>');
  process.exit(2);
}

const ACCOUNTS = {
  // an address the provider did not verify
  'unverified@t.cn': { email: 'unverified@t.cn', email_verified: false, name: 'Not Verified' },
  // roles from a claim (role_claim = "groups")
  'boss-admin@t.cn': { email: 'Boss-Admin@T.cn', email_verified: true, name: 'Wang Qiang', groups: ['staff', 'admin'] },
  'nobody-role@t.cn': { email: 'nobody-role@t.cn', email_verified: true, name: 'No Role', groups: ['staff'] },
};

const claimsOf = (id) => ACCOUNTS[id] ?? { email: id, email_verified: true, name: `Person ${id.split('@')[0]}` };

const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
// a key the provider never publishes, with the same kid: a forged signature
const { privateKey: forgedKey } = await jose.generateKeyPair('RS256', { extractable: true });
// the key a rotation brings: published (beside the first) from the moment of the rotation
const { privateKey: nextKey, publicKey: nextPublic } = await jose.generateKeyPair('RS256', { extractable: true });
const nextJwk = { ...(await jose.exportJWK(nextPublic)), kid: 'k2', use: 'sig', alg: 'RS256' };
void publicKey;

let mischief = 'none';

// the port first: the issuer names it, and every token and discovery answer names the issuer
const server = createServer();
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [`${base}/login/oidc/callback`],
    post_logout_redirect_uris: [`${base}/login`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingJwk] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: ['kam360-test-cookie-key'] },
  async findAccount(_ctx, id) {
    return { accountId: id, async claims() { return { sub: id, ...claimsOf(id) }; } };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/_mischief' && ctx.method === 'POST') {
    const chunks = [];
    for await (const c of ctx.req) chunks.push(c);
    mischief = Buffer.concat(chunks).toString().trim() || 'none';
    ctx.body = `mischief ${mischief}`;
    return;
  }
  await next();
  if (ctx.path === '/jwks' && mischief === 'rotated' && ctx.body && ctx.body.keys) {
    ctx.body = { keys: [...ctx.body.keys, nextJwk] };
  }
  if (ctx.path === '/token' && mischief !== 'none' && ctx.body && ctx.body.id_token) {
    const claims = jose.decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    let key = privateKey;
    if (mischief === 'audience') claims.aud = 'another-application';
    if (mischief === 'expired') { claims.iat = now - 1200; claims.exp = now - 600; }
    if (mischief === 'issuer') claims.iss = 'https://impostor.example';
    if (mischief === 'signature') key = forgedKey;
    const kid = mischief === 'rotated' ? 'k2' : 'k1';
    if (mischief === 'rotated') key = nextKey;
    ctx.body = {
      ...ctx.body,
      id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key),
    };
  }
});

server.on('request', provider.callback());
process.stdout.write(`listening ${issuer}\n`);
// the test reads that one line and closes the pipe: the provider's own notices go to stderr
console.log = console.info = console.warn;

import { badRequest } from '../graph-http.js';
import type { GraphAuthenticationMethod } from '../model.js';
import { collection, contextUrl, created, noContent, ok, type RouteContext, type Router } from '../route-kit.js';
import { methodObject } from '../serializers.js';
import { resourceNotFound } from '../graph-http.js';

type MethodType = GraphAuthenticationMethod['@odata.type'];

const SEGMENTS: Record<string, { type: MethodType; fragment: string }> = {
  fido2Methods: { type: '#microsoft.graph.fido2AuthenticationMethod', fragment: 'fido2Methods' },
  windowsHelloForBusinessMethods: { type: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod', fragment: 'windowsHelloForBusinessMethods' },
  microsoftAuthenticatorMethods: { type: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', fragment: 'microsoftAuthenticatorMethods' },
  phoneMethods: { type: '#microsoft.graph.phoneAuthenticationMethod', fragment: 'phoneMethods' },
  passwordMethods: { type: '#microsoft.graph.passwordAuthenticationMethod', fragment: 'passwordMethods' },
  emailMethods: { type: '#microsoft.graph.emailAuthenticationMethod', fragment: 'emailMethods' },
  softwareOathMethods: { type: '#microsoft.graph.softwareOathAuthenticationMethod', fragment: 'softwareOathMethods' },
  temporaryAccessPassMethods: { type: '#microsoft.graph.temporaryAccessPassAuthenticationMethod', fragment: 'temporaryAccessPassMethods' },
};

function listAll(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  ctx.query.allowOnly([]);
  return collection(
    ctx,
    `users('${u.id}')/authentication/methods`,
    u.authenticationMethods.map((m) => methodObject(m, ctx.now.getTime())),
  );
}

function getAny(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const m = u.authenticationMethods.find((x) => x.id === ctx.params.methodId);
  if (!m) throw resourceNotFound(ctx.params.methodId!);
  return ok({ '@odata.context': contextUrl(ctx, `users('${u.id}')/authentication/methods/$entity`), ...methodObject(m, ctx.now.getTime()) });
}

function listOfType(segment: string) {
  const { type, fragment } = SEGMENTS[segment]!;
  return (ctx: RouteContext) => {
    const u = ctx.state.requireUser(ctx.params.userId!);
    const select = ctx.query.select();
    return collection(
      ctx,
      `users('${u.id}')/authentication/${fragment}${select ? `(${select.join(',')})` : ''}`,
      u.authenticationMethods
        .filter((m) => m['@odata.type'] === type)
        .map((m) => {
          const obj = methodObject(m, ctx.now.getTime());
          if (!select) return obj;
          const out: Record<string, unknown> = { '@odata.type': obj['@odata.type'], id: obj.id };
          for (const s of select) if (s in obj) out[s] = obj[s];
          return out;
        }),
    );
  };
}

function getOfType(segment: string) {
  const { type, fragment } = SEGMENTS[segment]!;
  return (ctx: RouteContext) => {
    const u = ctx.state.requireUser(ctx.params.userId!);
    const m = u.authenticationMethods.find((x) => x.id === ctx.params.methodId && x['@odata.type'] === type);
    if (!m) throw resourceNotFound(ctx.params.methodId!);
    return ok({ '@odata.context': contextUrl(ctx, `users('${u.id}')/authentication/${fragment}/$entity`), ...methodObject(m, ctx.now.getTime()) });
  };
}

function deleteOfType(segment: string) {
  const { type } = SEGMENTS[segment]!;
  return (ctx: RouteContext) => {
    const u = ctx.state.requireUser(ctx.params.userId!);
    // A delete through Graph is an admin operation ("Admin deleted security info" in the audit log).
    ctx.state.removeMethod(u, ctx.params.methodId!, ctx.now, type, 'app');
    return noContent();
  };
}

function createTap(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const body = ctx.req.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid request body.', 'badRequest');
  const m = ctx.state.createTap(u, body, ctx.now, 'app');
  return created({ '@odata.context': contextUrl(ctx, `users('${u.id}')/authentication/temporaryAccessPassMethods/$entity`), ...m });
}

export function registerAuthMethodRoutes(r: Router): void {
  r.add('GET', '/users/{userId}/authentication/methods', listAll).add('GET', '/users/{userId}/authentication/methods/{methodId}', getAny);
  for (const seg of Object.keys(SEGMENTS)) {
    r.add('GET', `/users/{userId}/authentication/${seg}`, listOfType(seg)).add('GET', `/users/{userId}/authentication/${seg}/{methodId}`, getOfType(seg));
  }
  for (const seg of ['fido2Methods', 'windowsHelloForBusinessMethods', 'microsoftAuthenticatorMethods', 'temporaryAccessPassMethods', 'softwareOathMethods']) {
    r.add('DELETE', `/users/{userId}/authentication/${seg}/{methodId}`, deleteOfType(seg));
  }
  r.add('POST', '/users/{userId}/authentication/temporaryAccessPassMethods', createTap);
}

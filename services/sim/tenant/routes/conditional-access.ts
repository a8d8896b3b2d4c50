import { badRequest, notFound } from '../graph-http.js';
import { compileFilter, parseFilter, type FilterSchema } from '../odata-filter.js';
import { project } from '../odata-query.js';
import { collection, contextUrl, created, noContent, ok, requireObjectBody, type RouteContext, type Router } from '../route-kit.js';
import { policyObject, strengthObject } from '../serializers.js';
import type { GraphAuthenticationStrengthPolicy, GraphConditionalAccessPolicy } from '../model.js';

// ---- conditional access policies ---------------------------------------------------------------

const POLICY_FILTER: FilterSchema<GraphConditionalAccessPolicy> = {
  resource: 'conditionalAccessPolicy',
  allowOr: true,
  props: {
    id: { ops: ['eq'], get: (p) => p.id, type: 'string', ci: true },
    displayName: { ops: ['eq', 'startsWith'], get: (p) => p.displayName, type: 'string', ci: true },
    state: { ops: ['eq'], get: (p) => p.state, type: 'enum', values: ['enabled', 'disabled', 'enabledForReportingButNotEnforced'] },
  },
};

function listPolicies(ctx: RouteContext) {
  ctx.query.allowOnly(['$filter', '$select', '$top', '$skiptoken']);
  const src = ctx.query.get('$filter');
  const pred = src ? compileFilter(parseFilter(src), POLICY_FILTER) : () => true;
  const select = ctx.query.select();
  const value = ctx.state
    .currentPolicies()
    .filter(pred)
    .map((p) => project(policyObject(p, ctx.state, ctx.baseUrl, ctx.version), select));
  return collection(ctx, 'identity/conditionalAccess/policies', value);
}

function getPolicy(ctx: RouteContext) {
  const { cur } = ctx.state.requirePolicy(ctx.params.policyId!);
  return ok({
    '@odata.context': contextUrl(ctx, 'identity/conditionalAccess/policies/$entity'),
    ...project(policyObject(cur, ctx.state, ctx.baseUrl, ctx.version), ctx.query.select()),
  });
}

function createPolicy(ctx: RouteContext) {
  const p = ctx.state.createPolicy(requireObjectBody(ctx), ctx.now);
  return created({ '@odata.context': contextUrl(ctx, 'identity/conditionalAccess/policies/$entity'), ...policyObject(p, ctx.state, ctx.baseUrl, ctx.version) });
}

function patchPolicy(ctx: RouteContext) {
  ctx.state.patchPolicy(ctx.params.policyId!, requireObjectBody(ctx), ctx.now);
  return noContent();
}

function deletePolicy(ctx: RouteContext) {
  ctx.state.deletePolicy(ctx.params.policyId!, ctx.now);
  return noContent();
}

// ---- authentication strengths ------------------------------------------------------------------

const STRENGTH_FILTER: FilterSchema<GraphAuthenticationStrengthPolicy> = {
  resource: 'authenticationStrengthPolicy',
  allowOr: true,
  props: {
    policyType: { ops: ['eq'], get: (p) => p.policyType, type: 'enum', values: ['builtIn', 'custom'] },
    displayName: { ops: ['eq'], get: (p) => p.displayName, type: 'string', ci: true },
    id: { ops: ['eq'], get: (p) => p.id, type: 'string', ci: true },
  },
  lambdas: {
    allowedCombinations: { items: (p) => p.allowedCombinations, self: { ops: ['eq', 'has'], get: (x) => x, type: 'string' } },
  },
};

function strengthsBase(ctx: RouteContext): string {
  return ctx.req.path.toLowerCase().startsWith('/identity/') ? 'identity/conditionalAccess/authenticationStrength/policies' : 'policies/authenticationStrengthPolicies';
}

function listStrengths(ctx: RouteContext) {
  ctx.query.allowOnly(['$filter', '$select']);
  const src = ctx.query.get('$filter');
  let pred: (p: GraphAuthenticationStrengthPolicy) => boolean = () => true;
  if (src) {
    const e = parseFilter(src);
    pred = compileFilter(e, STRENGTH_FILTER);
  }
  const select = ctx.query.select();
  return collection(
    ctx,
    strengthsBase(ctx),
    ctx.state
      .allStrengths()
      .filter(pred)
      .map((s) => project(strengthObject(s, ctx.baseUrl, ctx.version), select)),
  );
}

function requireStrength(ctx: RouteContext): GraphAuthenticationStrengthPolicy {
  const s = ctx.state.currentStrength(ctx.params.strengthId!);
  if (!s) throw notFound(`Authentication strength policy '${ctx.params.strengthId}' was not found.`, 'itemNotFound');
  return s;
}

function getStrength(ctx: RouteContext) {
  const s = requireStrength(ctx);
  return ok({ '@odata.context': contextUrl(ctx, `${strengthsBase(ctx)}/$entity`), ...strengthObject(s, ctx.baseUrl, ctx.version) });
}

function createStrength(ctx: RouteContext) {
  const s = ctx.state.createStrength(requireObjectBody(ctx), ctx.now);
  return created({ '@odata.context': contextUrl(ctx, `${strengthsBase(ctx)}/$entity`), ...strengthObject(s, ctx.baseUrl, ctx.version) });
}

function patchStrength(ctx: RouteContext) {
  ctx.state.patchStrength(ctx.params.strengthId!, requireObjectBody(ctx), ctx.now);
  return noContent();
}

function updateAllowedCombinations(ctx: RouteContext) {
  const s = ctx.state.updateAllowedCombinations(ctx.params.strengthId!, requireObjectBody(ctx), ctx.now);
  return ok({
    '@odata.context': contextUrl(ctx, 'microsoft.graph.updateAllowedCombinationsResult'),
    additionalInformation: null,
    conditionalAccessReferences: ctx.state.currentPolicies().filter((p) => p.grantControls?.authenticationStrength?.id === s.id).map((p) => p.id),
    currentCombinations: s.allowedCombinations,
    previousCombinations: [],
  });
}

function deleteStrength(ctx: RouteContext) {
  ctx.state.deleteStrength(ctx.params.strengthId!, ctx.now);
  return noContent();
}

const CONTROL_NAMES: Record<string, string> = {
  block: 'Block',
  mfa: 'Mfa',
  compliantDevice: 'RequireCompliantDevice',
  domainJoinedDevice: 'RequireDomainJoinedDevice',
  approvedApplication: 'RequireApprovedApp',
  compliantApplication: 'RequireCompliantApp',
  passwordChange: 'MfaAndChangePassword',
};

/** `GET …/{id}/usage`: the CA policies referencing the strength (fixture authentication-strength-policy-usage.json). */
function strengthUsage(ctx: RouteContext) {
  const s = requireStrength(ctx);
  const using = ctx.state
    .currentPolicies()
    .filter((p) => p.grantControls?.authenticationStrength?.id === s.id)
    .map((p) => ({
      displayName: p.displayName,
      id: p.id,
      grantControls: {
        authenticationStrength: { id: s.id },
        controls: (p.grantControls?.builtInControls ?? []).map((c) => CONTROL_NAMES[c] ?? c),
      },
    }));
  return ok({
    '@odata.context': contextUrl(ctx, 'microsoft.graph.authenticationStrengthUsage'),
    mfa: s.requirementsSatisfied === 'mfa' ? using : [],
    none: s.requirementsSatisfied === 'mfa' ? [] : using,
  });
}

function listCombinationConfigs(ctx: RouteContext) {
  const s = requireStrength(ctx);
  return collection(ctx, `${strengthsBase(ctx)}('${s.id}')/combinationConfigurations`, structuredClone(s.combinationConfigurations));
}

function getCombinationConfig(ctx: RouteContext) {
  const s = requireStrength(ctx);
  const c = s.combinationConfigurations.find((x) => x.id === ctx.params.configId);
  if (!c) throw notFound(`Combination configuration '${ctx.params.configId}' was not found.`, 'itemNotFound');
  return ok({ '@odata.context': contextUrl(ctx, `${strengthsBase(ctx)}('${s.id}')/combinationConfigurations/$entity`), ...c });
}

function createCombinationConfig(ctx: RouteContext) {
  const s = requireStrength(ctx);
  if (s.policyType !== 'custom') throw badRequest('Combination configurations can only be added to custom authentication strengths.', 'badRequest');
  const c = ctx.state.addCombinationConfiguration(s.id, requireObjectBody(ctx), ctx.now);
  return created({ '@odata.context': contextUrl(ctx, `${strengthsBase(ctx)}('${s.id}')/combinationConfigurations/$entity`), ...c });
}

function patchCombinationConfig(ctx: RouteContext) {
  ctx.state.patchCombinationConfiguration(ctx.params.strengthId!, ctx.params.configId!, requireObjectBody(ctx), ctx.now);
  return noContent();
}

function deleteCombinationConfig(ctx: RouteContext) {
  ctx.state.deleteCombinationConfiguration(ctx.params.strengthId!, ctx.params.configId!, ctx.now);
  return noContent();
}

export function registerConditionalAccessRoutes(r: Router): void {
  r.add('GET', '/identity/conditionalAccess/policies', listPolicies)
    .add('POST', '/identity/conditionalAccess/policies', createPolicy)
    .add('GET', '/identity/conditionalAccess/policies/{policyId}', getPolicy)
    .add('PATCH', '/identity/conditionalAccess/policies/{policyId}', patchPolicy)
    .add('DELETE', '/identity/conditionalAccess/policies/{policyId}', deletePolicy);
  for (const base of ['/policies/authenticationStrengthPolicies', '/identity/conditionalAccess/authenticationStrength/policies']) {
    r.add('GET', base, listStrengths)
      .add('POST', base, createStrength)
      .add('GET', `${base}/{strengthId}`, getStrength)
      .add('PATCH', `${base}/{strengthId}`, patchStrength)
      .add('DELETE', `${base}/{strengthId}`, deleteStrength)
      .add('GET', `${base}/{strengthId}/usage`, strengthUsage)
      .add('GET', `${base}/{strengthId}/usage()`, strengthUsage)
      .add('POST', `${base}/{strengthId}/updateAllowedCombinations`, updateAllowedCombinations)
      .add('GET', `${base}/{strengthId}/combinationConfigurations`, listCombinationConfigs)
      .add('POST', `${base}/{strengthId}/combinationConfigurations`, createCombinationConfig)
      .add('GET', `${base}/{strengthId}/combinationConfigurations/{configId}`, getCombinationConfig)
      .add('PATCH', `${base}/{strengthId}/combinationConfigurations/{configId}`, patchCombinationConfig)
      .add('DELETE', `${base}/{strengthId}/combinationConfigurations/{configId}`, deleteCombinationConfig);
  }
}

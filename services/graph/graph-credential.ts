import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import type { Config } from '../config/load-config.js';
import type { GraphGatewayOptions } from './graph-gateway.js';

/** The Graph credential the configuration asks for. */
export function graphAuthFromConfig(config: Config): GraphGatewayOptions['auth'] {
  const g = config.graph;
  switch (g.auth) {
    case 'static-token':
      return { kind: 'static-token', token: g.staticToken! };
    case 'managed-identity':
      return { kind: 'credential', credential: g.clientId ? new ManagedIdentityCredential({ clientId: g.clientId }) : new ManagedIdentityCredential() };
    case 'certificate':
      return { kind: 'credential', credential: new ClientCertificateCredential(config.tenantId, g.clientId!, { certificatePath: g.certificatePath! }) };
    case 'secret':
      return { kind: 'credential', credential: new ClientSecretCredential(config.tenantId, g.clientId!, g.clientSecret!) };
  }
}

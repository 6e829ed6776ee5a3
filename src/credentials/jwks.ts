/** The public side of the key ring: RFC 7517 JWKs marked with what they sign. */
import { PURPOSE_MEMBER, STATUS_MEMBER } from './verify/key-set.js';
import type { KeyPurpose, KeyStatus, LoadedKey } from './key-file.js';

/** One published key (RFC 8037 OKP), served at `/.well-known/jwks.json`. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  'countersign:purpose': KeyPurpose;
  'countersign:status': Exclude<KeyStatus, 'revoked'>;
}

export interface PublicJwks {
  keys: PublicJwk[];
}

export function publicJwkOf(key: LoadedKey): PublicJwk {
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x: key.x,
    kid: key.info.kid,
    alg: 'EdDSA',
    use: 'sig',
    [PURPOSE_MEMBER]: key.info.purpose,
    [STATUS_MEMBER]: key.info.status === 'active' ? 'active' : 'retired',
  } as PublicJwk;
}

import type { Migration } from './migration.js';

/**
 * Witness cosignatures of signed checkpoints (c2sp.org/tlog-cosignature): one row per
 * (checkpoint size, witness), the signature line exactly as the witness answered it. A
 * checkpoint's note plus its rows' lines is the cosigned checkpoint.
 */
const common = `
CREATE TABLE audit_cosignatures (
  size BIGINT NOT NULL,
  witness TEXT NOT NULL,
  line TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (size, witness)
);
CREATE INDEX audit_cosignatures_witness ON audit_cosignatures (witness, size);
`;

export const migration005: Migration = {
  id: 5,
  name: 'cosignatures',
  sqlite: common,
  postgres: common,
};

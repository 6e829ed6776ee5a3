/** One numbered migration: the same change as SQLite and as PostgreSQL text. */
export interface Migration {
  id: number;
  name: string;
  sqlite: string;
  postgres: string;
}

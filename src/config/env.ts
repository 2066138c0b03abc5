/** The environment as settings parsers see it, and the whole-number parser they share (settings.ts). */
export type Env = Readonly<Record<string, string | undefined>>;

export type IntegerParser = (
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
) => number;

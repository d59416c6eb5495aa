/**
 * Passphrase strength for the meter, from zxcvbn-ts (loaded lazily: its dictionaries are large
 * and only the setup screens need them). Score 0–4; Folio asks for at least 3 and 12 characters.
 */
export interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  warning: string;
  suggestions: string[];
}

export const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;
export const MIN_SCORE = 3;
export const MIN_LENGTH = 12;

let checker: Promise<(password: string, userInputs: string[]) => Strength> | null = null;

async function load() {
  const [{ ZxcvbnFactory }, common, en] = await Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]);
  const zxcvbn = new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  });
  return (password: string, userInputs: string[]): Strength => {
    const result = zxcvbn.check(password, userInputs);
    const score = result.score as Strength['score'];
    return {
      score,
      label: LABELS[score],
      warning: result.feedback.warning ?? '',
      suggestions: result.feedback.suggestions ?? [],
    };
  };
}

/** Rates a passphrase; `userInputs` (names typed on the same form) count as guessable words. */
export async function rate(password: string, userInputs: string[] = []): Promise<Strength> {
  checker ??= load();
  return (await checker)(password, userInputs);
}

/** Why a passphrase is not accepted yet, or '' when it is. */
export function passphraseProblem(password: string, strength: Strength | null): string {
  if ([...password].length < MIN_LENGTH) return `Use at least ${MIN_LENGTH} characters.`;
  if (strength && strength.score < MIN_SCORE) {
    return 'Too easy to guess. Add more unusual words.';
  }
  return '';
}

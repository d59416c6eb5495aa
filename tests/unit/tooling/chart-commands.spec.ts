/** Issue 12 §2: the UI edits a chart by named commands only; ESLint refuses `chart.run(…)` there. */
import { ESLint } from 'eslint';
import { expect, it } from 'vitest';

it('refuses chart.run in UI files and accepts chart.do', async () => {
  const eslint = new ESLint();
  const lint = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.ruleId);
  const ui = 'src/lib/ui/chart/Example.ts';
  expect(await lint("chart.run((m) => m.signNote('n1'));\n", ui)).toContain('no-restricted-syntax');
  expect(await lint("chart.do('signNote', 'n1');\n", ui)).not.toContain('no-restricted-syntax');
  // The state layer may still run a command given the model (sharing records two at once).
  expect(
    await lint("chart.run((m) => m.signNote('n1'));\n", 'src/lib/state/example.ts'),
  ).not.toContain('no-restricted-syntax');
}, 60_000);

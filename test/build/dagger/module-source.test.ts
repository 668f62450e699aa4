/**
 * What `dagger call --help` shows comes from the module's TSDoc, and what the engine loads
 * as `source` comes from the @argument options: both live in the source text, so they are
 * checked there with the TypeScript compiler.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const file = path.resolve(import.meta.dirname, '../../../build/dagger/src/index.ts');
const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);

const decoratorName = (d: ts.Decorator): string =>
  ts.isCallExpression(d.expression) ? d.expression.expression.getText() : d.expression.getText();
const decorators = (node: ts.Node): ts.Decorator[] => (ts.canHaveDecorators(node) ? [...(ts.getDecorators(node) ?? [])] : []);
const leadingDoc = (node: ts.Node): string | undefined =>
  ts
    .getLeadingCommentRanges(source.text, node.getFullStart())
    ?.map((r) => source.text.slice(r.pos, r.end))
    .find((c) => c.startsWith('/**'));

const moduleClass = source.statements.find(
  (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && decorators(s).some((d) => decoratorName(d) === 'object'),
);
const members: readonly ts.ClassElement[] = moduleClass?.members ?? [];
const functions = members.filter(
  (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && decorators(m).some((d) => decoratorName(d) === 'func'),
);

describe('dagger module source', () => {
  it('has one @object class exposing the functions the issue names', () => {
    expect(moduleClass?.name?.text).toBe('Borgos');
    expect(functions.map((f) => f.name.getText()).sort()).toEqual(['buildIso', 'ci', 'image', 'lint', 'publishImage', 'release', 'test']);
  });

  for (const fn of functions) {
    it(`${fn.name.getText()} has TSDoc on the function and every argument`, () => {
      expect(ts.getJSDocCommentsAndTags(fn).length).toBeGreaterThan(0);
      for (const param of fn.parameters) expect(leadingDoc(param), `argument ${param.name.getText()}`).toMatch(/^\/\*\*\s*\S/);
    });
  }

  for (const fn of functions) {
    it(`${fn.name.getText()} loads source from the repository root without build outputs`, () => {
      const param = fn.parameters.find((p) => p.name.getText() === 'source');
      const argument = param === undefined ? undefined : decorators(param).find((d) => decoratorName(d) === 'argument');
      expect(argument?.getText()).toContain("defaultPath: '/'");
      const ignore = source.statements
        .flatMap((s) => (ts.isVariableStatement(s) ? [...s.declarationList.declarations] : []))
        .find((d) => d.name.getText() === 'sourceIgnore')?.initializer;
      expect(argument?.getText()).toContain('ignore: sourceIgnore');
      const patterns =
        ignore !== undefined && ts.isArrayLiteralExpression(ignore)
          ? ignore.elements.map((e) => (ts.isStringLiteral(e) ? e.text : ''))
          : [];
      expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', 'out', 'data', 'artifacts']));
    });
  }
});

// @vitest-environment jsdom
// Every kind's form is rendered from its description in shared/kinds/: each field it declares gets a control
// holding that field's value, named by its path, with its problems beside it, and nothing of another kind's.
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SourceKindFields, fieldPaths, type FieldsProps } from '../../../../renderer/components/settings/SourceFields';
import { drillFieldsOf, emptyForm, withField } from '../../../../renderer/settings/source-form';
import { SOURCE_KIND_INFO, SOURCE_KINDS, type SourceKind } from '../../../../shared/source-kinds';
import '../../support/setup';

const noop = () => {};

function filledForm(kind: SourceKind) {
  const info = SOURCE_KIND_INFO[kind];
  let form = emptyForm(kind);
  // database names a postgres source (a select offers db1); every other field gets a value of its own.
  for (const path of info.fields) form = withField(form, path, path === 'database' ? 'db1' : `value of ${path}`);
  if (info.drillFields) for (const key of drillFieldsOf(kind)) form = withField(form, `drill.${key}`, key === 'compareTo' ? 'db1' : `value of drill.${key}`);
  return { ...form, passwordStored: kind === 'postgres' };
}

describe('the source form of every kind', () => {
  for (const kind of SOURCE_KINDS) {
    it(`${kind}: every field it declares, holding its value, with its problem beside it`, () => {
      const form = filledForm(kind);
      const paths = fieldPaths(form, true);
      const f: FieldsProps = { form, set: noop, setChecks: noop, setPasswordStored: noop, problems: new Map(paths.map((p) => [p, [`problem of ${p}`]])), postgresIds: ['db1'], password: { value: 'typed', onChange: noop } };
      const { container } = render(<SourceKindFields f={f} />);
      const control = (path: string) => container.querySelector<HTMLInputElement>(`[name="${path}"]`);

      const info = SOURCE_KIND_INFO[kind];
      const own = [...info.fields, ...(info.drillFields ? drillFieldsOf(kind).map((key) => `drill.${key}`) : [])];
      for (const path of own) expect(control(path)?.value, path).toBe(path === 'database' || path === 'drill.compareTo' ? 'db1' : `value of ${path}`);
      const others = new Set(SOURCE_KINDS.flatMap((k) => SOURCE_KIND_INFO[k].fields as readonly string[]));
      for (const path of info.fields) others.delete(path);
      for (const path of others) expect(control(path), `${path} is not a ${kind} field`).toBeNull();

      // Every path problems are placed on (the page puts them by fieldPaths) shows its problem once; the common
      // fields and polling are rendered elsewhere on the page.
      for (const path of paths.filter((p) => !['id', 'name', 'interval', 'timeout'].includes(p))) {
        expect(container.querySelectorAll(`[data-testid="problem-${path}"]`).length, path).toBe(1);
      }
      expect(paths.includes('password')).toBe(kind === 'postgres');
      expect(control('password')?.value ?? null).toBe(kind === 'postgres' ? 'typed' : null);
      expect(control('passwordStored')?.checked ?? null).toBe(kind === 'postgres' ? true : null);
    });
  }
});

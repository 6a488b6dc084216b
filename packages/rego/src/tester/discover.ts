/**
 * Test discovery as `opa test` does it (v1/tester/runner.go): every rule of any module whose name
 * starts with `test_` is a test, `todo_test_` a skipped one. Several rules of the same name in a
 * package run as separate tests: the second is renamed `test_x#01`, the third `test_x#02`. A test
 * with a variable in its head ref (`test_x[name] if ...`) is parametrised: each case is reported.
 */
import type { Module, Rule, VarTerm } from '../ast.ts';
import type { Location } from '../errors.ts';

const TEST_PREFIX = 'test_';
const SKIP_PREFIX = 'todo_test_';

export interface DiscoveredTest {
  /** `data.pkg` */
  pkg: string;
  /** `test_x`, `test_x#01`, `todo_test_y` */
  name: string;
  /** Ground path of the rule below `data`. */
  path: string[];
  location: Location;
  skip: boolean;
  /** The head ref has variables after the name: one sub-result per case. */
  parametrised: boolean;
}

function headVar(rule: Rule): VarTerm {
  const ref = rule.head.ref;
  return ref.type === 'var' ? ref : (ref.head as VarTerm);
}

function isTestName(name: string): boolean {
  return name.startsWith(TEST_PREFIX) || name.startsWith(SKIP_PREFIX);
}

/** Renames duplicate test rules in place (before compiling), then lists the tests in module order. */
export function discoverTests(modules: readonly Module[], filter: RegExp | undefined): DiscoveredTest[] {
  const counts = new Map<string, number>();
  const tests: DiscoveredTest[] = [];
  const seen = new Set<string>();
  for (const module of modules) {
    for (const rule of module.rules) {
      const head = headVar(rule);
      if (!head.name.startsWith(TEST_PREFIX) || rule.head.args || rule.isDefault) continue;
      const key = [...module.pkg, head.name].join('\u0000');
      const count = counts.get(key) ?? 0;
      counts.set(key, count + 1);
      if (count > 0) head.name = `${head.name}#${String(count).padStart(2, '0')}`;
    }
  }
  for (const module of modules) {
    for (const rule of module.rules) {
      const head = headVar(rule);
      if (!isTestName(head.name) || rule.head.args || rule.isDefault) continue;
      const pkg = ['data', ...module.pkg].join('.');
      const key = `${pkg}.${head.name}`;
      // Parametrised rules of one name share the node: reported once, with all their cases.
      if (seen.has(key) || (filter !== undefined && !filter.test(key))) continue;
      seen.add(key);
      const tail = rule.head.ref.type === 'ref' ? rule.head.ref.path : [];
      tests.push({
        pkg,
        name: head.name,
        path: [...module.pkg, head.name],
        location: rule.loc,
        skip: head.name.startsWith(SKIP_PREFIX),
        parametrised: tail.length > 0,
      });
    }
  }
  return tests;
}

/** A ref text for any path (`data.a["b-c"]`): segments that are not identifiers are quoted. */
export function pathRef(path: readonly string[]): string {
  return ['data', ...path].map((segment, i) => (i === 0 ? segment : /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`)).join('');
}

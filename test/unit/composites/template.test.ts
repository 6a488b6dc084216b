import { describe, expect, it } from 'vitest';
import { compileTemplate, renderTemplate } from '../../../src/composites/template.ts';

const site = { composite: 'report', step: 'send', visibleSteps: ['fetch'] };
const scope = {
  input: { week: '2026-11-16', tags: ['a', 'b'] },
  steps: { fetch: { result: { content: [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }], structuredContent: { rows: [{ n: 3 }] } } } },
};
const render = (template: unknown) => renderTemplate(compileTemplate(template, site), scope, site);

describe('composite templates', () => {
  it('a whole-string expression keeps the value and its type', () => {
    expect(render('{{ input.tags }}')).toEqual(['a', 'b']);
    expect(render('{{ steps.fetch.result.structuredContent.rows[0].n }}')).toBe(3);
  });

  it('interpolates text, JSON-encoding non-strings', () => {
    expect(render('week {{ input.week }} tags {{ input.tags }}')).toBe('week 2026-11-16 tags ["a","b"]');
  });

  it('walks objects and arrays inside a template', () => {
    expect(render({ to: 'x@example.com', body: ['{{ input["week"] }}', 7] })).toEqual({ to: 'x@example.com', body: ['2026-11-16', 7] });
  });

  it('keeps caller keys named after Object.prototype members as data, and never reads inherited ones (issue 13, hole 1)', () => {
    const input = JSON.parse('{"__proto__":{"x":1},"constructor":"c"}') as Record<string, unknown>;
    const own = (template: unknown) => renderTemplate(compileTemplate(template, site), { ...scope, input }, site);
    expect(JSON.stringify(own({ copy: '{{ input }}', p: '{{ input["__proto__"] }}', c: '{{ input.constructor }}' }))).toBe('{"copy":{"__proto__":{"x":1},"constructor":"c"},"p":{"x":1},"c":"c"}');
    expect(() => render('{{ input.toString }}')).toThrowError(/input\.toString is undefined/);
    expect(() => render('{{ input.constructor }}')).toThrowError(/input\.constructor is undefined/);
  });

  it('text(), structured() and json() helpers', () => {
    expect(render('{{ text(steps.fetch.result) }}')).toBe('line 1\nline 2');
    expect(render('{{ structured(steps.fetch.result) }}')).toEqual({ rows: [{ n: 3 }] });
    expect(render('{{ json(input.tags) }}')).toBe('["a","b"]');
  });

  it('refuses at load a reference to a step that is not earlier, naming composite and step', () => {
    expect(() => compileTemplate('{{ steps.send.result }}', site)).toThrowError(
      /composite report, step send: \{\{ steps.send.result \}\}: step send is not an earlier step \(earlier steps: fetch\)/,
    );
  });

  it('refuses at load unknown names, unknown helpers and bad syntax', () => {
    expect(() => compileTemplate('{{ env.HOME }}', site)).toThrowError(/unknown name env/);
    expect(() => compileTemplate('{{ upper(input.week) }}', site)).toThrowError(/unknown helper upper/);
    expect(() => compileTemplate('{{ input. }}', site)).toThrowError(/expected a name after \./);
    expect(() => compileTemplate('{{ steps.fetch }}', site)).toThrowError(/steps paths have the form steps.<id>.result/);
  });

  it('a missing path at run time is an error naming the path, never a silent gap', () => {
    try {
      render('{{ input.nope.deeper }}');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'WORKFLOW_TEMPLATE_INVALID', message: 'composite report, step send: input.nope is undefined' });
    }
  });
});

/**
 * Compiled policies and prepared queries: parse and compile once, evaluate many times. A prepared
 * query holds its compiled body; evaluation only allocates the frame and the per-query cache.
 */
import { compileModules, compileQuery } from './compiler/compile.ts';
import type { CompiledPolicy, CompiledQuery } from './compiler/compile.ts';
import { RegoError } from './errors.ts';
import type { Location } from './errors.ts';
import { Evaluator } from './eval/evaluator.ts';
import type { Env, EvalContext } from './eval/context.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import type { Limits } from './limits.ts';
import { parseModule, parseQueryText } from './parser/module.ts';
import { fromJson, toJson } from './value.ts';
import type { JsonValue, Value } from './value.ts';
import { builtinArity } from './builtins/index.ts';
import type { Body, Module } from './ast.ts';
import type { Tracer } from './eval/tracer.ts';
import type { SchemaSet } from './compiler/schema-annotations.ts';

export interface CompileOptions {
  /** The base document under `data` (JSON; bigints allowed). */
  data?: unknown;
  limits?: Partial<Limits>;
  /** Allow `import future.keywords.and` / `.or`. */
  experimentalKeywords?: boolean;
  /**
   * Rego v0 syntax and semantics for every module (OPA's --v0-compatible): `p { ... }` without
   * `if`, `p[x] { ... }` partial sets. A module that imports rego.v1 keeps v1 syntax.
   */
  v0Compatible?: boolean;
  /**
   * JSON schemas for the type checker (OPA's --schema), by ref: `schema` types `input` for every
   * rule; `schema.a.b` is what `# METADATA schemas: - input: schema.a.b` names.
   */
  schemas?: SchemaSet;
}

export interface EvaluateOptions {
  input?: unknown;
  /** Replaces the compile-time base document for this evaluation. */
  data?: unknown;
  /** OPA's strict built-in errors: the first built-in error fails the query. */
  strict?: boolean;
  /** Clock for time.now_ns (nanoseconds since the epoch). */
  nowNs?: bigint;
  /** Receives print() output; by default it is dropped. */
  print?: (message: string, loc: Location) => void;
  /** Observes the evaluation (eval/tracer.ts): the test runner and `policy explain` use it. */
  tracer?: Tracer;
}

export interface ValueResults {
  results: Record<string, Value>[];
  /** Strict mode: the first built-in error; results are still those computed. */
  error?: RegoError;
}

export class PreparedQuery {
  constructor(
    private readonly set: PolicySet,
    private readonly query: CompiledQuery,
  ) {}

  /** Results as JSON (sets as sorted arrays); throws RegoError on evaluation errors. */
  evaluate(options: EvaluateOptions = {}): Array<Record<string, JsonValue>> {
    return this.set.evaluation(options).evaluate(this);
  }

  evaluateValues(options: EvaluateOptions = {}): ValueResults {
    return this.set.evaluation(options).evaluateValues(this);
  }

  /** @internal runs the compiled body with an evaluator of this query's set. */
  run(evaluator: Evaluator): Record<string, Value>[] {
    if (evaluator.policy !== this.set.policy) throw new Error('a prepared query runs only in an evaluation of its own policy set');
    const results: Record<string, Value>[] = [];
    const env: Env = new Array(this.query.frameSize);
    try {
      evaluator.body(this.query.body, env, () => {
        const row: Record<string, Value> = {};
        for (const [name, slot] of this.query.vars) {
          const value = env[slot];
          if (value !== undefined) row[name] = value;
        }
        results.push(row);
        return false;
      });
    } catch (error) {
      // A depth limit set beyond what the JS stack holds must still end in a RegoError.
      if (error instanceof RangeError && /call stack/.test(error.message)) {
        throw new RegoError('eval_budget_error', 'evaluation nested too deeply (JS stack exhausted); lower limits.maxDepth');
      }
      throw error;
    }
    return results;
  }
}

/**
 * One input (and data document) against which several prepared queries of the same set run:
 * they share the per-query cache of rule values, as if they were one query, so asking
 * `data.p.allow` and then `data.p` computes `allow` once. The input is converted once. Each
 * query has its own step budget and its own strict-mode error.
 */
export class Evaluation {
  private readonly evaluator: Evaluator;
  private readonly root: EvalContext;

  constructor(
    private readonly set: PolicySet,
    options: EvaluateOptions = {},
  ) {
    this.root = {
      input: options.input === undefined ? undefined : fromJson(options.input),
      data: options.data === undefined ? set.data : fromJson(options.data),
      masks: undefined,
      functions: undefined,
      cache: new Map(),
    };
    this.evaluator = new Evaluator(
      set.policy,
      this.root,
      {
        strict: options.strict ?? false,
        limits: set.limits,
        nowNs: options.nowNs ?? BigInt(Date.now()) * 1_000_000n,
        print: options.print ?? (() => {}),
        tracer: options.tracer,
      },
    );
  }

  /** Results as JSON (sets as sorted arrays); throws RegoError on evaluation errors. */
  evaluate(query: PreparedQuery): Array<Record<string, JsonValue>> {
    const { results, error } = this.evaluateValues(query);
    if (error) throw error;
    return results.map((row) => {
      const out: Record<string, JsonValue> = {};
      for (const name in row) out[name] = toJson(row[name]!) as JsonValue;
      return out;
    });
  }

  evaluateValues(query: PreparedQuery): ValueResults {
    const evaluator = this.evaluator;
    evaluator.ctx = this.root;
    evaluator.steps = 0;
    evaluator.depth = 0;
    evaluator.firstError = undefined;
    const results = query.run(evaluator);
    return evaluator.firstError ? { results, error: evaluator.firstError } : { results };
  }
}

export class PolicySet {
  readonly policy: CompiledPolicy;
  readonly data: Value;
  readonly limits: Limits;
  private readonly prepared = new Map<string, PreparedQuery>();

  constructor(
    readonly modules: Module[],
    options: CompileOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.data = fromJson(options.data ?? {});
    // OPA's deprecated built-ins (any, re_match, ...) exist for Rego v0 modules only.
    const deprecated = modules.some((module) => module.v0);
    this.policy = compileModules(modules, (name) => builtinArity(name, { deprecated }) ?? (name === 'print' ? Infinity : undefined), options.schemas);
  }

  /** Compiles a query once; the same text returns the cached prepared query. */
  prepare(query: string): PreparedQuery {
    let prepared = this.prepared.get(query);
    if (!prepared) {
      prepared = this.prepareBody(parseQueryText(query));
      this.prepared.set(query, prepared);
    }
    return prepared;
  }

  /** Compiles a parsed query body as OPA compiles an ad-hoc query: no package, no imports. */
  prepareBody(body: Body): PreparedQuery {
    return new PreparedQuery(this, compileQuery(body, this.policy, {
      pkg: [],
      ruleNames: new Set(),
      imports: new Map(),
      arityOf: this.policy.arityOf,
      zeroArgRules: this.policy.zeroArgRules,
      negation: { mode: 'hoist', equalsIsUnify: false },
    }));
  }

  evaluate(query: string, options: EvaluateOptions = {}): Array<Record<string, JsonValue>> {
    return this.prepare(query).evaluate(options);
  }

  /** An evaluation against one input in which several prepared queries of this set can run. */
  evaluation(options: EvaluateOptions = {}): Evaluation {
    return new Evaluation(this, options);
  }
}

/** Parses and compiles a set of modules (file name -> source). Throws RegoError. */
export function compile(files: Record<string, string>, options: CompileOptions = {}): PolicySet {
  const parseOptions = {
    experimentalKeywords: options.experimentalKeywords === true,
    maxDepth: options.limits?.maxParseDepth ?? DEFAULT_LIMITS.maxParseDepth,
    v0Compatible: options.v0Compatible === true,
  };
  const modules = Object.entries(files).map(([file, source]) => parseModule(file, source, parseOptions));
  return new PolicySet(modules, options);
}


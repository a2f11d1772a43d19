import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import {
  AREA_IMPORTS,
  AREAS,
  AREAS_ABOVE_MODULES,
  DYNAMIC_WRITE_ALLOW_LIST,
  ENTITIES_LIST,
  MODULE_IMPORTS,
  MODULES,
  TABLE_OWNERS,
  TYPE_ONLY_AREAS,
  type AreaName,
  type ModuleName,
} from './ownership.js';

/**
 * Reads the source text of src/ (no compiler, no module loading) for what the ownership rules
 * are about: the imports of each file and the tables it writes, by SQL or through TypeORM.
 */

export interface Scanned {
  /** the code with comments removed and string contents kept (imports are read from it) */
  code: string;
  /** the contents of every string and template literal (SQL is read from them) */
  strings: string[];
}

const REGEX_BEFORE = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^', '']);

/** Splits TypeScript source into code and string literals, dropping comments. */
export function scan(source: string): Scanned {
  let code = '';
  const strings: string[] = [];
  let i = 0;
  let lastSignificant = '';
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      code += ' ';
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && source[j] !== c && source[j] !== '\n') {
        if (source[j] === '\\') s += source[j++];
        s += source[j++];
      }
      strings.push(s);
      code += c + s + c;
      i = j + 1;
      lastSignificant = c;
      continue;
    }
    if (c === '`') {
      // the raw template, `${…}` included: a table named by an expression stays visible as one
      let j = i + 1;
      let s = '';
      let depth = 0;
      while (j < n && (depth > 0 || source[j] !== '`')) {
        if (source[j] === '\\') s += source[j++];
        else if (source[j] === '$' && source[j + 1] === '{') depth++;
        else if (source[j] === '}' && depth > 0) depth--;
        s += source[j++];
      }
      strings.push(s);
      code += '`' + s + '`';
      i = j + 1;
      lastSignificant = '`';
      continue;
    }
    if (c === '/' && (REGEX_BEFORE.has(lastSignificant) || /\b(return|typeof|case)$/.test(code.trimEnd()))) {
      // a regular expression literal: skipped whole, so a quote inside it is not a string
      let j = i + 1;
      let inClass = false;
      while (j < n && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      j++;
      while (j < n && /[a-z]/i.test(source[j])) j++;
      code += '/re/';
      i = j;
      lastSignificant = '/';
      continue;
    }
    code += c;
    if (!/\s/.test(c)) lastSignificant = /[A-Za-z0-9_$)\]]/.test(c) ? 'w' : c;
    i++;
  }
  return { code, strings };
}

export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports (`import type` included), side-effect and dynamic imports. */
export function importsOf(code: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s+(type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"]+)\2/g)) {
    out.push({ specifier: m[3], typeOnly: !!m[1] });
  }
  for (const m of code.matchAll(/\bimport\s*(['"])([^'"]+)\1/g)) out.push({ specifier: m[2], typeOnly: false });
  for (const m of code.matchAll(/\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g)) out.push({ specifier: m[2], typeOnly: false });
  return out;
}

export type Owner = { kind: 'module'; name: ModuleName } | { kind: 'area'; name: AreaName };

/** Who a file under src/ belongs to, from its path relative to src/ (posix separators). */
export function ownerOf(file: string): Owner {
  const parts = file.split('/');
  if (parts[0] === 'modules') {
    if (!(MODULES as readonly string[]).includes(parts[1])) throw new Error(`${file}: unknown module "${parts[1]}"`);
    return { kind: 'module', name: parts[1] as ModuleName };
  }
  const area = parts.length === 1 ? 'root' : parts[0];
  if (!(AREAS as readonly string[]).includes(area)) throw new Error(`${file}: unknown area "${area}": add it to AREAS`);
  return { kind: 'area', name: area as AreaName };
}

const ownerName = (o: Owner) =>
  o.kind === 'module' ? o.name : o.name === 'database' ? 'database' : o.name === 'root' ? 'the app\'s wiring' : `src/${o.name}`;
const isRepository = (file: string) => /\.repository\.ts$/.test(file);
const isEntity = (file: string) => /(^|\/)entities\//.test(file) || /\.entity\.ts$/.test(file);

/** The file (relative to src/) an import names, or undefined for a package. */
export function resolveImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
}

/** Import rules: the module DAG / area table, no other module's repository, entities only via ENTITIES_LIST. */
export function importViolations(file: string, code: string): string[] {
  const out: string[] = [];
  const from = ownerOf(file);
  for (const imp of importsOf(code)) {
    const target = resolveImport(file, imp.specifier);
    if (!target) continue;
    if (target.startsWith('..')) {
      out.push(`${file}: imports ${imp.specifier}, outside src/`);
      continue;
    }
    const to = ownerOf(target);
    if (from.kind === 'module' && to.kind === 'area' && AREAS_ABOVE_MODULES.includes(to.name)) {
      out.push(`${file}: a module may not import ${ownerName(to)} (${imp.specifier})`);
      continue;
    }
    if (to.kind !== 'module') continue;
    if (from.kind === 'module' && from.name === to.name) continue;
    if (file === ENTITIES_LIST && isEntity(target)) continue; // the one list of every entity
    const allowed = from.kind === 'module' ? MODULE_IMPORTS[from.name] : AREA_IMPORTS[from.name];
    if (!allowed.includes(to.name)) {
      out.push(`${file}: ${ownerName(from)} may not import module ${to.name} (${imp.specifier})`);
      continue;
    }
    if (from.kind === 'area' && TYPE_ONLY_AREAS.has(from.name) && !imp.typeOnly) {
      out.push(`${file}: src/${from.name} may import only types from module ${to.name} (${imp.specifier})`);
    }
    if (isRepository(target)) {
      out.push(`${file}: imports ${to.name}'s repository ${target}: go through its exported service`);
    } else if (isEntity(target) && file !== ENTITIES_LIST) {
      out.push(`${file}: imports ${to.name}'s entity ${target}: go through its exported service`);
    }
  }
  return out;
}

/** Entity class → table, from `@Entity({ name: '…' })` on an exported class. */
export function entityTablesOf(source: string): Array<{ className: string; table: string }> {
  const out: Array<{ className: string; table: string }> = [];
  for (const m of source.matchAll(/@Entity\(\s*\{[^}]*\bname:\s*'([a-z0-9_]+)'[^}]*\}\s*\)\s*export\s+class\s+(\w+)/g)) {
    out.push({ className: m[2], table: m[1] });
  }
  return out;
}

const bareTable = (name: string) => name.replace(/"/g, '').replace(/^public\./i, '').toLowerCase();

/** Tables written by SQL in string literals (`${…}` for a name known only at run time). */
export function sqlWrites(strings: string[]): string[] {
  const out: string[] = [];
  const NAME = String.raw`((?:"?[A-Za-z_][\w$]*"?\.)?"?[A-Za-z_][\w$]*"?|\$\{[^}]*\})`;
  const patterns = [
    new RegExp(String.raw`\bINSERT\s+INTO\s+${NAME}`, 'gi'),
    new RegExp(String.raw`\bUPDATE\s+(?:ONLY\s+)?${NAME}(?:\s+(?:AS\s+)?(?!SET\b)[A-Za-z_]\w*)?\s+SET\b`, 'gi'),
    new RegExp(String.raw`\bDELETE\s+FROM\s+(?:ONLY\s+)?${NAME}`, 'gi'),
    new RegExp(String.raw`\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAME}`, 'gi'),
    new RegExp(String.raw`\bMERGE\s+INTO\s+${NAME}`, 'gi'),
  ];
  // the name concatenated after the literal ('DELETE FROM ' + table): known only at run time.
  // Upper case only, as this code writes SQL, so that a message ending in "update" is no write.
  const cut = /\b(?:INSERT\s+INTO|DELETE\s+FROM(?:\s+ONLY)?|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?|MERGE\s+INTO|(?<!\b(?:FOR|DO|KEY)\s+)UPDATE(?:\s+ONLY)?)\s*$/;
  for (const s of strings) {
    if (cut.test(s)) out.push('${+}');
    for (const p of patterns) {
      for (const m of s.matchAll(p)) {
        if (/^SET$/i.test(m[1])) continue; // ON CONFLICT … DO UPDATE SET: the INSERT's own table
        out.push(m[1].startsWith('${') ? m[1] : bareTable(m[1]));
      }
    }
  }
  return out;
}

const WRITE_CALL = /\.\s*(insert|update|delete|save|remove|upsert|softDelete|softRemove|restore|recover|increment|decrement|clear|into)\s*\(/;

/**
 * Tables written through TypeORM: a statement that names an entity (or a table, as a string)
 * as a repository or query-builder target and calls a write method; a repository kept in a
 * variable counts where the variable is written through.
 */
export function typeormWrites(code: string, entities: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const statements = code.split(/;/);
  const repoVars = new Map<string, string>();
  const targetsOf = (stmt: string): string[] => {
    const found: string[] = [];
    for (const m of stmt.matchAll(/\b([A-Z]\w*Entity)\b/g)) {
      const table = entities.get(m[1]);
      if (table) found.push(table);
    }
    // a table named as a string: getRepository('t'), .into('t'), a query builder's .update('t') /
    // .from('t'), or EntityManager's em.insert('t', …) (a second argument: hash.update('x') is none)
    const named = [
      /\b(?:getRepository|into)\s*\(\s*(['"`])([a-z_][a-z0-9_.]*)\1/g,
      /\.\s*(?:insert|update|delete|save|upsert|remove)\s*\(\s*(['"`])([a-z_][a-z0-9_.]*)\1\s*,/g,
      ...(/\bcreateQueryBuilder\s*\(/.test(stmt) ? [/\.\s*(?:update|from)\s*\(\s*(['"`])([a-z_][a-z0-9_.]*)\1/g] : []),
    ];
    for (const re of named) for (const m of stmt.matchAll(re)) found.push(bareTable(m[2]));
    return found;
  };
  for (const stmt of statements) {
    for (const m of stmt.matchAll(/\b(?:const|let|var)\s+(\w+)\s*=\s*[^=]*?\bgetRepository\s*\(\s*(\w+)/g)) {
      const table = entities.get(m[2]);
      if (table) repoVars.set(m[1], table);
    }
  }
  for (const stmt of statements) {
    if (!WRITE_CALL.test(stmt)) continue;
    // `.update(` of a hash or a Map is no write: only statements that name a table count
    out.push(...targetsOf(stmt));
    for (const [name, table] of repoVars) {
      if (new RegExp(String.raw`\b${name}\s*\.\s*(?:createQueryBuilder\s*\([^)]*\)\s*\.\s*)?(insert|update|delete|save|remove|upsert|softDelete|softRemove|restore|recover|increment|decrement|clear)\s*\(`).test(stmt)) {
        out.push(table);
      }
    }
  }
  return out;
}

/** Write rules: every written table has an owner, and it is the file's module (or area). */
export function writeViolations(file: string, scanned: Scanned, entities: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const from = ownerOf(file);
  const writes = [
    ...sqlWrites(scanned.strings).map((t) => ({ t, how: 'SQL' })),
    ...typeormWrites(scanned.code, entities).map((t) => ({ t, how: 'TypeORM' })),
  ];
  const seen = new Set<string>();
  for (const { t, how } of writes) {
    if (seen.has(`${how}:${t}`)) continue;
    seen.add(`${how}:${t}`);
    if (t.startsWith('${')) {
      if (!(file in DYNAMIC_WRITE_ALLOW_LIST)) {
        out.push(`${file}: writes a table named at run time (${t}); only DYNAMIC_WRITE_ALLOW_LIST may`);
      }
      continue;
    }
    const owner = TABLE_OWNERS[t];
    if (!owner) {
      out.push(`${file}: writes ${t} (${how}), a table with no owner in TABLE_OWNERS`);
    } else if (owner !== (from.kind === 'module' ? from.name : from.name === 'database' ? 'database' : undefined)) {
      out.push(`${file}: writes ${t} (${how}), owned by ${owner}, from ${ownerName(from)}`);
    }
  }
  return out;
}

/** An entity lives in its table's owner module, under entities/. */
export function entityPlacementViolations(file: string, source: string): string[] {
  const out: string[] = [];
  for (const { className, table } of entityTablesOf(source)) {
    const owner = TABLE_OWNERS[table];
    const from = ownerOf(file);
    if (!owner) out.push(`${file}: entity ${className} maps ${table}, a table with no owner`);
    else if (from.kind !== 'module' || from.name !== owner) out.push(`${file}: entity ${className} of ${table} is not in module ${owner}`);
    else if (!isEntity(file)) out.push(`${file}: entity ${className} is not under entities/`);
  }
  return out;
}

/** Every .ts file under `dir`, as paths relative to it (spec files left out: they are tests). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) {
        out.push(relative(dir, p).split('\\').join('/'));
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** All violations of src/ given as file → source text (relative paths under src/). */
export function checkSources(files: ReadonlyMap<string, string>): string[] {
  const entities = new Map<string, string>();
  for (const [, source] of files) for (const e of entityTablesOf(source)) entities.set(e.className, e.table);
  const out: string[] = [];
  for (const [file, source] of files) {
    const scanned = scan(source);
    out.push(...importViolations(file, scanned.code));
    out.push(...writeViolations(file, scanned, entities));
    out.push(...entityPlacementViolations(file, source));
  }
  return out;
}

export function readSources(srcDir: string): Map<string, string> {
  return new Map(sourceFiles(srcDir).map((f) => [f, readFileSync(join(srcDir, f), 'utf8')]));
}

/** Tables the migrations create: `CREATE TABLE [IF NOT EXISTS] name`. */
export function migrationTables(migrationsDir: string): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(migrationsDir).filter((x) => x.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(migrationsDir, f), 'utf8').replace(/--[^\n]*/g, '');
    for (const m of sql.matchAll(/\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"?\w+"?\.)?"?\w+"?)/gi)) {
      out.add(bareTable(m[1]));
    }
  }
  return [...out].sort();
}

/** jest has no import.meta.dirname: the repository, from the working directory */
export const repoRoot = () => process.cwd();
